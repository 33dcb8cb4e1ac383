"""Critical path method on small networks whose answers are worked out by hand."""

from __future__ import annotations

from datetime import date

import pytest

from sinergi.schedule import Calendar, Link, Network, ScheduleError, Task, cpm_arrays, schedule

MON = date(2025, 1, 6)  # a Monday in a week without Indonesian holidays
PLAIN = Calendar()


def test_fs_chain_with_parallel_branch() -> None:
    tasks = [Task("a", 3), Task("b", 2), Task("c", 4), Task("d", 0)]
    links = [Link("a", "b"), Link("a", "c"), Link("b", "d"), Link("c", "d")]
    s = schedule(tasks, links, PLAIN, MON)
    t = s.tasks
    assert (t["a"].es, t["a"].ef, t["c"].ef, t["d"].es) == (0, 3, 7, 7)
    assert (t["b"].ls, t["b"].lf, t["b"].total_float, t["b"].free_float) == (5, 7, 2, 2)
    assert [k for k, v in t.items() if v.critical] == ["a", "c", "d"]
    assert s.critical_path == ["a", "c", "d"]
    assert s.finish_offset == 7
    # a: Mon-Wed; c: Thu, Fri, Mon, Tue; the closing milestone sits on c's last day.
    assert (t["a"].start, t["a"].finish) == (date(2025, 1, 6), date(2025, 1, 8))
    assert (t["c"].start, t["c"].finish) == (date(2025, 1, 9), date(2025, 1, 14))
    assert t["d"].start == t["d"].finish == date(2025, 1, 14)
    assert s.finish_date == date(2025, 1, 14)


@pytest.mark.parametrize(
    ("typ", "lag", "b_es"),
    [
        ("FS", 0, 5),  # b starts when a finishes
        ("FS", 2, 7),
        ("FS", -2, 3),  # negative lag: overlap
        ("SS", 1, 1),
        ("FF", 0, 2),  # b (3 days) finishes with a (5 days)
        ("FF", 1, 3),
        ("SF", 4, 1),  # b finishes 4 days after a starts
        ("SF", 1, 0),  # would start before the data date: held at 0
    ],
)
def test_link_types_and_lags(typ: str, lag: int, b_es: int) -> None:
    s = schedule(
        [Task("a", 5), Task("b", 3)],
        [Link("a", "b", typ, lag)],
        PLAIN,
        MON,  # type: ignore[arg-type]
    )
    assert s.tasks["b"].es == b_es
    assert s.tasks["b"].ef == b_es + 3


def test_start_no_earlier_than_and_deadline_give_negative_float() -> None:
    tasks = [
        Task("a", 5, earliest_start=date(2025, 1, 8)),  # Wednesday: offset 2
        Task("b", 5, deadline=date(2025, 1, 17)),  # Friday of week 2: finish by offset 10
    ]
    s = schedule(tasks, [Link("a", "b")], PLAIN, MON)
    a, b = s.tasks["a"], s.tasks["b"]
    assert (a.es, b.es, b.ef) == (2, 7, 12)
    assert b.total_float == -2 and a.total_float == -2
    assert b.critical and a.critical
    assert s.near_critical(-2) == ["a", "b"]


def test_near_critical_threshold() -> None:
    tasks = [Task("a", 10), Task("b", 8), Task("c", 3)]
    s = schedule(tasks, [], PLAIN, MON)
    assert s.near_critical(0) == ["a"]
    assert s.near_critical(2) == ["a", "b"]


def test_two_critical_paths() -> None:
    tasks = [Task("s", 1), Task("x", 4), Task("y", 4), Task("e", 1)]
    links = [Link("s", "x"), Link("s", "y"), Link("x", "e"), Link("y", "e")]
    s = schedule(tasks, links, PLAIN, MON)
    assert s.critical_paths() == [["s", "x", "e"], ["s", "y", "e"]]


def test_cycle_is_refused_with_the_tasks_in_it() -> None:
    tasks = [Task(x, 1) for x in "abcd"]
    links = [Link("a", "b"), Link("b", "c"), Link("c", "d"), Link("d", "b")]
    with pytest.raises(ScheduleError) as err:
        Network(tasks, links)
    assert err.value.code == "cycle"
    assert sorted(err.value.ids) == ["b", "c", "d"]
    assert "b -> c -> d -> b" in err.value.message


def test_self_link_is_a_cycle() -> None:
    with pytest.raises(ScheduleError) as err:
        Network([Task("a", 1)], [Link("a", "a")])
    assert (err.value.code, err.value.ids) == ("cycle", ("a",))


@pytest.mark.parametrize(
    ("tasks", "links", "code", "ids"),
    [
        ([Task("a", 1), Task("a", 2)], [], "duplicate_id", ("a",)),
        ([Task("a", 1)], [Link("a", "zz")], "unknown_id", ("zz",)),
        ([Task("a", -1)], [], "negative_duration", ("a",)),
        ([Task("a", 1), Task("b", 1)], [Link("a", "b", "XX")], "invalid_link_type", ("a", "b")),  # type: ignore[arg-type]
    ],
)
def test_bad_networks_are_refused(
    tasks: list[Task], links: list[Link], code: str, ids: tuple[str, ...]
) -> None:
    with pytest.raises(ScheduleError) as err:
        Network(tasks, links)
    assert err.value.code == code
    assert err.value.ids == ids


def test_array_entry_refuses_bad_indices_and_durations() -> None:
    with pytest.raises(ScheduleError, match="outside"):
        cpm_arrays([1, 1], [0], [2], [0], [0])
    with pytest.raises(ScheduleError) as err:
        cpm_arrays([1, -1], [0], [1], [0], [0])
    assert err.value.code == "negative_duration"


def test_rerun_on_same_structure_reuses_the_index() -> None:
    net = Network([Task("a", 2), Task("b", 3)], [Link("a", "b")])
    again = net.replace_tasks([Task("a", 5), Task("b", 3)])
    assert again.structure is net.structure
    assert again.schedule(PLAIN, MON).finish_offset == 8
    other = net.replace_tasks([Task("b", 3), Task("a", 5)])
    assert other.structure is not net.structure


def test_empty_network() -> None:
    s = schedule([], [], PLAIN, MON)
    assert (s.finish_offset, s.finish_date, s.critical_path) == (0, MON, [])
