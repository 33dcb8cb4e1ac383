"""Bounded pages: a capped count, pages numbered from either end, both ends cheap."""

from __future__ import annotations

from typing import Any

import pytest

from sinergi.coordination.models import Request
from sinergi.core import paging
from sinergi.core.paging import bounded_page


def _ids(page: Any) -> list[int]:
    return [r.pk for r in page]


@pytest.mark.django_db
def test_pages_from_both_ends() -> None:
    qs = Request.objects.order_by("due_at", "pk")
    ids = list(qs.values_list("pk", flat=True))
    n, per = len(ids), 7
    assert n > 4 * per

    last = bounded_page(qs, "last", per)
    assert not last.capped and last.count == n and last.number == last.num_pages
    assert _ids(last) == ids[(last.number - 1) * per :]
    assert _ids(bounded_page(qs, 2, per)) == ids[per : 2 * per]
    mid = last.number - 1  # in the second half: read in reverse order
    assert _ids(bounded_page(qs, mid, per)) == ids[(mid - 1) * per : mid * per]
    assert bounded_page(qs, -2, per).number == last.number - 1

    cap = n - 5
    first = bounded_page(qs, 1, per, cap=cap)
    assert first.capped and first.count == cap and first.num_pages is None
    assert first.has_next and not first.has_previous and _ids(first) == ids[:per]
    end = bounded_page(qs, "last", per, cap=cap)
    assert end.number == -1 and end.has_previous and not end.has_next
    assert _ids(end) == ids[-per:]
    before = bounded_page(qs, end.previous_page_number, per, cap=cap)
    assert _ids(before) == ids[-2 * per : -per] and before.next_page_number == -1
    assert _ids(bounded_page(qs, 10**6, per, cap=cap)) == ids[-per:]  # past the end
    assert _ids(bounded_page(qs, -(10**6), per, cap=cap)) == ids[:per]  # before the start
    assert bounded_page(qs, "nonsense", per, cap=cap).number == 1


@pytest.mark.django_db
def test_request_list_says_more_than(client_as: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(paging, "COUNT_CAP", 5)
    client = client_as("leader")
    html = client.get("/permintaan/daftar/").content.decode()
    assert "lebih dari 5 permintaan" in html
    assert "page=last" in html
    last = client.get("/permintaan/daftar/?page=last").content.decode()
    assert "Halaman terakhir" in last and 'rel="prev"' in last
