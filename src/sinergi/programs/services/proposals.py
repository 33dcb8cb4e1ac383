"""Plan change proposals: made by a partner agency, accepted or rejected by the owner."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.permissions import Role, ensure_can
from sinergi.core.services import validate_model
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit

from ..choices import LinkType, ProposalKind, ProposalStatus
from ..models import MAX_DAYS, Dependency, PlanProposal, Program, WorkItem
from ..permissions import proposer_agencies
from .dependencies import check_acyclic, dependency_add, dependency_remove
from .workitems import WBS_PATTERN, workitem_create, workitem_update


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
    program = proposal.program
    title = _("%(agency)s proposes a change to the plan of %(program)s: %(summary)s") % {
        "agency": proposal.agency,
        "program": program.title,
        "summary": proposal.summary,
    }
    body = "\n\n".join(
        [
            title,
            _("Reason: %s") % proposal.reason,
            _("Open program %s in Sinergi to accept or reject it.") % program.code,
        ]
    )
    events_emit(
        "programs.proposal.made",
        proposal,
        actor=actor,
        now=now,
        audience=aud.staff_of(program.coordinator, role=Role.MANAGER).without(actor),
        title=title,
        body=body,
        url=_proposals_url(program),
    )


def _notify_decided(actor: Any, proposal: PlanProposal, now: dt.datetime) -> None:
    """Tell the proposer and the heads of the proposing agency the outcome and the note."""
    program = proposal.program
    if proposal.status == ProposalStatus.ACCEPTED:
        text = _("The proposal to change the plan of %(program)s was accepted: %(summary)s")
    else:
        text = _("The proposal to change the plan of %(program)s was rejected: %(summary)s")
    title = text % {"program": program.title, "summary": proposal.summary}
    lines = [title]
    if proposal.decision_note:
        lines.append(_("Note from the coordinator: %s") % proposal.decision_note)
    lines.append(_("Open program %s in Sinergi to see the plan.") % program.code)
    proposer = [proposal.proposed_by] if proposal.proposed_by else []
    events_emit(
        "programs.proposal.decided",
        proposal,
        actor=actor,
        now=now,
        audience=(aud.users(*proposer) + aud.heads_of(proposal.agency)).without(actor),
        title=title,
        body="\n\n".join(lines),
        url=_proposals_url(program),
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
        PlanProposal.objects.select_for_update(of=("self",))
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
