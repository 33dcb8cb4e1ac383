"""Networks of tasks with string ids, scheduled on a calendar from a data date."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
from numpy.typing import NDArray

from . import engine
from ._kernels import MAX_LAG
from .calendar import Calendar
from .engine import (
    FINISHED,
    LINK_TYPES,
    NO_DEADLINE,
    PLANNED,
    STARTED,
    Structure,
)
from .errors import ScheduleError
from .model import Link, LinkType, Task

if TYPE_CHECKING:
    from .result import Schedule

End = Literal["S", "R", "F"]
Status = Literal["not_started", "in_progress", "finished"]
_STATUS: tuple[Status, ...] = ("not_started", "in_progress", "finished")

D64 = NDArray[np.datetime64]
Bools = NDArray[np.bool_]
_ONE_DAY = np.timedelta64(1, "D")
_LINK_NAMES: tuple[LinkType, ...] = ("FS", "SS", "FF", "SF")


def _day_array(values: Iterable[date | None]) -> D64:
    """Return dates as ``datetime64[D]``, NaT where there is none."""
    return np.array(list(values), dtype="datetime64[D]")


@dataclass(frozen=True, eq=False)
class TaskColumns:
    """The tasks of a network as columns, one entry per task in input order.

    Dates are ``datetime64[D]`` (NaT: none); ``percent_complete`` and ``remaining`` count
    only where ``has_pct``/``has_rem`` say so. ``odd`` marks tasks whose progress fields are
    not of the expected type (only a Task built in Python can have them).
    """

    ids: list[str]
    agencies: list[str]
    durations: NDArray[np.int64]
    earliest_start: D64
    deadline: D64
    actual_start: D64
    actual_finish: D64
    percent_complete: NDArray[np.float64]
    has_pct: Bools
    remaining: NDArray[np.int64]
    has_rem: Bools
    odd: Bools

    @classmethod
    def from_tasks(cls, tasks: Sequence[Task]) -> TaskColumns:
        """Return the columns of checked tasks (ids and durations already refused if bad)."""
        n = len(tasks)

        def ok_rem(v: object) -> bool:
            return v is None or (isinstance(v, int) and not isinstance(v, bool))

        def ok_pct(v: object) -> bool:
            return v is None or isinstance(v, int | float)

        odd = np.fromiter(
            (not (ok_rem(t.remaining_duration) and ok_pct(t.percent_complete)) for t in tasks),
            bool,
            n,
        )
        flags = odd.tolist()
        pct = [None if o else t.percent_complete for t, o in zip(tasks, flags, strict=True)]
        rem = [None if o else t.remaining_duration for t, o in zip(tasks, flags, strict=True)]
        return cls(
            ids=[t.id for t in tasks],
            agencies=[t.agency for t in tasks],
            durations=np.fromiter((t.duration for t in tasks), np.int64, n),
            earliest_start=_day_array(t.earliest_start for t in tasks),
            deadline=_day_array(t.deadline for t in tasks),
            actual_start=_day_array(t.actual_start for t in tasks),
            actual_finish=_day_array(t.actual_finish for t in tasks),
            percent_complete=np.fromiter((0.0 if p is None else p for p in pct), np.float64, n),
            has_pct=np.fromiter((p is not None for p in pct), bool, n),
            remaining=np.fromiter((0 if r is None else r for r in rem), np.int64, n),
            has_rem=np.fromiter((r is not None for r in rem), bool, n),
            odd=odd,
        )

    def with_rows(self, rows: NDArray[np.int64], new: TaskColumns) -> TaskColumns:
        """Return these columns with the tasks at ``rows`` replaced by those of ``new`` (in
        the same order, same ids); a column the change leaves alone is shared, not copied."""

        def put(old: NDArray[Any], values: NDArray[Any]) -> NDArray[Any]:
            if old[rows].tobytes() == values.tobytes():
                return old
            out = old.copy()
            out[rows] = values
            return out

        agencies = self.agencies
        if any(agencies[i] != a for i, a in zip(rows.tolist(), new.agencies, strict=True)):
            agencies = list(agencies)
            for i, a in zip(rows.tolist(), new.agencies, strict=True):
                agencies[i] = a
        return TaskColumns(
            ids=self.ids,
            agencies=agencies,
            durations=put(self.durations, new.durations),
            earliest_start=put(self.earliest_start, new.earliest_start),
            deadline=put(self.deadline, new.deadline),
            actual_start=put(self.actual_start, new.actual_start),
            actual_finish=put(self.actual_finish, new.actual_finish),
            percent_complete=put(self.percent_complete, new.percent_complete),
            has_pct=put(self.has_pct, new.has_pct),
            remaining=put(self.remaining, new.remaining),
            has_rem=put(self.has_rem, new.has_rem),
            odd=put(self.odd, new.odd),
        )

    def task(self, i: int) -> Task:
        """Return task ``i`` as a :class:`Task`."""

        def day(a: D64) -> date | None:
            return None if np.isnat(a[i]) else a[i].astype(date)

        return Task(
            id=self.ids[i],
            duration=int(self.durations[i]),
            agency=self.agencies[i],
            earliest_start=day(self.earliest_start),
            deadline=day(self.deadline),
            actual_start=day(self.actual_start),
            actual_finish=day(self.actual_finish),
            percent_complete=float(self.percent_complete[i]) if self.has_pct[i] else None,
            remaining_duration=int(self.remaining[i]) if self.has_rem[i] else None,
        )


class Network:
    """Tasks and links checked once and indexed into arrays that every run reuses.

    Build it from :class:`Task` and :class:`Link` objects, or from columns with
    :meth:`from_columns` (what ``sinergi schedule`` does for large documents); either way
    ``tasks`` and ``links`` are available, made from the columns on first use.
    """

    columns: TaskColumns
    link_src: NDArray[np.int64]
    link_dst: NDArray[np.int64]
    link_type: NDArray[np.int8]
    link_lag: NDArray[np.int64]
    durations: NDArray[np.int64]
    structure: Structure

    def __init__(
        self, tasks: Iterable[Task], links: Iterable[Link], *, _structure: Structure | None = None
    ) -> None:
        tasks = tuple(tasks)
        links = tuple(links)
        self.__dict__["tasks"] = tasks
        self.__dict__["links"] = links
        index: dict[str, int] = {}
        dup: list[str] = []
        for i, t in enumerate(tasks):
            if not isinstance(t.id, str) or not t.id:
                raise ScheduleError("invalid_id", f"task {i} has no id (ids are non-empty strings)")
            if t.id in index:
                dup.append(t.id)
            index[t.id] = i
        if dup:
            raise ScheduleError("duplicate_id", "duplicate task ids: " + ", ".join(dup), dup)
        bad = [
            t.id
            for t in tasks
            if isinstance(t.duration, bool) or not isinstance(t.duration, int) or t.duration < 0
        ]
        if bad:
            raise ScheduleError(
                "negative_duration",
                "durations must be whole working days >= 0; refused for: " + ", ".join(bad),
                bad,
            )
        unknown = sorted({x for ln in links for x in (ln.pred, ln.succ) if x not in index})
        if unknown:
            raise ScheduleError(
                "unknown_id", "links refer to unknown tasks: " + ", ".join(unknown), unknown
            )
        for ln in links:
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
        m = len(links)
        self._setup(
            TaskColumns.from_tasks(tasks),
            index,
            np.fromiter((index[ln.pred] for ln in links), np.int64, m),
            np.fromiter((index[ln.succ] for ln in links), np.int64, m),
            np.fromiter((LINK_TYPES.index(ln.type) for ln in links), np.int8, m),
            np.fromiter((ln.lag for ln in links), np.int64, m),
            _structure,
        )

    @classmethod
    def from_columns(
        cls,
        columns: TaskColumns,
        link_src: NDArray[np.int64],
        link_dst: NDArray[np.int64],
        link_type: NDArray[np.int8],
        link_lag: NDArray[np.int64],
        *,
        checked: bool = False,
    ) -> Network:
        """Build a network from task columns and links as task indices and type codes.

        The ids must be non-empty and unique and the durations >= 0: checked here unless
        the caller says it has (``checked``).
        """
        ids = columns.ids
        n = len(ids)
        if not checked and (
            len(set(ids)) != n or not all(ids) or (n and int(columns.durations.min()) < 0)
        ):
            # The object route checks in input order and names every offender.
            cls((columns.task(i) for i in range(n)), ())
        self = cls.__new__(cls)
        self._setup(columns, None, link_src, link_dst, link_type, link_lag, None)
        return self

    def _setup(
        self,
        columns: TaskColumns,
        index: dict[str, int] | None,
        link_src: NDArray[np.int64],
        link_dst: NDArray[np.int64],
        link_type: NDArray[np.int8],
        link_lag: NDArray[np.int64],
        structure: Structure | None,
    ) -> None:
        self.columns = columns
        if index is not None:
            self.__dict__["index"] = index
        self.link_src = link_src
        self.link_dst = link_dst
        self.link_type = link_type
        self.link_lag = link_lag
        self.durations = columns.durations
        if structure is None:
            try:
                structure = engine.compile_structure(
                    len(columns.ids), link_src, link_dst, link_type, link_lag
                )
            except ScheduleError as exc:
                if exc.code != "cycle":
                    raise
                ids = [columns.ids[int(i)] for i in exc.ids]
                raise ScheduleError(
                    "cycle", "the links form a cycle: " + " -> ".join([*ids, ids[0]]), ids
                ) from None
        self.structure = structure

    @functools.cached_property
    def tasks(self) -> tuple[Task, ...]:
        """Return the tasks, in input order."""
        over = self.__dict__.get("_tasks_over")
        if over is not None:
            out = list(over[0])
            for i, t in over[1].items():
                out[i] = t
            return tuple(out)
        return tuple(self.columns.task(i) for i in range(len(self.columns.ids)))

    def _task_base(self) -> tuple[tuple[Task, ...], dict[int, Task]] | None:
        """The task objects if made: a tuple and the tasks replaced since (by index)."""
        if "tasks" in self.__dict__:
            return self.__dict__["tasks"], {}
        over: tuple[tuple[Task, ...], dict[int, Task]] | None = self.__dict__.get("_tasks_over")
        return over

    @functools.cached_property
    def links(self) -> tuple[Link, ...]:
        """Return the links, in input order."""
        ids = self.columns.ids
        return tuple(
            Link(ids[s], ids[d], _LINK_NAMES[t], lag)
            for s, d, t, lag in zip(
                self.link_src.tolist(),
                self.link_dst.tolist(),
                self.link_type.tolist(),
                self.link_lag.tolist(),
                strict=True,
            )
        )

    @functools.cached_property
    def index(self) -> dict[str, int]:
        """Return the position of each task id."""
        return dict(zip(self.columns.ids, range(len(self.columns.ids)), strict=True))

    @property
    def ids(self) -> list[str]:
        """Return the task ids, in input order."""
        return self.columns.ids

    def replace_tasks(self, tasks: Iterable[Task]) -> Network:
        """Return a network with other task data on the same links, reusing the index.

        The tasks must have the same ids in the same order; otherwise the network is
        indexed afresh.
        """
        tasks = tuple(tasks)
        ids = self.columns.ids
        same = len(tasks) == len(ids) and all(a.id == b for a, b in zip(tasks, ids, strict=True))
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
        dur, floor, deadline, kind, fix_s, fix_f = _inputs(
            self.columns, self.task, calendar, data_date
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
        from .result import Schedule

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

    def task(self, i: int) -> Task:
        """Return task ``i`` (made from the columns alone if ``tasks`` was not made)."""
        tasks = self.__dict__.get("tasks")
        if tasks is not None:
            task: Task = tasks[i]
            return task
        base = self._task_base()
        if base is not None:
            return base[1].get(i) or base[0][i]
        return self.columns.task(i)

    def _changed(self, tasks: dict[int, Task], lags: dict[int, int]) -> Network:
        """Return this network with some tasks (same ids) and some links' lags replaced,
        without checking and indexing everything again.

        The columns (and the links' lags) are copied with the changes in them; ``tasks``
        and ``links`` are updated only if they were already made.
        """
        out = object.__new__(Network)
        out.__dict__.update(self.__dict__)  # index and preds: the same ids and links
        c = self.columns
        ids = c.ids
        if tasks:
            for i, t in tasks.items():
                if t.id != ids[i]:
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
            rows = np.fromiter(tasks, np.int64, len(tasks))
            out.columns = c.with_rows(rows, TaskColumns.from_tasks(list(tasks.values())))
            out.durations = out.columns.durations
            # The task objects, if made, are not copied (a pass over every one of them):
            # the new network keeps the same tuple and the replaced tasks beside it, and
            # makes its own tuple only if ``tasks`` is asked for.
            base = self._task_base()
            if base is not None:
                out.__dict__.pop("tasks", None)
                out.__dict__["_tasks_over"] = (base[0], {**base[1], **tasks})
        if lags:
            for e, lag in lags.items():
                if isinstance(lag, bool) or not isinstance(lag, int):
                    pred, succ = ids[int(self.link_src[e])], ids[int(self.link_dst[e])]
                    raise ScheduleError(
                        "invalid_lag",
                        f"link {pred} -> {succ} has lag {lag!r}; use whole working days",
                        [pred, succ],
                    )
                if not -MAX_LAG < lag < MAX_LAG:
                    raise ScheduleError("invalid_lag", f"lags must lie within +-{MAX_LAG - 1} days")
            out.link_lag = self.link_lag.copy()
            out.link_lag[np.fromiter(lags, np.int64, len(lags))] = list(lags.values())
            if "links" in self.__dict__:
                new_links = list(self.__dict__["links"])
                for e, lag in lags.items():
                    ln = new_links[e]
                    new_links[e] = Link(ln.pred, ln.succ, ln.type, lag)
                out.__dict__["links"] = tuple(new_links)
            # The passes read lags from the structure: the same index with the new ones.
            st = self.structure
            tl = st.r_tl.copy()
            for e, lag in lags.items():
                q = st.position_of(e)
                tl[q] = (lag << 2) | (int(tl[q]) & 3)
            out.structure = st.with_tl(tl)
        return out


def _inputs(
    c: TaskColumns, task_of: Callable[[int], Task], calendar: Calendar, data_date: date
) -> tuple[
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int64],
    NDArray[np.int8],
    NDArray[np.int64],
    NDArray[np.int64],
]:
    """Return what the passes take of the tasks in ``c``: (durations, floor, deadline, kind,
    fixed start, fixed finish), in working-day offsets from the data date; ``task_of(i)``
    gives task ``i`` as an object to name what is wrong with its progress."""
    n = len(c.ids)
    dd = np.datetime64(data_date, "D")
    a_s, a_f = c.actual_start, c.actual_finish
    has_s, has_f = ~np.isnat(a_s), ~np.isnat(a_f)
    pct, has_pct = c.percent_complete, c.has_pct
    with np.errstate(invalid="ignore"):
        bad = (
            c.odd
            | (has_s & (a_s > dd))
            | (has_f & (a_f > dd))
            | (has_s & has_f & (a_f < a_s))
            | (has_pct & ~((pct >= 0) & (pct <= 100)))
            | (c.has_rem & (c.remaining < 0))
            | (~has_s & ~has_f & has_pct & (pct != 0))
        )
    if bad.any():
        i = int(np.argmax(bad))
        _check_progress(task_of(i), data_date)
        tid = c.ids[i]
        raise ScheduleError("invalid_progress", f"task {tid}: invalid progress", [tid])

    def off(days: D64, mask: Bools) -> NDArray[np.int64]:
        out = np.zeros(n, dtype=np.int64)
        out[mask] = calendar.offsets(data_date, days[mask])
        return out

    plan = c.durations
    finished = has_f
    started = has_s & ~has_f
    planned = ~has_s & ~has_f
    kind = np.full(n, PLANNED, dtype=np.int8)
    kind[started] = STARTED
    kind[finished] = FINISHED
    has_dl = ~np.isnat(c.deadline)
    deadline = np.where(has_dl, off(c.deadline + _ONE_DAY, has_dl), NO_DEADLINE)
    fix_f = off(a_f + _ONE_DAY, finished)
    fix_s = np.where(has_s, off(a_s, has_s), fix_f - plan)
    fix_s[~has_s & ~finished] = 0
    # Remaining work of a started task: what was reported, else what the percentage
    # implies (rounded up), else the plan minus the working days already spent, at
    # least one since it is not finished.
    by_pct = np.ceil(plan * (100 - pct) / 100 - 1e-9).astype(np.int64)
    by_days = np.maximum(plan + fix_s, 1)
    rem_started = np.where(c.has_rem, c.remaining, np.where(has_pct, by_pct, by_days))
    dur = np.where(
        finished,
        fix_f - fix_s,
        np.where(started, rem_started, np.where(c.has_rem, c.remaining, plan)),
    ).astype(np.int64)
    has_es = planned & ~np.isnat(c.earliest_start)
    floor = np.maximum(off(c.earliest_start, has_es), 0)
    return dur, floor, deadline, kind, fix_s, fix_f


def _iso(days: D64) -> list[str]:
    """Return dates as YYYY-MM-DD strings; a schedule spans few days, so each day is
    formatted once and shared."""
    if not days.size:
        return []
    table, index = iso_table(days)
    out: list[str] = np.array(table, dtype=object)[index].tolist()
    return out


def iso_table(days: D64) -> tuple[list[str], NDArray[np.int64]]:
    """Return the days of ``days`` as YYYY-MM-DD strings, each once, and where each date
    of ``days`` is in that list."""
    if not days.size:
        return [], np.zeros(0, dtype=np.int64)
    number = days.astype(np.int64)
    lo = int(number.min())
    span = int(number.max()) - lo + 1
    if span <= 4 * days.size + 1024:  # a table of every day in the span
        table = np.arange(lo, lo + span, dtype=np.int64).astype("datetime64[D]")
        index = number - lo
    else:
        table, inverse = np.unique(days, return_inverse=True)
        index = inverse.reshape(-1).astype(np.int64)
    text: list[str] = np.datetime_as_string(table, unit="D").tolist()
    return text, index


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


def __getattr__(name: str) -> Any:
    """Schedules pickled before ``Schedule`` moved to ``result.py`` (stored programme
    snapshots) name this module: hand them the classes where they live now."""
    if name in {"Schedule", "TaskResult", "ChainPoint"}:
        from . import result

        return getattr(result, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
