"""Stock changes by the unit's staff: movements, levels set by hand, pushed rows and
CSV imports."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from ..choices import INCOMING, MANUAL_KINDS, OUTGOING, MovementKind
from ..models import Movement, Product, UnitProfile
from ..selectors import stock_cells
from .ledger import NewBag, _stock_changed, _write_movement, clean_donation_numbers
from .units import CELL_COLUMNS, MAX_BAGS, _cell_fields, _lock_profile, _unit

MAX_IMPORT_ROWS = 500


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
    """Apply a CSV file with the SIMDONDAR columns, all or nothing; SIMDONDAR's own
    ``stokdarah`` export (CSV or JSON) goes to ``stock_import_stokdarah``."""
    ensure_can(actor, "blood.record", _unit(unit))
    from .simdondar import looks_like_stokdarah, stock_import_stokdarah

    if looks_like_stokdarah(data):
        return stock_import_stokdarah(actor=actor, unit=unit, data=data, now=now)
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
