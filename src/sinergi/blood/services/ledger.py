"""The stock ledger under every stock change: a movement locks its cell's balance row
(``select_for_update``), so concurrent issues can never take a cell below zero; tracked
bags move with it."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed

from ..choices import BagStatus, MovementKind
from ..models import Bag, BloodRequest, Dropping, Movement, Product, Stock, UnitProfile
from ..ticker import forget as ticker_forget
from .donor_calls import _suggest_donor_calls
from .units import MAX_BAGS, is_tracked

# A donation number as printed on the bag label (ISBT 128 DIN or a unit's own numbering).
DONATION_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,29}$")


MAX_BAGS_AT_ONCE = 500


# What a tracked bag becomes when a movement takes it out of stock.
BAG_STATUS_OUT = {
    MovementKind.ISSUED: BagStatus.ISSUED,
    MovementKind.SENT_DROPPING: BagStatus.SENT_DROPPING,
    MovementKind.EXPIRED: BagStatus.EXPIRED,
    MovementKind.DISCARDED: BagStatus.DISCARDED,
    MovementKind.ADJUSTMENT: BagStatus.DISCARDED,
}


@dataclass
class NewBag:
    """A bag entering a tracked cell: its label's donation number, collection time and
    expiry (``None``: from the product's shelf life)."""

    donation_number: str
    collected_at: dt.datetime | None = None
    expires_at: dt.datetime | None = None


def clean_donation_numbers(raw: Iterable[str]) -> tuple[list[str], list[str]]:
    """Normalised numbers (upper case, no spaces) and the problems found (bad format,
    repeated)."""
    numbers: list[str] = []
    problems: list[str] = []
    for value in raw:
        number = re.sub(r"\s+", "", str(value or "")).upper()
        if not number:
            continue
        if not DONATION_NUMBER_RE.match(number):
            problems.append(
                _("%(n)s is not a donation number (3 to 30 letters, digits or dashes).")
                % {"n": number[:40]}
            )
        elif number in numbers:
            problems.append(_("%(n)s appears twice.") % {"n": number})
        else:
            numbers.append(number)
    return numbers, problems


def _bags_in(
    *,
    unit: Agency,
    product: Product,
    abo: str,
    rh: str,
    bags: Sequence[NewBag],
    movement: Movement | None,
    now: dt.datetime,
    occurred_at: dt.datetime,
    allow_return: bool = False,
    allow_untracked: bool = False,
) -> list[str]:
    """Create the bags entering a tracked cell; a bag that left the unit earlier and comes
    back (dropping) is made available again under its own number, and so is a bag that
    was in stock when tracking was switched off and is labelled again (``allow_untracked``)."""
    numbers, problems = clean_donation_numbers(b.donation_number for b in bags)
    if problems or len(numbers) != len(bags):
        raise ValidationFailed(fields={"donation_numbers": problems or [_("Enter every bag.")]})
    existing = {
        b.donation_number: b for b in Bag.objects.filter(unit=unit, donation_number__in=numbers)
    }
    taken = [
        n
        for n, b in existing.items()
        if not (allow_untracked and b.status == BagStatus.UNTRACKED)
        and (not allow_return or b.status == BagStatus.AVAILABLE)
    ]
    if taken:
        raise ValidationFailed(
            fields={
                "donation_numbers": [
                    _("Already recorded at this unit: %(n)s.") % {"n": ", ".join(sorted(taken))}
                ]
            }
        )
    for bag, number in zip(bags, numbers, strict=True):
        collected = bag.collected_at or occurred_at
        expires = bag.expires_at or collected + dt.timedelta(days=product.shelf_life_days)
        if expires <= collected:
            raise ValidationFailed(
                fields={"expires_at": [_("The expiry must be after the collection.")]}
            )
        fields = {
            "product": product,
            "abo": abo,
            "rh": rh,
            "region_code": unit.region.code,
            "collected_at": collected,
            "expires_at": expires,
            "status": BagStatus.AVAILABLE,
            "counterpart": None,
            "request": None,
            "in_movement": movement,
            "out_movement": None,
            "updated_at": now,
        }
        if number in existing:
            Bag.objects.filter(pk=existing[number].pk).update(**fields)
        else:
            Bag.objects.create(unit=unit, donation_number=number, created_at=now, **fields)
    return numbers


def _claim_bags(
    *,
    unit: Agency,
    product: Product,
    abo: str,
    rh: str,
    count: int,
    status: str,
    now: dt.datetime,
    numbers: Sequence[str] = (),
    bag_ids: Sequence[int] = (),
    expired_only: bool = False,
    counterpart: Agency | None = None,
    request: BloodRequest | None = None,
) -> list[int]:
    """Take ``count`` available bags of the cell out of stock, first expiry first out (or
    the named ones). Each bag changes with a conditional UPDATE on ``status='available'``
    and the candidates are read ``FOR UPDATE SKIP LOCKED`` where the database can, so two
    concurrent allocations never take the same bag."""
    base = Bag.objects.filter(
        unit=unit, product=product, abo=abo, rh=rh, status=BagStatus.AVAILABLE
    )
    if bag_ids:
        qs = base.filter(pk__in=bag_ids)
    elif numbers:
        wanted, problems = clean_donation_numbers(numbers)
        if problems:
            raise ValidationFailed(fields={"donation_numbers": problems})
        found = set(
            base.filter(donation_number__in=wanted).values_list("donation_number", flat=True)
        )
        missing = [n for n in wanted if n not in found]
        if missing:
            raise ValidationFailed(
                fields={
                    "donation_numbers": [
                        _("Not available in this cell: %(n)s.") % {"n": ", ".join(missing)}
                    ]
                }
            )
        if len(wanted) != count:
            raise ValidationFailed(
                fields={
                    "donation_numbers": [
                        _("Name exactly %(n)d bags.") % {"n": count},
                    ]
                }
            )
        qs = base.filter(donation_number__in=wanted)
    elif expired_only:
        qs = base.filter(expires_at__lte=now)
    else:
        # Never hand out a bag past its expiry, even before the expiry run has marked it.
        qs = base.filter(expires_at__gt=now)
    qs = qs.order_by("expires_at", "pk")
    if connection.features.has_select_for_update_skip_locked:
        qs = qs.select_for_update(skip_locked=True, of=("self",))
    candidates = list(qs.values_list("pk", flat=True)[: count + 20])
    claimed: list[int] = []
    for pk in candidates:
        if len(claimed) == count:
            break
        changed = Bag.objects.filter(pk=pk, status=BagStatus.AVAILABLE).update(
            status=status, counterpart=counterpart, request=request, updated_at=now
        )
        if changed:
            claimed.append(pk)
    if len(claimed) < count:
        if expired_only:
            message = _("Only %(n)d bags of this cell are past their expiry; name the bags.")
        else:
            message = _("Only %(n)d bags of this cell can be used (available and not expired).")
        raise ValidationFailed(fields={"donation_numbers": [message % {"n": len(claimed)}]})
    return claimed


def _write_movement(
    *,
    actor: Any,
    unit: Agency,
    product: Product,
    abo: str,
    rh: str,
    kind: str,
    delta: int,
    now: dt.datetime,
    occurred_at: dt.datetime | None = None,
    reason: str = "",
    counterpart: Agency | None = None,
    request: BloodRequest | None = None,
    dropping: Dropping | None = None,
    source: str = "form",
    new_bags: Sequence[NewBag] | None = None,
    bag_numbers: Sequence[str] = (),
    bag_ids: Sequence[int] = (),
) -> Movement:
    """Apply one signed change to a cell under its row lock and append it to the ledger and
    the audit chain; the caller has checked permission and holds the transaction.

    In a cell tracked by bag the change moves exactly ``|delta|`` bags: new ones (with
    donation numbers) in, the named ones or first expiry first out; afterwards the cell's
    available bags must number its balance."""
    if delta == 0 or abs(delta) > MAX_BAGS:
        raise ValidationFailed(
            fields={"quantity": [_("Enter a number of bags from 1 to %(n)d.") % {"n": MAX_BAGS}]}
        )
    # One lock order for every stock change: the unit's profile (its version is bumped
    # below; allocations and droppings lock it first too), then the cell. An issue taking
    # the cell first and the profile last deadlocked with a concurrent allocation. Locks
    # taken with ``select_related`` name their own table (``of=("self",)``): PostgreSQL
    # otherwise also locks the joined unit's agency row, which every movement's foreign key
    # must share, and an allocation holding it waited on an issue waiting on it.
    UnitProfile.objects.select_for_update().filter(unit=unit).exists()
    cell, _created = Stock.objects.select_for_update().get_or_create(
        unit=unit, product=product, abo=abo, rh=rh, defaults={"updated_at": now}
    )
    balance = cell.quantity + delta
    if balance < 0:
        raise ValidationFailed(
            fields={
                "quantity": [
                    _("Only %(n)d bags of %(p)s %(g)s in stock.")
                    % {
                        "n": cell.quantity,
                        "p": product.code,
                        "g": abo + ("+" if rh == "pos" else "−"),
                    }
                ]
            }
        )
    if balance > MAX_BAGS:
        raise ValidationFailed(
            fields={"quantity": [_("The stock would exceed %(n)d bags.") % {"n": MAX_BAGS}]}
        )
    tracked = is_tracked(unit, product)
    claimed: list[int] = []
    if tracked and delta < 0:
        needs_names = kind in (MovementKind.DISCARDED, MovementKind.ADJUSTMENT)
        if needs_names and not bag_numbers and not bag_ids:
            raise ValidationFailed(
                fields={
                    "donation_numbers": [
                        _("%(p)s is tracked by bag: name the bags (donation numbers).")
                        % {"p": product.code}
                    ]
                }
            )
        status = BAG_STATUS_OUT.get(MovementKind(kind), BagStatus.ISSUED)
        if request is not None:
            status = BagStatus.ALLOCATED
        claimed = _claim_bags(
            unit=unit,
            product=product,
            abo=abo,
            rh=rh,
            count=-delta,
            status=status,
            now=now,
            numbers=bag_numbers,
            bag_ids=bag_ids,
            expired_only=kind == MovementKind.EXPIRED,
            counterpart=counterpart,
            request=request,
        )
    elif tracked and not new_bags:
        raise ValidationFailed(
            fields={
                "donation_numbers": [
                    _("%(p)s is tracked by bag: enter the donation number of every bag.")
                    % {"p": product.code}
                ]
            }
        )
    elif tracked and new_bags is not None and len(new_bags) != delta:
        raise ValidationFailed(
            fields={
                "donation_numbers": [
                    _("Enter %(n)d donation numbers, one per bag.") % {"n": delta},
                ]
            }
        )
    elif not tracked and (new_bags or bag_numbers):
        raise ValidationFailed(
            fields={
                "donation_numbers": [
                    _("%(p)s is not tracked by bag at this unit.") % {"p": product.code}
                ]
            }
        )
    cell.quantity = balance
    cell.updated_at = now
    cell.save(update_fields=["quantity", "updated_at"])
    movement = Movement.objects.create(
        unit=unit,
        region_code=unit.region.code,
        product=product,
        abo=abo,
        rh=rh,
        kind=kind,
        delta=delta,
        balance_after=balance,
        reason=reason,
        counterpart=counterpart,
        request=request,
        dropping=dropping,
        occurred_at=occurred_at or now,
        recorded_at=now,
        recorded_by=actor if getattr(actor, "pk", None) else None,
        source=source,
    )
    numbers: list[str] = []
    if tracked:
        if claimed:
            Bag.objects.filter(pk__in=claimed).update(out_movement=movement)
            numbers = sorted(
                Bag.objects.filter(pk__in=claimed).values_list("donation_number", flat=True)
            )
        else:
            numbers = _bags_in(
                unit=unit,
                product=product,
                abo=abo,
                rh=rh,
                bags=new_bags or [],
                movement=movement,
                now=now,
                occurred_at=occurred_at or now,
                allow_return=kind == MovementKind.RECEIVED_DROPPING,
            )
        _check_bags_agree(unit, product, abo, rh, balance)
    UnitProfile.objects.filter(unit=unit).update(version=F("version") + 1, last_change_at=now)
    transaction.on_commit(ticker_forget)
    after = snapshot(movement)
    if numbers:
        after["bags"] = numbers
    audit_record(actor=actor, action=f"blood.movement.{kind}", obj=movement, after=after, now=now)
    return movement


def _check_bags_agree(unit: Agency, product: Product, abo: str, rh: str, balance: int) -> None:
    """The ledger is the stock; in a tracked cell the available bags must number it."""
    available = Bag.objects.filter(
        unit=unit, product=product, abo=abo, rh=rh, status=BagStatus.AVAILABLE
    ).count()
    if available != balance:
        raise ValidationFailed(
            fields={
                "donation_numbers": [
                    _(
                        "The bags of %(p)s %(g)s (%(b)d available) do not agree with the "
                        "stock (%(n)d); nothing was saved."
                    )
                    % {
                        "p": product.code,
                        "g": abo + ("+" if rh == "pos" else "−"),
                        "b": available,
                        "n": balance,
                    }
                ]
            }
        )


def _stock_changed(movements: Sequence[Movement], *, now: dt.datetime) -> None:
    """After a batch of movements: queue ``blood.stock_changed`` for the webhooks of each
    unit whose stock moved (the cells changed with their new totals, never a hospital,
    request or case number), and prepare a donor call draft for a group the batch made
    critical."""
    from sinergi.core.permissions import SYSTEM
    from sinergi.notifications.events import events_emit

    by_unit: dict[int, list[Movement]] = {}
    for m in movements:
        by_unit.setdefault(m.unit_id, []).append(m)
    for rows in by_unit.values():
        unit = rows[0].unit
        cells: dict[tuple[str, str, str], dict[str, Any]] = {}
        for m in sorted(rows, key=lambda r: r.pk):
            key = (m.product.code, m.abo, m.rh)
            cell = cells.setdefault(
                key, {"product": key[0], "abo": key[1], "rh": key[2], "change": 0}
            )
            cell["change"] += m.delta
            cell["quantity"] = m.balance_after
        events_emit(
            "blood.stock.changed",
            unit,
            actor=SYSTEM,
            now=now,
            extra={
                "kinds": sorted({m.kind for m in rows}),
                "cells": [cells[k] for k in sorted(cells)],
            },
        )
        _suggest_donor_calls(unit, rows, now=now)
