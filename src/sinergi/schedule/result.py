"""The result of scheduling a network (``Schedule``): offsets, float, dates, driving paths
and incremental rescheduling after a change; the network and its columns are in
``network.py``."""

from __future__ import annotations

import functools
import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .calendar import Calendar
from .engine import FINISHED, FROM_START, STARTED, TO_FINISH, ArrayResult, Incremental
from .errors import ScheduleError
from .model import Link, Task
from .network import (
    _STATUS,
    D64,
    End,
    Network,
    Status,
    TaskColumns,
    _inputs,
    _iso,
)


@dataclass(frozen=True)
class TaskResult:
    """Dates and float of one task: offsets in working days from the data date, and dates.

    ``late_start``/``late_finish`` are the late dates (actual dates once reported),
    ``remaining`` the working days of work left, and ``at_close`` tells that a milestone is
    reached at the close of its day (after finishing work) rather than at its start.
    """

    id: str
    agency: str
    status: Status
    es: int
    ef: int
    ls: int
    lf: int
    total_float: int
    free_float: int
    critical: bool
    start: date
    finish: date
    late_start: date | None = None
    late_finish: date | None = None
    remaining: int = 0
    at_close: bool = False

    def as_dict(self) -> dict[str, object]:
        """Return the JSON form used by the CLI."""
        return {
            "es": self.es,
            "ef": self.ef,
            "ls": self.ls,
            "lf": self.lf,
            "total_float": self.total_float,
            "free_float": self.free_float,
            "critical": self.critical,
            "start": self.start.isoformat(),
            "finish": self.finish.isoformat(),
            "agency": self.agency,
            "status": self.status,
        }


@dataclass(frozen=True)
class ChainPoint:
    """One point of a driving path: a task's start (S), resume (R) or finish (F).

    ``link`` is the index (in ``Network.links``) of the link that drives this point from
    the previous one, or None when the previous point is on the same task or there is none.
    """

    task: int
    end: End
    link: int | None = None


#: Working days added beyond what is needed when a schedule's table of days is widened.
_DAY_MARGIN = 260


class Schedule:
    """The result of scheduling a network: offsets, float, dates and driving paths."""

    def __init__(
        self,
        network: Network,
        calendar: Calendar,
        data_date: date,
        result: ArrayResult,
        durations: NDArray[np.int64],
        floor: NDArray[np.int64],
        kind: NDArray[np.int8],
        *,
        deadline: NDArray[np.int64] | None = None,
        fixed_start: NDArray[np.int64] | None = None,
        fixed_finish: NDArray[np.int64] | None = None,
    ) -> None:
        self.network = network
        self.calendar = calendar
        self.data_date = data_date
        self.result = result
        self.durations = durations
        self.floor = floor
        self.kind = kind
        self.deadline = deadline
        self.fixed_start = fixed_start
        self.fixed_finish = fixed_finish

    # -- small changes -------------------------------------------------------------------

    def _kept_inputs(self) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
        if self.deadline is None or self.fixed_start is None or self.fixed_finish is None:
            # A schedule pickled before these were kept: work them out again.
            net = self.network
            _, _, deadline, _, fix_s, fix_f = _inputs(
                net.columns, net.task, self.calendar, self.data_date
            )
            self.deadline, self.fixed_start, self.fixed_finish = deadline, fix_s, fix_f
        return self.deadline, self.fixed_start, self.fixed_finish

    @functools.cached_property
    def _state(self) -> Incremental:
        deadline, fix_s, fix_f = self._kept_inputs()
        return Incremental.from_result(
            self.result,
            self.durations,
            floor=self.floor,
            deadline=deadline,
            kind=self.kind,
            fixed_start=fix_s,
            fixed_finish=fix_f,
        )

    def rescheduled(
        self, tasks: Iterable[Task] = (), lags: dict[int, int] | None = None
    ) -> tuple[Schedule, NDArray[np.int64]]:
        """Return the schedule after replacing some tasks (by id) and some links' lags (by
        link index), and the indices of the tasks whose dates or floats changed.

        When only durations and lags change, only what the change reaches is recomputed
        (:class:`engine.Incremental`), and the dates already worked out are reused for
        every task that did not move. Any other change (progress, constraint dates)
        reschedules the network in full. This schedule is left as it was.
        """
        net = self.network
        lags = dict(lags or {})
        for e in lags:
            if not 0 <= e < len(net.link_src):
                raise ScheduleError("unknown_id", f"no link {e}", [str(e)])
        changes: dict[int, Task] = {}
        for t in tasks:
            if t.id not in net.index:
                raise ScheduleError("unknown_id", f"no task {t.id!r}", [t.id])
            changes[net.index[t.id]] = t
        new_net = net._changed(changes, lags)
        # The inputs of the edited tasks, worked out as ``Network.schedule`` does.
        rows = np.fromiter(changes, np.int64, len(changes))
        edits = list(changes.values())
        new_dur, new_floor, new_dl, new_kind, new_fs, new_ff = _inputs(
            TaskColumns.from_tasks(edits), edits.__getitem__, self.calendar, self.data_date
        )
        state = self._state
        deadline, fix_s, fix_f = self._kept_inputs()
        same_rest = all(
            np.array_equal(a, b[rows])
            for a, b in (
                (new_floor, self.floor),
                (new_dl, deadline),
                (new_kind, self.kind),
                (new_fs, fix_s),
                (new_ff, fix_f),
            )
        )
        if not same_rest:
            full = new_net.schedule(self.calendar, self.data_date)
            a, b = self.result, full.result
            moved = np.zeros(len(net.ids), dtype=bool)
            for name in ("es", "rs", "ef", "lf", "total_float", "free_float"):
                moved |= getattr(a, name) != getattr(b, name)
            return full, np.flatnonzero(moved)
        durations = self.durations.copy()
        durations[rows] = new_dur
        # The new schedule takes this one's engine state over (its arrays are internal, not
        # read by anything else); this one rebuilds it from its result if ever needed.
        del self.__dict__["_state"]
        new_state, changed = state.changed(
            durations=dict(zip(rows.tolist(), new_dur.tolist(), strict=True)),
            lags=lags,
            in_place=True,
        )
        if lags:
            new_net.structure = new_state.structure
        out = Schedule(
            new_net,
            self.calendar,
            self.data_date,
            new_state.result(like=self.result, changed=changed),
            durations,
            self.floor,
            self.kind,
            deadline=deadline,
            fixed_start=fix_s,
            fixed_finish=fix_f,
        )
        out.__dict__["_state"] = new_state
        if "_day_table" in self.__dict__:
            out.__dict__["_day_table"] = self.__dict__["_day_table"]  # same calendar and day
        # A lag moves nothing of its successor perhaps, but may change its milestone flag.
        self._carry_dates(out, changed, set(changes) | {int(net.link_dst[e]) for e in lags})
        return out, changed

    def _carry_dates(self, new: Schedule, changed: NDArray[np.int64], edited: set[int]) -> None:
        """Give the new schedule this one's milestone flags and dates, worked out again only
        for the tasks that moved (a milestone's flag also hangs on its predecessors')."""
        if "at_close" not in self.__dict__:
            return
        net = new.network
        st = net.structure
        a, b = self.result, new.result
        zero = (new.durations == 0) & (new.kind != FINISHED)
        moved = (a.es != b.es) | (a.ef != b.ef)
        if int(np.count_nonzero(moved)) > len(net.ids) // 8:
            close = new.at_close  # most of the network moved: every flag afresh
            flipped = np.flatnonzero(close != self.at_close)
        else:

            def succs(i: int) -> list[int]:
                p = int(st.rank[i])
                out: list[int] = st.order[st.r_dst[st.r_ptr[p] : st.r_ptr[p + 1]]].tolist()
                return out

            # Only milestones have the flag: those among the edited and moved tasks and
            # their successors (one sweep over the links), in topological order so that a
            # milestone sees its predecessors' final flags; a flag that flips hands the
            # question on to the task's successors.
            for i in edited:
                moved[i] = True
            seed_rank = np.zeros(len(net.ids), dtype=bool)
            seed_rank[st.rank[moved]] = True
            r_src = st._preds[0]
            near = moved.copy()
            near[st.order[st.r_dst[seed_rank[r_src]]]] = True
            cand = np.flatnonzero(near)
            close = self.at_close.copy()
            queued = set(cand[zero[cand] | close[cand]].tolist())  # a flag may also drop
            queue = [(int(st.rank[i]), i) for i in queued]
            heapq.heapify(queue)
            flips: list[int] = []
            while queue:
                _, i = heapq.heappop(queue)
                value = new._close_of(i, zero, close)
                if value != bool(close[i]):
                    close[i] = value
                    flips.append(i)
                    for j in succs(i):
                        if (zero[j] or close[j]) and j not in queued:
                            queued.add(j)
                            heapq.heappush(queue, (int(st.rank[j]), j))
            flipped = np.array(sorted(flips), dtype=np.int64)
        new.__dict__["at_close"] = close
        # Marks rather than ``np.union1d``, whose sort of up to every task cost more than
        # the rest of an edit that moves the finish.
        mark = np.zeros(len(net.ids), dtype=bool)
        mark[changed] = True
        mark[flipped] = True
        mark[np.fromiter(edited, np.int64, len(edited))] = True
        touched = np.flatnonzero(mark)
        if "_date_arrays" not in self.__dict__ or "_late_date_arrays" not in self.__dict__:
            return
        cols: list[D64]
        if touched.shape[0] > len(net.ids) // 8:
            # Most tasks moved (the finish did): every date afresh, without copy and scatter.
            cols = list(new._date_arrays_for(np.arange(len(net.ids), dtype=np.int64)))
        else:
            got = new._date_arrays_for(touched)
            olds = (*self._date_arrays, *self._late_date_arrays)
            cols = []
            for old, part in zip(olds, got, strict=True):
                col = old.copy()
                col[touched] = part
                cols.append(col)
        new.__dict__["_date_arrays"] = (cols[0], cols[1])
        new.__dict__["_late_date_arrays"] = (cols[2], cols[3])
        # The forms made from the arrays (lists of dates, ISO strings) are not carried: a
        # copy of each is a pass over every task's objects, what an edit must not cost;
        # they are made again on first use (``tasks_at`` does without them).

    def _date_arrays_for(self, idx: NDArray[np.int64]) -> tuple[D64, D64, D64, D64]:
        """Return start, finish, late start and late finish dates of some tasks (as
        ``_date_arrays`` and ``_late_date_arrays`` give them for all)."""
        r = self.result
        c = self.network.columns
        es, ef, lf = r.es[idx], r.ef[idx], r.lf[idx]
        close = self.at_close[idx]
        mile = ef <= es
        last = np.where(mile, np.where(close, es - 1, es), ef - 1)
        ls = es + r.total_float[idx]
        l_last = np.where(mile, np.where(close, ls - 1, ls), lf - 1)
        k = idx.shape[0]
        days = self._days_at(
            np.concatenate([np.where(mile, last, es), last, np.where(mile, l_last, ls), l_last])
        )
        starts, fin, late_s, late_f = days[:k], days[k : 2 * k], days[2 * k : 3 * k], days[3 * k :]
        a_s, a_f = c.actual_start[idx], c.actual_finish[idx]
        has_s, has_f = ~np.isnat(a_s), ~np.isnat(a_f)
        starts = np.where(has_s, a_s, starts)
        fin = np.where(has_f, a_f, fin)
        starts = np.where(has_f & ~has_s, np.minimum(starts, a_f), starts)
        late_s = np.where(has_s | has_f, starts, late_s)
        late_f = np.where(has_f, fin, late_f)
        return starts, fin, late_s, late_f

    def _close_of(self, i: int, zero: NDArray[np.bool_], close: NDArray[np.bool_]) -> bool:
        """Whether task ``i`` is a milestone at the close of its day (see ``at_close``),
        given the flags of its predecessors."""
        if not zero[i]:
            return False
        r = self.result
        es = int(r.es[i])
        if es <= int(self.floor[i]):
            return False
        # The links into it from the structure's index by successor (shared by every
        # schedule of the network, unlike a dict of them that would be built per network).
        st = self.network.structure
        r_src, p_ptr, p_q = st._preds
        rank = int(st.rank[i])
        for q in p_q[int(p_ptr[rank]) : int(p_ptr[rank + 1])].tolist():
            p = int(st.order[int(r_src[q])])
            tl = int(st.r_tl[q])
            from_start = bool(tl & 3 & FROM_START)
            if (int(r.es[p]) if from_start else int(r.ef[p])) + (tl >> 2) != es:
                continue
            # Tied to its start: at the close only if that link comes from work through a
            # finish, or from a milestone that is itself at the close.
            if bool(close[p]) if zero[p] else not from_start:
                continue
            return False
        return True

    # -- whole project -------------------------------------------------------------

    @property
    def finish_offset(self) -> int:
        """Return the project finish as a working-day offset from the data date."""
        return self.result.finish

    @functools.cached_property
    def at_close(self) -> NDArray[np.bool_]:
        """Per task: whether a zero-length task (a milestone) sits at the close of the working
        day before its offset rather than at the start of the day at its offset.

        Offset ``x`` is both the close of working day ``x - 1`` and the start of day ``x``. A
        milestone reached when work before it finishes (a finish-to link) is the former; one
        held by its start floor (a start-no-earlier-than date, the program's start or the data
        date) or by a start-to link is the latter, so that a milestone at the program's start
        is dated on that day and not on the working day before. On a tie the later instant,
        the start of the day, wins, as it does in P6 and MS Project.
        """
        r = self.result
        net = self.network
        zero = (self.durations == 0) & (self.kind != FINISHED)
        # Candidates: milestones pushed past their start floor by some link.
        close = zero & (r.es > self.floor)
        if not close.any():
            return close
        src, dst, typ, lag = net.link_src, net.link_dst, net.link_type, net.link_lag
        from_start = (typ & FROM_START) != 0
        into = np.flatnonzero(close[dst])
        if into.size:
            p, d = src[into], dst[into]
            value = np.where(from_start[into], r.es[p], r.ef[p]) + lag[into]
            tied = into[value == r.es[d]]
        else:
            tied = into
        # A milestone is at the close when every link tied to its start is a finish-to link
        # from work, or comes from a milestone that is itself at the close (all() of none is
        # true). Links in the topological order of their successor, so a milestone
        # predecessor is settled before its successors read it.
        tied = tied[np.argsort(net.structure.rank[dst[tied]], kind="stable")]
        p, d = src[tied], dst[tied]
        static = ~from_start[tied]
        via = zero[p]
        # Tied links from work settle at once; those from milestones need the order.
        close[d[~via & ~static]] = False
        for pi, di in zip(p[via].tolist(), d[via].tolist(), strict=True):
            if not close[pi]:
                close[di] = False
        return close

    def _days_at(self, offsets: NDArray[np.int64]) -> D64:
        # Dates by offset from a table of the working days the schedule spans, worked out
        # once (each calendar call works out the holidays) and widened on need.
        if offsets.size == 0:
            return np.empty(0, dtype="datetime64[D]")
        lo, hi = int(offsets.min()), int(offsets.max())
        found = self.__dict__.get("_day_table")
        if found is None:
            base = lo
            table = self.calendar.dates_at(self.data_date, np.arange(lo, hi + 1, dtype=np.int64))
            self.__dict__["_day_table"] = (base, table)
        else:
            base, table = found
        if lo < base or hi >= base + len(table):
            # Widened by what is missing and a margin (an edit that moves the finish moves it
            # again soon), the days already known kept: each calendar call works out the
            # holidays of every year it spans.
            end = base + len(table)
            first = min(lo - _DAY_MARGIN, base) if lo < base else base
            last = max(hi + _DAY_MARGIN, end - 1) if hi >= end else end - 1
            cal, dd = self.calendar, self.data_date
            table = np.concatenate(
                [
                    cal.dates_at(dd, np.arange(first, base, dtype=np.int64)),
                    table,
                    cal.dates_at(dd, np.arange(end, last + 1, dtype=np.int64)),
                ]
            )
            base = first
            self.__dict__["_day_table"] = (base, table)
        out: D64 = table[offsets - base]
        return out

    @functools.cached_property
    def _date_arrays(self) -> tuple[D64, D64]:
        r = self.result
        c = self.network.columns
        # A finish at offset f is the close of working day f - 1. A milestone is on the day
        # the work before it closes, or on the day it starts (see ``at_close``).
        mile = r.ef <= r.es
        last = np.where(mile, np.where(self.at_close, r.es - 1, r.es), r.ef - 1)
        first = np.where(mile, last, r.es)
        starts = self.calendar.dates_at(self.data_date, first)
        fin = self.calendar.dates_at(self.data_date, last)
        if starts.size:
            a_s, a_f = c.actual_start, c.actual_finish
            has_s, has_f = ~np.isnat(a_s), ~np.isnat(a_f)
            starts = np.where(has_s, a_s, starts)
            fin = np.where(has_f, a_f, fin)
            starts = np.where(has_f & ~has_s, np.minimum(starts, a_f), starts)
        return starts, fin

    @functools.cached_property
    def _late_date_arrays(self) -> tuple[D64, D64]:
        # Late dates: the early ones moved by the total float; a task in progress keeps its
        # actual start, a finished one its actual dates.
        r = self.result
        c = self.network.columns
        mile = r.ef <= r.es
        ls = r.es + r.total_float
        last = np.where(mile, np.where(self.at_close, ls - 1, ls), r.lf - 1)
        first = np.where(mile, last, ls)
        starts = self.calendar.dates_at(self.data_date, first)
        fin = self.calendar.dates_at(self.data_date, last)
        if starts.size:
            early_s, early_f = self._date_arrays
            has_s, has_f = ~np.isnat(c.actual_start), ~np.isnat(c.actual_finish)
            starts = np.where(has_s | has_f, early_s, starts)
            fin = np.where(has_f, early_f, fin)
        return starts, fin

    @functools.cached_property
    def _dates(self) -> tuple[list[date], list[date]]:
        starts, fin = self._date_arrays
        return starts.astype(date).tolist(), fin.astype(date).tolist()

    @functools.cached_property
    def _late_dates(self) -> tuple[list[date], list[date]]:
        starts, fin = self._late_date_arrays
        return starts.astype(date).tolist(), fin.astype(date).tolist()

    @property
    def finish_date(self) -> date:
        """Return the project finish date: the latest finish date of any task."""
        _, fin = self._date_arrays
        if not fin.size:
            return self.calendar.date_at(self.data_date, 0)
        last: date = fin.max().astype(date)
        return last

    def absolute(self, origin: date) -> int:
        """Return the offset of this schedule's data date from another origin date."""
        return self.calendar.offset(origin, self.data_date)

    # -- tasks -----------------------------------------------------------------------

    def task(self, task_id: str) -> TaskResult:
        """Return the result of one task by id."""
        try:
            i = self.network.index[task_id]
        except KeyError:
            raise ScheduleError("unknown_id", f"no task {task_id!r}", [task_id]) from None
        return self._task(i)

    def _task(self, i: int) -> TaskResult:
        r = self.result
        starts, fin = self._dates
        late_s, late_f = self._late_dates
        c = self.network.columns
        tf = int(r.total_float[i])
        k = int(self.kind[i])
        return TaskResult(
            id=c.ids[i],
            agency=c.agencies[i],
            status=_STATUS[k],
            es=int(r.es[i]),
            ef=int(r.ef[i]),
            ls=int(r.es[i]) + tf,
            lf=int(r.lf[i]),
            total_float=tf,
            free_float=int(r.free_float[i]),
            critical=k != FINISHED and tf <= 0,
            start=starts[i],
            finish=fin[i],
            late_start=late_s[i],
            late_finish=late_f[i],
            remaining=0 if k == FINISHED else int(self.durations[i]),
            at_close=bool(self.at_close[i]),
        )

    def tasks_at(self, idx: NDArray[np.int64]) -> list[TaskResult]:
        """Return the results of some tasks by index (what ``tasks`` holds for them), the
        arrays read once for all of them."""
        r = self.result
        ids, agencies = self.network.columns.ids, self.network.columns.agencies
        if "_dates" in self.__dict__ and "_late_dates" in self.__dict__:
            starts, fin = self._dates
            late_s, late_f = self._late_dates
            days = [[col[i] for i in idx.tolist()] for col in (starts, fin, late_s, late_f)]
        else:
            # A few tasks of a schedule whose lists are not made: from the arrays.
            arrays = (*self._date_arrays, *self._late_date_arrays)
            days = [a[idx].astype(date).tolist() for a in arrays]
        cols = zip(
            idx.tolist(),
            *days,
            r.es[idx].tolist(),
            r.ef[idx].tolist(),
            r.lf[idx].tolist(),
            r.total_float[idx].tolist(),
            r.free_float[idx].tolist(),
            self.kind[idx].tolist(),
            self.durations[idx].tolist(),
            self.at_close[idx].tolist(),
            strict=True,
        )
        return [
            TaskResult(
                id=ids[i],
                agency=agencies[i],
                status=_STATUS[k],
                es=es,
                ef=ef,
                ls=es + tf,
                lf=lf,
                total_float=tf,
                free_float=ff,
                critical=k != FINISHED and tf <= 0,
                start=start,
                finish=finish,
                late_start=late_start,
                late_finish=late_finish,
                remaining=0 if k == FINISHED else d,
                at_close=close,
            )
            for i, start, finish, late_start, late_finish, es, ef, lf, tf, ff, k, d, close in cols
        ]

    @functools.cached_property
    def tasks(self) -> dict[str, TaskResult]:
        """Return the result of every task, by id, in input order."""
        return {tid: self._task(i) for i, tid in enumerate(self.network.ids)}

    def near_critical(self, threshold: int) -> list[str]:
        """Return the ids of unfinished tasks whose total float is at most ``threshold``."""
        mask = (self.result.total_float <= threshold) & (self.kind != FINISHED)
        ids = self.network.ids
        return [ids[i] for i in np.flatnonzero(mask).tolist()]

    # -- paths -----------------------------------------------------------------------

    def finish_task(self) -> int | None:
        """Return the index of the task whose finish is the project finish (first if tied)."""
        if not self.network.ids:
            return None
        # Among tasks finishing last, the latest in topological order ends the path, so a
        # closing milestone is on it.
        order = self.network.structure.order
        ef = self.result.ef[order]
        return int(order[len(order) - 1 - int(np.argmax(ef[::-1]))])

    def point_value(self, p: ChainPoint) -> int:
        """Return the offset of a chain point in this schedule."""
        r = self.result
        arr = r.es if p.end == "S" else r.rs if p.end == "R" else r.ef
        return int(arr[p.task])

    def driver(self, p: ChainPoint) -> ChainPoint | None:
        """Return the point that drives ``p`` (None when a floor or an actual date does).

        Ties prefer a start link, then a finish link, then the data date or constraint.
        """
        i = p.task
        k = int(self.kind[i])
        if k == FINISHED or (p.end == "S" and k == STARTED):
            return None
        r = self.result
        rs = int(r.rs[i])
        d = int(self.durations[i])
        sreq, freq, link_s, link_f = r.drivers(i)
        start_link = link_s >= 0 and sreq == rs
        finish_link = link_f >= 0 and freq - d == rs
        if p.end == "F":
            if finish_link and not start_link:
                return self._link_point(link_f)
            return ChainPoint(i, "R")
        if start_link:
            return self._link_point(link_s)
        if finish_link:
            return ChainPoint(i, "F")
        return None

    def _link_point(self, e: int) -> ChainPoint:
        t = int(self.network.link_type[e])
        pred = int(self.network.link_src[e])
        return ChainPoint(pred, "S" if t & FROM_START else "F", e)

    def driving_chain(self, end: ChainPoint | None = None) -> list[ChainPoint]:
        """Return the driving path into ``end`` (default: the project finish), first to last.

        Each point's ``link`` is the link from the previous point that drives it; a point
        with no link follows the previous point on the same task.
        """
        if end is None:
            f = self.finish_task()
            if f is None:
                return []
            end = ChainPoint(f, "F")
        rev = [end]
        while True:
            prev = self.driver(rev[-1])
            if prev is None:
                break
            rev[-1] = ChainPoint(rev[-1].task, rev[-1].end, prev.link)
            rev.append(ChainPoint(prev.task, prev.end))
        rev.reverse()
        return rev

    @functools.cached_property
    def critical_path(self) -> list[str]:
        """Return the ids of unfinished tasks on the driving path to the project finish."""
        out: list[str] = []
        ids = self.network.ids
        for p in self.driving_chain():
            tid = ids[p.task]
            if self.kind[p.task] != FINISHED and (not out or out[-1] != tid):
                out.append(tid)
        return out

    def critical_paths(self, limit: int = 20) -> list[list[str]]:
        """Return up to ``limit`` chains of critical tasks joined by driving links."""
        r = self.result
        net = self.network
        crit = (r.total_float <= 0) & (self.kind != FINISHED)
        src, dst, typ, lag = net.link_src, net.link_dst, net.link_type, net.link_lag
        from_val = np.where(typ & FROM_START, r.es[src], r.ef[src]) + lag
        to_val = np.where(typ & TO_FINISH, r.ef[dst], r.rs[dst])
        tight = (to_val == from_val) & crit[src] & crit[dst]
        nxt: dict[int, list[int]] = {}
        has_pred = np.zeros(len(net.ids), dtype=bool)
        for s, d in zip(src[tight].tolist(), dst[tight].tolist(), strict=True):
            if d not in nxt.get(s, []):
                nxt.setdefault(s, []).append(d)
            has_pred[d] = True
        heads = [i for i in np.flatnonzero(crit).tolist() if not has_pred[i]]
        heads.sort(key=lambda i: (int(r.es[i]), i))
        paths: list[list[str]] = []
        stack: list[list[int]] = [[h] for h in reversed(heads)]
        while stack and len(paths) < limit:
            path = stack.pop()
            succ = nxt.get(path[-1], [])
            if not succ:
                paths.append([net.ids[i] for i in path])
            for s in reversed(succ):
                stack.append([*path, s])
        return paths

    # -- output ------------------------------------------------------------------------

    def as_dict(self, near_critical: int | None = None, *, tasks: bool = True) -> dict[str, object]:
        """Return the JSON document the CLI prints (without "tasks" if ``tasks`` is false)."""
        doc: dict[str, object] = {
            "data_date": self.data_date.isoformat(),
            "finish_offset": self.finish_offset,
            "finish_date": self.finish_date.isoformat(),
            "critical_path": self.critical_path,
        }
        if near_critical is not None:
            doc["near_critical"] = self.near_critical(near_critical)
        if not tasks:
            return doc
        cols = self.task_columns()
        keys = list(cols)
        doc["tasks"] = {
            tid: dict(zip(keys, row, strict=True))
            for tid, row in zip(self.network.ids, zip(*cols.values(), strict=True), strict=True)
        }
        return doc

    @functools.cached_property
    def _iso_dates(self) -> tuple[list[str], list[str]]:
        starts, fin = self._date_arrays
        return _iso(starts), _iso(fin)

    def task_columns(self, rows: slice | None = None) -> dict[str, list[Any]]:
        """Return the fields of the tasks in :meth:`as_dict` as columns, in input order.

        The same values as ``TaskResult.as_dict`` of each task, without making the objects;
        ``rows`` takes a slice of the tasks (all by default).
        """
        rows = slice(None) if rows is None else rows
        r = self.result
        es, tf, kind = r.es[rows], r.total_float[rows], self.kind[rows]
        return {
            "es": es.tolist(),
            "ef": r.ef[rows].tolist(),
            "ls": (es + tf).tolist(),
            "lf": r.lf[rows].tolist(),
            "total_float": tf.tolist(),
            "free_float": r.free_float[rows].tolist(),
            "critical": ((kind != FINISHED) & (tf <= 0)).tolist(),
            "start": self._iso_dates[0][rows],
            "finish": self._iso_dates[1][rows],
            "agency": self.network.columns.agencies[rows],
            "status": np.array(_STATUS, dtype=object)[kind].tolist(),
        }


def schedule(
    tasks: Sequence[Task], links: Sequence[Link], calendar: Calendar, data_date: date
) -> Schedule:
    """Schedule tasks and links on a calendar from a data date (the one-call entry point)."""
    return Network(tasks, links).schedule(calendar, data_date)
