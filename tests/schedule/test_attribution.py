"""Windows analysis: delay attributed to agencies and hand-offs, on worked examples."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sinergi.schedule import Calendar, Link, ScheduleError, StatusUpdate, Task, attribute_delay

from .program import CAL, UPDATES

PLAIN = Calendar()
MON = date(2026, 1, 5)


def test_land_acquisition_slip_and_the_hand_off_to_dinas_pupr() -> None:
    result = attribute_delay(UPDATES, CAL)
    assert [d.isoformat() for d in result.finish_dates] == [
        "2026-04-29",
        "2026-05-12",
        "2026-05-20",
        "2026-05-29",
    ]
    w1, w2, w3 = result.windows
    # Window 1: the land is 25 % done where the plan said 65 %: 8 days, all progress, on
    # the Kantor Pertanahan.
    assert (w1.movement, w1.progress_movement, w1.revision_movement) == (8, 8, 0)
    assert w1.controlling_path == ["tanah", "konstruksi", "serah"]
    assert (w1.by_agency, w1.by_handoff) == ({"Kantor Pertanahan": 8}, {})
    # Window 2: the land was handed over on 27 March as forecast, but construction had
    # not started by 6 April: 4 working days (30 March - 2 April) lost at the hand-off.
    assert (w2.movement, w2.progress_movement) == (4, 4)
    assert w2.controlling_path == ["konstruksi", "serah"]
    assert (w2.by_agency, w2.by_handoff) == ({}, {("Kantor Pertanahan", "Dinas PUPR"): 4})
    # Window 3: construction runs to plan, but Dinas PUPR revised it to 35 days.
    assert (w3.movement, w3.progress_movement, w3.revision_movement) == (5, 0, 5)
    assert (w3.by_agency, w3.by_handoff) == ({"Dinas PUPR": 5}, {})
    assert result.movement == 17
    assert result.by_agency == {"Kantor Pertanahan": 8, "Dinas PUPR": 5}
    assert result.by_handoff == {("Kantor Pertanahan", "Dinas PUPR"): 4}


def test_delay_absorbed_by_float_is_not_attributed() -> None:
    # a (P, 5 days) had 2 days of float before c; it took 7, which only used the float.
    # c (Q) then started a day later than it could have and has 6 days left, not 5.
    plan = [Task("a", 5, "P"), Task("b", 7, "R"), Task("c", 5, "Q")]
    links = [Link("a", "c"), Link("b", "c")]
    now = date(2026, 1, 19)  # 10 working days after MON
    late = [
        replace(plan[0], actual_start=MON, actual_finish=date(2026, 1, 13)),
        replace(plan[1], actual_start=MON, actual_finish=date(2026, 1, 13)),
        replace(plan[2], actual_start=date(2026, 1, 15), remaining_duration=6),
    ]
    ups = [StatusUpdate(MON, plan, links), StatusUpdate(now, late, links)]
    (w,) = attribute_delay(ups, PLAIN).windows
    assert w.movement == 4  # finish at 16 instead of 12
    assert (w.by_agency, w.by_handoff) == ({"Q": 4}, {})


def test_float_on_the_path_absorbs_the_first_delay_that_reaches_it() -> None:
    # t1 (P) had 2 days of float before t2 (Q); it took 10 days instead of 5. The first
    # 2 days of its lateness are absorbed, the other 3 move the finish.
    plan = [Task("t0", 7, "R"), Task("t1", 5, "P"), Task("t2", 5, "Q")]
    links = [Link("t0", "t2"), Link("t1", "t2")]
    done = [
        replace(plan[0], actual_start=MON, actual_finish=date(2026, 1, 13)),
        replace(plan[1], actual_start=MON, actual_finish=date(2026, 1, 16)),
        plan[2],
    ]
    ups = [StatusUpdate(MON, plan, links), StatusUpdate(date(2026, 1, 19), done, links)]
    (w,) = attribute_delay(ups, PLAIN).windows
    assert w.movement == 3
    assert w.controlling_path == ["t2"]
    assert [(s.task, s.days, s.note) for s in w.steps] == [
        ("t1", 5, "finish"),
        ("t2", -2, "float"),
    ]
    assert (w.by_agency, w.by_handoff) == ({"P": 3}, {})


def test_a_gain_elsewhere_is_credited_to_the_path_that_gained() -> None:
    # x (agency X, 10 days) drove the finish; y (Y, 5 days) had 5 days of float. x
    # finishes after 3 days: the finish moves 5 days earlier, now driven by y.
    plan = [Task("x", 10, "X"), Task("y", 5, "Y"), Task("z", 2, "Z")]
    links = [Link("x", "z"), Link("y", "z")]
    done = [
        replace(plan[0], actual_start=MON, actual_finish=MON + timedelta(days=2)),
        replace(plan[1], actual_start=MON, actual_finish=MON + timedelta(days=4)),
        plan[2],
    ]
    ups = [StatusUpdate(MON, plan, links), StatusUpdate(MON + timedelta(days=7), done, links)]
    (w,) = attribute_delay(ups, PLAIN).windows
    assert w.movement == -5
    assert w.controlling_path == ["z"]
    assert w.by_agency == {"X": -5}


def test_updates_must_move_forward() -> None:
    with pytest.raises(ScheduleError):
        attribute_delay([StatusUpdate(MON, [], []), StatusUpdate(MON, [], [])], PLAIN)
    with pytest.raises(ScheduleError):
        attribute_delay([], PLAIN)


AGENCIES = ["Bappeda", "Dinas PUPR", "Kantor Pertanahan"]


@st.composite
def programs(draw: st.DrawFn) -> list[StatusUpdate]:
    n = draw(st.integers(1, 7))
    ids = [f"t{i}" for i in range(n)]
    plan = [Task(i, draw(st.integers(0, 8)), draw(st.sampled_from(AGENCIES))) for i in ids]
    links = [
        Link(
            ids[a],
            ids[b],
            draw(st.sampled_from(["FS", "SS", "FF", "SF"])),
            draw(st.integers(-2, 3)),
        )
        for a in range(n)
        for b in range(a + 1, n)
        if draw(st.booleans())
    ]
    updates = [StatusUpdate(MON, plan, links)]
    day = MON
    for _ in range(draw(st.integers(1, 3))):
        day = day + timedelta(days=draw(st.integers(1, 20)))
        tasks = []
        for t in updates[-1].tasks:
            choice = draw(st.sampled_from(["keep", "start", "finish", "revise"]))
            if choice == "start" and not t.started:
                s = day - timedelta(days=draw(st.integers(0, 5)))
                t = replace(t, actual_start=s, remaining_duration=draw(st.integers(0, 8)))
            elif choice == "finish" and not t.finished:
                f = day - timedelta(days=draw(st.integers(0, 3)))
                s = t.actual_start or f - timedelta(days=draw(st.integers(0, 5)))
                t = replace(t, actual_start=min(s, f), actual_finish=f, remaining_duration=None)
            elif choice == "revise":
                t = replace(t, duration=draw(st.integers(0, 10)))
            tasks.append(t)
        cur_links = list(updates[-1].links)
        if cur_links and draw(st.booleans()):
            cur_links.pop(draw(st.integers(0, len(cur_links) - 1)))
        revised = draw(st.one_of(st.none(), st.sampled_from(AGENCIES)))
        updates.append(StatusUpdate(day, tasks, cur_links, revised_by=revised))
    return updates


@settings(max_examples=60, deadline=None)
@given(programs())
def test_attributions_add_up_to_the_movement(updates: list[StatusUpdate]) -> None:
    result = attribute_delay(updates, PLAIN)
    for w in result.windows:
        assert w.movement == w.progress_movement + w.revision_movement
        assert sum(w.by_agency.values()) + sum(w.by_handoff.values()) == w.movement
        assert sum(s.days for s in w.steps) == w.movement
