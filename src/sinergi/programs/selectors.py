"""Reads of the programs app."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Q, QuerySet, When

from sinergi.agencies.selectors import user_memberships

from .models import (
    Commitment,
    Dependency,
    Indicator,
    Partnership,
    PlanProposal,
    Program,
    ProgressUpdate,
    WorkItem,
)
from .scheduling import Attribution, ItemResult, program_attribution, program_schedule


def program_code_free(code: str) -> str:
    """``code``, or with the first free suffix (``-2``, ``-3`` …) when a program has it; codes
    are unique across every region, so all programs count, seen or not."""
    taken = set(Program.objects.filter(code__startswith=code[:37]).values_list("code", flat=True))
    if code not in taken:
        return code
    n = 2
    while f"{code[: 40 - len(str(n)) - 1]}-{n}" in taken:
        n += 1
    return f"{code[: 40 - len(str(n)) - 1]}-{n}"


def programs_search(
    *, user: Any, q: str = "", status: str = "", coordinator: str = ""
) -> QuerySet[Program]:
    """Programs the user sees, filtered."""
    qs = Program.objects.visible_to(user).select_related("region", "coordinator")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(goal__icontains=q))
    if status:
        qs = qs.filter(status=status)
    if coordinator:
        qs = qs.filter(coordinator__slug=coordinator)
    return qs.order_by("code")


def public_programs(*, q: str = "") -> QuerySet[Program]:
    """Programs published to everyone (visibility public), for the public portal."""
    from .choices import Visibility

    qs = Program.objects.filter(visibility=Visibility.PUBLIC).select_related(
        "region", "coordinator"
    )
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(code__icontains=q) | Q(goal__icontains=q))
    return qs.order_by("code")


def program_partners(*, user: Any, program: Program) -> QuerySet[Partnership]:
    """Partners of a program."""
    return (
        Partnership.objects.visible_to(user)
        .filter(program=program)
        .select_related("agency")
        .order_by("agency__name")
    )


def program_commitments(*, user: Any, program: Program) -> QuerySet[Commitment]:
    """Commitments of a program's partners."""
    return (
        Commitment.objects.visible_to(user)
        .filter(program=program)
        .select_related("partnership__agency")
        .order_by("due_date", "pk")
    )


def program_indicators(*, user: Any, program: Program) -> QuerySet[Indicator]:
    """Indicators of a program with their measurements."""
    return (
        Indicator.objects.visible_to(user)
        .filter(program=program)
        .prefetch_related("actuals")
        .order_by("pk")
    )


def program_dependencies(*, user: Any, program: Program) -> QuerySet[Dependency]:
    """Links of a program with both ends and their agencies."""
    return (
        Dependency.objects.visible_to(user)
        .filter(program=program)
        .select_related("predecessor__owner", "successor__owner")
        .order_by("pk")
    )


def program_progress(*, user: Any, program: Program) -> QuerySet[ProgressUpdate]:
    """Status reports of a program, newest first."""
    return (
        ProgressUpdate.objects.visible_to(user)
        .filter(program=program)
        .select_related("work_item", "author")
        .order_by("-data_date", "-pk")
    )


def program_proposals(*, user: Any, program: Program) -> QuerySet[PlanProposal]:
    """Plan change proposals of a program, open ones first, newest first."""
    return (
        PlanProposal.objects.visible_to(user)
        .filter(program=program)
        .select_related("agency", "proposed_by", "decided_by", "work_item")
        .order_by(Case(When(status="pending", then=0), default=1), "-created_at", "-pk")
    )


def filter_items(
    items: list[ItemResult],
    *,
    agency: str = "",
    critical: bool | None = None,
    late: bool | None = None,
    blocked: bool | None = None,
) -> list[ItemResult]:
    """The work-item table's filters."""
    out = items
    if agency:
        out = [i for i in out if i.owner_slug == agency]
    if critical is not None:
        out = [i for i in out if i.critical == critical]
    if late is not None:
        out = [i for i in out if i.late == late]
    if blocked is not None:
        out = [i for i in out if i.blocked == blocked]
    return out


def my_agency_ids(user: Any) -> set[int]:
    """The agencies the user belongs to."""
    return {m.agency_id for m in user_memberships(user)}


def _involved(user: Any) -> QuerySet[Program]:
    """Programmes the user's agencies coordinate or own work in: the programme ids of
    those work items are read first through the owner index (no join of every programme
    to all its work items, no DISTINCT; docs/decisions/bounded-list-counts.md)."""
    ids = sorted(my_agency_ids(user))
    if not ids:
        return Program.objects.none()
    owning = (
        WorkItem.objects.filter(owner_id__in=ids)
        .order_by()
        .values_list("program_id", flat=True)
        .distinct()
    )
    listed = list(owning[:2001])
    return (
        Program.objects.visible_to(user)
        .filter(Q(coordinator_id__in=ids) | Q(pk__in=listed if len(listed) <= 2000 else owning))
        .select_related("region")
        .order_by("code")
    )


@dataclass
class MyItem:
    """A work item of one of my agencies, with its program."""

    program: Program
    item: ItemResult

    def __getattr__(self, name: str) -> Any:
        return getattr(self.item, name)


def my_work(*, user: Any, now: dt.datetime) -> list[MyItem]:
    """Unfinished work items of the user's agencies across all programs, soonest first."""
    ids = my_agency_ids(user)
    out: list[MyItem] = []
    for program in _involved(user):
        ps = program_schedule(program, now=now)
        out += [MyItem(program, i) for i in ps.items if i.owner_id in ids and not i.actual_finish]
    out.sort(key=lambda m: (m.item.start, m.program.code, m.item.wbs))
    return out


@dataclass
class Handoff:
    """A hand-off as the hand-off view shows it."""

    program: Program
    pred: ItemResult
    succ: ItemResult
    type: str
    lag: int
    critical: bool


def handoffs(*, user: Any, now: dt.datetime) -> tuple[list[Handoff], list[Handoff]]:
    """(what my agencies wait for, who waits for my agencies), open hand-offs only."""
    ids = my_agency_ids(user)
    wait_for: list[Handoff] = []
    waiting: list[Handoff] = []
    for program in _involved(user):
        ps = program_schedule(program, now=now)
        by_id = {i.id: i for i in ps.items}
        for ln in ps.links:
            if not ln.handoff:
                continue
            p, s = by_id[ln.pred], by_id[ln.succ]
            if s.actual_finish:
                continue
            h = Handoff(program, p, s, ln.type, ln.lag, p.critical and s.critical)
            if s.owner_id in ids:
                wait_for.append(h)
            if p.owner_id in ids:
                waiting.append(h)
    wait_for.sort(key=lambda h: h.pred.finish)
    waiting.sort(key=lambda h: h.pred.finish)
    return wait_for, waiting


def attribution_summary(att: Attribution) -> dict[str, Any]:
    """The attribution as plain data for the page and the API."""
    a = att.analysis

    def parties(agency: dict[str, int], handoff: dict[tuple[str, str], int]) -> tuple[Any, Any]:
        return (
            [
                {"party": k, "name": att.name(k), "days": v}
                for k, v in sorted(agency.items(), key=lambda kv: -kv[1])
                if v
            ],
            [
                {"party": f"{x} -> {y}", "name": f"{att.name(x)} → {att.name(y)}", "days": v}
                for (x, y), v in sorted(handoff.items(), key=lambda kv: -kv[1])
                if v
            ],
        )

    if a is None:
        return {"movement": 0, "by_agency": [], "by_handoff": [], "windows": [], "error": att.error}
    by_agency, by_handoff = parties(a.by_agency, a.by_handoff)
    windows = []
    for w in a.windows:
        wa, wh = parties(w.by_agency, w.by_handoff)
        windows.append(
            {
                "data_date_from": w.data_date_from,
                "data_date_to": w.data_date_to,
                "finish_before": w.finish_before,
                "finish_after": w.finish_after,
                "movement": w.movement,
                "progress_movement": w.progress_movement,
                "revision_movement": w.revision_movement,
                "controlling_path": w.controlling_path,
                "by_agency": wa,
                "by_handoff": wh,
            }
        )
    return {
        "movement": a.movement,
        "by_agency": by_agency,
        "by_handoff": by_handoff,
        "windows": windows,
        "error": att.error,
    }


def program_attribution_summary(program: Program) -> dict[str, Any]:
    """Delay attribution of a program with WBS codes on the controlling paths."""
    summary = attribution_summary(program_attribution(program))
    wbs = {
        str(pk): w for pk, w in WorkItem.objects.filter(program=program).values_list("pk", "wbs")
    }
    for w in summary["windows"]:
        w["controlling_path"] = [wbs.get(t, t) for t in w["controlling_path"]]
    return summary
