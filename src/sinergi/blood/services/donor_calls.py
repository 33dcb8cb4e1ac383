"""Donor calls: suggested when stock runs low, created, published and closed."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications.events import events_emit

from ..choices import DonorCallStatus
from ..models import DonorCall, Movement, Product, UnitProfile
from ..ticker import forget as ticker_forget
from .units import _cell_fields, _unit


def _suggest_donor_calls(unit: Agency, rows: Sequence[Movement], *, now: dt.datetime) -> int:
    """When a batch lowers a group's red cells and the group is now critical, prepare a
    donor call as a draft for the officer to check and publish; never published here.
    Nothing is prepared while the group already has a draft or a call running."""
    from sinergi.core.permissions import SYSTEM

    from ..selectors import family, unit_summary

    lowered: dict[str, int] = {}
    for m in rows:
        if family(m.product.component) == "red_cells":
            lowered[m.abo] = lowered.get(m.abo, 0) + m.delta
    lowered = {abo: d for abo, d in lowered.items() if d < 0}
    if not lowered:
        return 0
    critical = {
        g.abo for g in unit_summary(unit, now=now) if g.status == "critical" and g.abo in lowered
    }
    product = Product.objects.filter(code="PRC", is_active=True).first()
    if not critical or product is None:
        return 0
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    day = now.astimezone(zone).date() + dt.timedelta(days=1)
    starts = dt.datetime.combine(day, dt.time(8, 0), tzinfo=zone)
    made = 0
    for abo in sorted(critical):
        if (
            DonorCall.objects.filter(unit=unit, abo=abo, ends_at__gte=now)
            .exclude(status=DonorCallStatus.CLOSED)
            .exists()
        ):
            continue
        call = DonorCall.objects.create(
            unit=unit,
            region_code=unit.region.code,
            abo=abo,
            rh="",
            product=product,
            place=(unit.address or unit.name)[:200],
            starts_at=starts,
            ends_at=starts + dt.timedelta(hours=6),
            message=_(
                "The stock of blood group %(g)s is critical. Donors of group %(g)s are "
                "kindly asked to come."
            )
            % {"g": abo},
            status=DonorCallStatus.DRAFT,
            created_at=now,
        )
        audit_record(actor=SYSTEM, action="blood.donor_call.suggest", obj=call, now=now)
        # The group just went critical (no call was running for it): tell the unit once.
        events_emit(
            "blood.unit.kritis",
            unit,
            actor=SYSTEM,
            now=now,
            title=_("The stock of blood group %(g)s at %(unit)s is critical")
            % {"g": abo, "unit": unit},
            extra={"abo": abo, "product": product.code},
        )
        made += 1
    return made


@transaction.atomic
def donor_call_create(
    *,
    actor: Any,
    unit: Agency,
    abo: str,
    product: Product,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    now: dt.datetime,
    rh: str = "",
    message: str = "",
    draft: bool = False,
) -> DonorCall:
    """Publish a call for donors of a group on the unit's public page (or keep it as a
    draft that an officer publishes later)."""
    ensure_can(actor, "blood.record", _unit(unit))
    errors = _cell_fields(abo, rh or "pos")
    place = (place or "").strip()
    if not place or len(place) > 200:
        errors["place"] = [_("Say where donors should come (at most 200 characters).")]
    if ends_at <= starts_at:
        errors["ends_at"] = [_("The end must be after the start.")]
    if ends_at < now:
        errors["ends_at"] = [_("The time is in the past.")]
    if len(message) > 500:
        errors["message"] = [_("The value is too long.")]
    if errors:
        raise ValidationFailed(fields=errors)
    call = DonorCall.objects.create(
        unit=unit,
        region_code=unit.region.code,
        abo=abo,
        rh=rh,
        product=product,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        message=message.strip(),
        status=DonorCallStatus.DRAFT if draft else DonorCallStatus.PUBLISHED,
        created_at=now,
    )
    audit_record(actor=actor, action="blood.donor_call.create", obj=call, now=now)
    if not draft:
        _donor_call_changed(call, actor=actor, now=now)
    return call


def _donor_call_changed(call: DonorCall, *, actor: Any, now: dt.datetime) -> None:
    """The public page changes; the unit's staff and webhooks hear of it."""
    UnitProfile.objects.filter(unit_id=call.unit_id).update(version=F("version") + 1)
    transaction.on_commit(ticker_forget)
    event = (
        "blood.donor_call.published"
        if call.status == DonorCallStatus.PUBLISHED
        else "blood.donor_call.closed"
    )
    events_emit(event, call, actor=actor, now=now)


@transaction.atomic
def donor_call_publish(*, actor: Any, call: DonorCall, now: dt.datetime) -> DonorCall:
    """The officer confirms a prepared draft: it shows on the public page."""
    ensure_can(actor, "blood.record", call.unit)
    locked = (
        DonorCall.objects.select_for_update(of=("self",))
        .select_related("unit", "product")
        .get(pk=call.pk)
    )
    if locked.status != DonorCallStatus.DRAFT:
        raise InvalidTransition(locked.status, DonorCallStatus.PUBLISHED)
    if locked.ends_at <= now:
        raise ValidationFailed(fields={"ends_at": [_("The time is in the past.")]})
    before = snapshot(locked)
    locked.status = DonorCallStatus.PUBLISHED
    locked.starts_at = max(locked.starts_at, now)
    locked.save(update_fields=["status", "starts_at"])
    audit_record(actor=actor, action="blood.donor_call.publish", obj=locked, before=before, now=now)
    _donor_call_changed(locked, actor=actor, now=now)
    return locked


@transaction.atomic
def donor_call_close(*, actor: Any, call: DonorCall, now: dt.datetime) -> DonorCall:
    """End a donor call (or drop a draft): it leaves the public page."""
    ensure_can(actor, "blood.record", call.unit)
    locked = (
        DonorCall.objects.select_for_update(of=("self",))
        .select_related("unit", "product")
        .get(pk=call.pk)
    )
    if locked.status == DonorCallStatus.CLOSED:
        raise InvalidTransition(locked.status, DonorCallStatus.CLOSED)
    was_public = locked.status == DonorCallStatus.PUBLISHED
    before = snapshot(locked)
    locked.status = DonorCallStatus.CLOSED
    locked.closed_at = now
    if was_public and locked.ends_at > now:
        locked.ends_at = max(now, locked.starts_at + dt.timedelta(minutes=1))
    locked.save(update_fields=["status", "closed_at", "ends_at"])
    audit_record(actor=actor, action="blood.donor_call.close", obj=locked, before=before, now=now)
    if was_public:
        _donor_call_changed(locked, actor=actor, now=now)
    return locked
