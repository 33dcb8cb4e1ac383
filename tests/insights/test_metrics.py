"""The metric definitions on hand-made requests (see insights/metrics.py).

Each case runs in November 2026, after the demo's last request, between agencies of
Sanggau (Asia/Pontianak, UTC+7), so only the requests made here fall in the window.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sinergi.insights import metrics
from sinergi.insights import selectors as sel

WIB = ZoneInfo("Asia/Pontianak")
NOV = sel.Window(dt.date(2026, 11, 9), dt.date(2026, 11, 30))


def at(day: int, hour: int = 9, month: int = 11) -> dt.datetime:
    """A local moment in Sanggau, November 2026."""
    return dt.datetime(2026, month, day, hour, 0, tzinfo=WIB)


def submit(to: str = "dpupr-sanggau", *, when: dt.datetime, frm: str = "dinkes-sanggau") -> Any:
    from sinergi.coordination.services import request_submit
    from sinergi.core.permissions import SYSTEM

    return request_submit(
        actor=SYSTEM,
        from_agency=frm,
        to_agency=to,
        kind="information",
        subject="Uji metrik",
        body="Mohon data.",
        now=when,
    )


def act(request: Any, action: str, when: dt.datetime, **kw: Any) -> Any:
    from sinergi.coordination.services import REQUEST_ACTIONS
    from sinergi.core.permissions import SYSTEM

    if action == "answer" and request.status == "submitted":
        REQUEST_ACTIONS["acknowledge"](actor=SYSTEM, request=request, now=when)
    return REQUEST_ACTIONS[action](actor=SYSTEM, request=request, now=when, body="Catatan.", **kw)


def figures(slug: str, window: sel.Window = NOV, now: dt.datetime | None = None) -> Any:
    from sinergi.core.permissions import SYSTEM

    moment = now or at(30, 20)
    metrics.refresh_facts(now=moment)
    rows = sel.agency_metrics(user=SYSTEM, window=window, agency=slug, now=moment)
    return rows[0] if rows else None


def fact(request: Any) -> Any:
    from sinergi.insights.models import RequestFact

    metrics.refresh_facts(now=at(30, 20))
    return RequestFact.objects.get(request_id=request.pk)


def test_answer_on_the_due_date_is_on_time_and_the_next_day_late(db: Any) -> None:
    on_time = submit(when=at(9))
    late = submit(when=at(9, 10))
    due_local = on_time.due_at.astimezone(WIB)
    act(on_time, "answer", on_time.due_at - dt.timedelta(hours=1))  # 23:00 on the due date
    act(late, "answer", late.due_at + dt.timedelta(hours=10))
    assert fact(on_time).on_time is True
    assert fact(on_time).response_days == 10  # the SLA: 10 working days
    assert fact(late).on_time is False
    assert fact(late).response_days == 11
    row = figures("dpupr-sanggau")
    assert (row.received, row.answered, row.answered_on_time) == (2, 2, 1)
    assert row.median_response_days == 10.5
    # due_at is the end of the due date, i.e. midnight starting the next day
    assert (due_local - dt.timedelta(hours=1)).date() == on_time.due_date


def test_paused_clock_days_are_not_response_days(db: Any) -> None:
    r = submit(when=at(9))  # Monday
    act(r, "clarify", at(11))  # Wednesday: the clock stops
    act(r, "respond", at(16))  # next Monday: Thu, Fri, Mon paused (3 working days)
    act(r, "answer", at(18))  # Wednesday: 7 working days after submission
    assert fact(r).response_days == 7 - 3
    assert figures("dpupr-sanggau").median_response_days == 4.0


def test_forwarded_twice_counts_for_the_last_handler_only(db: Any) -> None:
    r = submit("bpkad-sanggau", when=at(9))
    act(r, "forward", at(10), to_agency="perkimtan-sanggau")
    act(r, "forward", at(12), to_agency="dpupr-sanggau")
    f = fact(r)
    assert f.forwarded == 2
    assert f.days_to_forward == 1  # first forward the next working day
    assert figures("dpupr-sanggau").received == 1
    assert figures("dpupr-sanggau").forwarded == 2
    assert figures("bpkad-sanggau") is None or figures("bpkad-sanggau").received == 0
    pairs = sel.pair_metrics(user=_system(), window=NOV, agency="dinkes-sanggau", now=at(30, 20))
    assert [(p.from_agency, p.to_agency, p.requests) for p in pairs] == [
        ("dinkes-sanggau", "dpupr-sanggau", 1)
    ]


def test_a_local_holiday_is_not_a_working_day(db: Any) -> None:
    from sinergi.coordination.calendars import forget_calendars
    from sinergi.coordination.models import LocalHoliday
    from sinergi.regions.models import Region

    LocalHoliday.objects.create(
        region=Region.objects.get(code="61.03"), date=dt.date(2026, 11, 10), name="Hari jadi"
    )
    forget_calendars()
    try:
        r = submit(when=at(9))  # Monday; Tuesday is the local holiday
        act(r, "answer", at(11))  # Wednesday
        assert fact(r).response_days == 1
    finally:
        forget_calendars()


def test_window_is_read_in_local_days(db: Any) -> None:
    """Submitted 30 November 17:30 UTC = 1 December 00:30 in Sanggau: December's."""
    r = submit(when=dt.datetime(2026, 11, 30, 17, 30, tzinfo=dt.UTC))
    dec = sel.Window(dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    later = dt.datetime(2026, 12, 2, 2, 0, tzinfo=dt.UTC)
    assert figures("dpupr-sanggau", dec, later).received == 1
    november = figures("dpupr-sanggau", NOV, later)
    assert november is None or november.received == 0
    assert fact(r).submitted_day == dt.date(2026, 12, 1)


def test_open_overdue_is_counted_now_and_changes_with_time(db: Any) -> None:
    r = submit(when=at(9))
    before = figures("dpupr-sanggau", now=r.due_at - dt.timedelta(minutes=1))
    after = figures("dpupr-sanggau", now=r.due_at + dt.timedelta(minutes=1))
    assert (before.open_overdue, after.open_overdue) == (0, 1)


def test_reopened_request_is_unanswered_again(db: Any) -> None:
    r = submit(when=at(9))
    act(r, "answer", at(10))
    act(r, "reopen", at(11))
    f = fact(r)
    assert (f.answered, f.on_time, f.response_days) == (False, None, None)


def test_the_tick_job_keeps_the_tables_up_to_date(db: Any) -> None:
    from sinergi.core.tick import run_tick

    run_tick(at(9, 8))
    r = submit(when=at(9))
    result = run_tick(at(9, 10))
    assert result["insights.refresh"]["requests"] >= 1
    assert sel.metrics_updated_at() == at(9, 10)
    assert fact(r).is_open


@pytest.mark.parametrize(
    "values",
    [[], [3], [1, 2], [0, 0, 5, 7], [4, 1, 9, 2, 2, 30, 31, 40], list(range(37))],
)
def test_histogram_percentiles_equal_the_plain_ones(values: list[int]) -> None:
    hist = [0] * 32
    for v in values:
        hist[metrics.bucket(v)] += 1
    capped = [min(v, 31) for v in values]
    assert metrics.hist_median(hist) == metrics.median(capped)
    assert metrics.hist_p90(hist) == metrics.p90(capped)


def test_window_defaults_and_rejects_bad_periods() -> None:
    from sinergi.core.exceptions import ValidationFailed

    now = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    w = sel.window_from_params(None, None, now=now)
    assert (w.date_to - w.date_from).days == 89 and w.date_to == dt.date(2026, 11, 2)
    for bad in [("2026-11-02", "2026-11-01"), ("2026-02-30", None), ("2020-01-01", "2026-01-01")]:
        with pytest.raises(ValidationFailed):
            sel.window_from_params(*bad, now=now)


def _system() -> Any:
    from sinergi.core.permissions import SYSTEM

    return SYSTEM


def test_a_large_database_is_built_by_the_worker_not_by_a_page(db: Any, monkeypatch: Any) -> None:
    from sinergi.insights.models import RefreshState, RequestFact

    RefreshState.objects.all().delete()
    RequestFact.objects.all().delete()
    monkeypatch.setattr(metrics, "INLINE_BUILD_LIMIT", 5)
    metrics.ensure_built(now=at(30, 20))
    assert metrics.updated_at() is None
    assert not RequestFact.objects.exists()
    monkeypatch.setattr(metrics, "INLINE_BUILD_LIMIT", 1_000_000)
    metrics.ensure_built(now=at(30, 20))
    assert metrics.updated_at() == at(30, 20)
    assert RequestFact.objects.exists()


def test_full_build_and_incremental_refresh_write_the_same_sums(db: Any) -> None:
    """The sums are written inside the database (INSERT … SELECT) by both paths."""
    from sinergi.insights.models import AgencyPeriod, PairPeriod

    def snapshot() -> tuple[list[Any], list[Any]]:
        skip = {"id"}
        agency = sorted(
            tuple(v for k, v in row.items() if k not in skip)
            for row in AgencyPeriod.objects.values()
        )
        pair = sorted(
            tuple(v for k, v in row.items() if k not in skip) for row in PairPeriod.objects.values()
        )
        return agency, pair

    metrics.refresh_facts(now=at(9, 8))
    r = submit(when=at(9))
    act(r, "answer", at(12))
    submit("dinkes-sanggau", frm="dpupr-sanggau", when=at(10))
    metrics.refresh_facts(now=at(30, 20))
    incremental = snapshot()
    metrics.refresh_facts(now=at(30, 20), full=True)
    assert snapshot() == incremental
    assert any(row for row in incremental[0] if row[0] == "61.03")


def test_top_pairs_equal_the_first_of_the_full_order() -> None:
    import random

    rnd = random.Random(7)
    for _ in range(50):
        pairs = {(rnd.randrange(30), rnd.randrange(30)) for _ in range(rnd.randrange(1, 300))}
        sums = {k: {"received": rnd.randrange(5)} for k in pairs if rnd.random() < 0.9}
        overdue = {k: rnd.randrange(1, 4) for k in pairs if k not in sums or rnd.random() < 0.2}
        everything = sel._pair_order(list(set(sums) | set(overdue)), sums, overdue)
        for limit in (1, 5, 40, 1000):
            assert sel._top_pairs(sums, overdue, limit) == everything[:limit]
