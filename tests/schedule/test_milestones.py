"""Milestones are dated on the day they happen: at the start of the day when a start date
or a start-to link holds them, at the close of the day when finishing work does."""

from __future__ import annotations

from datetime import date

from sinergi.schedule import Calendar, Link, Task, schedule

ID = Calendar(national="ID")
DATA_DATE = date(2026, 11, 2)
START = date(2027, 1, 4)  # Monday; 1 January is a holiday, 2-3 a weekend, 5 Isra Mi'raj


def _dates(tasks: list[Task], links: list[Link]) -> dict[str, tuple[date, date, bool]]:
    s = schedule(tasks, links, ID, DATA_DATE)
    return {k: (v.start, v.finish, v.at_close) for k, v in s.tasks.items()}


def test_a_start_milestone_is_on_the_start_date_not_the_working_day_before() -> None:
    got = _dates(
        [Task("start", 0, earliest_start=START), Task("work", 3), Task("done", 0)],
        [Link("start", "work"), Link("work", "done")],
    )
    assert got["start"] == (START, START, False)
    assert got["work"][:2] == (START, date(2027, 1, 7))  # 4, 6 and 7 January
    # The closing milestone is reached when the work closes: on its last day.
    assert got["done"] == (date(2027, 1, 7), date(2027, 1, 7), True)


def test_links_from_a_start_keep_the_milestone_at_the_start_of_the_day() -> None:
    got = _dates(
        [
            Task("a", 5, earliest_start=START),
            Task("ss", 0),
            Task("sf", 0),
            Task("ff", 0),
            Task("after_ss", 0),
        ],
        [
            Link("a", "ss", "SS", 2),
            Link("a", "sf", "SF", 1),
            Link("a", "ff", "FF", 0),
            Link("ss", "after_ss", "FS", 0),
        ],
    )
    # a works 4, 6, 7, 8 and 11 January.
    assert got["ss"] == (date(2027, 1, 7), date(2027, 1, 7), False)
    assert got["sf"] == (date(2027, 1, 6), date(2027, 1, 6), False)
    assert got["ff"] == (date(2027, 1, 11), date(2027, 1, 11), True)
    # A milestone after a start-of-day milestone is at the start of that same day.
    assert got["after_ss"] == got["ss"]


def test_a_start_date_wins_a_tie_with_work_that_closes_the_day_before() -> None:
    got = _dates(
        [Task("a", 2, earliest_start=START), Task("m", 0, earliest_start=date(2027, 1, 7))],
        [Link("a", "m")],
    )
    # a works 4 and 6 January, so it closes where 7 January starts: the start date wins.
    assert got["m"] == (date(2027, 1, 7), date(2027, 1, 7), False)


def test_late_dates_follow_the_total_float() -> None:
    s = schedule(
        [Task("a", 2, earliest_start=START), Task("b", 5, earliest_start=START), Task("m", 0)],
        [Link("a", "m"), Link("b", "m")],
        ID,
        DATA_DATE,
    )
    a, m = s.task("a"), s.task("m")
    assert a.total_float == 3
    assert (a.late_start, a.late_finish) == (date(2027, 1, 8), date(2027, 1, 11))
    assert (m.start, m.late_start, m.late_finish) == (date(2027, 1, 11),) * 3
    assert a.remaining == 2 and m.remaining == 0
