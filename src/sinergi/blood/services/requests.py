"""Hospital blood requests: creation, acceptance, decline, allocation and the clock
that escalates unanswered requests."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit

from ..choices import OPEN_REQUEST, BloodRequestStatus, BloodUrgency, MovementKind
from ..compatibility import substitutes
from ..models import Allocation, BloodRequest, Movement, Product
from ..selectors import stock_cells
from .ledger import _stock_changed, _write_movement
from .units import _cell_fields, _lock_profile

# A case number has no spaces, so a patient's name cannot be typed into it by mistake.
CASE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")


@transaction.atomic
def request_create(
    *,
    actor: Any,
    hospital: Agency,
    unit: Agency,
    product: Product,
    abo: str,
    rh: str,
    quantity: int,
    urgency: str,
    needed_by: dt.datetime,
    case_number: str,
    now: dt.datetime,
    note: str = "",
) -> BloodRequest:
    """A hospital asks a blood unit for bags, under its case number (never a name)."""
    ensure_can(actor, "blood.request", hospital)
    errors = _cell_fields(abo, rh)
    if unit.kind != AgencyKind.BLOOD_UNIT or not unit.is_active:
        errors["unit"] = [_("Choose an active blood unit.")]
    if not 1 <= quantity <= 100:
        errors["quantity"] = [_("Enter from 1 to 100 bags.")]
    if urgency not in BloodUrgency.values:
        errors["urgency"] = [_("Choose one of the allowed values.")]
    case_number = (case_number or "").strip()
    if not case_number:
        errors["case_number"] = [_("This field is required.")]
    elif not CASE_NUMBER_RE.match(case_number):
        errors["case_number"] = [
            _("Enter the hospital's case number (no patient name, at most 40 characters).")
        ]
    if needed_by < now - dt.timedelta(hours=1):
        errors["needed_by"] = [_("The time is in the past.")]
    if not product.is_active:
        errors["product"] = [_("This product is not available.")]
    if len(note) > 500:
        errors["note"] = [_("The value is too long.")]
    if errors:
        raise ValidationFailed(fields=errors)
    req = BloodRequest.objects.create(
        hospital=hospital,
        unit=unit,
        region_code=hospital.region.code,
        case_number=case_number,
        product=product,
        abo=abo,
        rh=rh,
        quantity=quantity,
        urgency=urgency,
        needed_by=needed_by,
        note=note.strip(),
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
        due_at=request_due_at(urgency=urgency, created_at=now, needed_by=needed_by),
    )
    audit_record(actor=actor, action="blood.request.create", obj=req, now=now)
    # One event per request: a CITO one is the urgent alert (every channel), not both.
    cito = req.urgency == BloodUrgency.CITO
    events_emit(
        "blood.request.cito" if cito else "blood.request.created", req, actor=actor, now=now
    )
    return req


# Hours a unit has to answer a request (allocate or decline) by urgency; the clock runs in
# hours, day and night (docs/decisions/blood-requests-clock.md).
ANSWER_HOURS = {BloodUrgency.CITO: 1, BloodUrgency.URGENT: 4, BloodUrgency.ROUTINE: 24}


MIN_ANSWER = dt.timedelta(minutes=30)


def request_due_at(*, urgency: str, created_at: dt.datetime, needed_by: dt.datetime) -> dt.datetime:
    """When the unit's answer is due: the urgency's target, earlier when the hospital needs
    the blood earlier, never less than 30 minutes."""
    target = created_at + dt.timedelta(hours=ANSWER_HOURS.get(BloodUrgency(urgency), 24))
    return max(min(target, needed_by), created_at + MIN_ANSWER)


def _locked_request(req: BloodRequest) -> BloodRequest:
    return (
        BloodRequest.objects.select_for_update(of=("self",))
        .select_related("unit", "hospital", "product")
        .get(pk=req.pk)
    )


@transaction.atomic
def request_accept(*, actor: Any, request: BloodRequest, now: dt.datetime) -> BloodRequest:
    """The unit confirms it is working on the request."""
    ensure_can(actor, "blood.handle_request", request)
    req = _locked_request(request)
    if req.status != BloodRequestStatus.SUBMITTED:
        raise InvalidTransition(req.status, BloodRequestStatus.ACCEPTED)
    before = snapshot(req)
    req.status = BloodRequestStatus.ACCEPTED
    req.accepted_at = now
    req.save(update_fields=["status", "accepted_at"])
    audit_record(actor=actor, action="blood.request.accept", obj=req, before=before, now=now)
    return req


@transaction.atomic
def request_decline(
    *, actor: Any, request: BloodRequest, reason: str, now: dt.datetime
) -> BloodRequest:
    """The unit declines what is still outstanding, with a reason the hospital sees."""
    ensure_can(actor, "blood.handle_request", request)
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise ValidationFailed(fields={"reason": [_("Give a reason (at most 300 characters).")]})
    req = _locked_request(request)
    if req.status not in OPEN_REQUEST:
        raise InvalidTransition(req.status, BloodRequestStatus.DECLINED)
    before = snapshot(req)
    # Bags already allocated stay with the hospital; only the rest is declined.
    req.status = BloodRequestStatus.DECLINED
    req.decline_reason = reason
    req.closed_at = now
    req.accepted_at = req.accepted_at or now
    req.save(update_fields=["status", "decline_reason", "closed_at", "accepted_at"])
    audit_record(actor=actor, action="blood.request.decline", obj=req, before=before, now=now)
    return req


def request_substitutes(request: BloodRequest) -> list[tuple[str, str, int]]:
    """Cells the unit may allocate for the request, in order, with the bags it holds."""
    cells = stock_cells(request.unit)
    code = request.product.code
    held = {
        (a, r): cells.get((code, a, r), 0) for a in ("A", "B", "O", "AB") for r in ("pos", "neg")
    }
    offered = substitutes(
        request.product.component,
        request.abo,
        request.rh,
        urgency=request.urgency,
        needed=request.outstanding,
        stock=held,
    )
    return [(a, r, held[(a, r)]) for a, r in offered]


@transaction.atomic
def request_allocate(
    *,
    actor: Any,
    request: BloodRequest,
    lines: Iterable[tuple[str, str, int]],
    now: dt.datetime,
) -> BloodRequest:
    """Issue bags against the request from the unit's stock: the requested cell or a
    substitute the compatibility rules offer; partial allocation leaves the rest open."""
    ensure_can(actor, "blood.handle_request", request)
    req = _locked_request(request)
    if req.status not in OPEN_REQUEST:
        raise InvalidTransition(req.status, BloodRequestStatus.FULFILLED)
    _lock_profile(req.unit)
    lines = [(a, r, q) for a, r, q in lines if q]
    if not lines:
        raise ValidationFailed(fields={"quantity": [_("Allocate at least one bag.")]})
    allowed = {(a, r) for a, r, _q in request_substitutes(req)}
    total = sum(q for _a, _r, q in lines)
    if any(q < 0 for _a, _r, q in lines) or total > req.outstanding:
        raise ValidationFailed(
            fields={"quantity": [_("Allocate from 1 to %(n)d bags.") % {"n": req.outstanding}]}
        )
    before = snapshot(req)
    written: list[Movement] = []
    for abo, rh, qty in lines:
        if (abo, rh) not in allowed:
            raise ValidationFailed(
                fields={
                    "abo": [
                        _("%(g)s is not an allowed substitute for this request.")
                        % {"g": abo + ("+" if rh == "pos" else "−")}
                    ]
                }
            )
        movement = _write_movement(
            actor=actor,
            unit=req.unit,
            product=req.product,
            abo=abo,
            rh=rh,
            kind=MovementKind.ISSUED,
            delta=-qty,
            counterpart=req.hospital,
            request=req,
            reason=_("Request #%(n)d, case %(c)s") % {"n": req.pk, "c": req.case_number},
            now=now,
            source="request",
        )
        written.append(movement)
        Allocation.objects.create(
            request=req,
            abo=abo,
            rh=rh,
            quantity=qty,
            is_substitute=(abo, rh) != (req.abo, req.rh),
            movement=movement,
            created_at=now,
        )
    req.quantity_allocated += total
    req.accepted_at = req.accepted_at or now
    if req.quantity_allocated >= req.quantity:
        req.status = BloodRequestStatus.FULFILLED
        req.closed_at = now
    else:
        req.status = BloodRequestStatus.PARTIAL
    req.save(update_fields=["quantity_allocated", "accepted_at", "status", "closed_at"])
    audit_record(actor=actor, action="blood.request.allocate", obj=req, before=before, now=now)
    _stock_changed(written, now=now)
    events_emit("blood.request.allocated", req, actor=actor, now=now)
    return req


def requests_escalate_due(*, now: dt.datetime) -> dict[str, int]:
    """Open requests past their answer time: first the unit's head (managers; the staff
    when it has none), one answer period later also the health office. Each step is
    taken once per request (a conditional UPDATE on the step)."""
    from sinergi.core.permissions import SYSTEM, Role

    from ..selectors import health_offices_of

    sent = 0
    steps = 0
    candidates = (
        BloodRequest.objects.filter(status__in=list(OPEN_REQUEST), due_at__lte=now)
        .filter(escalation_step__lt=2)
        .select_related("unit", "hospital", "product")
        .order_by("due_at", "pk")[:200]
    )
    for req in candidates:
        assert req.due_at is not None  # noqa: S101 - filtered above
        period = req.due_at - req.created_at
        step = 2 if now >= req.due_at + max(period, MIN_ANSWER) else 1
        if step <= req.escalation_step:
            continue
        with transaction.atomic():
            moved = BloodRequest.objects.filter(
                pk=req.pk, escalation_step=req.escalation_step
            ).update(escalation_step=step)
            if not moved:
                continue
            audience = aud.staff_of(req.unit, role=Role.MANAGER)
            if not aud.resolve(audience):  # a unit without managers: its staff
                audience = aud.staff_of(req.unit)
            if step == 2:
                audience += aud.staff_of(*health_offices_of(req.region_code), role=Role.MANAGER)
            cell = f"{req.product.code} {req.abo}{'+' if req.rh == 'pos' else '−'}"
            title = _(
                "Blood request #%(n)d (%(u)s, %(c)s × %(q)d) from %(h)s is overdue at %(unit)s"
            ) % {
                "n": req.pk,
                "u": req.get_urgency_display(),
                "c": cell,
                "q": req.quantity,
                "h": req.hospital.short_name or req.hospital.name,
                "unit": req.unit.short_name or req.unit.name,
            }
            was = req.escalation_step
            req.escalation_step = step  # the payload says the step just taken
            done = events_emit(
                "blood.request.overdue",
                req,
                actor=SYSTEM,
                now=now,
                audience=audience,
                title=title,
                kind="blood_overdue",
            )
            sent += len(done.notified)
            audit_record(
                actor=SYSTEM,
                action="blood.request.escalate",
                obj=req,
                before={"escalation_step": was},
                after={"escalation_step": step},
                now=now,
            )
            steps += 1
    return {"escalated": steps, "notified": sent}
