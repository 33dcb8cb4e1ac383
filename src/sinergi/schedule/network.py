"""Networks of tasks with string ids, scheduled on a calendar from a data date."""

from __future__ import annotations

import functools
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from . import engine
from .calendar import Calendar
from .engine import (
    FINISHED,
    FROM_START,
    LINK_TYPES,
    NO_DEADLINE,
    PLANNED,
    STARTED,
    TO_FINISH,
    ArrayResult,
    Incremental,
    Structure,
)
from .errors import ScheduleError
from .model import Link, Task

End = Literal["S", "R", "F"]
Status = Literal["not_started", "in_progress", "finished"]
_STATUS: tuple[Status, ...] = ("not_started", "in_progress", "finished")


class Network:
    """Tasks and links checked once and indexed into arrays that every run reuses."""

    def __init__(
        self, tasks: Iterable[Task], links: Iterable[Link], *, _structure: Structure | None = None
    ) -> None:
        self.tasks: tuple[Task, ...] = tuple(tasks)
        self.links: tuple[Link, ...] = tuple(links)
        self.index: dict[str, int] = {}
        dup: list[str] = []
        for i, t in enumerate(self.tasks):
            if not isinstance(t.id, str) or not t.id:
                raise ScheduleError("invalid_id", f"task {i} has no id (ids are non-empty strings)")
            if t.id in self.index:
                dup.append(t.id)
            self.index[t.id] = i
        if dup:
            raise ScheduleError("duplicate_id", "duplicate task ids: " + ", ".join(dup), dup)
        bad = [
            t.id
            for t in self.tasks
            if isinstance(t.duration, bool) or not isinstance(t.duration, int) or t.duration < 0
        ]
        if bad:
            raise ScheduleError(
                "negative_duration",
                "durations must be whole working days >= 0; refused for: " + ", ".join(bad),
                bad,
            )
        unknown = sorted(
            {x for ln in self.links for x in (ln.pred, ln.succ) if x not in self.index}
        )
        if unknown:
            raise ScheduleError(
                "unknown_id", "links refer to unknown tasks: " + ", ".join(unknown), unknown
            )
        for ln in self.links:
            if ln.type not in LINK_TYPES:
                raise ScheduleError(
                    "invalid_link_type",
                    f"link {ln.pred} -> {ln.succ} has type {ln.type!r}; use FS, SS, FF or SF",
                    [ln.pred, ln.succ],
                )
            if isinstance(ln.lag, bool) or not isinstance(ln.lag, int):
                raise ScheduleError(
                    "invalid_lag",
                    f"link {ln.pred} -> {ln.succ} has lag {ln.lag!r}; use whole working days",
                    [ln.pred, ln.succ],
                )
        m = len(self.links)
        self.link_src = np.fromiter((self.index[ln.pred] for ln in self.links), np.int64, m)
        self.link_dst = np.fromiter((self.index[ln.succ] for ln in self.links), np.int64, m)
        self.link_type = np.fromiter((LINK_TYPES.index(ln.type) for ln in self.links), np.int8, m)
        self.link_lag = np.fromiter((ln.lag for ln in self.links), np.int64, m)
        self.durations = np.fromiter((t.duration for t in self.tasks), np.int64, len(self.tasks))
        if _structure is None:
            try:
                _structure = engine.compile_structure(
                    len(self.tasks), self.link_src, self.link_dst, self.link_type, self.link_lag
                )
            except ScheduleError as exc:
                if exc.code != "cycle":
                    raise
                ids = [self.tasks[int(i)].id for i in exc.ids]
                raise ScheduleError(
                    "cycle", "the links form a cycle: " + " -> ".join([*ids, ids[0]]), ids
                ) from None
        self.structure = _structure

    def replace_tasks(self, tasks: Iterable[Task]) -> Network:
        """Return a network with other task data on the same links, reusing the index.

        The tasks must have the same ids in the same order; otherwise the network is
        indexed afresh.
        """
        tasks = tuple(tasks)
        same = len(tasks) == len(self.tasks) and all(
            a.id == b.id for a, b in zip(tasks, self.tasks, strict=True)
        )
        return Network(tasks, self.links, _structure=self.structure if same else None)

    @functools.cached_property
    def preds(self) -> dict[int, list[int]]:
        """Return, per task index, the indices of the links that end at it."""
        out: dict[int, list[int]] = {}
        for e, d in enumerate(self.link_dst.tolist()):
            out.setdefault(d, []).append(e)
        return out

    def schedule(self, calendar: Calendar, data_date: date) -> Schedule:
        """Forecast the network from its progress at ``data_date`` (plain CPM if none).

        Finished tasks keep their actual dates; the remaining work of started tasks runs
        from the data date; tasks not started cannot start before it; successors follow
        their predecessors' forecast (retained logic).
        """
        n = len(self.tasks)
        dur = self.durations.copy()
        floor = np.zeros(n, dtype=np.int64)
        deadline = np.full(n, NO_DEADLINE, dtype=np.int64)
        kind = np.zeros(n, dtype=np.int8)
        fix_s = np.zeros(n, dtype=np.int64)
        fix_f = np.zeros(n, dtype=np.int64)
        for i, t in enumerate(self.tasks):
            dur[i], floor[i], deadline[i], kind[i], fix_s[i], fix_f[i] = _task_inputs(
                t, calendar, data_date
            )
        result = engine.run(
            self.structure,
            dur,
            floor=floor,
            deadline=deadline,
            kind=kind,
            fixed_start=fix_s,
            fixed_finish=fix_f,
        )
        return Schedule(
            self,
            calendar,
            data_date,
            result,
            dur,
            floor,
            kind,
            deadline=deadline,
            fixed_start=fix_s,
            fixed_finish=fix_f,
        )

    def _changed(self, tasks: dict[int, Task], lags: dict[int, int]) -> Network:
        """Return this network with some tasks (same ids) and some links' lags replaced,
        without checking and indexing everything again."""
        out = object.__new__(Network)
        out.__dict__.update(self.__dict__)
        out.__dict__.pop("preds", None)
        if "preds" in self.__dict__:
            out.__dict__["preds"] = self.__dict__["preds"]  # the same links, so the same index
        if tasks:
            new_tasks = list(self.tasks)
            out.durations = self.durations.copy()
            for i, t in tasks.items():
                if t.id != self.tasks[i].id:
                    raise ScheduleError("unknown_id", f"task {i} is not {t.id!r}", [t.id])
                if (
                    isinstance(t.duration, bool)
                    or not isinstance(t.duration, int)
                    or t.duration < 0
                ):
                    raise ScheduleError(
                        "negative_duration",
                        f"durations must be whole working days >= 0: {t.id}",
                        [t.id],
                    )
                new_tasks[i] = t
                out.durations[i] = t.duration
            out.tasks = tuple(new_tasks)
        if lags:
            new_links = list(self.links)
            out.link_lag = self.link_lag.copy()
            for e, lag in lags.items():
                if isinstance(lag, bool) or not isinstance(lag, int):
                    ln = self.links[e]
                    raise ScheduleError(
                        "invalid_lag",
                        f"link {ln.pred} -> {ln.succ} has lag {lag!r}; use whole working days",
                        [ln.pred, ln.succ],
                    )
                ln = self.links[e]
                new_links[e] = Link(ln.pred, ln.succ, ln.type, lag)
                out.link_lag[e] = lag
            out.links = tuple(new_links)
        return out


def _task_inputs(
    t: Task, calendar: Calendar, data_date: date
) -> tuple[int, int, int, int, int, int]:
    """Return what the passes take of one task: (duration, floor, deadline, kind, fixed
    start, fixed finish), in working-day offsets from the data date."""

    def off(day: date) -> int:
        return calendar.offset(data_date, day)

    _check_progress(t, data_date)
    dur = t.duration
    floor = 0
    deadline = NO_DEADLINE
    kind = PLANNED
    fix_s = fix_f = 0
    if t.deadline is not None:
        deadline = off(t.deadline + timedelta(days=1))
    if t.actual_finish is not None:
        kind = FINISHED
        fix_f = off(t.actual_finish + timedelta(days=1))
        fix_s = off(t.actual_start) if t.actual_start is not None else fix_f - t.duration
        dur = fix_f - fix_s
    elif t.actual_start is not None:
        kind = STARTED
        fix_s = off(t.actual_start)
        dur = _remaining(t, elapsed=-fix_s)
    else:
        if t.remaining_duration is not None:
            dur = t.remaining_duration
        if t.earliest_start is not None:
            floor = max(0, off(t.earliest_start))
    return dur, floor, deadline, kind, fix_s, fix_f


def _check_progress(t: Task, data_date: date) -> None:
    def bad(rule: str) -> ScheduleError:
        return ScheduleError("invalid_progress", f"task {t.id}: {rule}", [t.id])

    for name, value in (("actual_start", t.actual_start), ("actual_finish", t.actual_finish)):
        if value is not None and value > data_date:
            raise bad(f"{name} {value} is after the data date {data_date}")
    if t.actual_start and t.actual_finish and t.actual_finish < t.actual_start:
        raise bad("actual_finish is before actual_start")
    if t.percent_complete is not None and not 0 <= t.percent_complete <= 100:
        raise bad("percent_complete must be between 0 and 100")
    if t.remaining_duration is not None and (
        isinstance(t.remaining_duration, bool)
        or not isinstance(t.remaining_duration, int)
        or t.remaining_duration < 0
    ):
        raise bad("remaining_duration must be whole working days >= 0")
    if not t.started and t.percent_complete:
        raise bad("percent_complete above 0 needs an actual_start")


def _remaining(t: Task, elapsed: int) -> int:
    # Remaining work of a started task: what was reported, else what the percentage
    # implies (rounded up: work left is never less than reported), else the plan minus
    # the working days already spent, keeping at least one day since it is not finished.
    if t.remaining_duration is not None:
        return t.remaining_duration
    if t.percent_complete is not None:
        return math.ceil(t.duration * (100 - t.percent_complete) / 100 - 1e-9)
    return max(t.duration - elapsed, 1)


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
            rows = [_task_inputs(t, self.calendar, self.data_date) for t in self.network.tasks]
            n = len(rows)
            self.deadline = np.fromiter((r[2] for r in rows), np.int64, n)
            self.fixed_start = np.fromiter((r[4] for r in rows), np.int64, n)
            self.fixed_finish = np.fromiter((r[5] for r in rows), np.int64, n)
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
            if not 0 <= e < len(net.links):
                raise ScheduleError("unknown_id", f"no link {e}", [str(e)])
        changes: dict[int, Task] = {}
        for t in tasks:
            if t.id not in net.index:
                raise ScheduleError("unknown_id", f"no task {t.id!r}", [t.id])
            changes[net.index[t.id]] = t
        new_net = net._changed(changes, lags)
        inputs = {i: _task_inputs(t, self.calendar, self.data_date) for i, t in changes.items()}
        state = self._state
        deadline, fix_s, fix_f = self._kept_inputs()
        same_rest = all(
            (f, d, k, s, e)
            == (
                int(self.floor[i]),
                int(deadline[i]),
                int(self.kind[i]),
                int(fix_s[i]),
                int(fix_f[i]),
            )
            for i, (_d, f, d, k, s, e) in inputs.items()
        )
        if not same_rest:
            full = new_net.schedule(self.calendar, self.data_date)
            a, b = self.result, full.result
            moved = np.zeros(len(net.tasks), dtype=bool)
            for name in ("es", "rs", "ef", "lf", "total_float", "free_float"):
                moved |= getattr(a, name) != getattr(b, name)
            return full, np.flatnonzero(moved)
        durations = self.durations.copy()
        for i, row in inputs.items():
            durations[i] = row[0]
        # The new schedule takes this one's engine state over (its arrays are internal, not
        # read by anything else); this one rebuilds it from its result if ever needed.
        del self.__dict__["_state"]
        new_state, changed = state.changed(
            durations={i: row[0] for i, row in inputs.items()}, lags=lags, in_place=True
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
        if int(np.count_nonzero(moved)) > len(net.tasks) // 8:
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
            seed_rank = np.zeros(len(net.tasks), dtype=bool)
            seed_rank[st.rank[moved]] = True
            r_src = st._preds[0]
            cand = np.union1d(np.flatnonzero(moved), st.order[st.r_dst[seed_rank[r_src]]])
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
        touched = np.union1d(
            np.union1d(changed, flipped), np.array(sorted(edited), dtype=np.int64)
        ).astype(np.int64)
        if "_dates" not in self.__dict__ or "_late_dates" not in self.__dict__:
            return
        starts, fin = (list(x) for x in self._dates)
        late_s, late_f = (list(x) for x in self._late_dates)
        got = new._dates_for(touched)
        for i, s0, f0, s1, f1 in zip(touched.tolist(), *got, strict=True):
            starts[i], fin[i], late_s[i], late_f[i] = s0, f0, s1, f1
        new.__dict__["_dates"] = (starts, fin)
        new.__dict__["_late_dates"] = (late_s, late_f)

    def _dates_for(
        self, idx: NDArray[np.int64]
    ) -> tuple[list[date], list[date], list[date], list[date]]:
        """Return start, finish, late start and late finish dates of some tasks (as
        ``_dates`` and ``_late_dates`` give them for all)."""
        r = self.result
        es, ef, lf = r.es[idx], r.ef[idx], r.lf[idx]
        close = self.at_close[idx]
        mile = ef <= es
        last = np.where(mile, np.where(close, es - 1, es), ef - 1)
        ls = es + r.total_float[idx]
        l_last = np.where(mile, np.where(close, ls - 1, ls), lf - 1)
        k = idx.shape[0]
        # One calendar call for the four columns (each call works out the holidays).
        days = self._day_of(
            np.concatenate([np.where(mile, last, es), last, np.where(mile, l_last, ls), l_last])
        )
        starts, fin, late_s, late_f = days[:k], days[k : 2 * k], days[2 * k : 3 * k], days[3 * k :]
        tasks = self.network.tasks
        for pos, i in enumerate(idx.tolist()):
            t = tasks[i]
            if t.actual_start is not None:
                starts[pos] = t.actual_start
            if t.actual_finish is not None:
                fin[pos] = t.actual_finish
                if t.actual_start is None:
                    starts[pos] = min(starts[pos], t.actual_finish)
                late_f[pos] = fin[pos]
            if t.actual_start is not None or t.actual_finish is not None:
                late_s[pos] = starts[pos]
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
        net = self.network
        src, typ, lag = net.link_src, net.link_type, net.link_lag
        tied = []
        for e in net.preds.get(i, []):
            p = int(src[e])
            from_start = bool(int(typ[e]) & FROM_START)
            if (int(r.es[p]) if from_start else int(r.ef[p])) + int(lag[e]) != es:
                continue
            if zero[p]:
                tied.append(bool(close[p]))
            else:
                tied.append(not from_start)
        return all(tied)

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
        net = self.network
        n = len(net.tasks)
        close = np.zeros(n, dtype=bool)
        zero = (self.durations == 0) & (self.kind != FINISHED)
        if not zero.any():
            return close
        for i in net.structure.order.tolist():
            if zero[i]:
                close[i] = self._close_of(i, zero, close)
        return close

    def _day_of(self, offsets: NDArray[np.int64]) -> list[date]:
        # Dates by offset from a table of the working days the schedule spans, worked out
        # once (the calendar's conversion costs microseconds a date) and widened on need.
        if offsets.size == 0:
            return []
        lo, hi = int(offsets.min()), int(offsets.max())
        base, table = self.__dict__.get("_day_table", (lo, []))
        if lo < base or hi >= base + len(table):
            first, last = min(lo, base), max(hi, base + len(table) - 1)
            span = np.arange(first, last + 1, dtype=np.int64)
            table = self.calendar.dates_at(self.data_date, span).astype(date).tolist()
            base = first
            self.__dict__["_day_table"] = (base, table)
        return [table[o] for o in (offsets - base).tolist()]

    @functools.cached_property
    def _dates(self) -> tuple[list[date], list[date]]:
        r = self.result
        # A finish at offset f is the close of working day f - 1. A milestone is on the day
        # the work before it closes, or on the day it starts (see ``at_close``).
        mile = r.ef <= r.es
        last = np.where(mile, np.where(self.at_close, r.es - 1, r.es), r.ef - 1)
        first = np.where(mile, last, r.es)
        starts = self._day_of(first)
        fin = self._day_of(last)
        for i, t in enumerate(self.network.tasks):
            if t.actual_start is not None:
                starts[i] = t.actual_start
            if t.actual_finish is not None:
                fin[i] = t.actual_finish
                if t.actual_start is None:
                    starts[i] = min(starts[i], t.actual_finish)
        return starts, fin

    @functools.cached_property
    def _late_dates(self) -> tuple[list[date], list[date]]:
        # Late dates: the early ones moved by the total float; a task in progress keeps its
        # actual start, a finished one its actual dates.
        r = self.result
        mile = r.ef <= r.es
        ls = r.es + r.total_float
        last = np.where(mile, np.where(self.at_close, ls - 1, ls), r.lf - 1)
        first = np.where(mile, last, ls)
        starts = self._day_of(first)
        fin = self._day_of(last)
        early_s, early_f = self._dates
        for i, t in enumerate(self.network.tasks):
            if t.actual_start is not None or t.actual_finish is not None:
                starts[i] = early_s[i]
            if t.actual_finish is not None:
                fin[i] = early_f[i]
        return starts, fin

    @property
    def finish_date(self) -> date:
        """Return the project finish date: the latest finish date of any task."""
        _, fin = self._dates
        return max(fin, default=self.calendar.date_at(self.data_date, 0))

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
        t = self.network.tasks[i]
        tf = int(r.total_float[i])
        k = int(self.kind[i])
        return TaskResult(
            id=t.id,
            agency=t.agency,
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
        starts, fin = self._dates
        late_s, late_f = self._late_dates
        tasks = self.network.tasks
        cols = zip(
            idx.tolist(),
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
                id=tasks[i].id,
                agency=tasks[i].agency,
                status=_STATUS[k],
                es=es,
                ef=ef,
                ls=es + tf,
                lf=lf,
                total_float=tf,
                free_float=ff,
                critical=k != FINISHED and tf <= 0,
                start=starts[i],
                finish=fin[i],
                late_start=late_s[i],
                late_finish=late_f[i],
                remaining=0 if k == FINISHED else d,
                at_close=close,
            )
            for i, es, ef, lf, tf, ff, k, d, close in cols
        ]

    @functools.cached_property
    def tasks(self) -> dict[str, TaskResult]:
        """Return the result of every task, by id, in input order."""
        return {t.id: self._task(i) for i, t in enumerate(self.network.tasks)}

    def near_critical(self, threshold: int) -> list[str]:
        """Return the ids of unfinished tasks whose total float is at most ``threshold``."""
        mask = (self.result.total_float <= threshold) & (self.kind != FINISHED)
        return [self.network.tasks[i].id for i in np.flatnonzero(mask).tolist()]

    # -- paths -----------------------------------------------------------------------

    def finish_task(self) -> int | None:
        """Return the index of the task whose finish is the project finish (first if tied)."""
        if not self.network.tasks:
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
        for p in self.driving_chain():
            t = self.network.tasks[p.task]
            if self.kind[p.task] != FINISHED and (not out or out[-1] != t.id):
                out.append(t.id)
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
        has_pred = np.zeros(len(net.tasks), dtype=bool)
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
                paths.append([net.tasks[i].id for i in path])
            for s in reversed(succ):
                stack.append([*path, s])
        return paths

    # -- output ------------------------------------------------------------------------

    def as_dict(self, near_critical: int | None = None) -> dict[str, object]:
        """Return the JSON document the CLI prints."""
        doc: dict[str, object] = {
            "data_date": self.data_date.isoformat(),
            "finish_offset": self.finish_offset,
            "finish_date": self.finish_date.isoformat(),
            "critical_path": self.critical_path,
        }
        if near_critical is not None:
            doc["near_critical"] = self.near_critical(near_critical)
        doc["tasks"] = {k: v.as_dict() for k, v in self.tasks.items()}
        return doc


def schedule(
    tasks: Sequence[Task], links: Sequence[Link], calendar: Calendar, data_date: date
) -> Schedule:
    """Schedule tasks and links on a calendar from a data date (the one-call entry point)."""
    return Network(tasks, links).schedule(calendar, data_date)
