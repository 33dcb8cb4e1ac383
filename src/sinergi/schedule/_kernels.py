"""Compiled loops of the engine: link index, topological order, forward and backward pass.

Every function here is plain Python over NumPy arrays so that it runs (slowly) without
Numba; with Numba it is compiled once and cached on disk next to this file. The kernels
allocate nothing: callers pass every array in, which keeps memory visible to tracemalloc
and lets a rerun reuse the index.

Speed comes from memory order, not arithmetic. Tasks are renumbered once into
topological order ("rank"), and links are stored grouped by the rank of their
predecessor, so both passes read every per-task array front to back (or back to front)
and only the successor's state is fetched at random: one 32-byte row per link.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

# Link types as two bits: bit 0 set when the link acts from the predecessor's start
# (SS, SF), bit 1 set when it acts on the successor's finish (FF, SF).
FS = 0
SS = 1
FF = 2
SF = 3
FROM_START = 1
TO_FINISH = 2
#: A link's type and lag share one int32: lag << 2 | type.
MAX_LAG = 1 << 28
#: Sentinels far outside any schedule but safe from overflow when a lag is added.
NEG = -(1 << 60)
POS = 1 << 60

#: Kinds of task in the passes: planned, in progress (start fixed), finished (both fixed).
PLANNED = 0
STARTED = 1
FINISHED = 2

# Columns of the per-task "request" rows the forward pass fills from predecessors.
REQ_S, REQ_F, DRV_S, DRV_F = 0, 1, 2, 3
# Columns of the per-task "view" rows the backward pass shows to predecessors.
V_RS, V_EF, V_LRS, V_LF = 0, 1, 2, 3

_F = TypeVar("_F", bound=Callable[..., Any])

_njit: Any
try:  # pragma: no branch - depends on the environment
    from numba import njit as _njit

    HAVE_NUMBA = True
except ImportError:  # pragma: no cover - exercised only where numba is missing
    _njit = None
    HAVE_NUMBA = False


def _jit(fn: _F) -> _F:
    """Compile with Numba (cached on disk) when it is importable, else run as Python."""
    if _njit is None:  # pragma: no cover
        return fn
    return cast(_F, _njit(cache=True, nogil=True, boundscheck=False)(fn))


def _jit_inline(fn: _F) -> _F:
    """As :func:`_jit`, for a helper of other kernels, inlined into them by Numba (no call
    in the inner loop)."""
    if _njit is None:  # pragma: no cover
        return fn
    return cast(_F, _njit(cache=True, nogil=True, boundscheck=False, inline="always")(fn))


I64 = NDArray[np.int64]
I32 = NDArray[np.int32]
I8 = NDArray[np.int8]


@_jit
def index_links(
    n: int,
    src: I64,
    dst: I64,
    typ: I8,
    lag: I64,
    ptr: I64,
    indeg: I64,
    fill: I64,
    adj: I32,
    adj_tl: I32,
) -> None:
    """Group links by predecessor (CSR ``ptr``: successor in ``adj``, lag and type in
    ``adj_tl``), keeping input order within a group, and count predecessors."""
    m = src.shape[0]
    for i in range(n + 1):
        ptr[i] = 0
    for i in range(n):
        indeg[i] = 0
    for e in range(m):
        ptr[src[e] + 1] += 1
        indeg[dst[e]] += 1
    for i in range(n):
        ptr[i + 1] += ptr[i]
        fill[i] = ptr[i]
    for e in range(m):
        s = src[e]
        q = fill[s]
        fill[s] = q + 1
        adj[q] = dst[e]
        adj_tl[q] = (lag[e] << 2) | typ[e]


@_jit
def toposort(n: int, ptr: I64, adj: I32, indeg: I64, order: I64) -> int:
    """Write a topological order (Kahn) into ``order``; return how many tasks it holds.

    Fewer than ``n`` means a cycle; ``indeg`` is then positive exactly on the tasks that
    are in a cycle or behind one.
    """
    tail = 0
    for i in range(n):
        if indeg[i] == 0:
            order[tail] = i
            tail += 1
    head = 0
    while head < tail:
        i = order[head]
        head += 1
        for q in range(ptr[i], ptr[i + 1]):
            j = adj[q]
            indeg[j] -= 1
            if indeg[j] == 0:
                order[tail] = j
                tail += 1
    return tail


@_jit
def rank_links(
    ptr: I64,
    adj: I32,
    adj_tl: I32,
    order: I64,
    rank: I64,
    r_ptr: I64,
    r_dst: I32,
    r_tl: I32,
) -> None:
    """Renumber tasks by rank and copy the link groups into rank order."""
    n = order.shape[0]
    r_ptr[0] = 0
    for p in range(n):
        i = order[p]
        rank[i] = p
        r_ptr[p + 1] = r_ptr[p] + ptr[i + 1] - ptr[i]
    q = 0
    for p in range(n):
        i = order[p]
        for x in range(ptr[i], ptr[i + 1]):
            r_dst[q] = rank[adj[x]]
            r_tl[q] = adj_tl[x]
            q += 1


@_jit
def forward(
    r_ptr: I64,
    r_dst: I32,
    r_tl: I32,
    dur: I64,
    floor: I64,
    kind: I8,
    fix_s: I64,
    fix_f: I64,
    req: I64,
    es: I64,
    rs: I64,
    ef: I64,
) -> int:
    """Forward pass in rank order: early start, resume and finish; return the project finish.

    ``req[p]`` collects the latest start and finish that links demand of task ``p`` and
    the link positions that demanded them first, so the driving path can be traced
    afterwards without another pass.
    """
    n = dur.shape[0]
    for p in range(n):
        req[p, REQ_S] = NEG
        req[p, REQ_F] = NEG
        req[p, DRV_S] = -1
        req[p, DRV_F] = -1
    finish = 0 if n == 0 else NEG
    for p in range(n):
        k = kind[p]
        d = dur[p]
        if k == FINISHED:
            s = fix_s[p]
            r = s
            f = fix_f[p]
        else:
            r = floor[p]
            if req[p, REQ_S] > r:
                r = req[p, REQ_S]
            if req[p, REQ_F] - d > r:
                r = req[p, REQ_F] - d
            f = r + d
            s = fix_s[p] if k == STARTED else r
        es[p] = s
        rs[p] = r
        ef[p] = f
        if f > finish:
            finish = f
        for q in range(r_ptr[p], r_ptr[p + 1]):
            tl = r_tl[q]
            j = r_dst[q]
            v = (s if tl & FROM_START else f) + (tl >> 2)
            if tl & TO_FINISH:
                if v > req[j, REQ_F]:
                    req[j, REQ_F] = v
                    req[j, DRV_F] = q
            elif v > req[j, REQ_S]:
                req[j, REQ_S] = v
                req[j, DRV_S] = q
    return finish


@_jit_inline
def _late(
    p: int,
    r_ptr: I64,
    r_dst: I32,
    r_tl: I32,
    d: int,
    k: int,
    deadline: int,
    s: int,
    f: int,
    finish: int,
    view: I64,
) -> tuple[int, int]:
    """Late finish and free float of the unfinished task at rank ``p`` (duration ``d``,
    kind ``k``, early start ``s`` and finish ``f``) from its successors' view rows: what
    the full and the incremental backward pass share (inlined into both)."""
    late_f = finish
    if deadline < late_f:
        late_f = deadline
    late_s = POS
    free = finish - f
    for q in range(r_ptr[p], r_ptr[p + 1]):
        tl = r_tl[q]
        j = r_dst[q]
        lag = tl >> 2
        v = (s if tl & FROM_START else f) + lag
        if tl & TO_FINISH:
            target = view[j, V_LF] - lag
            slack = view[j, V_EF] - v
        else:
            target = view[j, V_LRS] - lag
            slack = view[j, V_RS] - v
        if tl & FROM_START:
            if target < late_s:
                late_s = target
        elif target < late_f:
            late_f = target
        if slack < free:
            free = slack
    if k == PLANNED and late_s + d < late_f:
        late_f = late_s + d
    return late_f, free


@_jit
def backward(
    r_ptr: I64,
    r_dst: I32,
    r_tl: I32,
    dur: I64,
    kind: I8,
    deadline: I64,
    es: I64,
    rs: I64,
    ef: I64,
    finish: int,
    view: I64,
    lf: I64,
    tf: I64,
    ff: I64,
) -> None:
    """Backward pass in reverse rank order: late finish, total and free float.

    Every task must finish by the project finish and by its deadline. A finished task
    neither constrains its predecessors nor has float (its view row is all POS, so links
    into it never bind); a started task's start is history, so links that act from its
    start no longer bind it.
    """
    n = dur.shape[0]
    for p in range(n - 1, -1, -1):
        k = kind[p]
        if k == FINISHED:
            lf[p] = ef[p]
            tf[p] = 0
            ff[p] = 0
            view[p, V_RS] = POS
            view[p, V_EF] = POS
            view[p, V_LRS] = POS
            view[p, V_LF] = POS
            continue
        d = dur[p]
        f = ef[p]
        late_f, free = _late(p, r_ptr, r_dst, r_tl, d, k, deadline[p], es[p], f, finish, view)
        lf[p] = late_f
        tf[p] = late_f - f
        ff[p] = free
        view[p, V_RS] = rs[p]
        view[p, V_EF] = f
        view[p, V_LRS] = late_f - d
        view[p, V_LF] = late_f


@_jit
def index_preds(r_ptr: I64, r_dst: I32, r_src: I32, p_ptr: I64, p_q: I64, fill: I64) -> None:
    """Index the links by successor (for incremental passes): ``r_src[q]`` is the rank of
    link ``q``'s predecessor; the links into rank ``p`` are ``p_q[p_ptr[p]:p_ptr[p+1]]``,
    in increasing position, the order in which the forward pass meets them."""
    n = r_ptr.shape[0] - 1
    m = r_dst.shape[0]
    for p in range(n + 1):
        p_ptr[p] = 0
    for p in range(n):
        for q in range(r_ptr[p], r_ptr[p + 1]):
            r_src[q] = p
            p_ptr[r_dst[q] + 1] += 1
    for p in range(n):
        p_ptr[p + 1] += p_ptr[p]
    for p in range(n):
        fill[p] = p_ptr[p]
    for q in range(m):
        j = r_dst[q]
        p_q[fill[j]] = q
        fill[j] += 1


@_jit
def forward_from(
    r_ptr: I64,
    r_dst: I32,
    r_tl: I32,
    r_src: I32,
    p_ptr: I64,
    p_q: I64,
    dur: I64,
    floor: I64,
    kind: I8,
    fix_s: I64,
    fix_f: I64,
    req: I64,
    es: I64,
    rs: I64,
    ef: I64,
    dirty: I8,
    pending: int,
    changed: I8,
) -> int:
    """Forward pass over the tasks marked ``dirty`` and whatever their changes reach.

    A dirty task gathers its demands again from all its predecessors (in the order the
    full pass meets them, so the driving links are the same); only when its start or
    finish moves are its successors marked in turn. Ranks are visited in increasing
    order and the walk stops once nothing marked is left. Tasks whose early dates
    changed are flagged in ``changed``; return how many tasks were visited.
    """
    n = dur.shape[0]
    visited = 0
    p = 0
    while pending > 0 and p < n:
        if dirty[p] == 0:
            p += 1
            continue
        dirty[p] = 0
        pending -= 1
        visited += 1
        rqs = NEG
        rqf = NEG
        ds = -1
        df = -1
        for x in range(p_ptr[p], p_ptr[p + 1]):
            q = p_q[x]
            i = r_src[q]
            tl = r_tl[q]
            v = (es[i] if tl & FROM_START else ef[i]) + (tl >> 2)
            if tl & TO_FINISH:
                if v > rqf:
                    rqf = v
                    df = q
            elif v > rqs:
                rqs = v
                ds = q
        req[p, REQ_S] = rqs
        req[p, REQ_F] = rqf
        req[p, DRV_S] = ds
        req[p, DRV_F] = df
        k = kind[p]
        d = dur[p]
        if k == FINISHED:
            s = fix_s[p]
            r = s
            f = fix_f[p]
        else:
            r = floor[p]
            if rqs > r:
                r = rqs
            if rqf - d > r:
                r = rqf - d
            f = r + d
            s = fix_s[p] if k == STARTED else r
        if r != rs[p]:
            rs[p] = r
            changed[p] = 1
        if s != es[p] or f != ef[p]:
            es[p] = s
            ef[p] = f
            changed[p] = 1
            for q in range(r_ptr[p], r_ptr[p + 1]):
                j = r_dst[q]
                if dirty[j] == 0:
                    dirty[j] = 1
                    pending += 1
        p += 1
    return visited


@_jit
def backward_from(
    r_ptr: I64,
    r_dst: I32,
    r_tl: I32,
    r_src: I32,
    p_ptr: I64,
    p_q: I64,
    dur: I64,
    kind: I8,
    deadline: I64,
    es: I64,
    rs: I64,
    ef: I64,
    finish: int,
    view: I64,
    lf: I64,
    tf: I64,
    ff: I64,
    dirty: I8,
    pending: int,
    changed: I8,
) -> int:
    """Backward pass over the tasks marked ``dirty`` and the predecessors their changes
    reach, in decreasing rank, with the project finish unchanged.

    A task's late finish and floats depend on its own dates, its deadline, the finish
    and its successors' view rows; when its view row changes its predecessors are
    marked. Tasks whose late finish or floats changed are flagged in ``changed``;
    return how many tasks were visited.
    """
    n = dur.shape[0]
    visited = 0
    p = n - 1
    while pending > 0 and p >= 0:
        if dirty[p] == 0:
            p -= 1
            continue
        dirty[p] = 0
        pending -= 1
        visited += 1
        k = kind[p]
        if k == FINISHED:
            late_f = ef[p]
            total = 0
            free = 0
            v0 = POS
            v1 = POS
            v2 = POS
            v3 = POS
        else:
            d = dur[p]
            f = ef[p]
            late_f, free = _late(p, r_ptr, r_dst, r_tl, d, k, deadline[p], es[p], f, finish, view)
            total = late_f - f
            v0 = rs[p]
            v1 = f
            v2 = late_f - d
            v3 = late_f
        if lf[p] != late_f or tf[p] != total or ff[p] != free:
            lf[p] = late_f
            tf[p] = total
            ff[p] = free
            changed[p] = 1
        if (
            view[p, V_RS] != v0
            or view[p, V_EF] != v1
            or view[p, V_LRS] != v2
            or view[p, V_LF] != v3
        ):
            view[p, V_RS] = v0
            view[p, V_EF] = v1
            view[p, V_LRS] = v2
            view[p, V_LF] = v3
            for x in range(p_ptr[p], p_ptr[p + 1]):
                i = r_src[p_q[x]]
                if dirty[i] == 0:
                    dirty[i] = 1
                    pending += 1
        p -= 1
    return visited
