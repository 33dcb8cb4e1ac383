"""Bag tracking: switching tracking on and off, changing a bag and expiring bags past
their date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.permissions import ensure_can

from ..choices import BagStatus, MovementKind
from ..models import Bag, Product, Stock
from ..selectors import stock_cells
from .ledger import (
    NewBag,
    _bags_in,
    _check_bags_agree,
    _stock_changed,
    _write_movement,
    clean_donation_numbers,
)
from .stock import MAX_IMPORT_ROWS
from .units import _cell_fields, _lock_profile, _unit


@dataclass
class BagRecord:
    """A bag already in stock when a unit starts tracking a product by bag."""

    donation_number: str
    abo: str
    rh: str
    collected_at: dt.datetime
    expires_at: dt.datetime | None = None


@transaction.atomic
def unit_track_bags(
    *,
    actor: Any,
    unit: Agency,
    product: Product,
    bags: Sequence[BagRecord],
    now: dt.datetime,
) -> int:
    """Start tracking a product by bag: the bags now in stock are labelled, exactly as many
    per cell as the ledger holds (all or nothing). From then on every movement of the
    product moves named bags."""
    ensure_can(actor, "blood.configure", _unit(unit))
    profile = _lock_profile(unit)
    if profile.bag_products.filter(pk=product.pk).exists():
        raise ValidationFailed(
            fields={"product": [_("%(p)s is already tracked by bag.") % {"p": product.code}]}
        )
    if len(bags) > MAX_IMPORT_ROWS * 20:
        raise ValidationFailed(fields={"bags": [_("Too many bags at once.")]})
    errors: dict[str, list[str]] = {}
    by_cell: dict[tuple[str, str], list[BagRecord]] = {}
    for n, bag in enumerate(bags, start=1):
        problems = list(_cell_fields(bag.abo, bag.rh).values())
        if bag.collected_at > now + dt.timedelta(minutes=5):
            problems.append([_("The time is in the future.")])
        if problems:
            errors[f"bags.{n}"] = [m for msgs in problems for m in msgs]
            continue
        by_cell.setdefault((bag.abo, bag.rh), []).append(bag)
    _numbers, number_problems = clean_donation_numbers(b.donation_number for b in bags)
    if number_problems:
        errors["donation_numbers"] = number_problems
    held = {(a, r): q for (c, a, r), q in stock_cells(unit).items() if c == product.code and q}
    for cell in sorted(set(held) | set(by_cell)):
        if len(by_cell.get(cell, [])) != held.get(cell, 0):
            errors.setdefault("bags", []).append(
                _("%(g)s: %(b)d bags for a stock of %(n)d.")
                % {
                    "g": cell[0] + ("+" if cell[1] == "pos" else "−"),
                    "b": len(by_cell.get(cell, [])),
                    "n": held.get(cell, 0),
                }
            )
    if errors:
        raise ValidationFailed(_("No bag was recorded."), fields=errors)
    Stock.objects.select_for_update().filter(unit=unit, product=product).exists()
    for (abo, rh), records in by_cell.items():
        _bags_in(
            unit=unit,
            product=product,
            abo=abo,
            rh=rh,
            bags=[NewBag(b.donation_number, b.collected_at, b.expires_at) for b in records],
            movement=None,
            now=now,
            occurred_at=now,
            allow_untracked=True,
        )
        _check_bags_agree(unit, product, abo, rh, held.get((abo, rh), 0))
    before = snapshot(profile)
    profile.bag_products.add(product)
    audit_record(
        actor=actor,
        action="blood.unit.track_bags",
        obj=profile,
        before=before,
        after={**before, "bag_products": product.code, "bags": len(bags)},
        now=now,
    )
    return len(bags)


@transaction.atomic
def unit_untrack_bags(*, actor: Any, unit: Agency, product: Product, now: dt.datetime) -> int:
    """Stop tracking a product by bag; from then on its stock is counted per cell again.
    The ledger does not change (it always was the stock). The bags keep their history;
    those still in stock become ``untracked`` (no longer stock of their own, never taken
    by a movement or the expiry run) and may be labelled again when tracking is switched
    back on. Returns how many bags were in stock."""
    ensure_can(actor, "blood.configure", _unit(unit))
    profile = _lock_profile(unit)
    if not profile.bag_products.filter(pk=product.pk).exists():
        raise ValidationFailed(
            fields={
                "product": [_("%(p)s is not tracked by bag at this unit.") % {"p": product.code}]
            }
        )
    Stock.objects.select_for_update().filter(unit=unit, product=product).exists()
    released = Bag.objects.filter(unit=unit, product=product, status=BagStatus.AVAILABLE).update(
        status=BagStatus.UNTRACKED, updated_at=now
    )
    before = snapshot(profile)
    profile.bag_products.remove(product)
    audit_record(
        actor=actor,
        action="blood.unit.untrack_bags",
        obj=profile,
        before=before,
        after={**before, "untracked_product": product.code, "bags_in_stock": released},
        now=now,
    )
    return released


@transaction.atomic
def bag_update(
    *,
    actor: Any,
    bag: Bag,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
    donation_number: str | None = None,
) -> Bag:
    """Correct a bag's expiry or donation number from its label (e.g. a bag received from a
    unit that does not track bags). Only bags still in stock change."""
    ensure_can(actor, "blood.record", bag.unit)
    locked = (
        Bag.objects.select_for_update(of=("self",)).select_related("unit", "product").get(pk=bag.pk)
    )
    if locked.status != BagStatus.AVAILABLE:
        raise Conflict(_("Only a bag still in stock can be corrected."))
    before = snapshot(locked)
    errors: dict[str, list[str]] = {}
    if expires_at is not None:
        if expires_at <= locked.collected_at:
            errors["expires_at"] = [_("The expiry must be after the collection.")]
        locked.expires_at = expires_at
    if donation_number is not None:
        numbers, problems = clean_donation_numbers([donation_number])
        if problems or not numbers:
            errors["donation_number"] = problems or [_("This field is required.")]
        elif (
            Bag.objects.filter(unit=locked.unit, donation_number=numbers[0])
            .exclude(pk=locked.pk)
            .exists()
        ):
            errors["donation_number"] = [
                _("Already recorded at this unit: %(n)s.") % {"n": numbers[0]}
            ]
        else:
            locked.donation_number = numbers[0]
    if errors:
        raise ValidationFailed(fields=errors)
    locked.updated_at = now
    locked.save(update_fields=["expires_at", "donation_number", "updated_at"])
    audit_record(actor=actor, action="blood.bag.update", obj=locked, before=before, now=now)
    return locked


def bags_expire_due(*, now: dt.datetime) -> dict[str, int]:
    """The expiry run: every available bag past its expiry leaves the stock with an
    ``expired`` movement per cell, one transaction per unit. Running it again finds
    nothing; units that do not track bags are not touched."""
    from sinergi.core.permissions import SYSTEM

    cells = (
        Bag.objects.filter(status=BagStatus.AVAILABLE, expires_at__lte=now)
        .values_list("unit_id", "product_id", "abo", "rh")
        .annotate(n=Count("pk"))
        .order_by("unit_id", "product_id", "abo", "rh")
    )
    by_unit: dict[int, list[tuple[int, str, str]]] = {}
    for unit_id, product_id, abo, rh, _n in cells:
        by_unit.setdefault(unit_id, []).append((product_id, abo, rh))
    expired = 0
    for unit_id, unit_cells in by_unit.items():
        with transaction.atomic():
            unit = Agency.objects.select_related("region").get(pk=unit_id)
            _lock_profile(unit)
            written = []
            for product_id, abo, rh in unit_cells:
                product = Product.objects.get(pk=product_id)
                ids = list(
                    Bag.objects.filter(
                        unit=unit,
                        product=product,
                        abo=abo,
                        rh=rh,
                        status=BagStatus.AVAILABLE,
                        expires_at__lte=now,
                    ).values_list("pk", flat=True)
                )
                if not ids:
                    continue
                written.append(
                    _write_movement(
                        actor=SYSTEM,
                        unit=unit,
                        product=product,
                        abo=abo,
                        rh=rh,
                        kind=MovementKind.EXPIRED,
                        delta=-len(ids),
                        reason=_("Expiry run"),
                        source="expiry",
                        bag_ids=ids,
                        now=now,
                    )
                )
                expired += len(ids)
            if written:
                _stock_changed(written, now=now)
    return {"units": len(by_unit), "bags": expired}
