"""Forecast from progress and comparison with a baseline, on the worked example."""

from __future__ import annotations

from datetime import date

import pytest

from sinergi.schedule import Calendar, Link, ScheduleError, Task, compare_baseline, schedule

from .program import CAL, LINKS, PLAN, START, U1_TASKS

U1 = date(2026, 3, 2)


def test_baseline_of_the_program() -> None:
    s = schedule(PLAN, LINKS, CAL, START)
    assert s.finish_offset == 55
    assert s.critical_path == ["penlok", "tanah", "konstruksi", "serah"]
    t = s.tasks
    # Land: 20 working days from 9 February skip Imlek (16-17 February): ends 10 March.
    assert (t["tanah"].start, t["tanah"].finish) == (date(2026, 2, 9), date(2026, 3, 10))
    # Construction: 30 days from 11 March skip Nyepi, Lebaran and Good Friday.
    assert (t["konstruksi"].start, t["konstruksi"].finish) == (
        date(2026, 3, 11),
        date(2026, 4, 29),
    )
    assert s.finish_date == date(2026, 4, 29)
    assert (t["desain"].total_float, t["amdal"].total_float, t["amdal"].free_float) == (5, 5, 5)


def test_forecast_at_u1() -> None:
    s = schedule(U1_TASKS, LINKS, CAL, U1)
    t = s.tasks
    # Finished: actual dates kept, no float, not critical.
    assert (t["penlok"].start, t["penlok"].finish, t["penlok"].status) == (
        date(2026, 2, 2),
        date(2026, 2, 6),
        "finished",
    )
    assert not t["penlok"].critical
    # 13 working days ran from 9 February to the data date; 25 % of 20 leaves 15 from it.
    assert (t["tanah"].es, t["tanah"].ef, t["tanah"].status) == (-13, 15, "in_progress")
    assert t["tanah"].finish == date(2026, 3, 27)
    assert (t["konstruksi"].es, t["konstruksi"].ef) == (15, 45)
    assert t["konstruksi"].start == date(2026, 3, 30)
    assert s.finish_date == date(2026, 5, 12)
    assert s.critical_path == ["tanah", "konstruksi", "serah"]
    assert t["desain"].total_float == 13

    slip = compare_baseline(s, schedule(PLAN, LINKS, CAL, START))
    # 29 April -> 12 May: 8 working days (1 May is Labour Day).
    assert slip.project_slip == 8
    assert slip.tasks["tanah"].finish_slip == 8  # 10-13, 16-17, 25-26 March
    assert slip.tasks["konstruksi"].start_slip == 8
    assert slip.tasks["penlok"].finish_slip == 0
    assert (slip.added, slip.removed) == ([], [])


def test_not_started_tasks_wait_for_the_data_date() -> None:
    tasks = [
        Task("a", 2, actual_start=date(2026, 1, 5), actual_finish=date(2026, 1, 6)),
        Task("b", 3),
    ]
    s = schedule(tasks, [Link("a", "b")], Calendar(), date(2026, 1, 12))
    assert (s.tasks["b"].es, s.tasks["b"].start) == (0, date(2026, 1, 12))


def test_retained_logic_for_out_of_sequence_progress() -> None:
    # b started before a finished: b's remaining work waits for a (FS), then runs.
    tasks = [
        Task("a", 10, actual_start=date(2026, 1, 5), remaining_duration=3),
        Task("b", 5, actual_start=date(2026, 1, 9), remaining_duration=4),
    ]
    s = schedule(tasks, [Link("a", "b")], Calendar(), date(2026, 1, 12))
    b = s.tasks["b"]
    assert (b.es, b.ef, b.start) == (-1, 7, date(2026, 1, 9))
    assert b.finish == date(2026, 1, 20)
    assert s.critical_path == ["a", "b"]


@pytest.mark.parametrize(
    ("percent", "remaining", "expected_ef"),
    [(25, None, 15), (100, None, 0), (0, None, 20), (None, 4, 4), (50, 1, 1), (None, None, 10)],
)
def test_remaining_work(percent: float | None, remaining: int | None, expected_ef: int) -> None:
    # Started 10 working days before the data date; with neither figure the plan is
    # assumed to hold (20 - 10 days elapsed).
    t = Task(
        "a",
        20,
        actual_start=date(2026, 1, 5),
        percent_complete=percent,
        remaining_duration=remaining,
    )
    s = schedule([t], [], Calendar(), date(2026, 1, 19))
    assert s.tasks["a"].ef == expected_ef


def test_finished_without_actual_start_uses_the_planned_duration() -> None:
    t = Task("a", 3, actual_finish=date(2026, 1, 9))
    s = schedule([t], [], Calendar(), date(2026, 1, 12))
    assert (s.tasks["a"].es, s.tasks["a"].ef) == (-3, 0)


@pytest.mark.parametrize(
    "task",
    [
        Task("a", 3, actual_start=date(2026, 2, 1)),
        Task("a", 3, actual_start=date(2026, 1, 5), actual_finish=date(2026, 1, 2)),
        Task("a", 3, percent_complete=40),
        Task("a", 3, actual_start=date(2026, 1, 5), percent_complete=140),
        Task("a", 3, remaining_duration=-1),
    ],
)
def test_bad_progress_is_refused(task: Task) -> None:
    with pytest.raises(ScheduleError) as err:
        schedule([task], [], Calendar(), date(2026, 1, 12))
    assert err.value.code == "invalid_progress"
    assert err.value.ids == ("a",)
