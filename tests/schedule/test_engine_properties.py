"""The engine against a slow reference, on random networks (hypothesis)."""

from __future__ import annotations

import networkx as nx
from hypothesis import given, settings
from hypothesis import strategies as st

from sinergi.schedule import _kernels, engine
from sinergi.schedule.engine import LINK_TYPES

from .reference import FINISHED, INF, PLANNED, STARTED, reference_cpm

SETTINGS = settings(max_examples=150, deadline=None)


@st.composite
def networks(draw: st.DrawFn, progress: bool = False) -> dict[str, object]:
    n = draw(st.integers(1, 12))
    perm = draw(st.permutations(range(n)))
    pairs = draw(
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.sampled_from(LINK_TYPES),
                st.integers(-5, 5),
            ),
            max_size=3 * n,
        )
    )
    # Orient each link along a random permutation so the network has no cycle and the
    # input order says nothing about the topological order.
    rank = {t: r for r, t in enumerate(perm)}
    links = [
        (a, b, typ, lag) if rank[a] < rank[b] else (b, a, typ, lag)
        for a, b, typ, lag in pairs
        if a != b
    ]
    dur = draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))
    floor = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    deadline = draw(st.lists(st.one_of(st.just(INF), st.integers(0, 40)), min_size=n, max_size=n))
    kind = [PLANNED] * n
    fix_s = [0] * n
    fix_f = [0] * n
    if progress:
        kind = draw(st.lists(st.sampled_from([PLANNED, STARTED, FINISHED]), min_size=n, max_size=n))
        for i in range(n):
            if kind[i] != PLANNED:
                fix_s[i] = draw(st.integers(-20, 0))
            if kind[i] == FINISHED:
                fix_f[i] = draw(st.integers(fix_s[i], 1))
                dur[i] = fix_f[i] - fix_s[i]
            if kind[i] == STARTED:
                floor[i] = 0
    return {
        "dur": dur,
        "links": links,
        "floor": floor,
        "deadline": deadline,
        "kind": kind,
        "fix_s": fix_s,
        "fix_f": fix_f,
    }


def _run(net: dict[str, object]) -> engine.ArrayResult:
    links = net["links"]
    assert isinstance(links, list)
    structure = engine.compile_structure(
        len(net["dur"]),  # type: ignore[arg-type]
        [a for a, *_ in links],
        [b for _, b, *_ in links],
        [LINK_TYPES.index(t) for *_, t, _ in links],
        [lag for *_, lag in links],
    )
    deadline = [min(d, engine.NO_DEADLINE) for d in net["deadline"]]  # type: ignore[attr-defined]
    return engine.run(
        structure,
        net["dur"],  # type: ignore[arg-type]
        floor=net["floor"],  # type: ignore[arg-type]
        deadline=deadline,
        kind=net["kind"],  # type: ignore[arg-type]
        fixed_start=net["fix_s"],  # type: ignore[arg-type]
        fixed_finish=net["fix_f"],  # type: ignore[arg-type]
    )


def _check(net: dict[str, object]) -> None:
    ref = reference_cpm(**net)  # type: ignore[arg-type]
    got = _run(net)
    assert got.finish == ref.finish
    assert got.es.tolist() == ref.es
    assert got.rs.tolist() == ref.rs
    assert got.ef.tolist() == ref.ef
    finished = [k == FINISHED for k in net["kind"]]  # type: ignore[attr-defined]
    lf = [a for a, f in zip(got.lf.tolist(), finished, strict=True) if not f]
    assert lf == [a for a, f in zip(ref.lf, finished, strict=True) if not f]
    assert got.total_float.tolist() == ref.total_float
    assert got.free_float.tolist() == ref.free_float


@SETTINGS
@given(networks())
def test_plain_cpm_matches_reference(net: dict[str, object]) -> None:
    _check(net)


@SETTINGS
@given(networks(progress=True))
def test_forecast_passes_match_reference(net: dict[str, object]) -> None:
    _check(net)


@settings(max_examples=60, deadline=None)
@given(networks())
def test_schedule_is_feasible_and_tight(net: dict[str, object]) -> None:
    """Every link holds, no task could start earlier, and float is never negative."""
    got = _run(net)
    es, ef = got.es.tolist(), got.ef.tolist()
    dur = net["dur"]
    floor = net["floor"]
    links = net["links"]
    assert isinstance(dur, list) and isinstance(floor, list) and isinstance(links, list)
    for a, b, typ, lag in links:
        frm = es[a] if typ in ("SS", "SF") else ef[a]
        to = ef[b] if typ in ("FF", "SF") else es[b]
        assert to >= frm + lag
    for j in range(len(dur)):
        assert ef[j] == es[j] + dur[j]
        bounds = [floor[j]]
        for a, b, typ, lag in links:
            if b == j:
                frm = (es[a] if typ in ("SS", "SF") else ef[a]) + lag
                bounds.append(frm - (dur[j] if typ in ("FF", "SF") else 0))
        assert es[j] == max(bounds)
    no_deadline = all(d == INF for d in net["deadline"])  # type: ignore[attr-defined]
    if no_deadline:
        assert (got.total_float >= 0).all()
        assert (got.free_float <= got.total_float).all()


@settings(max_examples=40, deadline=None)
@given(networks())
def test_plain_fs_network_matches_networkx_longest_path(net: dict[str, object]) -> None:
    """With FS links, zero lags and no constraints, the finish is networkx's longest path."""
    dur = net["dur"]
    links = net["links"]
    assert isinstance(dur, list) and isinstance(links, list)
    g = nx.DiGraph()
    g.add_nodes_from(range(len(dur)))
    for a, b, *_ in links:
        g.add_edge(a, b)
    es = {}
    for v in nx.topological_sort(g):
        es[v] = max((es[u] + dur[u] for u in g.predecessors(v)), default=0)
    got = engine.cpm_arrays(
        dur, [a for a, *_ in links], [b for _, b, *_ in links], [0] * len(links), [0] * len(links)
    )
    assert got.es.tolist() == [es[i] for i in range(len(dur))]
    assert got.finish == max(es[i] + dur[i] for i in range(len(dur)))


@settings(max_examples=30, deadline=None)
@given(networks(progress=True))
def test_compiled_and_python_kernels_agree(net: dict[str, object]) -> None:
    """The pure-Python fallback (used when Numba is missing) computes the same thing."""
    got = _run(net)
    compiled = {
        name: getattr(_kernels, name)
        for name in ("index_links", "toposort", "rank_links", "forward", "backward")
    }
    try:
        for name, fn in compiled.items():
            setattr(_kernels, name, getattr(fn, "py_func", fn))
        slow = _run(net)
    finally:
        for name, fn in compiled.items():
            setattr(_kernels, name, fn)
    assert slow.finish == got.finish
    for field in ("es", "rs", "ef", "lf", "total_float", "free_float"):
        assert getattr(slow, field).tolist() == getattr(got, field).tolist()
