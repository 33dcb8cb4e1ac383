"""Escalation of overdue requests along the region's policy, and setting that policy."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.agencies.choices import GOVERNMENT_KINDS
from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import Role, ensure_can
from sinergi.notifications.events import events_emit
from sinergi.regions.models import Region

from ..choices import OPEN_STATUSES, STEP_LEVEL, EscalationStep, EventKind, RequestKind
from ..models import EscalationPolicy, Request
from .clock import policy_offsets, request_step_moments, working_days_left
from .common import _actor_name, _aware, _event, _region, agency_users


def _government_agency(region: Region) -> Agency | None:
    return (
        Agency.objects.filter(region=region, kind__in=GOVERNMENT_KINDS, is_active=True)
        .order_by("pk")
        .first()
    )


def step_recipients(request: Request, step: str) -> list[Any]:
    """Who is told of an escalation step."""
    _offsets, policy = policy_offsets(request.region, request.kind)
    if step == EscalationStep.REMIND:
        return agency_users(request.to_agency, Role.STAFF)
    if step == EscalationStep.HEAD:
        return agency_users(request.to_agency, Role.HEAD)
    if step == EscalationStep.SEKDA:
        if policy is not None and policy.sekda_agency is not None:
            return agency_users(policy.sekda_agency, Role.HEAD)
        gov = _government_agency(request.region)
        return [
            u
            for u in (agency_users(gov, Role.MANAGER) if gov else [])
            if u not in agency_users(gov, Role.HEAD)
        ]
    agency = policy.bupati_agency if policy is not None else None
    agency = agency or _government_agency(request.region)
    return agency_users(agency, Role.HEAD) if agency else []


def request_apply_steps(*, request_id: int, now: dt.datetime) -> int:
    """Apply every escalation step of a request due up to ``now`` that was not applied in
    this clock cycle; returns how many were applied. Safe to call any number of times,
    from any number of workers."""
    _aware(now)
    from sinergi.core.permissions import SYSTEM

    with transaction.atomic():
        request = (
            Request.objects.select_for_update(of=("self",))
            .select_related("from_agency", "to_agency", "region")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.status not in OPEN_STATUSES:
            return 0
        moments = request_step_moments(request)
        done = set(
            request.events.filter(clock_cycle=request.clock_cycle)
            .exclude(step="")
            .values_list("step", flat=True)
        )
        applied = 0
        before = snapshot(request)
        for step in EscalationStep.values:
            moment = moments.get(step)
            if moment is None or moment > now or step in done:
                continue
            try:
                with transaction.atomic():
                    _apply_step(request, step, now=now, actor=SYSTEM)
            except IntegrityError:  # another worker applied it first
                continue
            applied += 1
        pending = [m for s, m in moments.items() if s not in done and m > now]
        request.next_step_at = min(pending) if pending else None
        request.save(update_fields=["escalation_level", "next_step_at"])
        if applied:
            audit_record(
                actor=SYSTEM, action="request.escalate", obj=request, before=before, now=now
            )
        return applied


def _apply_step(request: Request, step: str, *, now: dt.datetime, actor: Any) -> None:
    label = EscalationStep(step).label
    kind = EventKind.REMINDER if step == EscalationStep.REMIND else EventKind.ESCALATED
    users = step_recipients(request, step)
    names = ", ".join(sorted(_actor_name(u) for u in users)) or _("nobody (no member found)")
    _event(
        request,
        kind=kind,
        actor=actor,
        now=now,
        agency=request.to_agency,
        step=step,
        body=_("%(step)s; notified: %(names)s") % {"step": label, "names": names},
    )
    request.escalation_level = max(request.escalation_level, STEP_LEVEL[EscalationStep(step)])
    days = working_days_left(request, now)
    title = (
        _("Reminder: %(subject)s is due %(date)s")
        if step == EscalationStep.REMIND
        else _("Escalation: %(subject)s (due %(date)s) is overdue")
    ) % {"subject": request.subject, "date": request.due_date.isoformat()}
    events_emit(
        "coordination.request.reminder"
        if step == EscalationStep.REMIND
        else "coordination.request.escalated",
        request,
        actor=actor,
        now=now,
        audience=users,
        title=title,
        body=_("%(agency)s asked %(to)s; working days left: %(days)d.")
        % {"agency": request.from_agency, "to": request.to_agency, "days": days},
        extra={"step": step},
        kind=step,
    )


def escalate_due(*, now: dt.datetime) -> dict[str, int]:
    """Apply the escalation steps due up to ``now`` on every open request."""
    ids = list(
        Request.objects.filter(status__in=OPEN_STATUSES, next_step_at__lte=now)
        .order_by("next_step_at")
        .values_list("pk", flat=True)
    )
    steps = sum(request_apply_steps(request_id=pk, now=now) for pk in ids)
    return {"requests": len(ids), "steps": steps}


@transaction.atomic
def policy_set(
    *,
    actor: Any,
    region: Region | str,
    kind: str,
    remind_days_before: int,
    head_days_after: int,
    sekda_days_after: int,
    bupati_days_after: int,
    now: dt.datetime,
    sekda_agency: Agency | str | None = None,
    bupati_agency: Agency | str | None = None,
) -> EscalationPolicy:
    """Create or change the escalation policy of a region for one kind of request; it
    applies to clocks (re)started from now on."""
    reg = _region(region)
    ensure_can(actor, "calendar.manage", reg)
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose one of the allowed values.")]
    values = {
        "remind_days_before": remind_days_before,
        "head_days_after": head_days_after,
        "sekda_days_after": sekda_days_after,
        "bupati_days_after": bupati_days_after,
    }
    for field, value in values.items():
        if not 0 <= value <= 60:
            errors[field] = [_("Between 0 and 60 working days.")]
    if not errors and not head_days_after < sekda_days_after < bupati_days_after:
        errors["sekda_days_after"] = [
            _("The steps must come in order: head, then Sekda, then Bupati.")
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    policy = EscalationPolicy.objects.filter(region=reg, kind=kind).first()
    before = snapshot(policy) if policy else None
    if policy is None:
        policy = EscalationPolicy(region=reg, kind=kind)
    for field, value in values.items():
        setattr(policy, field, value)
    policy.sekda_agency = agency_from_slug(sekda_agency, "sekda_agency") if sekda_agency else None
    policy.bupati_agency = (
        agency_from_slug(bupati_agency, "bupati_agency") if bupati_agency else None
    )
    policy.save()
    audit_record(actor=actor, action="escalation_policy.set", obj=policy, before=before, now=now)
    return policy
