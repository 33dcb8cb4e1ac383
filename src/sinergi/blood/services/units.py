"""A blood unit's profile and the helpers every blood service shares: the unit check,
the stock cell fields and the lock on the unit's profile."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from ..choices import Abo, Rh
from ..models import Product, UnitProfile
from ..ticker import forget as ticker_forget

MAX_BAGS = 10_000  # no single movement or cell level above this is plausible


CELL_COLUMNS = {
    f"{abo.lower()}_{rh}": (abo, rh) for abo in ("A", "B", "O", "AB") for rh in ("pos", "neg")
}


def _unit(unit: Agency) -> Agency:
    if unit.kind != AgencyKind.BLOOD_UNIT:
        raise ValidationFailed(fields={"unit": [_("This agency is not a blood unit.")]})
    return unit


def _cell_fields(abo: str, rh: str) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if abo not in Abo.values:
        errors["abo"] = [_("Choose A, B, O or AB.")]
    if rh not in Rh.values:
        errors["rh"] = [_("Choose pos or neg.")]
    return errors


def _lock_profile(unit: Agency) -> UnitProfile:
    UnitProfile.objects.get_or_create(unit=unit)
    return UnitProfile.objects.select_for_update().get(unit=unit)


def is_tracked(unit: Agency, product: Product) -> bool:
    """Whether the unit records every bag of this product with its donation number."""
    return UnitProfile.bag_products.through.objects.filter(
        unitprofile__unit_id=unit.pk, product_id=product.pk
    ).exists()


@transaction.atomic
def unit_configure(
    *,
    actor: Any,
    unit: Agency,
    now: dt.datetime,
    ticker_name: str | None = None,
    stale_after_minutes: int | None = None,
    safe_days: Decimal | None = None,
    critical_days: Decimal | None = None,
    rate_window_days: int | None = None,
) -> UnitProfile:
    """Set a unit's ticker name, stale limit, safe levels and issue-rate window."""
    ensure_can(actor, "blood.configure", _unit(unit))
    profile = _lock_profile(unit)
    before = snapshot(profile)
    if ticker_name is not None:
        profile.ticker_name = ticker_name[:60]
    if stale_after_minutes is not None:
        profile.stale_after_minutes = stale_after_minutes
    if safe_days is not None:
        profile.safe_days = safe_days
    if critical_days is not None:
        profile.critical_days = critical_days
    if rate_window_days is not None:
        profile.rate_window_days = rate_window_days
    errors: dict[str, list[str]] = {}
    if not 5 <= profile.stale_after_minutes <= 60 * 24 * 30:
        errors["stale_after_minutes"] = [_("From 5 minutes to 30 days.")]
    if not 0 < profile.critical_days <= profile.safe_days <= 60:
        errors["safe_days"] = [_("Critical must be above 0 and not above safe (at most 60).")]
    if not 7 <= profile.rate_window_days <= 365:
        errors["rate_window_days"] = [_("From 7 to 365 days.")]
    if errors:
        raise ValidationFailed(fields=errors)
    profile.version = F("version") + 1
    profile.save()
    profile.refresh_from_db()
    transaction.on_commit(ticker_forget)
    audit_record(actor=actor, action="blood.unit.configure", obj=profile, before=before, now=now)
    return profile
