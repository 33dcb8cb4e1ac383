"""Every write of the blood app: permission check, validation, write and audit in one
transaction. Stock changes only through the ledger: each movement locks its cell's balance
row (``select_for_update``), so concurrent issues can never take a cell below zero."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can

from .choices import (
    INCOMING,
    MANUAL_KINDS,
    OPEN_REQUEST,
    OUTGOING,
    Abo,
    BloodRequestStatus,
    BloodUrgency,
    DroppingStatus,
    MovementKind,
    Rh,
)
from .compatibility import substitutes
from .models import (
    Allocation,
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
) -> Movement:
    """Apply one signed change to a cell under its row lock and append it to the ledger and
    the audit chain; the caller has checked permission and holds the transaction."""
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
    UnitProfile.objects.filter(unit=unit).update(version=F("version") + 1, last_change_at=now)
    transaction.on_commit(ticker_forget)
    audit_record(actor=actor, action=f"blood.movement.{kind}", obj=movement, now=now)
    return movement


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
) -> Movement:
    """Record a collection, an issue, an expiry, a discard or an adjustment of one cell.

    ``quantity`` is the number of bags (positive); for an adjustment it is signed and a
    reason is required."""
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
    if errors:
        raise ValidationFailed(fields=errors)
    if kind in OUTGOING:
        delta = -quantity
    elif kind in INCOMING:
        delta = quantity
    else:
        delta = quantity
    return _write_movement(
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
    )


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
    changed = unchanged = 0
    for (code, abo, rh), target in sorted(levels.items()):
        if target < 0 or target > MAX_BAGS or code not in by_code:
            raise ValidationFailed(fields={f"{code}.{abo}.{rh}": [_("The value is not valid.")]})
        delta = target - current.get((code, abo, rh), 0)
        if delta == 0:
            unchanged += 1
            continue
        _write_movement(
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
        changed += 1
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
    )
    audit_record(actor=actor, action="blood.request.create", obj=req, now=now)
    return req


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
    _write_movement(
        actor=actor,
        unit=d.to_unit,
        kind=MovementKind.SENT_DROPPING,
        delta=-qty,
        counterpart=d.from_unit,
        reason=_("Dropping #%(n)d") % {"n": d.pk},
        source="dropping",
        **common,
    )
    _write_movement(
        actor=actor,
        unit=d.from_unit,
        kind=MovementKind.RECEIVED_DROPPING,
        delta=qty,
        counterpart=d.to_unit,
        reason=_("Dropping #%(n)d") % {"n": d.pk},
        source="dropping",
        **common,
    )
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
) -> DonorCall:
    """Publish a call for donors of a group on the unit's public page."""
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
        created_at=now,
    )
    UnitProfile.objects.filter(unit=unit).update(version=F("version") + 1)
    transaction.on_commit(ticker_forget)
    audit_record(actor=actor, action="blood.donor_call.create", obj=call, now=now)
    return call
