"""Array-level critical path method: plain integer arrays in, early/late dates and float out.

Offsets are working days on one calendar, counted from the data date: a task occupies
[es, ef) with ef = es + duration, so es = 0 starts on the data date and a 1-day task that
starts there has ef = 1. Link constraints, with lag L in working days (may be negative)::

    FS: es(succ) >= ef(pred) + L        SS: es(succ) >= es(pred) + L
    FF: ef(succ) >= ef(pred) + L        SF: ef(succ) >= es(pred) + L

The network is indexed once (:func:`compile_structure`); the :class:`Structure` can then
be run again and again with other durations, constraints and progress at a fraction of
the first cost, which is what windows analysis does.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _kernels as k
from .errors import ScheduleError

LINK_TYPES = ("FS", "SS", "FF", "SF")
FS, SS, FF, SF = k.FS, k.SS, k.FF, k.SF
FROM_START, TO_FINISH = k.FROM_START, k.TO_FINISH
PLANNED, STARTED, FINISHED = k.PLANNED, k.STARTED, k.FINISHED
#: Stand-in for "no deadline" in the deadline array.
NO_DEADLINE = k.POS

I64 = NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Structure:
    """A network indexed for the passes: tasks in topological order, links by predecessor.

    ``order[p]`` is the task at rank ``p`` and ``rank[i]`` the rank of task ``i``; the
    links leaving the task at rank ``p`` are positions ``r_ptr[p]:r_ptr[p+1]``, in input
    order, with the successor's rank in ``r_dst`` and ``lag << 2 | type`` in ``r_tl``.
    """

    n: int
    order: I64
    rank: I64
    r_ptr: I64
    r_dst: NDArray[np.int32]
    r_tl: NDArray[np.int32]
    link_src: I64

    @property
    def m(self) -> int:
        """Return the number of links."""
        return int(self.r_dst.shape[0])

    @functools.cached_property
    def _by_src(self) -> tuple[I64, I64]:
        # Only tracing a path needs input link numbers, so they are worked out on demand
        # rather than carried through indexing: links of one predecessor keep input order.
        by_src = np.argsort(self.link_src, kind="stable")
        first = np.searchsorted(self.link_src[by_src], np.arange(self.n + 1, dtype=np.int64))
        return by_src, first

    @functools.cached_property
    def _preds(self) -> tuple[NDArray[np.int32], I64, I64]:
        # Links by successor, for the incremental passes: built on first use (one sweep).
        n, m = self.n, self.m
        r_src = np.empty(m, dtype=np.int32)
        p_ptr = np.empty(n + 1, dtype=np.int64)
        p_q = np.empty(m, dtype=np.int64)
        k.index_preds(self.r_ptr, self.r_dst, r_src, p_ptr, p_q, np.empty(n, dtype=np.int64))
        return r_src, p_ptr, p_q

    def position_of(self, e: int) -> int:
        """Return the position ``q`` at which input link ``e`` is stored."""
        i = int(self.link_src[e])
        by_src, first = self._by_src
        group = by_src[int(first[i]) : int(first[i + 1])]
        return int(self.r_ptr[int(self.rank[i])]) + int(np.searchsorted(group, e))

    def with_tl(self, r_tl: NDArray[np.int32]) -> Structure:
        """Return the same index with other lags (``lag << 2 | type`` by position)."""
        out = Structure(self.n, self.order, self.rank, self.r_ptr, self.r_dst, r_tl, self.link_src)
        for name in ("_by_src", "_preds"):
            if name in self.__dict__:
                out.__dict__[name] = self.__dict__[name]
        return out

    def link_at(self, q: int) -> int:
        """Return the input link index stored at position ``q``."""
        p = int(np.searchsorted(self.r_ptr, q, side="right")) - 1
        by_src, first = self._by_src
        return int(by_src[int(first[int(self.order[p])]) + q - int(self.r_ptr[p])])


@dataclass(frozen=True, eq=False)
class ArrayResult:
    """Result of one forward and backward pass, one entry per task in input order.

    ``rs`` is where the remaining work resumes (equal to ``es`` unless the task is in
    progress). :meth:`drivers` tells which links drove a task's early dates.
    """

    finish: int
    es: I64
    rs: I64
    ef: I64
    lf: I64
    total_float: I64
    free_float: I64
    structure: Structure
    req: I64  # rank-ordered rows: demanded start, demanded finish, their link positions

    @property
    def ls(self) -> I64:
        """Return the late start, so that ls - es is the total float."""
        return self.es + self.total_float

    def drivers(self, i: int) -> tuple[int, int, int, int]:
        """Return (demanded start, demanded finish, start link, finish link) of task ``i``.

        The links are input link indices, -1 when no link demands anything; the demanded
        values are the latest that any link into the task asks for.
        """
        row = self.req[int(self.structure.rank[i])]
        ds, df = int(row[k.DRV_S]), int(row[k.DRV_F])
        return (
            int(row[k.REQ_S]),
            int(row[k.REQ_F]),
            self.structure.link_at(ds) if ds >= 0 else -1,
            self.structure.link_at(df) if df >= 0 else -1,
        )


def _as(a: ArrayLike, dtype: type[np.generic], name: str, size: int | None = None) -> NDArray[Any]:
    arr = np.ascontiguousarray(a, dtype=dtype)
    if arr.ndim != 1 or (size is not None and arr.shape[0] != size):
        raise ScheduleError("invalid_array", f"{name} must be a 1-d array of length {size}")
    return arr


def _rows(n: int) -> I64:
    # Four int64 per task aligned to 32 bytes, so a task's row never straddles two cache
    # lines: the passes fetch one row per link at random.
    flat = np.empty(4 * n + 4, dtype=np.int64)
    skip = (-flat.ctypes.data % 32) // 8
    return flat[skip : skip + 4 * n].reshape(n, 4)


def compile_structure(
    n: int, link_src: ArrayLike, link_dst: ArrayLike, link_type: ArrayLike, link_lag: ArrayLike
) -> Structure:
    """Index the links of ``n`` tasks and order the tasks; refuse bad indices and cycles.

    A cycle raises :class:`ScheduleError` with code ``cycle`` whose ``ids`` are the task
    indices (as strings) of one cycle, in order.
    """
    src = _as(link_src, np.int64, "link_src")
    m = src.shape[0]
    dst = _as(link_dst, np.int64, "link_dst", m)
    typ = _as(link_type, np.int8, "link_type", m)
    lag = _as(link_lag, np.int64, "link_lag", m)
    if m:
        bad = (src < 0) | (src >= n) | (dst < 0) | (dst >= n)
        if bad.any():
            e = int(np.flatnonzero(bad)[0])
            raise ScheduleError(
                "unknown_id", f"link {e} refers to a task index outside 0..{n - 1}", [str(e)]
            )
        if int(typ.min()) < 0 or int(typ.max()) > 3:
            raise ScheduleError("invalid_link_type", "link types must be 0..3 (FS, SS, FF, SF)")
        if int(lag.min()) <= -k.MAX_LAG or int(lag.max()) >= k.MAX_LAG:
            raise ScheduleError("invalid_lag", f"lags must lie within +-{k.MAX_LAG - 1} days")
    ptr = np.empty(n + 1, dtype=np.int64)
    indeg = np.empty(n, dtype=np.int64)
    fill = np.empty(n, dtype=np.int64)
    adj = np.empty(m, dtype=np.int32)
    adj_tl = np.empty(m, dtype=np.int32)
    order = np.empty(n, dtype=np.int64)
    k.index_links(n, src, dst, typ, lag, ptr, indeg, fill, adj, adj_tl)
    done = k.toposort(n, ptr, adj, indeg, order)
    if done < n:
        cycle = _find_cycle(indeg, src, dst)
        raise ScheduleError(
            "cycle",
            "the links form a cycle: " + " -> ".join(str(i) for i in [*cycle, cycle[0]]),
            [str(i) for i in cycle],
        )
    del indeg, fill
    rank = np.empty(n, dtype=np.int64)
    r_ptr = np.empty(n + 1, dtype=np.int64)
    r_dst = np.empty(m, dtype=np.int32)
    r_tl = np.empty(m, dtype=np.int32)
    k.rank_links(ptr, adj, adj_tl, order, rank, r_ptr, r_dst, r_tl)
    return Structure(n, order, rank, r_ptr, r_dst, r_tl, src)


def _find_cycle(indeg: I64, src: I64, dst: I64) -> list[int]:
    # Every task left with a positive in-degree has an unordered predecessor, so walking
    # predecessors from any of them must come back to a task already seen.
    left = indeg > 0
    keep = left[src] & left[dst]
    pred: dict[int, int] = {}
    for s, d in zip(src[keep].tolist(), dst[keep].tolist(), strict=True):
        pred.setdefault(d, s)
    node = int(np.flatnonzero(left)[0])
    seen: dict[int, int] = {}
    path: list[int] = []
    while node not in seen:
        seen[node] = len(path)
        path.append(node)
        node = pred[node]
    cycle = path[seen[node] :]
    cycle.reverse()
    # Start from the earliest task so the message is the same whatever the walk found.
    first = cycle.index(min(cycle))
    return cycle[first:] + cycle[:first]


def run(
    structure: Structure,
    durations: ArrayLike,
    *,
    floor: ArrayLike | None = None,
    deadline: ArrayLike | None = None,
    kind: ArrayLike | None = None,
    fixed_start: ArrayLike | None = None,
    fixed_finish: ArrayLike | None = None,
) -> ArrayResult:
    """Run the forward and backward pass over an indexed network.

    ``durations`` are working days (remaining ones for tasks in progress); ``floor`` is the
    earliest start (default 0, the data date); ``deadline`` the latest finish offset;
    ``kind`` marks tasks PLANNED, STARTED (start fixed at ``fixed_start``, remaining work
    from ``floor``) or FINISHED (both fixed). All are per task, in input order.
    """
    s = structure
    n = s.n
    order = s.order
    dur = _as(durations, np.int64, "durations", n)
    if n and int(dur.min()) < 0:
        i = int(np.argmin(dur))
        raise ScheduleError("negative_duration", f"task {i} has a negative duration", [str(i)])

    def ranked(
        a: ArrayLike | None, dtype: type[np.generic], name: str, default: int
    ) -> NDArray[Any]:
        if a is None:
            return np.full(n, default, dtype=dtype)
        return np.take(_as(a, dtype, name, n), order)

    dur_r = np.take(dur, order)
    kind_r = ranked(kind, np.int8, "kind", PLANNED)
    es, rs, ef, lf, tfl, ffl = (np.empty(n, dtype=np.int64) for _ in range(6))
    req = _rows(n)
    finish = int(
        k.forward(
            s.r_ptr, s.r_dst, s.r_tl, dur_r,
            ranked(floor, np.int64, "floor", 0), kind_r,
            ranked(fixed_start, np.int64, "fixed_start", 0),
            ranked(fixed_finish, np.int64, "fixed_finish", 0),
            req, es, rs, ef,
        )
    )  # fmt: skip
    view = _rows(n)
    k.backward(
        s.r_ptr, s.r_dst, s.r_tl, dur_r, kind_r,
        ranked(deadline, np.int64, "deadline", NO_DEADLINE),
        es, rs, ef, finish, view, lf, tfl, ffl,
    )  # fmt: skip
    del view
    # Back from rank order to the caller's order.
    rank = s.rank
    return ArrayResult(
        finish,
        np.take(es, rank),
        np.take(rs, rank),
        np.take(ef, rank),
        np.take(lf, rank),
        np.take(tfl, rank),
        np.take(ffl, rank),
        s,
        req,
    )


def cpm_arrays(
    durations: ArrayLike,
    link_src: ArrayLike,
    link_dst: ArrayLike,
    link_type: ArrayLike,
    link_lag: ArrayLike,
    *,
    floor: ArrayLike | None = None,
    deadline: ArrayLike | None = None,
) -> ArrayResult:
    """Critical path method from plain arrays: index, order, forward and backward pass.

    Tasks are 0..n-1 with ``durations[i]`` working days; link ``e`` goes from
    ``link_src[e]`` to ``link_dst[e]`` with type 0..3 (FS, SS, FF, SF) and a lag.
    """
    dur = _as(durations, np.int64, "durations")
    structure = compile_structure(dur.shape[0], link_src, link_dst, link_type, link_lag)
    return run(structure, dur, floor=floor, deadline=deadline)


def warm_up() -> None:
    """Compile (or load from the on-disk cache) every kernel on a tiny network."""
    cpm_arrays(
        np.array([1, 2, 0]),
        np.array([0, 1, 0, 0]),
        np.array([1, 2, 2, 1]),
        np.array([0, 1, 2, 3]),
        np.array([0, -1, 1, 0]),
    )


@dataclass(eq=False)
class Incremental:
    """The inputs and outputs of one run in rank order, ready for small changes.

    :meth:`changed` returns a new state after a change of some durations or lags,
    recomputing only what the change reaches: the forward pass over the successors whose
    early dates move (it stops where they do not), the backward pass over the
    predecessors whose late dates or floats move. When the project finish moves, every
    late date may move with it (except where a deadline holds), so the backward pass is
    run in full then — a few milliseconds at 100,000 tasks. The result is exactly what
    :func:`run` gives on the changed inputs (a property test checks it).
    """

    structure: Structure
    dur: I64
    floor: I64
    kind: NDArray[np.int8]
    fix_s: I64
    fix_f: I64
    deadline: I64
    finish: int
    req: I64
    es: I64
    rs: I64
    ef: I64
    lf: I64
    tf: I64
    ff: I64
    view: I64
    #: How many tasks the last change visited in each pass (-1: the full pass ran).
    visited: tuple[int, int] = (0, 0)

    @classmethod
    def from_result(
        cls,
        result: ArrayResult,
        durations: ArrayLike,
        *,
        floor: ArrayLike | None = None,
        deadline: ArrayLike | None = None,
        kind: ArrayLike | None = None,
        fixed_start: ArrayLike | None = None,
        fixed_finish: ArrayLike | None = None,
    ) -> Incremental:
        """Rebuild the state of a run from its result and the inputs it was given (no pass:
        the backward pass's view rows follow from the dates)."""
        s = result.structure
        n = s.n
        order = s.order

        def ranked(a: ArrayLike | None, dtype: type[np.generic], default: int) -> NDArray[Any]:
            if a is None:
                return np.full(n, default, dtype=dtype)
            return np.take(_as(a, dtype, "input", n), order)

        kind_r = ranked(kind, np.int8, PLANNED)
        dur_r = ranked(durations, np.int64, 0)
        es, rs, ef, lf = (np.take(a, order) for a in (result.es, result.rs, result.ef, result.lf))
        view = _rows(n)
        done = kind_r == FINISHED
        view[:, k.V_RS] = np.where(done, k.POS, rs)
        view[:, k.V_EF] = np.where(done, k.POS, ef)
        view[:, k.V_LRS] = np.where(done, k.POS, lf - dur_r)
        view[:, k.V_LF] = np.where(done, k.POS, lf)
        return cls(
            s,
            dur_r,
            ranked(floor, np.int64, 0),
            kind_r,
            ranked(fixed_start, np.int64, 0),
            ranked(fixed_finish, np.int64, 0),
            ranked(deadline, np.int64, NO_DEADLINE),
            result.finish,
            result.req,
            es,
            rs,
            ef,
            lf,
            np.take(result.total_float, order),
            np.take(result.free_float, order),
            view,
        )

    def changed(
        self,
        durations: dict[int, int] | None = None,
        lags: dict[int, int] | None = None,
        *,
        in_place: bool = False,
    ) -> tuple[Incremental, I64]:
        """Return the state after setting some tasks' durations (task index → working days)
        and some links' lags (input link index → working days), and the indices of the
        tasks whose dates or floats changed, in increasing order. This state is untouched,
        unless ``in_place``: then the new state takes over its arrays (saving a copy of
        each) and this one must not be used again. The demand rows are copied either way,
        since a result made from this state shares them.
        """
        s = self.structure
        n = s.n
        durations = durations or {}
        lags = lags or {}
        for i, d in durations.items():
            if not 0 <= i < n:
                raise ScheduleError("unknown_id", f"no task {i}", [str(i)])
            if d < 0:
                raise ScheduleError(
                    "negative_duration", f"task {i} has a negative duration", [str(i)]
                )
        for e, lag in lags.items():
            if not 0 <= e < s.m:
                raise ScheduleError("unknown_id", f"no link {e}", [str(e)])
            if not -k.MAX_LAG < lag < k.MAX_LAG:
                raise ScheduleError("invalid_lag", f"lags must lie within +-{k.MAX_LAG - 1} days")

        def own(a: NDArray[Any]) -> NDArray[Any]:
            return a if in_place else a.copy()

        new = Incremental(
            s,
            own(self.dur) if durations else self.dur,
            self.floor,
            self.kind,
            self.fix_s,
            self.fix_f,
            self.deadline,
            self.finish,
            self.req.copy(),
            own(self.es),
            own(self.rs),
            own(self.ef),
            own(self.lf),
            own(self.tf),
            own(self.ff),
            own(self.view),
        )
        old_lf, old_tf, old_ff = self.lf, self.tf, self.ff  # copied below if overwritten
        fwd = np.zeros(n, dtype=np.int8)
        bwd = np.zeros(n, dtype=np.int8)
        for i, d in durations.items():
            p = int(s.rank[i])
            if int(new.dur[p]) != d:
                new.dur[p] = d
                fwd[p] = bwd[p] = 1
        if lags:
            tl = s.r_tl.copy()
            for e, lag in lags.items():
                q = s.position_of(e)
                if int(tl[q]) >> 2 != lag:
                    tl[q] = (lag << 2) | (int(tl[q]) & 3)
                    fwd[int(s.r_dst[q])] = 1
                    bwd[int(s._preds[0][q])] = 1
            s = new.structure = s.with_tl(tl)
        r_src, p_ptr, p_q = s._preds
        changed = np.zeros(n, dtype=np.int8)
        visited_f = k.forward_from(
            s.r_ptr, s.r_dst, s.r_tl, r_src, p_ptr, p_q, new.dur, new.floor, new.kind,
            new.fix_s, new.fix_f, new.req, new.es, new.rs, new.ef,
            fwd, int(np.count_nonzero(fwd)), changed,
        )  # fmt: skip
        new.finish = int(new.ef.max()) if n else 0
        if new.finish != self.finish:
            if in_place:
                old_lf, old_tf, old_ff = new.lf.copy(), new.tf.copy(), new.ff.copy()
            k.backward(
                s.r_ptr, s.r_dst, s.r_tl, new.dur, new.kind, new.deadline,
                new.es, new.rs, new.ef, new.finish, new.view, new.lf, new.tf, new.ff,
            )  # fmt: skip
            moved = (new.lf != old_lf) | (new.tf != old_tf) | (new.ff != old_ff)
            changed |= moved.astype(np.int8)
            visited_b = -1
        else:
            bwd |= changed
            visited_b = k.backward_from(
                s.r_ptr, s.r_dst, s.r_tl, r_src, p_ptr, p_q, new.dur, new.kind, new.deadline,
                new.es, new.rs, new.ef, new.finish, new.view, new.lf, new.tf, new.ff,
                bwd, int(np.count_nonzero(bwd)), changed,
            )  # fmt: skip
        new.visited = (int(visited_f), int(visited_b))
        idx = np.sort(s.order[np.flatnonzero(changed)])
        return new, idx

    def result(
        self, like: ArrayResult | None = None, changed: NDArray[np.int64] | None = None
    ) -> ArrayResult:
        """Return the state as a run's result, in input order. Given the result before a
        change and the tasks it changed, copy that one and write only those tasks (cheaper
        than gathering every array back into input order)."""
        rank = self.structure.rank
        pairs = (
            (self.es, "es"),
            (self.rs, "rs"),
            (self.ef, "ef"),
            (self.lf, "lf"),
            (self.tf, "total_float"),
            (self.ff, "free_float"),
        )
        if like is None or changed is None or changed.shape[0] > self.structure.n // 4:
            cols = [np.take(a, rank) for a, _ in pairs]
        else:
            at = rank[changed]
            cols = []
            for a, name in pairs:
                col = getattr(like, name).copy()
                col[changed] = a[at]
                cols.append(col)
        es, rs, ef, lf, tf, ff = cols
        return ArrayResult(self.finish, es, rs, ef, lf, tf, ff, self.structure, self.req)
