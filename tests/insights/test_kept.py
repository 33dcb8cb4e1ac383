"""Slow insights reads are answered from the kept copy while a background thread rebuilds
them (docs/decisions/insights-kept-while-refreshed.md); quick ones are rebuilt on the
reader's thread; a copy is never older than ``MAX_AGE``."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import pytest

from sinergi.insights import kept

T0 = dt.datetime(2026, 11, 2, 3, 0, 10, tzinfo=dt.UTC)


def _wait_for_rebuilds(seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while kept._BUILDING and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not kept._BUILDING, "the background rebuild did not finish"


def test_a_quick_read_is_rebuilt_by_its_reader(monkeypatch: Any) -> None:
    monkeypatch.setattr(kept, "BACKGROUND", True)
    calls: list[int] = []

    def build() -> int:
        calls.append(1)
        return len(calls)

    assert kept.kept("k", token="a", now=T0, build=build) == 1
    assert kept.kept("k", token="a", now=T0 + dt.timedelta(seconds=40), build=build) == 1
    # A new minute or a new token: rebuilt before answering (it was quick).
    assert kept.kept("k", token="a", now=T0 + dt.timedelta(minutes=1), build=build) == 2
    assert kept.kept("k", token="b", now=T0 + dt.timedelta(minutes=1), build=build) == 3
    assert not kept._BUILDING
    # No token (tables never built): nothing kept.
    assert kept.kept("k", token="", now=T0, build=build) == 4
    assert kept.kept("k", token="", now=T0, build=build) == 5


def test_a_slow_read_answers_the_kept_copy_while_one_thread_rebuilds(monkeypatch: Any) -> None:
    monkeypatch.setattr(kept, "BACKGROUND", True)
    monkeypatch.setattr(kept, "SLOW", 0.05)
    release = threading.Event()
    builds: list[str] = []

    def slow(value: str) -> Any:
        def build() -> str:
            builds.append(value)
            if value != "first":
                release.wait(10)
            else:
                time.sleep(0.06)
            return value

        return build

    assert kept.kept("k", token="a", now=T0, build=slow("first")) == "first"
    later = T0 + dt.timedelta(minutes=1)
    # The reader does not wait: the earlier copy, and one rebuild started however many ask.
    assert kept.kept("k", token="b", now=later, build=slow("second")) == "first"
    assert kept.kept("k", token="b", now=later, build=slow("third")) == "first"
    release.set()
    _wait_for_rebuilds()
    assert builds == ["first", "second"]
    assert kept.kept("k", token="b", now=later, build=slow("fourth")) == "second"


def test_a_copy_older_than_max_age_is_never_served(monkeypatch: Any) -> None:
    monkeypatch.setattr(kept, "BACKGROUND", True)
    monkeypatch.setattr(kept, "SLOW", 0.0)
    assert kept.kept("k", token="a", now=T0, build=lambda: "old") == "old"
    monkeypatch.setattr(kept, "MAX_AGE", dt.timedelta(0))
    time.sleep(0.01)
    later = T0 + dt.timedelta(minutes=1)
    assert kept.kept("k", token="a", now=later, build=lambda: "new") == "new"


def test_a_failed_rebuild_keeps_the_copy_and_the_next_reader_retries(monkeypatch: Any) -> None:
    monkeypatch.setattr(kept, "BACKGROUND", True)
    monkeypatch.setattr(kept, "SLOW", 0.0)
    assert kept.kept("k", token="a", now=T0, build=lambda: "old") == "old"
    later = T0 + dt.timedelta(minutes=1)

    def broken() -> str:
        raise RuntimeError("database went away")

    assert kept.kept("k", token="b", now=later, build=broken) == "old"
    _wait_for_rebuilds()
    assert kept.kept("k", token="b", now=later, build=lambda: "new") == "old"
    _wait_for_rebuilds()
    assert kept.kept("k", token="b", now=later, build=lambda: "newer") == "new"


@pytest.mark.django_db(transaction=True)
def test_the_dashboard_figures_are_rebuilt_behind_the_reader(demo: Any, monkeypatch: Any) -> None:
    """On the real figures, with a real thread and its own database connection: after a
    change, the slow read answers the earlier figures at once and the next read the new
    ones."""
    from sinergi.accounts.models import User
    from sinergi.catalog.models import Dataset
    from sinergi.insights import selectors

    monkeypatch.setattr(kept, "BACKGROUND", True)
    monkeypatch.setattr(kept, "SLOW", 0.0)
    admin = User.objects.get(username="admin")
    window = selectors.window_from_params(None, None, now=T0)
    first = {
        r.agency: r.datasets_published
        for r in selectors.agency_metrics(user=admin, window=window, now=T0)
    }
    dataset = Dataset.objects.filter(status="published").select_related("publisher").first()
    assert dataset is not None
    Dataset.objects.filter(pk=dataset.pk).update(status="draft")
    later = T0 + dt.timedelta(minutes=1)
    again = selectors.agency_metrics(user=admin, window=window, now=later)
    assert {r.agency: r.datasets_published for r in again} == first
    _wait_for_rebuilds()
    after = {
        r.agency: r.datasets_published
        for r in selectors.agency_metrics(user=admin, window=window, now=later)
    }
    slug = dataset.publisher.slug
    assert after.get(slug, 0) == first[slug] - 1
