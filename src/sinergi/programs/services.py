"""Every write of the programs app: permission check, validation, write, plan version and
audit entry in one transaction."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency, Sector
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.permissions import Role, ensure_can
from sinergi.core.services import validate_model
from sinergi.regions.models import Region
from sinergi.schedule import Network, ScheduleError

from .choices import CommitmentStatus, LinkType, ProposalKind, ProposalStatus, WorkStatus
from .models import (
    MAX_DAYS,
    Baseline,
    Commitment,
    Dependency,
    Fulfilment,
    Indicator,
    IndicatorActual,
    Partnership,
    PlanProposal,
    Program,
    ProgressUpdate,
    WorkItem,
)
from .permissions import proposer_agencies
from .scheduling import (
    compute_schedule,
    link_of,
    local_today,
    plan_rows,
    remember_baseline,
    remember_plan,
    snapshot_plan,
    task_of,
)

PROGRAM_FIELDS = ("title", "goal", "status", "visibility", "planned_start", "budget", "plan_codes")
ITEM_FIELDS = ("wbs", "title", "duration", "milestone", "earliest_start", "deadline")
WBS_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def bump_plan(program: Program, now: dt.datetime) -> None:
    """Mark the plan changed so that cached schedules are recomputed."""
    Program.objects.filter(pk=program.pk).update(
        plan_version=F("plan_version") + 1, plan_stamp=uuid.uuid4().hex, updated_at=now
    )
    program.refresh_from_db(fields=["plan_version", "plan_stamp", "updated_at"])


def _sectors(slugs: Iterable[str]) -> list[Sector]:
    wanted = list(dict.fromkeys(slugs))
    found = list(Sector.objects.filter(slug__in=wanted))
    missing = sorted(set(wanted) - {s.slug for s in found})
    if missing:
        raise ValidationFailed(fields={"sectors": [_("Unknown sector: %s.") % ", ".join(missing)]})
    return found


@transaction.atomic
def program_create(
    *,
    actor: Any,
    code: str,
    title: str,
    coordinator: Agency,
    planned_start: dt.date,
    now: dt.datetime,
    region: Region | None = None,
    sectors: Iterable[str] = (),
    **fields: Any,
) -> Program:
    """Set up a program coordinated by an agency the actor manages."""
    ensure_can(actor, "program.create", coordinator)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"unknown program fields: {sorted(unknown)}")
    if Program.objects.filter(code=code).exists():
        raise ValidationFailed(fields={"code": [_("A program with this code already exists.")]})
    program = Program(
        plan_stamp=uuid.uuid4().hex,
        code=code,
        title=title,
        coordinator=coordinator,
        region=region or coordinator.region,
        planned_start=planned_start,
        created_at=now,
        updated_at=now,
        **fields,
    )
    validate_model(program, exclude=["baseline"])
    sector_objs = _sectors(sectors)
    program.save()
    program.sectors.set(sector_objs)
    audit_record(actor=actor, action="program.create", obj=program, now=now)
    return program


@transaction.atomic
def program_update(
    *,
    actor: Any,
    program: Program,
    now: dt.datetime,
    sectors: Iterable[str] | None = None,
    baseline: Baseline | None = None,
    clear_baseline: bool = False,
    **fields: Any,
) -> Program:
    """Change a program's description, status, visibility, dates or chosen baseline."""
    ensure_can(actor, "program.change", program)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"unknown program fields: {sorted(unknown)}")
    program = Program.objects.select_for_update().get(pk=program.pk)
    before = snapshot(program)
    for key, value in fields.items():
        setattr(program, key, value)
    if baseline is not None:
        if baseline.program_id != program.pk:
            raise ValidationFailed(fields={"baseline": [_("Not a baseline of this program.")]})
        program.baseline = baseline
    elif clear_baseline:
        program.baseline = None
    program.updated_at = now
    program.plan_version += 1
    program.plan_stamp = uuid.uuid4().hex
    validate_model(program)
    program.save()
    if sectors is not None:
        program.sectors.set(_sectors(sectors))
    audit_record(actor=actor, action="program.update", obj=program, before=before, now=now)
    return program


@transaction.atomic
def program_add_partner(
    *, actor: Any, program: Program, agency: Agency, mode: str, role: str, now: dt.datetime
) -> Partnership:
    """Invite a partner agency into the program in one of the two modes."""
    ensure_can(actor, "program.change", program)
    if agency.pk == program.coordinator_id:
        raise ValidationFailed(fields={"agency": [_("The coordinator is not its own partner.")]})
    if Partnership.objects.filter(program=program, agency=agency).exists():
        raise ValidationFailed(fields={"agency": [_("This agency is already a partner.")]})
    partner = Partnership(program=program, agency=agency, mode=mode, role=role, joined_at=now)
    validate_model(partner)
    partner.save()
    audit_record(actor=actor, action="program.add_partner", obj=partner, now=now)
    return partner


@transaction.atomic
def program_remove_partner(*, actor: Any, partnership: Partnership, now: dt.datetime) -> None:
    """Remove a partner that owns no work items."""
    program = partnership.program
    ensure_can(actor, "program.change", program)
    if WorkItem.objects.filter(program=program, owner=partnership.agency).exists():
        raise Conflict(_("The partner still owns work items; reassign them first."))
    before = snapshot(partnership)
    audit_record(
        actor=actor,
        action="program.remove_partner",
        obj=partnership,
        before=before,
        after={},
        now=now,
    )
    partnership.delete()


@transaction.atomic
def commitment_add(
    *,
    actor: Any,
    partnership: Partnership,
    kind: str,
    description: str,
    amount: Decimal,
    unit: str,
    due_date: dt.date,
    now: dt.datetime,
) -> Commitment:
    """Record what a partner pledges (the coordinator records it with the partner)."""
    ensure_can(actor, "program.change", partnership.program)
    commitment = Commitment(
        program=partnership.program,
        partnership=partnership,
        kind=kind,
        description=description,
        amount=amount,
        unit=unit,
        due_date=due_date,
    )
    validate_model(commitment)
    commitment.save()
    audit_record(actor=actor, action="commitment.add", obj=commitment, now=now)
    return commitment


@transaction.atomic
def commitment_fulfil(
    *,
    actor: Any,
    commitment: Commitment,
    date: dt.date,
    amount: Decimal,
    now: dt.datetime,
    note: str = "",
) -> Fulfilment:
    """Record a delivery against a commitment and update how far it is fulfilled."""
    ensure_can(actor, "commitment.fulfil", commitment)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if commitment.status == CommitmentStatus.CANCELLED:
        raise Conflict(_("The commitment was cancelled."))
    before = snapshot(commitment)
    row = Fulfilment(program=commitment.program, commitment=commitment, date=date, amount=amount)
    row.note = note
    validate_model(row)
    row.save()
    commitment.fulfilled_amount += amount
    commitment.status = (
        CommitmentStatus.FULFILLED
        if commitment.fulfilled_amount >= commitment.amount
        else CommitmentStatus.PARTIAL
    )
    validate_model(commitment)
    commitment.save()
    audit_record(actor=actor, action="commitment.fulfil", obj=commitment, before=before, now=now)
    return row


@transaction.atomic
def indicator_add(
    *,
    actor: Any,
    program: Program,
    name: str,
    unit: str,
    baseline_value: Decimal,
    target_value: Decimal,
    now: dt.datetime,
) -> Indicator:
    """Add a result indicator with its baseline and target."""
    ensure_can(actor, "program.change", program)
    indicator = Indicator(
        program=program,
        name=name,
        unit=unit,
        baseline_value=baseline_value,
        target_value=target_value,
    )
    validate_model(indicator)
    indicator.save()
    audit_record(actor=actor, action="indicator.add", obj=indicator, now=now)
    return indicator


@transaction.atomic
def indicator_record(
    *,
    actor: Any,
    indicator: Indicator,
    date: dt.date,
    value: Decimal,
    now: dt.datetime,
    note: str = "",
) -> IndicatorActual:
    """Record a dated measurement of an indicator."""
    ensure_can(actor, "indicator.record", indicator)
    row = IndicatorActual(
        program=indicator.program, indicator=indicator, date=date, value=value, note=note
    )
    validate_model(row)
    row.save()
    audit_record(actor=actor, action="indicator.record", obj=row, now=now)
    return row


def _check_owner(program: Program, owner: Agency) -> None:
    if (
        owner.pk != program.coordinator_id
        and not program.partnerships.filter(agency=owner).exists()
    ):
        raise ValidationFailed(
            fields={"owner": [_("The owner must be the coordinator or a partner agency.")]}
        )


def _check_item(item: WorkItem) -> None:
    if item.milestone and item.duration:
        raise ValidationFailed(fields={"duration": [_("A milestone has a duration of 0.")]})
    if item.duration == 0:
        item.milestone = True


@transaction.atomic
def workitem_create(
    *,
    actor: Any,
    program: Program,
    wbs: str,
    title: str,
    owner: Agency,
    duration: int,
    now: dt.datetime,
    assignee: Any = None,
    **fields: Any,
) -> WorkItem:
    """Add a work item owned by the coordinator or a partner agency to the plan."""
    ensure_can(actor, "program.change", program)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown work item fields: {sorted(unknown)}")
    _check_owner(program, owner)
    if WorkItem.objects.filter(program=program, wbs=wbs).exists():
        raise ValidationFailed(fields={"wbs": [_("This WBS code is already used.")]})
    remember_plan(program, now)
    item = WorkItem(
        program=program,
        wbs=wbs,
        title=title,
        owner=owner,
        duration=duration,
        assignee=assignee,
        **fields,
    )
    _check_item(item)
    validate_model(item)
    item.save()
    bump_plan(program, now)
    audit_record(actor=actor, action="workitem.create", obj=item, now=now)
    return item


@transaction.atomic
def workitem_update(
    *,
    actor: Any,
    item: WorkItem,
    now: dt.datetime,
    owner: Agency | None = None,
    assignee: Any = None,
    clear_assignee: bool = False,
    **fields: Any,
) -> WorkItem:
    """Change a work item of the plan (the coordinator's managers)."""
    ensure_can(actor, "program.change", item.program)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown work item fields: {sorted(unknown)}")
    item = WorkItem.objects.select_for_update().select_related("program").get(pk=item.pk)
    remember_plan(item.program, now)
    before = snapshot(item)
    new_wbs = fields.get("wbs", item.wbs)
    if new_wbs != item.wbs and WorkItem.objects.filter(program=item.program, wbs=new_wbs).exists():
        raise ValidationFailed(fields={"wbs": [_("This WBS code is already used.")]})
    for key, value in fields.items():
        setattr(item, key, value)
    if owner is not None:
        _check_owner(item.program, owner)
        item.owner = owner
    if assignee is not None:
        item.assignee = assignee
    elif clear_assignee:
        item.assignee = None
    _check_item(item)
    validate_model(item)
    item.save()
    bump_plan(item.program, now)
    audit_record(actor=actor, action="workitem.update", obj=item, before=before, now=now)
    return item


@transaction.atomic
def workitem_delete(*, actor: Any, item: WorkItem, now: dt.datetime) -> None:
    """Remove a work item and its dependencies from the plan."""
    program = item.program
    ensure_can(actor, "program.change", program)
    remember_plan(program, now)
    before = snapshot(item)
    audit_record(actor=actor, action="workitem.delete", obj=item, before=before, after={}, now=now)
    item.delete()
    bump_plan(program, now)


def check_acyclic(program: Program, extra: list[tuple[int, int]]) -> None:
    """Refuse links that would close a cycle, naming the work items on it."""
    rows, link_rows = plan_rows(program)
    tasks = [task_of(r, program, program.planned_start, progress={}) for r in rows]
    links = [link_of(r) for r in link_rows]
    from sinergi.schedule import Link

    links += [Link(str(a), str(b)) for a, b in extra]
    try:
        Network(tasks, links)
    except ScheduleError as exc:
        if exc.code != "cycle":
            raise ValidationFailed(exc.message) from exc
        wbs = {str(r["id"]): r["wbs"] for r in rows}
        path = " → ".join(wbs.get(i, i) for i in [*exc.ids, exc.ids[0]])
        raise ValidationFailed(
            fields={"predecessor": [_("This link would make a cycle: %s.") % path]}
        ) from exc


@transaction.atomic
def dependency_add(
    *,
    actor: Any,
    predecessor: WorkItem,
    successor: WorkItem,
    now: dt.datetime,
    type: str = "FS",  # noqa: A002 - the CPM term
    lag: int = 0,
) -> Dependency:
    """Link two work items of the plan; refused if it would make a cycle."""
    program = predecessor.program
    ensure_can(actor, "program.change", program)
    if successor.program_id != program.pk:
        raise ValidationFailed(fields={"successor": [_("Not a work item of this program.")]})
    if predecessor.pk == successor.pk:
        raise ValidationFailed(fields={"successor": [_("A work item cannot follow itself.")]})
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationFailed(fields={"successor": [_("These work items are already linked.")]})
    dep = Dependency(
        program=program, predecessor=predecessor, successor=successor, type=type, lag=lag
    )
    validate_model(dep)
    check_acyclic(program, [(predecessor.pk, successor.pk)])
    remember_plan(program, now)
    dep.save()
    bump_plan(program, now)
    audit_record(actor=actor, action="dependency.add", obj=dep, now=now)
    return dep


@transaction.atomic
def dependency_remove(*, actor: Any, dependency: Dependency, now: dt.datetime) -> None:
    """Remove a link from the plan."""
    program = dependency.program
    ensure_can(actor, "program.change", program)
    remember_plan(program, now)
    before = snapshot(dependency)
    audit_record(
        actor=actor, action="dependency.remove", obj=dependency, before=before, after={}, now=now
    )
    dependency.delete()
    bump_plan(program, now)


@transaction.atomic
def progress_record(
    *,
    actor: Any,
    item: WorkItem,
    data_date: dt.date,
    percent_complete: int,
    now: dt.datetime,
    actual_start: dt.date | None = None,
    actual_finish: dt.date | None = None,
    remaining_duration: int | None = None,
    note: str = "",
    blocker: str = "",
) -> ProgressUpdate:
    """Record the status of a work item at a date; the latest status becomes the item's."""
    ensure_can(actor, "workitem.progress", item)
    program = item.program
    errors: dict[str, list[str]] = {}
    if data_date > local_today(program, now):
        errors["data_date"] = [_("The status date cannot be in the future.")]
    for name, value in (("actual_start", actual_start), ("actual_finish", actual_finish)):
        if value is not None and value > data_date:
            errors[name] = [_("An actual date cannot be after the status date.")]
    if actual_start and actual_finish and actual_finish < actual_start:
        errors["actual_finish"] = [_("The finish cannot be before the start.")]
    if percent_complete and actual_start is None and actual_finish is None:
        errors["actual_start"] = [_("Work that has progressed has an actual start.")]
    if actual_finish is not None:
        percent_complete = 100
    elif percent_complete >= 100:
        errors["actual_finish"] = [_("Work that is complete has an actual finish.")]
    if errors:
        raise ValidationFailed(fields=errors)
    update = ProgressUpdate(
        program=program,
        work_item=item,
        data_date=data_date,
        percent_complete=percent_complete,
        actual_start=actual_start,
        actual_finish=actual_finish,
        remaining_duration=remaining_duration,
        note=note,
        blocker=blocker,
        author=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    validate_model(update)
    update.save()
    latest = ProgressUpdate.objects.filter(work_item=item).order_by("-data_date", "-pk").first()
    if latest is not None and latest.pk == update.pk:
        before = snapshot(item)
        item.percent_complete = percent_complete
        item.actual_start = actual_start
        item.actual_finish = actual_finish
        item.remaining_duration = None if actual_finish else remaining_duration
        item.blocker = blocker
        item.status = (
            WorkStatus.COMPLETED
            if actual_finish
            else WorkStatus.IN_PROGRESS
            if actual_start
            else WorkStatus.NOT_STARTED
        )
        item.save()
        audit_record(actor=actor, action="workitem.progress", obj=item, before=before, now=now)
    else:
        audit_record(actor=actor, action="workitem.progress_history", obj=update, now=now)
    bump_plan(program, now)
    return update


@transaction.atomic
def baseline_take(
    *,
    actor: Any,
    program: Program,
    name: str,
    now: dt.datetime,
    select: bool = True,
    data_date: dt.date | None = None,
) -> Baseline:
    """Snapshot the plan and its forecast dates under a name (and compare against it).

    ``data_date`` (default: today) back-dates the snapshot, for a plan agreed earlier.
    """
    ensure_can(actor, "program.change", program)
    today = local_today(program, now)
    if data_date is None:
        data_date = today
    elif data_date > today:
        raise ValidationFailed(fields={"data_date": [_("The data date cannot be in the future.")]})
    computed = compute_schedule(program, data_date)
    if computed.error:
        raise ValidationFailed(computed.error)
    if Baseline.objects.filter(program=program, name=name).exists():
        raise ValidationFailed(fields={"name": [_("A baseline with this name exists.")]})
    snap = snapshot_plan(program, data_date)
    snap["dates"] = {str(i.id): [i.start.isoformat(), i.finish.isoformat()] for i in computed.items}
    baseline = Baseline(
        program=program,
        name=name,
        taken_at=now,
        data_date=data_date,
        finish_date=computed.finish_date or data_date,
        snapshot=snap,
    )
    validate_model(baseline)
    baseline.save()
    if computed.schedule is not None:
        # The snapshot schedules to exactly this; keep it so the first comparison is free.
        remember_baseline(baseline, computed.schedule)
    audit_record(
        actor=actor,
        action="baseline.take",
        obj=baseline,
        after={"name": name, "data_date": data_date, "finish_date": baseline.finish_date},
        now=now,
    )
    if select:
        program_update(actor=actor, program=program, baseline=baseline, now=now)
        program.refresh_from_db()
    return baseline


# --- plan change proposals -------------------------------------------------------------------


def _iso_or_none(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


@transaction.atomic
def proposal_create(
    *,
    actor: Any,
    program: Program,
    kind: str,
    reason: str,
    now: dt.datetime,
    agency: Agency | None = None,
    wbs: str = "",
    title: str = "",
    duration: int | None = None,
    earliest_start: dt.date | None = None,
    deadline: dt.date | None = None,
    clear_earliest_start: bool = False,
    clear_deadline: bool = False,
    predecessor: str = "",
    successor: str = "",
    type: str = "FS",  # noqa: A002 - the CPM term
    lag: int = 0,
    dependency: Dependency | None = None,
) -> PlanProposal:
    """A partner proposes a plan change with a reason; the coordinator decides on it."""
    ensure_can(actor, "program.propose", program)
    # Platform admins and the system pass the permission check without being members.
    mine = proposer_agencies(actor, program) or [
        p.agency for p in program.partnerships.select_related("agency")
    ]
    if not mine:
        raise ValidationFailed(fields={"agency": [_("The program has no partner agency.")]})
    if agency is None:
        agency = mine[0]
    elif agency.pk not in {a.pk for a in mine}:
        raise ValidationFailed(
            fields={"agency": [_("You may propose only for a partner agency you belong to.")]}
        )
    errors: dict[str, list[str]] = {}
    if not reason.strip():
        errors["reason"] = [_("Give the reason for the change.")]
    if duration is not None and not 0 <= duration <= MAX_DAYS:
        errors["duration"] = [_("Enter 0 to %d working days.") % MAX_DAYS]
    changes: dict[str, Any] = {}
    item: WorkItem | None = None
    link: Dependency | None = None
    items = WorkItem.objects.filter(program=program)
    if kind == ProposalKind.CHANGE_ITEM:
        item = items.filter(wbs=wbs).first()
        if item is None:
            errors["wbs"] = [_("No work item %s in this program.") % wbs[:40]]
        else:
            if duration is not None and duration != item.duration:
                changes["duration"] = duration
            if clear_earliest_start:
                changes["earliest_start"] = None
            elif earliest_start is not None and earliest_start != item.earliest_start:
                changes["earliest_start"] = earliest_start.isoformat()
            if clear_deadline:
                changes["deadline"] = None
            elif deadline is not None and deadline != item.deadline:
                changes["deadline"] = deadline.isoformat()
            if not changes and "duration" not in errors:
                errors["duration"] = [_("Propose a new duration, start constraint or deadline.")]
        labels = {
            "duration": _("duration"),
            "earliest_start": _("start no earlier than"),
            "deadline": _("deadline"),
        }
        summary = _("Change %(wbs)s: %(what)s") % {
            "wbs": wbs,
            "what": ", ".join(
                f"{labels[k]} {v if v is not None else '—'}" for k, v in changes.items()
            ),
        }
    elif kind == ProposalKind.ADD_DEPENDENCY:
        found = {w.wbs: w for w in items.filter(wbs__in=[predecessor, successor])}
        for name, code in (("predecessor", predecessor), ("successor", successor)):
            if code not in found:
                errors[name] = [_("No work item %s in this program.") % code[:40]]
        if not errors and predecessor == successor:
            errors["successor"] = [_("A work item cannot follow itself.")]
        if not errors:
            pred, succ = found[predecessor], found[successor]
            if Dependency.objects.filter(predecessor=pred, successor=succ).exists():
                errors["successor"] = [_("These work items are already linked.")]
            else:
                check_acyclic(program, [(pred.pk, succ.pk)])
        if type not in LinkType.values:
            errors["type"] = [_("Choose FS, SS, FF or SF.")]
        if not -MAX_DAYS <= lag <= MAX_DAYS:
            errors["lag"] = [_("Enter -%(n)d to %(n)d working days.") % {"n": MAX_DAYS}]
        changes = {"predecessor": predecessor, "successor": successor, "type": type, "lag": lag}
        summary = _("Link %(a)s → %(b)s (%(type)s%(lag)+d)") % {
            "a": predecessor,
            "b": successor,
            "type": type,
            "lag": lag,
        }
    elif kind == ProposalKind.REMOVE_DEPENDENCY:
        if dependency is None or dependency.program_id != program.pk:
            errors["dependency"] = [_("Choose a dependency of this program.")]
            summary = ""
        else:
            link = dependency
            changes = {
                "predecessor": dependency.predecessor.wbs,
                "successor": dependency.successor.wbs,
            }
            summary = _("Remove the link %(a)s → %(b)s") % {
                "a": changes["predecessor"],
                "b": changes["successor"],
            }
    elif kind == ProposalKind.ADD_ITEM:
        if not WBS_PATTERN.match(wbs):
            errors["wbs"] = [_("Enter a WBS code (letters, digits, dots, hyphens).")]
        elif items.filter(wbs=wbs).exists():
            errors["wbs"] = [_("This WBS code is already used.")]
        if not title.strip():
            errors["title"] = [_("Enter the title of the work item.")]
        if duration is None:
            errors["duration"] = [_("Enter the duration in working days.")]
        changes = {
            "wbs": wbs,
            "title": title.strip()[:200],
            "duration": duration,
            "earliest_start": _iso_or_none(earliest_start),
            "deadline": _iso_or_none(deadline),
        }
        summary = _("Add %(wbs)s %(title)s (%(agency)s)") % {
            "wbs": wbs,
            "title": title.strip()[:120],
            "agency": agency.short_name or agency.name,
        }
    else:
        raise ValidationFailed(fields={"kind": [_("Unknown kind of proposal.")]})
    if errors:
        raise ValidationFailed(fields=errors)
    proposal = PlanProposal(
        program=program,
        kind=kind,
        work_item=item,
        dependency=link,
        changes=changes,
        summary=summary[:300],
        reason=reason.strip(),
        agency=agency,
        proposed_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    validate_model(proposal)
    proposal.save()
    audit_record(actor=actor, action="proposal.create", obj=proposal, now=now)
    _notify_proposed(actor, proposal, now)
    return proposal


def _proposals_url(program: Program) -> str:
    return reverse("programs:detail", args=[program.code]) + "#proposals-h"


def _notify_proposed(actor: Any, proposal: PlanProposal, now: dt.datetime) -> None:
    """Tell the coordinator agency's managers and heads (who decide proposals)."""
    from sinergi.coordination.notify import agency_users, notify

    program = proposal.program
    users = [
        u
        for u in agency_users(program.coordinator, Role.MANAGER)
        if u.pk != getattr(actor, "pk", None)
    ]
    title = _("%(agency)s proposes a change to the plan of %(program)s: %(summary)s") % {
        "agency": proposal.agency,
        "program": program.title,
        "summary": proposal.summary,
    }
    url = _proposals_url(program)
    body = "\n\n".join(
        [
            title,
            _("Reason: %s") % proposal.reason,
            _("Open program %s in Sinergi to accept or reject it.") % program.code,
        ]
    )
    notify(users=users, kind="proposal", title=title, now=now, body=body, url=url)


def _notify_decided(actor: Any, proposal: PlanProposal, now: dt.datetime) -> None:
    """Tell the proposer and the heads of the proposing agency the outcome and the note."""
    from sinergi.coordination.notify import agency_users, notify

    program = proposal.program
    users = ([proposal.proposed_by] if proposal.proposed_by else []) + agency_users(
        proposal.agency, Role.HEAD
    )
    if proposal.status == ProposalStatus.ACCEPTED:
        text = _("The proposal to change the plan of %(program)s was accepted: %(summary)s")
    else:
        text = _("The proposal to change the plan of %(program)s was rejected: %(summary)s")
    title = text % {"program": program.title, "summary": proposal.summary}
    url = _proposals_url(program)
    lines = [title]
    if proposal.decision_note:
        lines.append(_("Note from the coordinator: %s") % proposal.decision_note)
    lines.append(_("Open program %s in Sinergi to see the plan.") % program.code)
    notify(
        users=[u for u in users if u.pk != getattr(actor, "pk", None)],
        kind="proposal_decided",
        title=title,
        now=now,
        body="\n\n".join(lines),
        url=url,
    )


def _date_or_none(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


@transaction.atomic
def proposal_accept(
    *, actor: Any, proposal: PlanProposal, now: dt.datetime, note: str = ""
) -> PlanProposal:
    """Apply a proposal through the plan services (schedule recomputed, audited)."""
    ensure_can(actor, "proposal.decide", proposal)
    proposal = (
        PlanProposal.objects.select_for_update()
        .select_related("program", "agency")
        .get(pk=proposal.pk)
    )
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict(_("This proposal was already decided."))
    program = proposal.program
    c = proposal.changes
    if proposal.kind == ProposalKind.CHANGE_ITEM:
        if proposal.work_item is None:
            raise Conflict(_("The work item no longer exists."))
        fields: dict[str, Any] = {}
        if "duration" in c:
            fields["duration"] = c["duration"]
            fields["milestone"] = c["duration"] == 0
        for key in ("earliest_start", "deadline"):
            if key in c:
                fields[key] = _date_or_none(c[key])
        workitem_update(actor=actor, item=proposal.work_item, now=now, **fields)
    elif proposal.kind == ProposalKind.ADD_DEPENDENCY:
        found = {
            w.wbs: w
            for w in WorkItem.objects.filter(
                program=program, wbs__in=[c["predecessor"], c["successor"]]
            )
        }
        if len(found) < 2:
            raise Conflict(_("A work item of this link no longer exists."))
        dependency_add(
            actor=actor,
            predecessor=found[c["predecessor"]],
            successor=found[c["successor"]],
            type=c["type"],
            lag=c["lag"],
            now=now,
        )
    elif proposal.kind == ProposalKind.REMOVE_DEPENDENCY:
        if proposal.dependency is None:
            raise Conflict(_("The dependency no longer exists."))
        dependency_remove(actor=actor, dependency=proposal.dependency, now=now)
        proposal.dependency = None  # gone; the link stays named in ``changes``
    else:
        workitem_create(
            actor=actor,
            program=program,
            wbs=c["wbs"],
            title=c["title"],
            owner=proposal.agency,
            duration=c["duration"],
            now=now,
            earliest_start=_date_or_none(c.get("earliest_start")),
            deadline=_date_or_none(c.get("deadline")),
        )
    return _decide(actor, proposal, ProposalStatus.ACCEPTED, note, now)


@transaction.atomic
def proposal_reject(
    *, actor: Any, proposal: PlanProposal, note: str, now: dt.datetime
) -> PlanProposal:
    """Turn a proposal down with a reason the proposer sees."""
    ensure_can(actor, "proposal.decide", proposal)
    proposal = PlanProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.PENDING:
        raise Conflict(_("This proposal was already decided."))
    if not note.strip():
        raise ValidationFailed(fields={"note": [_("Give the reason for rejecting.")]})
    return _decide(actor, proposal, ProposalStatus.REJECTED, note, now)


def _decide(
    actor: Any, proposal: PlanProposal, status: str, note: str, now: dt.datetime
) -> PlanProposal:
    before = snapshot(proposal)
    proposal.status = status
    proposal.decided_by = actor if getattr(actor, "pk", None) else None
    proposal.decided_at = now
    proposal.decision_note = note.strip()[:2000]
    proposal.save()
    action = "proposal.accept" if status == ProposalStatus.ACCEPTED else "proposal.reject"
    audit_record(actor=actor, action=action, obj=proposal, before=before, now=now)
    _notify_decided(actor, proposal, now)
    return proposal
