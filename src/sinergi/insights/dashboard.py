"""Reads of the leader dashboard that the metrics do not hold: who may see it and for
which scope, escalations waiting for the reader, late hand-offs on critical paths, blood
units in kritis, the longest-overdue requests, and meeting decisions and action items.

The metrics themselves (league table, pairs, trend, programme health) come from
``insights.selectors``; this module only reads rows a leader clicks through to."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Max, Min, Q, QuerySet

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import leader_region_codes, user_memberships
from sinergi.core.permissions import Role


@dataclass(frozen=True)
class Scope:
    """What part of the government a reader of the dashboard looks at.

    A platform admin sees everything (``everything``); a leader the regions they lead
    (``regions``, Kemendagri codes, each covering the regions below it); an agency head
    the agencies they head (``agency_ids``). A reader may be both a leader and a head."""

    everything: bool = False
    regions: tuple[str, ...] = ()
    agency_ids: tuple[int, ...] = ()

    @property
    def allowed(self) -> bool:
        """Whether the reader may open the dashboard at all."""
        return self.everything or bool(self.regions) or bool(self.agency_ids)

    @property
    def is_leader(self) -> bool:
        """Leaders and admins see whole regions, heads only their agencies."""
        return self.everything or bool(self.regions)

    def region_q(self, field_name: str) -> Q:
        """A filter for rows whose region (``field_name`` points at a Region) is led."""
        cond = Q(pk__in=[])
        for code in self.regions:
            cond |= Q(**{f"{field_name}__code": code}) | Q(
                **{f"{field_name}__code__startswith": code + "."}
            )
        return cond

    def covers(self, agency: Agency) -> bool:
        """Whether the agency's figures belong to this reader."""
        if self.everything or agency.pk in self.agency_ids:
            return True
        code = agency.region.code
        return any(code == c or code.startswith(c + ".") for c in self.regions)

    def agencies(self) -> QuerySet[Agency]:
        """Active agencies inside the scope, by name."""
        qs = Agency.objects.filter(is_active=True).select_related("region")
        if not self.everything:
            qs = qs.filter(self.region_q("region") | Q(pk__in=self.agency_ids))
        return qs.order_by("name")


def scope_of(user: Any) -> Scope:
    """The dashboard scope of a user: admins everything, leaders their regions, heads their
    agencies; nobody else may open it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    heads = {m.agency_id for m in user_memberships(user) if Role.of(m.role) >= Role.HEAD}
    return Scope(regions=tuple(leader_region_codes(user)), agency_ids=tuple(sorted(heads)))


# --- escalations --------------------------------------------------------------------


def escalations_for(user: Any, scope: Scope, *, now: dt.datetime) -> list[Any]:
    """Open requests escalated up to the reader: a step the request reached notified them
    (the agency head at level 1, the Sekda at 2, the regional head at 3), the same people
    the escalation itself told. Longest overdue first."""
    from sinergi.coordination.choices import STEP_LEVEL
    from sinergi.coordination.models import Request

    qs = (
        # Narrow first: ``visible_to`` filters through a subquery built from the queryset
        # it is called on, so the open and escalated filters reach it and use the status
        # index instead of listing every visible request of the region.
        Request.objects.open().filter(escalation_level__gt=0).visible_to(user)
    )
    if not scope.everything:
        qs = qs.filter(scope.region_q("to_agency__region") | Q(to_agency_id__in=scope.agency_ids))
    # Ordered here, not in SQL: with ORDER BY due_at SQLite walks the due-date index over
    # every request of the country (1.7 s at 1,000,000) to find the few escalated open
    # ones the (status, escalation level) index finds at once.
    first = sorted(qs.order_by().values_list("due_at", "pk"))[:500]
    found = Request.objects.select_related("from_agency", "to_agency", "region").in_bulk(
        [pk for _due, pk in first]
    )
    rows = [found[pk] for _due, pk in first if pk in found]
    by_level = {level: step for step, level in STEP_LEVEL.items() if level}
    reached = _StepReach(user, rows)
    out = []
    for req in rows:
        # Every step up to the request's level reached someone, who still waits on it.
        steps = [by_level[lvl] for lvl in sorted(by_level) if lvl <= req.escalation_level]
        if user.is_superuser or any(reached(req, step) for step in steps):
            req.overdue = req.is_overdue(now)
            req.days_late = max((now - req.due_at).days, 0)
            out.append(req)
    return out


class _StepReach:
    """Whether an escalation step of a request notified the user, decided from the user's
    memberships with the rule of ``coordination.services.step_recipients`` (a test holds the
    two together) but with two queries for all requests instead of several per request."""

    def __init__(self, user: Any, requests: list[Any]) -> None:
        from sinergi.agencies.choices import GOVERNMENT_KINDS
        from sinergi.coordination.models import EscalationPolicy

        roles: dict[int, Role] = {}
        for m in user_memberships(user):
            roles[m.agency_id] = max(roles.get(m.agency_id, Role.VIEWER), Role.of(m.role))
        self.roles = roles
        region_ids = {r.region_id for r in requests}
        self.policies = {
            (p.region_id, p.kind): p
            for p in EscalationPolicy.objects.filter(region_id__in=region_ids)
        }
        # The regional government of a region: its first active government agency.
        self.government: dict[int, int] = {}
        for pk, region_id in (
            Agency.objects.filter(
                region_id__in=region_ids, kind__in=GOVERNMENT_KINDS, is_active=True
            )
            .order_by("-pk")
            .values_list("pk", "region_id")
        ):
            self.government[region_id] = pk

    def _is(self, agency_id: int | None, role: Role) -> bool:
        return agency_id is not None and self.roles.get(agency_id, Role.VIEWER) >= role

    def __call__(self, req: Any, step: str) -> bool:
        from sinergi.coordination.choices import EscalationStep

        policy = self.policies.get((req.region_id, req.kind))
        gov = self.government.get(req.region_id)
        if step == EscalationStep.HEAD:
            return self._is(req.to_agency_id, Role.HEAD)
        if step == EscalationStep.SEKDA:
            if policy is not None and policy.sekda_agency_id is not None:
                return self._is(policy.sekda_agency_id, Role.HEAD)
            # Without a named Sekda agency: the government's managers who are not its head.
            return self._is(gov, Role.MANAGER) and not self._is(gov, Role.HEAD)
        bupati = policy.bupati_agency_id if policy is not None else None
        return self._is(bupati or gov, Role.HEAD)


# --- hand-offs on critical paths ------------------------------------------------------


@dataclass
class LateHandoff:
    """A hand-off between two agencies on a programme's critical path whose predecessor
    is late: not finished and behind its baseline finish, or past its forecast finish."""

    program_code: str
    program_title: str
    from_slug: str  # the agency that owes the hand-off (owner of the predecessor)
    from_name: str
    to_slug: str  # the agency that waits for it
    to_name: str
    pred_wbs: str
    pred_title: str
    succ_wbs: str
    succ_title: str
    planned_finish: dt.date | None
    forecast_finish: dt.date
    days_late: int  # working days behind the baseline (or calendar days past the forecast)
    critical: bool = True


#: At most this many programmes are scheduled on a dashboard's request path; a country
#: has thousands with a late hand-off, and the card lists the latest fifty.
MAX_SCHEDULED = 60
#: Programmes changed this long before the last programme refresh started are checked too.
MARGIN = dt.timedelta(minutes=5)


class LateHandoffs(list["LateHandoff"]):
    """The late hand-offs found, latest first (a list), and how many programmes may hold
    one (``programs``) of which ``checked`` were scheduled to find them: all of them in a
    regency, the ``MAX_SCHEDULED`` most behind in a country."""

    def __init__(self, *, programs: int = 0, checked: int = 0) -> None:
        super().__init__()
        self.programs = programs
        self.checked = checked


def _maybe_late(
    programs: Any, *, now: dt.datetime, critical_only: bool, everything: bool = False
) -> tuple[list[Any], int]:
    """The programmes that may hold a late hand-off, so that only they are scheduled on the
    page's request path: those whose hand-off facts (kept by the tick) show an unfinished
    predecessor forecast past the day it is owed or before today, and those whose facts
    are older than their plan, baseline or day (computed here as the tick would). At most
    ``MAX_SCHEDULED`` are returned as programmes: the stale ones first, then those the
    facts show most behind. Also answers how many there were in all.

    The facts are read grouped by programme in the database, from two small covering
    partial indexes (a country has 50,000 programmes and hundreds of thousands of open
    hand-offs). With ``everything`` (the programmes are all live ones) they are not
    filtered by programme: a filter on 50,000 ids made SQLite look up every programme's
    facts (0.35 s); a programme closed since the last tick is then counted until the next."""
    from zoneinfo import ZoneInfo

    from sinergi.core.paging import bound_ids

    from .models import HandoffFact
    from .program_facts import programs_current_since, programs_refreshed_at

    today_in = {
        tz: now.astimezone(ZoneInfo(tz or "Asia/Jakarta")).date()
        for tz in programs.order_by().values_list("region__timezone", flat=True).distinct()
    }
    if not today_in:
        return [], 0
    latest_today = max(today_in.values())
    # Only programmes changed since the last complete refresh can have facts older than
    # their plan or baseline (a margin for an edit still in flight when that refresh read
    # its programme). Once a day has turned since it ran, every programme's facts are a
    # day old until the worker has recomputed them all (a country's 50,000 take half an
    # hour): they still pick the candidates, by plan and baseline only. Overnight only an
    # unfinished predecessor forecast before today moves, and those are read below.
    since = programs_current_since(today_in)
    any_day = since is None
    if any_day:
        since = programs_refreshed_at()
    changed = programs if since is None else programs.filter(updated_at__gte=since - MARGIN)
    stale = _stale(changed, today_in, any_day=any_day)
    # A regency's programmes as bound ids (the fact indexes serve them), a country's
    # 50,000 not at all (they cost more to bind than the rows they select).
    facts = HandoffFact.objects.order_by()
    if not everything:
        facts = facts.filter(
            program_id__in=bound_ids(programs.order_by().values_list("pk", flat=True))
        )
    if critical_only:
        facts = facts.filter(critical=True)
    late = facts.filter(late_days__isnull=False)
    past = facts.filter(done_day__isnull=True, forecast_day__lt=latest_today)
    held = set(late.values_list("program_id", flat=True).distinct())
    held |= set(past.values_list("program_id", flat=True).distinct())
    held -= stale
    room = MAX_SCHEDULED - min(len(stale), MAX_SCHEDULED)
    # The most behind: a programme's days behind is the larger of its latest forecast past
    # the day owed and its oldest forecast before today, so the first ``room`` of each
    # ordering (with as many more as stale ones to drop) hold the first ``room`` in all.
    most_late: list[tuple[int, Any]] = []
    oldest: list[tuple[int, Any]] = []
    if room:
        take = room + len(stale)
        most_late = list(
            late.values("program_id")
            .annotate(days=Max("late_days"))
            .order_by("-days", "program_id")
            .values_list("program_id", "days")[:take]
        )
        oldest = list(
            past.values("program_id")
            .annotate(day=Min("forecast_day"))
            .order_by("day", "program_id")
            .values_list("program_id", "day")[:take]
        )
    found = programs.select_related("region").in_bulk(
        {pid for pid, _v in most_late} | {pid for pid, _v in oldest}
    )
    behind: dict[int, int] = {}
    for pid, days in most_late:
        if pid in found and pid not in stale:
            behind[pid] = max(behind.get(pid, 0), days)
    for pid, day in oldest:
        if pid in found and pid not in stale:
            today = today_in.get(found[pid].region.timezone, latest_today)
            if day < today:
                behind[pid] = max(behind.get(pid, 0), (today - day).days)
    chosen = sorted(stale)[:MAX_SCHEDULED]
    chosen += sorted(behind, key=lambda pid: (-behind[pid], pid))[:room]
    found.update(programs.select_related("region").in_bulk([p for p in chosen if p not in found]))
    picked = sorted((found[pk] for pk in chosen if pk in found), key=lambda p: p.code)
    return picked, len(stale) + len(held)


def _stale(programs: Any, today_in: dict[str, dt.date], *, any_day: bool = False) -> set[int]:
    """The programmes whose facts are missing or older than their plan, baseline or local
    day (with ``any_day``: their plan or baseline only): the key of
    ``program_facts.fact_key`` compared in the database (a country's 50,000 programmes and
    their facts are never read into Python for it)."""
    from sinergi.programs.models import Program
    from sinergi.regions.models import Region

    from .models import ProgramFact

    db = programs.db
    quote = connections[db].ops.quote_name
    scope_sql, scope_params = programs.order_by().values("pk").query.sql_with_params()
    prefix = "p.plan_stamp || ':' || COALESCE(CAST(p.baseline_id AS TEXT), 'None') || ':'"
    params: list[Any] = []
    if any_day:
        differs = f"SUBSTR(f.{quote('key')}, 1, LENGTH({prefix})) <> {prefix}"
    else:
        day = " ".join("WHEN %s THEN %s" for _tz in today_in)
        params = [v for tz, d in today_in.items() for v in (tz or "", d.isoformat())]
        key = f"SUBSTR({prefix} || CASE COALESCE(r.timezone, '') {day} END, 1, 120)"
        differs = f"f.{quote('key')} <> {key}"
    sql = (
        f"SELECT p.id FROM {quote(Program._meta.db_table)} p "  # noqa: S608 - names quoted
        f"JOIN {quote(Region._meta.db_table)} r ON r.id = p.region_id "
        f"LEFT JOIN {quote(ProgramFact._meta.db_table)} f ON f.program_id = p.id "
        f"WHERE p.id IN ({scope_sql}) AND (f.{quote('key')} IS NULL OR {differs})"
    )
    with connections[db].cursor() as cursor:
        cursor.execute(sql, [*scope_params, *params])
        return {row[0] for row in cursor.fetchall()}


def _programs_in_scope(user: Any, scope: Scope) -> Any:
    """The live programmes the reader sees, of the regions led or with an agency headed as
    coordinator or owner of work; each part read first by its index and bound as ids (no
    DISTINCT over a join with every work item)."""
    from sinergi.core.paging import bound_ids
    from sinergi.programs.choices import ProgramStatus
    from sinergi.programs.models import Program, WorkItem
    from sinergi.regions.models import Region

    programs = Program.objects.visible_to(user).filter(
        status__in=[ProgramStatus.ACTIVE, ProgramStatus.PLANNING, ProgramStatus.ON_HOLD]
    )
    if scope.everything:
        return programs
    ids = list(scope.agency_ids)
    owning = WorkItem.objects.filter(owner_id__in=ids).order_by()
    led = Q(pk__in=[])
    for code in scope.regions:
        led |= Q(code=code) | Q(code__startswith=code + ".")
    regions = Region.objects.filter(led).order_by().values_list("pk", flat=True)
    return programs.filter(
        Q(region_id__in=bound_ids(regions))
        | Q(coordinator_id__in=ids)
        | Q(pk__in=bound_ids(owning.values_list("program_id", flat=True).distinct()))
    )


def late_critical_handoffs(
    user: Any,
    scope: Scope,
    *,
    now: dt.datetime,
    agency: Agency | None = None,
    critical_only: bool = True,
) -> LateHandoffs:
    """Late hand-offs on critical paths of the programmes in scope (or owed by or to one
    agency; with ``critical_only`` false also those off the critical path), latest first."""
    from sinergi.programs.scheduling import local_today, program_schedule

    programs = _programs_in_scope(user, scope)
    if agency is not None:
        # Its hand-offs are between work items it owns.
        from sinergi.core.paging import bound_ids
        from sinergi.programs.models import WorkItem

        owning = WorkItem.objects.filter(owner_id=agency.pk).order_by()
        programs = programs.filter(
            pk__in=bound_ids(owning.values_list("program_id", flat=True).distinct())
        )
    candidates, possible = _maybe_late(
        programs,
        now=now,
        critical_only=critical_only,
        everything=scope.everything and agency is None,
    )
    out = LateHandoffs(programs=possible, checked=len(candidates))
    for program in candidates:
        ps = program_schedule(program, now=now)
        if ps.error:
            continue
        today = local_today(program, now)
        by_id = {i.id: i for i in ps.items}
        for ln in ps.links:
            if not ln.handoff:
                continue
            pred, succ = by_id[ln.pred], by_id[ln.succ]
            if pred.actual_finish or (critical_only and not (pred.critical and succ.critical)):
                continue
            slip = pred.finish_slip or 0
            past = (today - pred.finish).days if pred.finish < today else 0
            if slip <= 0 and past <= 0:
                continue
            if agency is not None and agency.pk not in (pred.owner_id, succ.owner_id):
                continue
            if (
                agency is None
                and not scope.is_leader
                and not ({pred.owner_id, succ.owner_id} & set(scope.agency_ids))
            ):
                continue
            out.append(
                LateHandoff(
                    program_code=program.code,
                    program_title=program.title,
                    from_slug=pred.owner_slug,
                    from_name=pred.owner_name,
                    to_slug=succ.owner_slug,
                    to_name=succ.owner_name,
                    pred_wbs=pred.wbs,
                    pred_title=pred.title,
                    succ_wbs=succ.wbs,
                    succ_title=succ.title,
                    planned_finish=pred.baseline_finish,
                    forecast_finish=pred.finish,
                    days_late=max(slip, past),
                    critical=pred.critical and succ.critical,
                )
            )
    out.sort(key=lambda h: (-h.days_late, h.program_code, h.pred_wbs))
    return out


# --- requests -------------------------------------------------------------------------


def overdue_requests(
    user: Any,
    scope: Scope,
    *,
    now: dt.datetime,
    agency: Agency | None = None,
    limit: int = 10,
) -> list[Any]:
    """The longest-overdue open requests in scope (or addressed to one agency)."""
    from sinergi.coordination.models import Request

    qs = (
        # Narrowed before ``visible_to`` (see ``escalations_for``).
        Request.objects.overdue(now)
        .visible_to(user)
        .select_related("from_agency", "to_agency", "region")
        .order_by("due_at", "pk")
    )
    if agency is not None:
        qs = qs.filter(to_agency=agency)
    elif not scope.everything:
        qs = qs.filter(scope.region_q("to_agency__region") | Q(to_agency_id__in=scope.agency_ids))
    rows = list(qs[:limit])
    for r in rows:
        r.days_late = max((now - r.due_at).days, 0)
    return rows


@dataclass
class Blocker:
    """One line of the rakor's "top blockers": an overdue request or a late critical
    hand-off, with who waits for whom and how long."""

    kind: str  # "request" or "handoff"
    title: str
    waiting: str
    waited_on: str
    days_late: int
    url: str
    detail: str = ""


def top_blockers(
    requests: list[Any], handoffs: list[LateHandoff], *, limit: int = 10
) -> list[Blocker]:
    """Overdue requests and late critical hand-offs merged, longest late first."""
    from django.urls import reverse

    rows = [
        Blocker(
            kind="request",
            title=f"#{r.pk} {r.subject}",
            waiting=str(r.from_agency),
            waited_on=str(r.to_agency),
            days_late=r.days_late,
            url=reverse("coordination:detail", args=[r.pk]),
            detail=r.due_date.isoformat(),
        )
        for r in requests
    ] + [
        Blocker(
            kind="handoff",
            title=f"{h.program_code} {h.pred_wbs} → {h.succ_wbs}: {h.pred_title}",
            waiting=h.to_name,
            waited_on=h.from_name,
            days_late=h.days_late,
            url=reverse("programs:detail", args=[h.program_code]),
            detail=h.forecast_finish.isoformat(),
        )
        for h in handoffs
    ]
    rows.sort(key=lambda b: -b.days_late)
    return rows[:limit]


# --- blood --------------------------------------------------------------------------


@dataclass
class CriticalBlood:
    """A blood unit with the ABO groups whose red-cell stock is kritis."""

    slug: str
    name: str
    groups: list[str] = field(default_factory=list)
    stale: bool = False


def blood_critical(scope: Scope, *, now: dt.datetime) -> list[CriticalBlood]:
    """Blood units in the reader's regions with groups in kritis (leaders only: an agency
    head's dashboard is about the agency)."""
    from sinergi.blood.choices import StockStatus
    from sinergi.blood.selectors import blood_units, is_stale, profile_of, unit_summaries

    if not scope.is_leader:
        return []
    found = blood_units()
    if not scope.everything:
        found = found.filter(scope.region_q("region"))
    units = list(found)
    # A unit's groups change only with its stock, issues or settings, each of which bumps
    # its profile's version, and with the clock (the issue rates' window): kept per process
    # for the minute, for this set of units at these versions. Every unit's groups are read
    # in a fixed number of queries, still about 130 ms for a country's 500 units.
    key = (
        now.replace(second=0, microsecond=0),
        tuple((u.pk, profile_of(u).version, profile_of(u).last_change_at) for u in units),
    )
    kept = _BLOOD_KEPT.get(key)
    if kept is not None:
        return list(kept)
    summaries = unit_summaries(units, now=now)
    out = []
    for unit in units:
        groups = [g.abo for g in summaries[unit.pk] if g.status == StockStatus.CRITICAL]
        if groups:
            out.append(
                CriticalBlood(
                    slug=unit.slug,
                    name=str(unit),
                    groups=groups,
                    stale=is_stale(profile_of(unit), now=now),
                )
            )
    # Only this minute's answers are kept (one per set of units, a few at most).
    for earlier in [k for k in _BLOOD_KEPT if k[0] != key[0]]:
        del _BLOOD_KEPT[earlier]
    if len(_BLOOD_KEPT) >= 16:
        _BLOOD_KEPT.clear()
    _BLOOD_KEPT[key] = out
    return list(out)


_BLOOD_KEPT: dict[Any, list[CriticalBlood]] = {}


# --- meetings -----------------------------------------------------------------------


@dataclass
class MeetingDecisions:
    """A meeting of the week with its decisions."""

    pk: int
    title: str
    starts_at: dt.datetime
    convening: str
    decisions: list[tuple[int, str]]


def meetings_of_week(
    user: Any, scope: Scope, *, start: dt.datetime, end: dt.datetime
) -> list[MeetingDecisions]:
    """Meetings in scope between ``start`` and ``end`` with their decisions."""
    from sinergi.coordination.models import Meeting

    qs = (
        Meeting.objects.visible_to(user)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .select_related("convening_agency")
        .prefetch_related("decisions")
        .order_by("starts_at")
    )
    if not scope.everything:
        qs = qs.filter(scope.region_q("region") | Q(convening_agency_id__in=scope.agency_ids))
    return [
        MeetingDecisions(
            pk=m.pk,
            title=m.title,
            starts_at=m.starts_at,
            convening=str(m.convening_agency),
            decisions=[(d.number, d.text) for d in m.decisions.all()],
        )
        for m in qs
    ]


def action_items_due(user: Any, scope: Scope, *, end: dt.datetime, now: dt.datetime) -> list[Any]:
    """Open action items of meetings (requests tied to a meeting) due before ``end``,
    overdue ones included, soonest first."""
    from sinergi.coordination.models import Request

    qs = (
        # Narrowed before ``visible_to`` (see ``escalations_for``).
        Request.objects.open()
        .filter(meeting__isnull=False, due_at__lt=end)
        .visible_to(user)
        .select_related("from_agency", "to_agency", "meeting", "decision")
        .order_by("due_at", "pk")
    )
    if not scope.everything:
        qs = qs.filter(
            scope.region_q("to_agency__region")
            | Q(to_agency_id__in=scope.agency_ids)
            | Q(from_agency_id__in=scope.agency_ids)
        )
    rows = list(qs[:100])
    for r in rows:
        r.overdue = r.is_overdue(now)
    return rows
