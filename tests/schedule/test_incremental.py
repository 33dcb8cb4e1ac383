"""Incremental rescheduling gives exactly what a full run gives (hypothesis and seeded)."""

from __future__ import annotations

import random

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sinergi.schedule import engine
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
    for what, at, value in steps:
        if what == "dur":
            i = at % len(dur)
            if kind[i] == engine.FINISHED:
                continue  # a finished task's duration is its actual dates'
            dur[i] = value
            state, changed = state.changed(durations={i: value})
        else:
            if not links:
                continue
            e = at % len(links)
            links[e][3] = value
            state, changed = state.changed(lags={e: value})
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
