"""Incremental rescheduling gives exactly what a full run gives (hypothesis and seeded)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sinergi.schedule import Calendar, Link, LinkType, Network, Task, _kernels, engine
from sinergi.schedule.engine import LINK_TYPES

from .reference import INF
from .test_engine_properties import networks

FIELDS = ("es", "rs", "ef", "lf", "total_float", "free_float")


def _structure(net: dict[str, object]) -> engine.Structure:
    links = net["links"]
    assert isinstance(links, list)
    return engine.compile_structure(
        len(net["dur"]),  # type: ignore[arg-type]
        [a for a, *_ in links],
        [b for _, b, *_ in links],
        [LINK_TYPES.index(t) for *_, t, _ in links],
        [lag for *_, lag in links],
    )


def _inputs(net: dict[str, object]) -> dict[str, object]:
    return {
        "floor": net["floor"],
        "deadline": [min(d, engine.NO_DEADLINE) for d in net["deadline"]],  # type: ignore[attr-defined]
        "kind": net["kind"],
        "fixed_start": net["fix_s"],
        "fixed_finish": net["fix_f"],
    }


def _same(a: engine.ArrayResult, b: engine.ArrayResult) -> None:
    assert a.finish == b.finish
    for f in FIELDS:
        assert getattr(a, f).tolist() == getattr(b, f).tolist(), f
    # The same driving links: the forward pass met the predecessors in the same order.
    assert a.req.tolist() == b.req.tolist()


def _moved(a: engine.ArrayResult, b: engine.ArrayResult) -> list[int]:
    diff = np.zeros(a.es.shape[0], dtype=bool)
    for f in FIELDS:
        diff |= getattr(a, f) != getattr(b, f)
    return np.flatnonzero(diff).tolist()


def _replay(net: dict[str, object], steps: list[tuple[str, int, int]]) -> None:
    """Apply the changes one by one, checking each against a full run of the same inputs."""
    structure = _structure(net)
    inputs = _inputs(net)
    dur = list(net["dur"])  # type: ignore[call-overload]
    links = [list(x) for x in net["links"]]  # type: ignore[attr-defined]
    kind = net["kind"]
    assert isinstance(kind, list)
    before = engine.run(structure, dur, **inputs)  # type: ignore[arg-type]
    state = engine.Incremental.from_result(before, dur, **inputs)  # type: ignore[arg-type]
    for step, (what, at, value) in enumerate(steps):
        in_place = step % 2 == 1  # the state handed over, or copied
        if what == "dur":
            i = at % len(dur)
            if kind[i] == engine.FINISHED:
                continue  # a finished task's duration is its actual dates'
            dur[i] = value
            state, changed = state.changed(durations={i: value}, in_place=in_place)
        else:
            if not links:
                continue
            e = at % len(links)
            links[e][3] = value
            state, changed = state.changed(lags={e: value}, in_place=in_place)
        full = engine.run(
            engine.compile_structure(
                len(dur),
                [a for a, *_ in links],
                [b for _, b, *_ in links],
                [LINK_TYPES.index(t) for *_, t, _ in links],
                [lag for *_, lag in links],
            ),
            dur,
            **inputs,  # type: ignore[arg-type]
        )
        got = state.result()
        _same(got, full)
        assert changed.tolist() == _moved(before, full)
        before = full


changes = st.lists(
    st.one_of(
        st.tuples(st.just("dur"), st.integers(0, 100), st.integers(0, 15)),
        st.tuples(st.just("lag"), st.integers(0, 100), st.integers(-5, 5)),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=200, deadline=None)
@given(networks(), changes)
def test_incremental_matches_full_run(
    net: dict[str, object], steps: list[tuple[str, int, int]]
) -> None:
    _replay(net, steps)


@settings(max_examples=150, deadline=None)
@given(networks(progress=True), changes)
def test_incremental_matches_full_run_with_progress(
    net: dict[str, object], steps: list[tuple[str, int, int]]
) -> None:
    _replay(net, steps)


def test_incremental_on_larger_random_networks() -> None:
    """Seeded layered networks of 400 tasks: deadlines, every link type, many changes,
    some of which move the project finish and some of which do not."""
    rng = random.Random(17)
    moved_finish = kept_finish = 0
    for _ in range(4):
        n = 400
        perm = list(range(n))
        rng.shuffle(perm)
        links = []
        for r in range(20, n):
            for _ in range(3):
                a, b = perm[rng.randrange(0, r)], perm[r]
                links.append((a, b, rng.choice(LINK_TYPES), rng.randint(-3, 5)))
        net: dict[str, object] = {
            "dur": [rng.randint(0, 20) for _ in range(n)],
            "links": links,
            "floor": [rng.choice([0, 0, 0, rng.randint(0, 30)]) for _ in range(n)],
            "deadline": [rng.choice([INF] * 9 + [rng.randint(20, 200)]) for _ in range(n)],
            "kind": [0] * n,
            "fix_s": [0] * n,
            "fix_f": [0] * n,
        }
        steps = [
            ("dur", rng.randrange(n), rng.randint(0, 30))
            if rng.random() < 0.8
            else ("lag", rng.randrange(len(links)), rng.randint(-5, 8))
            for _ in range(25)
        ]
        structure = _structure(net)
        first = engine.run(structure, net["dur"], **_inputs(net))  # type: ignore[arg-type]
        _replay(net, steps)
        # Count both kinds of change so the test is known to exercise both branches.
        state = engine.Incremental.from_result(first, net["dur"], **_inputs(net))  # type: ignore[arg-type]
        for what, at, value in steps:
            if what != "dur":
                continue
            after, _ = state.changed(durations={at: value})
            if after.finish != state.finish:
                moved_finish += 1
            else:
                kept_finish += 1
    assert moved_finish >= 3 and kept_finish >= 3


def test_only_the_reach_is_visited() -> None:
    """Lengthening a chain's last task visits it alone forward; backward, its float and
    its predecessors' shrink, and nothing else is touched (a long parallel task holds the
    finish)."""
    n = 1000
    dur = [1] * n + [10 * n]
    state = engine.Incremental.from_result(
        engine.cpm_arrays(dur, list(range(n - 1)), list(range(1, n)), [0] * (n - 1), [0] * (n - 1)),
        dur,
    )
    after, changed = state.changed(durations={n - 1: 2})
    assert after.visited == (1, n) and changed.tolist() == list(range(n))
    assert after.finish == 10 * n
    # A parallel task with float: lengthening it within its float touches it alone.
    side = engine.cpm_arrays([10, 10, 10, 2], [0, 1, 0], [1, 2, 3], [0, 0, 0], [0, 0, 0])
    state = engine.Incremental.from_result(side, [10, 10, 10, 2])
    after, changed = state.changed(durations={3: 5})
    assert changed.tolist() == [3] and after.finish == 30
    assert after.result().total_float.tolist() == [0, 0, 0, 15]


def _random_plan(rng: random.Random, n: int) -> tuple[list[Task], list[Link]]:
    start = date(2026, 3, 2)
    tasks = []
    for i in range(n):
        dur = rng.choice([0, 0, 1, 2, 3, 5, 8, 13])
        kw: dict[str, object] = {}
        if rng.random() < 0.1:
            kw["earliest_start"] = start + timedelta(days=rng.randint(0, 60))
        if rng.random() < 0.1:
            kw["deadline"] = start + timedelta(days=rng.randint(20, 120))
        if i < n // 6 and rng.random() < 0.5:
            kw["actual_start"] = start - timedelta(days=rng.randint(1, 10))
            if rng.random() < 0.5:
                kw["actual_finish"] = start - timedelta(days=rng.randint(0, 1))
            else:
                kw["percent_complete"] = rng.choice([10.0, 50.0])
        tasks.append(Task(f"t{i}", dur, agency=rng.choice("ab"), **kw))  # type: ignore[arg-type]
    links = []
    for j in range(3, n):
        for _ in range(2):
            i = rng.randrange(0, j)
            typ: LinkType = rng.choice(["FS", "SS", "FF", "SF"])
            links.append(Link(f"t{i}", f"t{j}", typ, rng.randint(-2, 3)))
    rng.shuffle(tasks)  # input order says nothing about the order of the network
    return tasks, links


def test_schedule_rescheduled_matches_a_fresh_schedule() -> None:
    """Dates, milestones at the close of a day, floats and the critical path after a change
    equal those of the network scheduled afresh; the caches carried over are right too."""
    rng = random.Random(4)
    cal = Calendar(national="ID")
    data_date = date(2026, 3, 2)
    for _ in range(6):
        tasks, links = _random_plan(rng, 80)
        sched = Network(tasks, links).schedule(cal, data_date)
        _ = sched.tasks  # the caches (dates, milestone flags) that a change carries over
        for _step in range(8):
            cur = list(sched.network.tasks)
            i = rng.randrange(len(cur))
            lags = {}
            if rng.random() < 0.3:
                lags = {rng.randrange(len(links)): rng.randint(-3, 6)}
            new_task = replace(cur[i], duration=rng.choice([0, 1, 4, 9, 20]))
            after, changed = sched.rescheduled([new_task], lags=lags)
            cur[i] = new_task
            new_links = list(sched.network.links)
            for e, lag in lags.items():
                new_links[e] = replace(new_links[e], lag=lag)
            fresh = Network(cur, new_links).schedule(cal, data_date)
            # Neither the task objects nor the lists of dates are copied by a change: the
            # edited task is kept beside the previous tuple, the dates read from the arrays.
            assert "tasks" not in after.network.__dict__
            assert after.network.task(i) == new_task
            assert "_dates" not in after.__dict__ and "_iso_dates" not in after.__dict__
            some = np.array(sorted(set(changed.tolist()) | {i}), dtype=np.int64)
            ids = [after.network.ids[k] for k in some.tolist()]
            assert after.tasks_at(some) == [fresh.tasks[x] for x in ids]
            assert after.tasks == fresh.tasks
            assert after.network.tasks == tuple(cur)
            assert after.critical_path == fresh.critical_path
            assert after.finish_date == fresh.finish_date
            old_tasks = sched.tasks
            moved = [
                k
                for k, t in enumerate(sched.network.tasks)
                if (old_tasks[t.id].es, old_tasks[t.id].ef, old_tasks[t.id].lf)
                != (fresh.tasks[t.id].es, fresh.tasks[t.id].ef, fresh.tasks[t.id].lf)
            ]
            assert set(moved) <= set(changed.tolist())
            sched = after
    # A change of anything but durations and lags (here a constraint date) runs in full.
    tasks, links = _random_plan(rng, 40)
    sched = Network(tasks, links).schedule(cal, data_date)
    t0 = replace(
        tasks[0],
        earliest_start=data_date + timedelta(days=90),
        actual_start=None,
        actual_finish=None,
        percent_complete=None,
    )
    after, _ = sched.rescheduled([t0])
    fresh = Network([t0, *tasks[1:]], links).schedule(cal, data_date)
    assert after.tasks == fresh.tasks


def test_python_kernels_agree_on_incremental_passes() -> None:
    """Without Numba the incremental kernels run as Python and give the same answers."""
    names = ("index_preds", "forward_from", "backward_from", "backward")
    compiled = {name: getattr(_kernels, name) for name in names}
    rng = random.Random(8)
    net = {
        "dur": [rng.randint(0, 9) for _ in range(60)],
        "links": [
            (a, b, rng.choice(LINK_TYPES), rng.randint(-2, 4))
            for b in range(1, 60)
            for a in rng.sample(range(b), min(b, 2))
        ],
        "floor": [0] * 60,
        "deadline": [INF] * 60,
        "kind": [0] * 60,
        "fix_s": [0] * 60,
        "fix_f": [0] * 60,
    }
    steps = [("dur", rng.randrange(60), rng.randint(0, 20)) for _ in range(10)]
    try:
        for name, fn in compiled.items():
            setattr(_kernels, name, getattr(fn, "py_func", fn))
        _replay(net, steps)
    finally:
        for name, fn in compiled.items():
            setattr(_kernels, name, fn)


def test_rescheduled_on_a_columnar_network_with_a_lag_and_progress() -> None:
    # A network made from columns (as ``sinergi schedule`` makes it) reschedules without
    # making its Task and Link objects; a progress change runs in full and must see a lag
    # changed in the same call.
    cal = Calendar()
    dd = date(2026, 1, 5)
    tasks = [Task(id="a", duration=2, agency="x"), Task(id="b", duration=2, agency="y")]
    links = [Link("a", "b", "FS", 0)]
    ref = Network(tasks, links)
    net = Network.from_columns(ref.columns, ref.link_src, ref.link_dst, ref.link_type, ref.link_lag)
    sched = net.schedule(cal, dd)
    assert sched.tasks["b"].start == date(2026, 1, 7)
    longer, _ = sched.rescheduled([replace(tasks[0], duration=4)], {0: 1})
    assert "tasks" not in longer.network.__dict__ and "links" not in longer.network.__dict__
    expect = Network([replace(tasks[0], duration=4), tasks[1]], [replace(links[0], lag=1)])
    assert longer.tasks == expect.schedule(cal, dd).tasks
    started = replace(tasks[0], actual_start=date(2026, 1, 2))
    moved, _ = sched.rescheduled([started], {0: 5})
    fresh = Network([started, tasks[1]], [replace(links[0], lag=5)]).schedule(cal, dd)
    assert moved.tasks == fresh.tasks
    assert moved.tasks["b"].es == 6
