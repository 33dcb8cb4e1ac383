"""Bounded pages: a capped count, pages numbered from either end, both ends cheap."""

from __future__ import annotations

from typing import Any

import pytest

from sinergi.coordination.models import Request
from sinergi.core import paging


def _ids(page: Any) -> list[int]:
    return [r.pk for r in page]


def _by_ids(loaded: list[list[int]]) -> Any:
    """A ``load`` for ``bounded_page``: the requests of the ids in their order."""

    def load(ids: list[int]) -> list[Any]:
        loaded.append(ids)
        found = Request.objects.in_bulk(ids)
        return [found[pk] for pk in ids]

    return load


@pytest.mark.django_db
@pytest.mark.parametrize("ids_first", [False, True])
def test_pages_from_both_ends(ids_first: bool, monkeypatch: Any) -> None:
    """The same pages whether rows are read whole or found as ids first (``load``)."""
    loaded: list[list[int]] = []

    def page_of(*args: Any, **kwargs: Any) -> Any:
        load = _by_ids(loaded) if ids_first else None
        return paging.bounded_page(*args, **kwargs, load=load)

    qs = Request.objects.order_by("due_at", "pk")
    ids = list(qs.values_list("pk", flat=True))
    n, per = len(ids), 7
    assert n > 4 * per

    last = page_of(qs, "last", per)
    assert not last.capped and last.count == n and last.number == last.num_pages
    assert _ids(last) == ids[(last.number - 1) * per :]
    assert _ids(page_of(qs, 2, per)) == ids[per : 2 * per]
    mid = last.number - 1  # in the second half: read in reverse order
    assert _ids(page_of(qs, mid, per)) == ids[(mid - 1) * per : mid * per]
    assert page_of(qs, -2, per).number == last.number - 1

    cap = n - 5
    first = page_of(qs, 1, per, cap=cap)
    assert first.capped and first.count == cap and first.num_pages is None
    assert first.has_next and not first.has_previous and _ids(first) == ids[:per]
    end = page_of(qs, "last", per, cap=cap)
    assert end.number == -1 and end.has_previous and not end.has_next
    assert _ids(end) == ids[-per:]
    before = page_of(qs, end.previous_page_number, per, cap=cap)
    assert _ids(before) == ids[-2 * per : -per] and before.next_page_number == -1
    assert _ids(page_of(qs, 10**6, per, cap=cap)) == ids[-per:]  # past the end
    assert _ids(page_of(qs, -(10**6), per, cap=cap)) == ids[:per]  # before the start
    assert page_of(qs, "nonsense", per, cap=cap).number == 1
    if ids_first:
        assert loaded and all(isinstance(pk, int) for ids in loaded for pk in ids)


@pytest.mark.django_db
def test_request_list_says_more_than(client_as: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    client = client_as("leader")
    html = client.get("/permintaan/daftar/").content.decode()
    assert "lebih dari 5 permintaan" in html
    assert "page=last" in html
    last = client.get("/permintaan/daftar/?page=last").content.decode()
    assert "Halaman terakhir" in last and 'rel="prev"' in last
