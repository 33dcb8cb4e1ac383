"""The bridge between a program's rows and the scheduling engine (``sinergi.schedule``).

The engine does all the arithmetic; this module turns work items, dependencies, baselines
and progress updates into engine tasks and links, and caches the results per plan version
(every plan or progress change bumps ``Program.plan_version`` and draws a new
``plan_stamp``, which keys the cache: a stamp is never reused, even when the change that
drew it was rolled back).
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
import pickle
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np

from sinergi.schedule import (
    BaselineComparison,
    Calendar,
    DelayAnalysis,
    Link,
    Network,
    Schedule,
    StatusUpdate,
    Task,
    attribute_delay,
    compare_baseline,
)

from .models import Baseline, Dependency, PlanRevision, Program, ProgressUpdate, WorkItem


class CountingCalendar(Calendar):
    """The engine's calendar, answering working-day counts from a prefix table.

    Same days as :class:`sinergi.schedule.Calendar` (the table is built from its own
    ``holidays_between`` and weekdays); what changes is the cost: the engine asks for one
    count per task date (tens of thousands for a large program), and a table lookup
    replaces one NumPy call per pair. Dates outside the table fall back to the engine.
    """

    FIRST = dt.date(2015, 1, 1)
    LAST = dt.date(2045, 12, 31)

    @functools.cached_property
    def _prefix(self) -> list[int]:
        days = np.arange(
            np.datetime64(self.FIRST, "D"), np.datetime64(self.LAST, "D") + np.timedelta64(1, "D")
        )
        off = np.array(self.holidays_between(self.FIRST, self.LAST), dtype="datetime64[D]")
        weekday = (days.view("int64") + 3) % 7  # 1970-01-01 was a Thursday (3)
        mask = np.isin(weekday, list(self.weekdays)) & ~np.isin(days, off)
        return [0, *np.cumsum(mask, dtype=np.int64).tolist()]

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        """Count working days in [start, end) (negative when reversed), as the engine does."""
        if self.FIRST <= start <= self.LAST and self.FIRST <= end <= self.LAST:
            base = self.FIRST.toordinal()
            table = self._prefix
            return table[end.toordinal() - base] - table[start.toordinal() - base]
        return super().working_days_between(start, end)


#: Monday–Friday with Indonesian national holidays and cuti bersama.
CALENDAR = CountingCalendar(national="ID")

ITEM_FIELDS = (
    "id",
    "wbs",
    "title",
    "owner_id",
    "assignee_id",
    "duration",
    "milestone",
    "earliest_start",
    "deadline",
    "percent_complete",
    "actual_start",
    "actual_finish",
    "remaining_duration",
    "status",
    "blocker",
)


def program_calendar(program: Program) -> Calendar:
    """The working-day calendar a program is scheduled on."""
    return CALENDAR


def local_today(program: Program, now: dt.datetime) -> dt.date:
    """Today's date in the program region's time zone: the data date of the forecast."""
    return now.astimezone(ZoneInfo(program.region.timezone or "Asia/Jakarta")).date()


def plan_rows(program: Program) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The program's work items and dependencies as plain rows (one query each, and one for
    the handful of owner agencies)."""
    from sinergi.agencies.models import Agency

    items = list(WorkItem.objects.filter(program=program).order_by("wbs").values(*ITEM_FIELDS))
    owners = {
        a["id"]: a
        for a in Agency.objects.filter(pk__in={r["owner_id"] for r in items}).values(
            "id", "slug", "short_name", "name"
        )
    }
    for r in items:
        a = owners[r["owner_id"]]
        r["owner__slug"], r["owner__short_name"], r["owner__name"] = (
            a["slug"],
            a["short_name"],
            a["name"],
        )
    owner_of = {r["id"]: r["owner_id"] for r in items}
    links = [
        {
            "id": pk,
            "predecessor_id": a,
            "successor_id": b,
            "type": typ,
            "lag": lag,
            "handoff": owner_of[a] != owner_of[b],
        }
        for pk, a, b, typ, lag in Dependency.objects.filter(program=program)
        .order_by("pk")
        .values_list("id", "predecessor_id", "successor_id", "type", "lag")
    ]
    return items, links


def task_of(
    row: dict[str, Any],
    program: Program,
    data_date: dt.date,
    *,
    progress: dict[str, Any] | None = None,
) -> Task:
    """An engine task from a work-item row; ``progress`` (or the row's own) as known."""
    p = row if progress is None else progress
    started = p.get("actual_start") is not None or p.get("actual_finish") is not None
    floor = row["earliest_start"]
    if not started and program.planned_start > data_date:
        # Nothing in a program starts before the program does (once it has started, the
        # data date is the floor anyway, and the engine need not count it per task).
        floor = program.planned_start if floor is None else max(floor, program.planned_start)
    return Task(
        id=str(row["id"]),
        duration=int(row["duration"]),
        agency=row["owner__slug"],
        earliest_start=floor,
        deadline=row["deadline"],
        actual_start=p.get("actual_start"),
        actual_finish=p.get("actual_finish"),
        percent_complete=float(p.get("percent_complete") or 0) if started else None,
        remaining_duration=p.get("remaining_duration"),
    )


def link_of(row: dict[str, Any]) -> Link:
    """An engine link from a dependency row."""
    return Link(str(row["predecessor_id"]), str(row["successor_id"]), row["type"], int(row["lag"]))


def task_doc(t: Task) -> dict[str, Any]:
    """The engine document form of a task (for baseline snapshots)."""
    doc: dict[str, Any] = {"id": t.id, "duration": t.duration, "agency": t.agency}
    for key in ("earliest_start", "deadline", "actual_start", "actual_finish"):
        value = getattr(t, key)
        if value is not None:
            doc[key] = value.isoformat()
    if t.percent_complete is not None:
        doc["percent_complete"] = t.percent_complete
    if t.remaining_duration is not None:
        doc["remaining_duration"] = t.remaining_duration
    return doc


def link_doc(ln: Link) -> dict[str, Any]:
    """The engine document form of a link."""
    return {"from": ln.pred, "to": ln.succ, "type": ln.type, "lag": ln.lag}


@dataclass
class ItemResult:
    """One work item with its forecast, float and slip, as the table and the Gantt show it."""

    id: int
    wbs: str
    title: str
    owner_id: int
    owner_slug: str
    owner_name: str
    duration: int
    milestone: bool
    percent_complete: int
    status: str
    blocker: str
    deadline: dt.date | None
    actual_start: dt.date | None
    actual_finish: dt.date | None
    start: dt.date
    finish: dt.date
    es: int
    ef: int
    total_float: int
    free_float: int
    critical: bool
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    finish_slip: int | None
    late_start: dt.date | None = None
    late_finish: dt.date | None = None
    remaining: int = 0  # working days of work left (0 once finished)
    at_close: bool = False  # a milestone reached at the close of its day (see the engine)

    @property
    def late(self) -> bool:
        """Behind its baseline finish, or missing its deadline."""
        return (self.finish_slip is not None and self.finish_slip > 0) or self.total_float < 0

    @property
    def blocked(self) -> bool:
        """Its agency reported something it waits for."""
        return bool(self.blocker)


@dataclass
class LinkResult:
    """A dependency with what the views need: ends, type, lag and whether it is a hand-off."""

    id: int
    pred: int
    succ: int
    type: str
    lag: int
    handoff: bool
    driving: bool


@dataclass
class ProgramSchedule:
    """The computed schedule of a program at a data date, against its chosen baseline."""

    program_id: int
    plan_version: int
    data_date: dt.date
    schedule: Schedule | None
    items: list[ItemResult]
    links: list[LinkResult]
    comparison: BaselineComparison | None
    baseline_name: str
    error: str = ""
    # Set on a page's copy of a large program's last schedule while the worker
    # recomputes it after a plan change (see ``page_schedule``).
    stale: bool = False
    computed_at: dt.datetime | None = None

    # After an incremental edit (``apply_items``) ``items``, ``links`` and ``comparison``
    # are made on first read from the new schedule's arrays and the last schedule whose
    # rows were made, rebuilding only the rows the edits since then reached (``_Pending``).
    def __getattr__(self, name: str) -> Any:
        if name in _LAZY:
            pending = self.__dict__.get("_pending")
            if pending is not None:
                pending.materialize(self)
                return self.__dict__[name]
        raise AttributeError(name)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        if state.get("_pending") is not None:
            for name in _LAZY:
                state[name] = getattr(self, name)
        state.pop("_pending", None)
        return state

    @property
    def finish_date(self) -> dt.date | None:
        """Forecast finish of the program."""
        has_items = self.schedule is not None and len(self.schedule.network.ids) > 0
        return self.schedule.finish_date if self.schedule and has_items else None

    @property
    def critical_path(self) -> list[str]:
        """WBS codes of the driving path to the finish."""
        if self.schedule is None:
            return []
        wbs = {str(i.id): i.wbs for i in self.items}
        return [wbs[t] for t in self.schedule.critical_path]

    @property
    def project_slip(self) -> int | None:
        """Working days the forecast finish is behind the baseline finish."""
        return self.comparison.project_slip if self.comparison else None


class _Cache:
    """A small thread-safe LRU of computed schedules (keys carry the plan version)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self.data: OrderedDict[Any, Any] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            if key in self.data:
                self.data.move_to_end(key)
                return self.data[key]
        return None

    def put(self, key: Any, value: Any) -> None:
        with self.lock:
            self.data[key] = value
            self.data.move_to_end(key)
            while len(self.data) > self.size:
                self.data.popitem(last=False)


_SCHEDULES = _Cache()
_BASELINES = _Cache()
_ATTRIBUTIONS = _Cache()


def clear_caches() -> None:
    """Forget every cached computation (tests and benchmarks)."""
    for c in (_SCHEDULES, _BASELINES, _ATTRIBUTIONS):
        with c.lock:
            c.data.clear()


_DATE_KEYS = ("earliest_start", "deadline", "actual_start", "actual_finish")


def snapshot_network(baseline: Baseline) -> tuple[list[Task], list[Link]]:
    """The tasks and links a baseline froze (written by :func:`snapshot_plan`)."""
    snap = baseline.snapshot
    tasks = []
    for doc in snap["tasks"]:
        fields = dict(doc)
        for key in _DATE_KEYS:
            if key in fields:
                fields[key] = dt.date.fromisoformat(fields[key])
        tasks.append(Task(**fields))
    links = [Link(ln["from"], ln["to"], ln["type"], ln["lag"]) for ln in snap["links"]]
    return tasks, links


def remember_baseline(baseline: Baseline, schedule: Schedule) -> None:
    """Cache the schedule a baseline was taken from."""
    _BASELINES.put((baseline.pk, baseline.taken_at), schedule)


def baseline_schedule(baseline: Baseline, calendar: Calendar) -> Schedule:
    """The baseline's snapshot scheduled again at its data date (cached; baselines never
    change)."""
    key = (baseline.pk, baseline.taken_at)
    found = _BASELINES.get(key)
    if found is None:
        tasks, links = snapshot_network(baseline)
        found = Network(tasks, links).schedule(calendar, baseline.data_date)
        _BASELINES.put(key, found)
    return found


def program_schedule(program: Program, *, now: dt.datetime) -> ProgramSchedule:
    """The forecast of the program at today's date, compared with its chosen baseline."""
    data_date = local_today(program, now)
    key = (program.pk, program.plan_stamp, data_date, program.baseline_id)
    found = _SCHEDULES.get(key)
    if found is None:
        found = compute_schedule(program, data_date)
        _SCHEDULES.put(key, found)
    return found


# Programs with at least this many work items are recomputed by the worker after a plan
# change, their pages showing the last schedule meanwhile; smaller ones compute in the
# request (a few milliseconds). See docs/decisions/programs-schedule-off-request.md.
OFF_REQUEST_ITEMS = 500


def _snapshot_key(program: Program, data_date: dt.date) -> str:
    return f"{program.plan_stamp}:{data_date.isoformat()}:{program.baseline_id or ''}"


def is_large(program: Program) -> bool:
    """Whether the program's schedule is recomputed off the request path."""
    return WorkItem.objects.filter(program=program)[OFF_REQUEST_ITEMS - 1 :].exists()


def store_snapshot(program: Program, *, now: dt.datetime) -> ProgramSchedule:
    """Compute the program's schedule at today's date and keep it for every process (the
    worker's job after a plan change; also the first view of a large program)."""
    from .models import ScheduleSnapshot

    data_date = local_today(program, now)
    found = compute_schedule(program, data_date)
    key = _snapshot_key(program, data_date)
    ScheduleSnapshot.objects.update_or_create(
        program=program,
        defaults={
            "key": key,
            "computed_at": now,
            "payload": pickle.dumps(found, protocol=pickle.HIGHEST_PROTOCOL),
        },
    )
    _drop_patches_before(program, key)
    _SCHEDULES.put((program.pk, program.plan_stamp, data_date, program.baseline_id), found)
    return found


def page_schedule(program: Program, *, now: dt.datetime) -> ProgramSchedule:
    """The schedule a page shows. Small programs: as ``program_schedule``. Large ones: the
    stored snapshot when it is current; after a plan change the last one, marked
    ``stale`` (the page says it is being recomputed), while the worker computes the new
    one; computed here only when the program has never had one. The stored schedule is
    the snapshot with the patches of later duration edits applied (``load_stored``)."""
    from .tasks import recompute_schedule

    data_date = local_today(program, now)
    key = (program.pk, program.plan_stamp, data_date, program.baseline_id)
    found = _SCHEDULES.get(key)
    if found is not None:
        return found
    if not is_large(program):
        return program_schedule(program, now=now)
    stored = load_stored(program)
    if stored is None:
        return store_snapshot(program, now=now)
    last, last_key, computed_at = stored
    if last_key == _snapshot_key(program, data_date):
        _SCHEDULES.put(key, last)
        return last
    recompute_schedule.enqueue(program.pk)
    last.stale = True
    last.computed_at = computed_at
    return last


# -- incremental edits (docs/decisions/incremental-reschedule.md) ---------------------------

#: The worker recomputes a large program in full once this many patches have piled up on its
#: stored snapshot, so that a reader never replays a long chain.
COMPACT_AFTER = 50


def stored_head(program: Program) -> tuple[str | None, int]:
    """The key the stored schedule has reached (its snapshot's, or its last patch's) and the
    number of the last patch (0 when none)."""
    from .models import ScheduleSnapshot, ScheduleSnapshotPatch

    last = (
        ScheduleSnapshotPatch.objects.filter(program=program)
        .order_by("-seq")
        .values_list("key", "seq")
        .first()
    )
    if last is not None:
        return last[0], last[1]
    return ScheduleSnapshot.objects.filter(program=program).values_list("key", flat=True).first(), 0


def _drop_patches_before(program: Program, key: str) -> None:
    """After a full computation stored under ``key``: forget the patches it includes, keeping
    a chain that continues from it (an edit committed while the worker computed)."""
    from .models import ScheduleSnapshotPatch

    patches = ScheduleSnapshotPatch.objects.filter(program=program)
    follows = patches.filter(prev_key=key).order_by("seq").values_list("seq", flat=True).first()
    (patches if follows is None else patches.filter(seq__lt=follows)).delete()


def load_stored(program: Program) -> tuple[ProgramSchedule, str, dt.datetime] | None:
    """The stored schedule with its patches applied: the schedule, the key it reached and
    when it was computed (None when the program has no snapshot)."""
    from .models import ScheduleSnapshot, ScheduleSnapshotPatch
    from .schedule_rows import apply_items

    snap = ScheduleSnapshot.objects.filter(program=program).first()
    if snap is None:
        return None
    found: ProgramSchedule = pickle.loads(bytes(snap.payload))  # noqa: S301 (our own rows)
    key, computed_at = snap.key, snap.computed_at
    for patch in ScheduleSnapshotPatch.objects.filter(program=program).order_by("seq"):
        if patch.prev_key != key or found.schedule is None:
            continue  # not a continuation of this snapshot
        found = apply_items(found, _patch_items(patch.items), patch.plan_version)
        key, computed_at = patch.key, patch.computed_at
    return found, key, computed_at


def _patch_items(doc: dict[str, Any]) -> dict[int, tuple[int, bool]]:
    return {int(k): (int(v[0]), bool(v[1])) for k, v in doc.items()}


def reschedule_edit(
    program: Program, old_stamp: str, items: dict[int, tuple[int, bool]], now: dt.datetime
) -> ProgramSchedule | None:
    """After a change of work-item durations (``items``: id → (duration, milestone)) that
    drew a new plan stamp, keep a large program's stored schedule current without
    recomputing it: record the change as a patch on it and, when this process holds the
    schedule of the stamp before the change, compute the new one incrementally and cache
    it. Nothing happens (the worker recomputes as before) unless the stored schedule was
    current when the change was made. Returns the new schedule when computed here."""
    from .models import ScheduleSnapshotPatch
    from .schedule_rows import apply_items

    if not is_large(program):
        return None
    data_date = local_today(program, now)
    baseline = program.baseline_id or ""
    old_key = f"{old_stamp}:{data_date.isoformat()}:{baseline}"
    head, seq = stored_head(program)
    if head != old_key:
        return None
    ScheduleSnapshotPatch.objects.create(
        program=program,
        seq=seq + 1,
        prev_key=old_key,
        key=_snapshot_key(program, data_date),
        plan_version=program.plan_version,
        computed_at=now,
        items={str(k): list(v) for k, v in items.items()},
    )
    old = _SCHEDULES.get((program.pk, old_stamp, data_date, program.baseline_id))
    if old is None or old.schedule is None or old.stale:
        return None  # the next reader applies the patch to the stored schedule
    # The moved items are a few thousand new objects in a heap of millions (the cached
    # schedules): without the collector, which would walk all of them every few hundred
    # allocations, the rebuild takes a fraction of the time. Nothing here makes cycles.
    collecting = gc.isenabled()
    gc.disable()
    try:
        new = apply_items(old, items, program.plan_version)
    finally:
        if collecting:
            gc.enable()
    _SCHEDULES.put((program.pk, program.plan_stamp, data_date, program.baseline_id), new)
    return new


_LAZY = ("items", "links", "comparison")


def compute_schedule(program: Program, data_date: dt.date) -> ProgramSchedule:
    """Run the engine on the program as it is stored (no cache)."""
    from sinergi.schedule import ScheduleError

    rows, link_rows = plan_rows(program)
    cal = program_calendar(program)
    # The snapshot is large (the whole plan); it is read only when its schedule is not cached.
    baseline = (
        Baseline.objects.defer("snapshot").filter(pk=program.baseline_id).first()
        if program.baseline_id
        else None
    )
    try:
        net = Network(
            [task_of(r, program, data_date) for r in rows], [link_of(r) for r in link_rows]
        )
        sched = net.schedule(cal, data_date)
        comparison = compare_baseline(sched, baseline_schedule(baseline, cal)) if baseline else None
    except ScheduleError as exc:
        return ProgramSchedule(
            program.pk, program.plan_version, data_date, None, [], [], None, "", exc.message
        )
    results = sched.tasks
    slips = comparison.tasks if comparison else {}
    items: list[ItemResult] = []
    for r in rows:
        t = results[str(r["id"])]
        slip = slips.get(t.id)
        items.append(
            ItemResult(
                id=r["id"],
                wbs=r["wbs"],
                title=r["title"],
                owner_id=r["owner_id"],
                owner_slug=r["owner__slug"],
                owner_name=r["owner__short_name"] or r["owner__name"],
                duration=r["duration"],
                milestone=r["milestone"],
                percent_complete=r["percent_complete"],
                status=r["status"],
                blocker=r["blocker"],
                deadline=r["deadline"],
                actual_start=r["actual_start"],
                actual_finish=r["actual_finish"],
                start=t.start,
                finish=t.finish,
                es=t.es,
                ef=t.ef,
                total_float=t.total_float,
                free_float=t.free_float,
                critical=t.critical,
                baseline_start=slip.baseline_start if slip else None,
                baseline_finish=slip.baseline_finish if slip else None,
                finish_slip=slip.finish_slip if slip else None,
                late_start=t.late_start,
                late_finish=t.late_finish,
                remaining=t.remaining,
                at_close=t.at_close,
            )
        )
    crit = {str(i.id) for i in items if i.critical}
    links = [
        LinkResult(
            id=r["id"],
            pred=r["predecessor_id"],
            succ=r["successor_id"],
            type=r["type"],
            lag=r["lag"],
            handoff=r["handoff"],
            driving=str(r["predecessor_id"]) in crit and str(r["successor_id"]) in crit,
        )
        for r in link_rows
    ]
    return ProgramSchedule(
        program_id=program.pk,
        plan_version=program.plan_version,
        data_date=data_date,
        schedule=sched,
        items=items,
        links=links,
        comparison=comparison,
        baseline_name=baseline.name if baseline else "",
    )


def snapshot_plan(program: Program, data_date: dt.date) -> dict[str, Any]:
    """The plan and progress as the engine sees them, for a baseline."""
    rows, link_rows = plan_rows(program)
    return {
        "tasks": [task_doc(task_of(r, program, data_date)) for r in rows],
        "links": [link_doc(link_of(r)) for r in link_rows],
    }


def _revision_rows(plan: dict[str, Any]) -> tuple[list[dict[str, Any]], list[Link]]:
    rows = []
    for doc in plan["rows"]:
        row = dict(doc)
        for key in ("earliest_start", "deadline"):
            if row.get(key):
                row[key] = dt.date.fromisoformat(row[key])
        rows.append(row)
    return rows, [link_of(r) for r in plan["links"]]


def remember_plan(program: Program, now: dt.datetime) -> None:
    """Before a plan change: once a baseline exists, keep the plan as it stood before the
    day's first change (one row per program and day), for the delay attribution."""
    if program.baseline_id is None:
        return
    day = local_today(program, now)
    if PlanRevision.objects.filter(program=program, date=day).exists():
        return
    rows, link_rows = plan_rows(program)
    keep = ("id", "wbs", "owner_id", "owner__slug", "duration", "earliest_start", "deadline")
    plan = {
        "rows": [
            {k: (r[k].isoformat() if isinstance(r[k], dt.date) else r[k]) for k in keep}
            for r in rows
        ],
        "links": link_rows,
    }
    PlanRevision.objects.create(program=program, date=day, plan=plan, created_at=now)


@dataclass
class Attribution:
    """Delay attributed per status period, with agency names for display."""

    analysis: DelayAnalysis | None
    names: dict[str, str]
    error: str = ""

    def name(self, slug: str) -> str:
        """Display name of an agency slug."""
        return self.names.get(slug, slug)


def program_attribution(program: Program) -> Attribution:
    """The engine's windows analysis over the program's progress updates, one status
    update per data date, starting from the chosen baseline (or the plan at its start)."""
    from sinergi.agencies.models import Agency
    from sinergi.schedule import ScheduleError

    key = (program.pk, program.plan_stamp, program.baseline_id)
    found = _ATTRIBUTIONS.get(key)
    if found is not None:
        return found
    rows, link_rows = plan_rows(program)
    links = [link_of(r) for r in link_rows]
    baseline = program.baseline
    if baseline is not None:
        origin_tasks, origin_links = snapshot_network(baseline)
        origin_date = baseline.data_date
    else:
        origin_tasks = [task_of(r, program, program.planned_start, progress={}) for r in rows]
        origin_links = links
        origin_date = program.planned_start
    updates = [
        StatusUpdate(
            origin_date,
            [t.plan_only() if t.actual_start is None else t for t in origin_tasks],
            origin_links,
            label=baseline.name if baseline else "",
        )
    ]
    # Plan history: the plan in force at the end of a day is the one saved before the first
    # change of a later day; after the last such change it is the current plan.
    revisions = [
        (r.date, *_revision_rows(r.plan))
        for r in PlanRevision.objects.filter(program=program, date__gt=origin_date).order_by("date")
    ]

    def plan_at(day: dt.date) -> tuple[list[dict[str, Any]], list[Link]]:
        for date, r_rows, r_links in revisions:
            if date > day:
                return r_rows, r_links
        return rows, links

    reports = ProgressUpdate.objects.filter(program=program, data_date__gt=origin_date).order_by(
        "data_date", "pk"
    )
    state: dict[int, dict[str, Any]] = {}
    by_date: dict[dt.date, list[dict[str, Any]]] = {}
    for u in reports.values(
        "work_item_id",
        "data_date",
        "percent_complete",
        "actual_start",
        "actual_finish",
        "remaining_duration",
    ):
        by_date.setdefault(u["data_date"], []).append(u)
    last = origin_date
    for day, group in sorted(by_date.items()):
        for u in group:
            state[u["work_item_id"]] = u
        day_rows, day_links = plan_at(day)
        tasks = [task_of(r, program, day, progress=state.get(r["id"], {})) for r in day_rows]
        updates.append(StatusUpdate(day, tasks, day_links, label=day.isoformat()))
        last = day
    changed = [date for date, _r, _l in revisions if date > last]
    if changed:
        # The plan changed after the last status date: a last period ends at the latest
        # change, so that the revision is attributed there and the totals match the forecast.
        day = changed[-1]
        tasks = [task_of(r, program, day, progress=state.get(r["id"], {})) for r in rows]
        updates.append(StatusUpdate(day, tasks, links, label=day.isoformat()))
    slugs = {r["owner__slug"] for r in rows}
    slugs |= {r["owner__slug"] for _date, r_rows, _l in revisions for r in r_rows}
    names = {a.slug: a.short_name or a.name for a in Agency.objects.filter(slug__in=slugs)}
    try:
        result = Attribution(attribute_delay(updates, program_calendar(program)), names)
    except ScheduleError as exc:
        result = Attribution(None, names, exc.message)
    _ATTRIBUTIONS.put(key, result)
    return result
