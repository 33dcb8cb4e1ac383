"""Dropping: stock moved between blood units on request."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications.events import events_emit

from ..choices import DroppingStatus, MovementKind
from ..models import BloodRequest, Dropping, Product
from .ledger import NewBag, _stock_changed, _write_movement
from .requests import request_substitutes
from .units import _cell_fields, _lock_profile, _unit, is_tracked


@transaction.atomic
def dropping_create(
    *,
    actor: Any,
    from_unit: Agency,
    to_unit: Agency,
    product: Product,
    abo: str,
    rh: str,
    quantity: int,
    now: dt.datetime,
    request: BloodRequest | None = None,
) -> Dropping:
    """A unit asks another unit to send bags, for a hospital request or for its stock."""
    if request is not None:
        ensure_can(actor, "blood.handle_request", request)
        from_unit = request.unit
    else:
        ensure_can(actor, "blood.record", _unit(from_unit))
    errors = _cell_fields(abo, rh)
    if to_unit.kind != AgencyKind.BLOOD_UNIT or not to_unit.is_active or to_unit.pk == from_unit.pk:
        errors["to_unit"] = [_("Choose another active blood unit.")]
    if not 1 <= quantity <= 500:
        errors["quantity"] = [_("Enter from 1 to 500 bags.")]
    if request is not None and not errors:
        if product.pk != request.product_id:
            errors["product"] = [_("Ask for the product of the request.")]
        elif (abo, rh) not in {(a, r) for a, r, _q in request_substitutes(request)}:
            errors["abo"] = [_("This group is not allowed for the request.")]
    if errors:
        raise ValidationFailed(fields=errors)
    dropping = Dropping.objects.create(
        from_unit=from_unit,
        to_unit=to_unit,
        region_code=from_unit.region.code,
        request=request,
        product=product,
        abo=abo,
        rh=rh,
        quantity=quantity,
        created_at=now,
    )
    audit_record(actor=actor, action="blood.dropping.create", obj=dropping, now=now)
    events_emit("blood.dropping.asked", dropping, actor=actor, now=now)
    return dropping


@transaction.atomic
def dropping_fulfil(
    *, actor: Any, dropping: Dropping, now: dt.datetime, quantity: int | None = None
) -> Dropping:
    """The asked unit sends the bags: ``sent_dropping`` at the sender and
    ``received_dropping`` at the asking unit, in one transaction."""
    ensure_can(actor, "blood.handle_dropping", dropping)
    d = (
        Dropping.objects.select_for_update(of=("self",))
        .select_related("from_unit", "to_unit", "product")
        .get(pk=dropping.pk)
    )
    if d.status != DroppingStatus.REQUESTED:
        raise InvalidTransition(d.status, DroppingStatus.SENT)
    qty = d.quantity if quantity is None else quantity
    if not 1 <= qty <= d.quantity:
        raise ValidationFailed(
            fields={"quantity": [_("Send from 1 to %(n)d bags.") % {"n": d.quantity}]}
        )
    # Lock both units in a fixed order so two droppings in opposite directions cannot
    # deadlock.
    for unit in sorted((d.from_unit, d.to_unit), key=lambda u: u.pk):
        _lock_profile(unit)
    before = snapshot(d)
    common = {"product": d.product, "abo": d.abo, "rh": d.rh, "dropping": d, "now": now}
    sent = _write_movement(
        actor=actor,
        unit=d.to_unit,
        kind=MovementKind.SENT_DROPPING,
        delta=-qty,
        counterpart=d.from_unit,
        reason=_("Dropping #%(n)d") % {"n": d.pk},
        source="dropping",
        **common,
    )
    arriving: list[NewBag] | None = None
    if is_tracked(d.from_unit, d.product):
        # The bags travel with their labels; from a unit that does not track bags they get
        # a provisional number and the product's shelf life, which the receiver corrects
        # from the labels.
        sent_bags = list(sent.bags_out.order_by("expires_at", "pk"))
        arriving = [NewBag(b.donation_number, b.collected_at, b.expires_at) for b in sent_bags] or [
            NewBag(f"DRP{d.pk}-{i}") for i in range(1, qty + 1)
        ]
    received = _write_movement(
        actor=actor,
        unit=d.from_unit,
        kind=MovementKind.RECEIVED_DROPPING,
        delta=qty,
        counterpart=d.to_unit,
        reason=_("Dropping #%(n)d") % {"n": d.pk},
        source="dropping",
        new_bags=arriving,
        **common,
    )
    _stock_changed([sent, received], now=now)
    d.status = DroppingStatus.SENT
    d.quantity_sent = qty
    d.closed_at = now
    d.save(update_fields=["status", "quantity_sent", "closed_at"])
    audit_record(actor=actor, action="blood.dropping.fulfil", obj=d, before=before, now=now)
    events_emit("blood.dropping.answered", d, actor=actor, now=now)
    return d


@transaction.atomic
def dropping_decline(*, actor: Any, dropping: Dropping, reason: str, now: dt.datetime) -> Dropping:
    """The asked unit cannot send; the asking unit sees why."""
    ensure_can(actor, "blood.handle_dropping", dropping)
    reason = (reason or "").strip()
    if not reason or len(reason) > 300:
        raise ValidationFailed(fields={"reason": [_("Give a reason (at most 300 characters).")]})
    d = Dropping.objects.select_for_update().get(pk=dropping.pk)
    if d.status != DroppingStatus.REQUESTED:
        raise InvalidTransition(d.status, DroppingStatus.DECLINED)
    before = snapshot(d)
    d.status = DroppingStatus.DECLINED
    d.decline_reason = reason
    d.closed_at = now
    d.save(update_fields=["status", "decline_reason", "closed_at"])
    audit_record(actor=actor, action="blood.dropping.decline", obj=d, before=before, now=now)
    events_emit("blood.dropping.answered", d, actor=actor, now=now)
    return d
