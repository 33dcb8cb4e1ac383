"""Every write of the blood app: permission check, validation, write and audit in one
transaction. Stock changes only through the ledger: each movement locks its cell's balance
row (``select_for_update``), so concurrent issues can never take a cell below zero."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
import zoneinfo
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, F
from django.utils.translation import gettext as _

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can

from .choices import (
    INCOMING,
    MANUAL_KINDS,
    OPEN_REQUEST,
    OUTGOING,
    Abo,
    BagStatus,
    BloodRequestStatus,
    BloodUrgency,
    DonorCallStatus,
    DroppingStatus,
    MovementKind,
    Rh,
)
from .compatibility import substitutes
from .models import (
    Allocation,
    Bag,
    BloodRequest,
    DonorCall,
    Dropping,
    Movement,
    Product,
    Stock,
    UnitProfile,
)
from .selectors import stock_cells
from .ticker import forget as ticker_forget

MAX_BAGS = 10_000  # no single movement or cell level above this is plausible
CELL_COLUMNS = {
    f"{abo.lower()}_{rh}": (abo, rh) for abo in ("A", "B", "O", "AB") for rh in ("pos", "neg")
}
MAX_IMPORT_ROWS = 500
# A case number has no spaces, so a patient's name cannot be typed into it by mistake.
CASE_NUMBER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9./_-]{0,39}$")
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
    from sinergi.coordination.webhooks import enqueue

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
        enqueue(
            event="blood.stock_changed",
            agencies=[unit],
            payload={
                "unit": unit.slug,
                "name": unit.name,
                "kinds": sorted({m.kind for m in rows}),
                "cells": [cells[k] for k in sorted(cells)],
            },
            now=now,
        )
        _suggest_donor_calls(unit, rows, now=now)


def _suggest_donor_calls(unit: Agency, rows: Sequence[Movement], *, now: dt.datetime) -> int:
    """When a batch lowers a group's red cells and the group is now critical, prepare a
    donor call as a draft for the officer to check and publish; never published here.
    Nothing is prepared while the group already has a draft or a call running."""
    from sinergi.core.permissions import SYSTEM

    from .selectors import family, unit_summary

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
        made += 1
    return made


@transaction.atomic
def stock_record_movement(
    *,
    actor: Any,
    unit: Agency,
    product: Product,
    abo: str,
    rh: str,
    kind: str,
    quantity: int,
    now: dt.datetime,
    reason: str = "",
    counterpart: Agency | None = None,
    occurred_at: dt.datetime | None = None,
    source: str = "form",
    donation_numbers: Sequence[str] = (),
) -> Movement:
    """Record a collection, an issue, an expiry, a discard or an adjustment of one cell.

    ``quantity`` is the number of bags (positive); for an adjustment it is signed and a
    reason is required. In a cell tracked by bag, ``donation_numbers`` name the bags: the
    new ones of a collection (required), the ones taken out (optional for issues and
    expiry, which otherwise go first expiry first out)."""
    ensure_can(actor, "blood.record", _unit(unit))
    errors = _cell_fields(abo, rh)
    if kind not in MANUAL_KINDS:
        errors["kind"] = [_("Choose one of the allowed values.")]
    reason = (reason or "").strip()
    if kind == MovementKind.ADJUSTMENT:
        if not reason:
            errors["reason"] = [_("Every adjustment needs a reason.")]
        if quantity == 0:
            errors["quantity"] = [_("An adjustment changes the stock by at least one bag.")]
    elif quantity <= 0:
        errors["quantity"] = [_("Enter a positive number of bags.")]
    if abs(quantity) > MAX_BAGS:
        errors["quantity"] = [_("Enter a number of bags from 1 to %(n)d.") % {"n": MAX_BAGS}]
    if len(reason) > 300:
        errors["reason"] = [_("The value is too long.")]
    if (
        counterpart is not None
        and kind == MovementKind.ISSUED
        and counterpart.kind != AgencyKind.HOSPITAL
    ):
        errors["counterpart"] = [_("Issue to a hospital.")]
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        errors["occurred_at"] = [_("The time is in the future.")]
    numbers, problems = clean_donation_numbers(donation_numbers)
    if problems:
        errors["donation_numbers"] = problems
    elif numbers and len(numbers) != abs(quantity):
        errors["donation_numbers"] = [
            _("%(d)d donation numbers for %(q)d bags: enter one per bag.")
            % {"d": len(numbers), "q": abs(quantity)}
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    if kind in OUTGOING:
        delta = -quantity
    elif kind in INCOMING:
        delta = quantity
    else:
        delta = quantity
    movement = _write_movement(
        actor=actor,
        unit=unit,
        product=product,
        abo=abo,
        rh=rh,
        kind=kind,
        delta=delta,
        reason=reason,
        counterpart=counterpart,
        occurred_at=occurred_at,
        now=now,
        source=source,
        new_bags=[NewBag(n) for n in numbers] if delta > 0 and numbers else None,
        bag_numbers=numbers if delta < 0 else (),
    )
    _stock_changed([movement], now=now)
    return movement


@dataclass
class LevelsResult:
    """What a snapshot of levels changed."""

    adjustments: int
    unchanged: int


def parse_level_rows(
    rows: Sequence[Mapping[str, Any]], *, products: Mapping[str, Product]
) -> tuple[dict[tuple[str, str, str], int], dict[str, list[str]]]:
    """Read SIMDONDAR-style rows (``produk``, ``a_pos`` … ``ab_neg``) into levels per cell;
    every bad row is reported as ``rows.<n>`` (1-based) with what is wrong."""
    levels: dict[tuple[str, str, str], int] = {}
    errors: dict[str, list[str]] = {}
    if not rows:
        errors["rows"] = [_("There are no rows.")]
    if len(rows) > MAX_IMPORT_ROWS:
        errors["rows"] = [_("At most %(n)d rows at once.") % {"n": MAX_IMPORT_ROWS}]
        return levels, errors
    for n, row in enumerate(rows, start=1):
        problems: list[str] = []
        code = str(row.get("produk") or "").strip().upper()
        product = products.get(code)
        if product is None:
            problems.append(_("unknown product %(p)r") % {"p": code})
        for column, (abo, rh) in CELL_COLUMNS.items():
            raw = row.get(column)
            if raw is None or raw == "":
                problems.append(_("%(c)s is missing") % {"c": column})
                continue
            try:
                value = int(str(raw).strip())
            except ValueError:
                problems.append(_("%(c)s is not a whole number") % {"c": column})
                continue
            if value < 0 or value > MAX_BAGS:
                problems.append(_("%(c)s must be from 0 to %(n)d") % {"c": column, "n": MAX_BAGS})
                continue
            if product is not None:
                if (code, abo, rh) in levels:
                    problems.append(_("product %(p)s appears twice") % {"p": code})
                    break
                levels[(code, abo, rh)] = value
        if problems:
            errors[f"rows.{n}"] = ["; ".join(problems)]
    return levels, errors


@transaction.atomic
def stock_set_levels(
    *,
    actor: Any,
    unit: Agency,
    levels: Mapping[tuple[str, str, str], int],
    reason: str,
    now: dt.datetime,
    occurred_at: dt.datetime | None = None,
    source: str = "grid",
) -> LevelsResult:
    """Bring cells to counted levels by recording the differences as adjustments, all or
    nothing (quick entry, CSV upload and the SIMDONDAR push)."""
    ensure_can(actor, "blood.record", _unit(unit))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [_("Every adjustment needs a reason.")]})
    if len(reason) > 300:
        raise ValidationFailed(fields={"reason": [_("The value is too long.")]})
    if occurred_at is not None and occurred_at > now + dt.timedelta(minutes=5):
        raise ValidationFailed(fields={"updated_at": [_("The time is in the future.")]})
    by_code = {p.code: p for p in Product.objects.filter(code__in={k[0] for k in levels})}
    _lock_profile(unit)
    current = stock_cells(unit)
    tracked = set(
        UnitProfile.bag_products.through.objects.filter(unitprofile__unit_id=unit.pk).values_list(
            "product__code", flat=True
        )
    )
    changed = unchanged = 0
    written: list[Movement] = []
    for (code, abo, rh), target in sorted(levels.items()):
        if target < 0 or target > MAX_BAGS or code not in by_code:
            raise ValidationFailed(fields={f"{code}.{abo}.{rh}": [_("The value is not valid.")]})
        delta = target - current.get((code, abo, rh), 0)
        if delta == 0:
            unchanged += 1
            continue
        if code in tracked:
            raise ValidationFailed(
                fields={
                    f"{code}.{abo}.{rh}": [
                        _(
                            "%(p)s %(g)s is tracked by bag: record its bags (collection, "
                            "issue, discard with donation numbers) instead of a count."
                        )
                        % {"p": code, "g": abo + ("+" if rh == "pos" else "−")}
                    ]
                }
            )
        m = _write_movement(
            actor=actor,
            unit=unit,
            product=by_code[code],
            abo=abo,
            rh=rh,
            kind=MovementKind.ADJUSTMENT,
            delta=delta,
            reason=reason,
            occurred_at=occurred_at,
            now=now,
            source=source,
        )
        written.append(m)
        changed += 1
    if written:
        _stock_changed(written, now=now)
    return LevelsResult(adjustments=changed, unchanged=unchanged)


def stock_push_rows(
    *,
    actor: Any,
    unit: Agency,
    rows: Sequence[Mapping[str, Any]],
    now: dt.datetime,
    source: str = "simdondar",
    reason: str = "",
) -> LevelsResult:
    """Apply SIMDONDAR-style rows as adjustments, all or nothing; every bad row reported."""
    ensure_can(actor, "blood.record", _unit(unit))
    products = {p.code: p for p in Product.objects.all()}
    levels, errors = parse_level_rows(rows, products=products)
    times: list[dt.datetime] = []
    for n, row in enumerate(rows, start=1):
        value = row.get("updated_at")
        if isinstance(value, dt.datetime):
            times.append(value)
        elif value:
            try:
                parsed = dt.datetime.fromisoformat(str(value))
            except ValueError:
                errors.setdefault(f"rows.{n}", []).append(_("updated_at is not an ISO 8601 time"))
                continue
            if parsed.tzinfo is None:
                errors.setdefault(f"rows.{n}", []).append(_("updated_at needs a time zone"))
                continue
            times.append(parsed)
    if errors:
        raise ValidationFailed(_("No row was applied."), fields=errors)
    label = {"simdondar": "SIMDONDAR", "csv": "CSV"}.get(source, source)
    return stock_set_levels(
        actor=actor,
        unit=unit,
        levels=levels,
        reason=reason or _("Stock count from %(s)s") % {"s": label},
        occurred_at=max(times) if times else None,
        now=now,
        source=source,
    )


def stock_import_csv(*, actor: Any, unit: Agency, data: bytes, now: dt.datetime) -> LevelsResult:
    """Apply a CSV file with the SIMDONDAR columns, all or nothing."""
    ensure_can(actor, "blood.record", _unit(unit))
    if len(data) > 200_000:
        raise ValidationFailed(fields={"file": [_("The file is too large (at most 200 kB).")]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(fields={"file": [_("The file is not UTF-8 text.")]}) from exc
    dialect: Any = csv.excel
    with contextlib.suppress(csv.Error):
        dialect = csv.Sniffer().sniff(text[:2000], delimiters=",;\t")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in ("produk", *CELL_COLUMNS) if c not in header]
    if missing:
        raise ValidationFailed(
            fields={"file": [_("Missing columns: %(c)s.") % {"c": ", ".join(missing)}]}
        )
    rows = [{(k or "").strip().lower(): v for k, v in r.items()} for r in reader]
    return stock_push_rows(actor=actor, unit=unit, rows=rows, now=now, source="csv")


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


# --- hospital requests ------------------------------------------------------------------


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
        BloodRequest.objects.select_for_update()
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
    return req


# --- dropping between units -------------------------------------------------------------


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
    return dropping


@transaction.atomic
def dropping_fulfil(
    *, actor: Any, dropping: Dropping, now: dt.datetime, quantity: int | None = None
) -> Dropping:
    """The asked unit sends the bags: ``sent_dropping`` at the sender and
    ``received_dropping`` at the asking unit, in one transaction."""
    ensure_can(actor, "blood.handle_dropping", dropping)
    d = (
        Dropping.objects.select_for_update()
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
    return d


# --- donor calls ------------------------------------------------------------------------


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
        _donor_call_changed(call, now=now)
    return call


def _donor_call_changed(call: DonorCall, *, now: dt.datetime) -> None:
    """The public page changes and the unit's webhooks hear of it."""
    from sinergi.coordination.webhooks import enqueue

    UnitProfile.objects.filter(unit_id=call.unit_id).update(version=F("version") + 1)
    transaction.on_commit(ticker_forget)
    enqueue(
        event="blood.donor_call",
        agencies=[call.unit],
        payload={
            "unit": call.unit.slug,
            "name": call.unit.name,
            "id": call.pk,
            "status": call.status,
            "abo": call.abo,
            "rh": call.rh or None,
            "product": call.product.code,
            "place": call.place,
            "starts_at": call.starts_at.isoformat(),
            "ends_at": call.ends_at.isoformat(),
            "message": call.message,
        },
        now=now,
    )


@transaction.atomic
def donor_call_publish(*, actor: Any, call: DonorCall, now: dt.datetime) -> DonorCall:
    """The officer confirms a prepared draft: it shows on the public page."""
    ensure_can(actor, "blood.record", call.unit)
    locked = DonorCall.objects.select_for_update().select_related("unit", "product").get(pk=call.pk)
    if locked.status != DonorCallStatus.DRAFT:
        raise InvalidTransition(locked.status, DonorCallStatus.PUBLISHED)
    if locked.ends_at <= now:
        raise ValidationFailed(fields={"ends_at": [_("The time is in the past.")]})
    before = snapshot(locked)
    locked.status = DonorCallStatus.PUBLISHED
    locked.starts_at = max(locked.starts_at, now)
    locked.save(update_fields=["status", "starts_at"])
    audit_record(actor=actor, action="blood.donor_call.publish", obj=locked, before=before, now=now)
    _donor_call_changed(locked, now=now)
    return locked


@transaction.atomic
def donor_call_close(*, actor: Any, call: DonorCall, now: dt.datetime) -> DonorCall:
    """End a donor call (or drop a draft): it leaves the public page."""
    ensure_can(actor, "blood.record", call.unit)
    locked = DonorCall.objects.select_for_update().select_related("unit", "product").get(pk=call.pk)
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
        _donor_call_changed(locked, now=now)
    return locked


# --- bags -------------------------------------------------------------------------------


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
    locked = Bag.objects.select_for_update().select_related("unit", "product").get(pk=bag.pk)
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


# --- the clock of hospital requests -----------------------------------------------------


def requests_escalate_due(*, now: dt.datetime) -> dict[str, int]:
    """Open requests past their answer time: first the unit's head (managers; the staff
    when it has none), one answer period later also the health office. Each step is
    taken once per request (a conditional UPDATE on the step)."""
    from sinergi.coordination.notify import agency_users, notify
    from sinergi.core.permissions import SYSTEM, Role

    from .selectors import health_offices_of

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
            users = agency_users(req.unit, Role.MANAGER) or agency_users(req.unit)
            if step == 2:
                for office in health_offices_of(req.region_code):
                    users += agency_users(office, Role.MANAGER)
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
            sent += notify(users=users, kind="blood_overdue", title=title, now=now)
            audit_record(
                actor=SYSTEM,
                action="blood.request.escalate",
                obj=req,
                before={"escalation_step": req.escalation_step},
                after={"escalation_step": step},
                now=now,
            )
            steps += 1
    return {"escalated": steps, "notified": sent}
