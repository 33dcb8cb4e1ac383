"""Rows of a programme schedule computed incrementally (``apply_items``): made on first read,
rebuilding only the rows the edits since the last read reached. Used by
``scheduling.reschedule_edit`` and ``scheduling.load_stored``."""

from __future__ import annotations

import datetime as dt
import gc
import threading
from dataclasses import replace
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from sinergi.schedule import BaselineComparison, Schedule
from sinergi.schedule.engine import FINISHED

from .scheduling import _LAZY, ItemResult, LinkResult, ProgramSchedule

_T = TypeVar("_T")


def _clone(obj: _T, **changes: Any) -> _T:
    # ``dataclasses.replace`` without its per-call field inspection (tens of microseconds
    # for ItemResult's 28 fields, paid once per moved item): the same fields, some changed.
    out = object.__new__(type(obj))
    object.__setattr__(out, "__dict__", {**obj.__dict__, **changes})  # frozen ones too
    return out


_EPOCH = dt.date(1970, 1, 1).toordinal()


def _days(dates: list[Any]) -> NDArray[np.datetime64]:
    """Dates as a ``datetime64[D]`` array, by ordinal (NumPy's conversion of date objects
    is several times slower)."""
    ordinals = np.fromiter((d.toordinal() for d in dates), np.int64, len(dates))
    out: NDArray[np.datetime64] = (ordinals - _EPOCH).astype("datetime64[D]")
    return out


def _critical(sched: Schedule) -> NDArray[np.bool_]:
    """Per task, in input order: critical as ``ItemResult.critical`` says it."""
    out: NDArray[np.bool_] = (sched.kind != FINISHED) & (sched.result.total_float <= 0)
    return out


class _Pending:
    """What a schedule computed incrementally needs to make its rows on first read: the
    rows, links and comparison of the last schedule that made them (``base``), which rows
    the edits since then reached (``stale``) and the edited items' duration and milestone
    flag (by task index). Nothing here is changed after it is made (a new edit makes a new
    one), so a schedule's rows never depend on a later edit."""

    __slots__ = ("items", "links", "comparison", "critical", "stale", "edits", "lock")

    def __init__(
        self,
        items: list[ItemResult],
        links: list[LinkResult],
        comparison: BaselineComparison | None,
        critical: NDArray[np.bool_],
        stale: NDArray[np.bool_],
        edits: dict[int, tuple[int, bool]],
    ) -> None:
        self.items = items
        self.links = links
        self.comparison = comparison
        self.critical = critical
        self.stale = stale
        self.edits = edits
        self.lock = threading.Lock()

    @classmethod
    def of(cls, ps: ProgramSchedule) -> _Pending:
        """The rows ``ps`` shows, as a starting point for the next edit (without making
        them if they are not made yet)."""
        pending = ps.__dict__.get("_pending")
        if pending is not None:
            return cast(_Pending, pending)
        sched = ps.schedule
        if sched is None:
            raise ValueError("no schedule")
        crit = ps.__dict__.get("_critical")
        if crit is None:
            crit = ps.__dict__["_critical"] = _critical(sched)
        n = len(sched.network.ids)
        return cls(ps.items, ps.links, ps.comparison, crit, np.zeros(n, dtype=bool), {})

    def then(self, touched: NDArray[np.int64], edits: dict[int, tuple[int, bool]]) -> _Pending:
        """The same base after one more edit."""
        stale = self.stale.copy()
        stale[touched] = True
        return _Pending(
            self.items, self.links, self.comparison, self.critical, stale, {**self.edits, **edits}
        )

    def materialize(self, ps: ProgramSchedule) -> None:
        """Make ``ps``'s items, links and comparison (once; readers in other threads wait)."""
        with self.lock:
            if ps.__dict__.get("_pending") is not self:
                return  # made meanwhile
            # A few thousand (or, when the finish moved, every one of 100,000) new objects
            # in a heap of millions: without the collector, which would walk all of them
            # every few hundred allocations. Nothing here makes cycles.
            collecting = gc.isenabled()
            gc.disable()
            try:
                made = self._make(ps)
            finally:
                if collecting:
                    gc.enable()
            ps.__dict__.update(made)
            del ps.__dict__["_pending"]

    def _make(self, ps: ProgramSchedule) -> dict[str, Any]:
        sched = ps.schedule
        if sched is None:
            raise ValueError("no schedule")
        cal = sched.calendar
        idx = np.flatnonzero(self.stale)
        rows = list(self.items)
        comp = self.comparison
        slips = dict(comp.tasks) if comp is not None else {}
        if "_date_arrays" in sched.__dict__ and "_late_date_arrays" in sched.__dict__:
            cols = (*sched._date_arrays, *sched._late_date_arrays)
            got = tuple(c[idx] for c in cols)
        else:
            got = sched._date_arrays_for(idx)
        starts, fin, late_s, late_f = (a.astype(dt.date).tolist() for a in got)
        # Slips against the baseline, counted for all rows at once: the working days in
        # [a, b) are the offset of b less that of a from any one origin (one calendar call
        # instead of two per row, which cost seconds when the finish moved every row).
        k = idx.shape[0]
        start_slips = np.zeros(k, dtype=np.int64)
        finish_slips = np.zeros(k, dtype=np.int64)
        base_s = [rows[i].baseline_start for i in idx.tolist()]
        sel = np.flatnonzero(np.fromiter((d is not None for d in base_s), bool, k))
        if sel.size:
            m = sel.shape[0]
            off = cal.offsets(
                sched.data_date,
                np.concatenate(
                    [
                        _days([base_s[j] for j in sel.tolist()]),
                        _days([rows[i].baseline_finish for i in idx[sel].tolist()]),
                        got[0][sel],
                        got[1][sel],
                    ]
                ),
            )
            start_slips[sel] = off[2 * m : 3 * m] - off[:m]
            finish_slips[sel] = off[3 * m :] - off[m : 2 * m]
        r = sched.result
        crit = _critical(sched)
        cols_i = zip(
            idx.tolist(),
            start_slips.tolist(),
            finish_slips.tolist(),
            starts,
            fin,
            late_s,
            late_f,
            r.es[idx].tolist(),
            r.ef[idx].tolist(),
            r.total_float[idx].tolist(),
            r.free_float[idx].tolist(),
            crit[idx].tolist(),
            np.where(sched.kind[idx] == FINISHED, 0, sched.durations[idx]).tolist(),
            sched.at_close[idx].tolist(),
            strict=True,
        )
        edits = self.edits
        for (
            i,
            s_slip,
            f_slip,
            start,
            finish,
            ls,
            lf,
            es,
            ef,
            tf,
            ff,
            critical,
            remaining,
            close,
        ) in cols_i:
            old = rows[i]
            duration, milestone = edits.get(i, (old.duration, old.milestone))
            tid = str(old.id)
            slip = slips.get(tid)
            if slip is not None:
                slip = _clone(
                    slip, start=start, finish=finish, start_slip=s_slip, finish_slip=f_slip
                )
                slips[tid] = slip
            rows[i] = _clone(
                old,
                duration=duration,
                milestone=milestone,
                start=start,
                finish=finish,
                es=es,
                ef=ef,
                total_float=tf,
                free_float=ff,
                critical=critical,
                finish_slip=slip.finish_slip if slip else None,
                late_start=ls,
                late_finish=lf,
                remaining=remaining,
                at_close=close,
            )
        links = self.links
        flips = np.flatnonzero(crit != self.critical)
        if flips.size:
            net = sched.network
            links = list(links)
            at = np.flatnonzero(np.isin(net.link_src, flips) | np.isin(net.link_dst, flips))
            for e in at.tolist():
                a, b = int(net.link_src[e]), int(net.link_dst[e])
                links[e] = replace(links[e], driving=bool(crit[a] and crit[b]))
        if comp is not None:
            finish = sched.finish_date
            comp = BaselineComparison(
                baseline_finish=comp.baseline_finish,
                finish=finish,
                project_slip=cal.working_days_between(comp.baseline_finish, finish),
                tasks=slips,
                added=comp.added,
                removed=comp.removed,
            )
        return {"items": rows, "links": links, "comparison": comp, "_critical": crit}


def apply_items(
    ps: ProgramSchedule, items: dict[int, tuple[int, bool]], plan_version: int
) -> ProgramSchedule:
    """The program schedule after some work items' durations changed (id → (duration,
    milestone)), rescheduled incrementally. Its rows (``items``, ``links``,
    ``comparison``) are made on first read, and then only those whose dates or floats
    moved since the last schedule that made them (and the links at items whose
    criticality flipped)."""
    sched = ps.schedule
    if sched is None:
        raise ValueError("no schedule to change")
    net = sched.network
    tasks = []
    edits: dict[int, tuple[int, bool]] = {}
    for item_id, (duration, milestone) in items.items():
        i = net.index[str(item_id)]
        tasks.append(replace(net.task(i), duration=duration))
        edits[i] = (duration, milestone)
    new_sched, changed = sched.rescheduled(tasks)
    edited = np.fromiter(edits, np.int64, len(edits))
    pending = _Pending.of(ps).then(np.concatenate([changed, edited]), edits)
    out = ProgramSchedule(
        program_id=ps.program_id,
        plan_version=plan_version,
        data_date=ps.data_date,
        schedule=new_sched,
        items=[],
        links=[],
        comparison=None,
        baseline_name=ps.baseline_name,
    )
    for name in _LAZY:
        del out.__dict__[name]
    out.__dict__["_pending"] = pending
    return out
