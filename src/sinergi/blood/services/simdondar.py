"""SIMDONDAR's ``stokdarah`` table as a stock count: the rows PMI's donor information
system writes (``udd, produk, nama, a_pos, b_pos, o_pos, ab_pos, a_neg, b_neg, o_neg,
ab_neg, ket, update_on``), exported as CSV or JSON (a list of row objects, ``{"stokdarah":
[…]}``, or phpMyAdmin's JSON export), applied all or nothing as counted levels.

- ``produk`` (or ``nama`` when ``produk`` is empty) is read the way PMI names its
  products: WB, PRC, TC, FFP, LP, AHF/Cryo and their long names; the special
  preparations Sinergi has no product for are counted as their base product (PRC
  leucodepleted and washed erythrocytes as PRC, apheresis platelets as TC) and summed
  with it. Anything else is reported by row.
- ``ket`` may note the **stok emergency**: bags of Rh-positive blood a UDD keeps back for
  emergencies (e.g. ``stok emergency 5``). They are on the shelf and in the counts, so
  Sinergi records the counts as they are and writes the buffer in the adjustments'
  reason and in the answer; a buffer larger than the row's Rh+ bags is refused.
- ``update_on`` is when SIMDONDAR counted: the time of the adjustments (the latest of
  the rows). A time without a zone is the unit's local time (``TIME_ZONE``).
- Empty cells count 0 (a NULL in SIMDONDAR's table); every other problem is reported as
  ``rows.<n>`` (n = the data row, 1-based) and nothing is applied.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from ..models import Product
from .stock import MAX_IMPORT_ROWS, LevelsResult, stock_set_levels
from .units import CELL_COLUMNS, MAX_BAGS, _unit

STOKDARAH_COLUMNS = (
    "udd",
    "produk",
    "nama",
    "a_pos",
    "b_pos",
    "o_pos",
    "ab_pos",
    "a_neg",
    "b_neg",
    "o_neg",
    "ab_neg",
    "ket",
    "update_on",
)
MAX_FILE_BYTES = 500_000

#: How PMI names products (upper-cased, spaces and dashes squeezed) → Sinergi's codes.
PRODUCT_NAMES = {
    "WB": "WB",
    "WHOLE BLOOD": "WB",
    "DARAH LENGKAP": "WB",
    "PRC": "PRC",
    "PACKED RED CELL": "PRC",
    "PACKED RED CELLS": "PRC",
    "SEL DARAH MERAH PEKAT": "PRC",
    "TC": "TC",
    "TROMBOSIT": "TC",
    "TROMBOSIT KONSENTRAT": "TC",
    "THROMBOCYTE CONCENTRATE": "TC",
    "FFP": "FFP",
    "FRESH FROZEN PLASMA": "FFP",
    "PLASMA SEGAR BEKU": "FFP",
    "LP": "LP",
    "LIQUID PLASMA": "LP",
    "PLASMA CAIR": "LP",
    "AHF": "Cryo",
    "CRYO": "Cryo",
    "CRYOPRECIPITATE": "Cryo",
    "KRIOPRESIPITAT": "Cryo",
    # Special preparations without a product of their own: counted as the base product.
    "LEUCODEPLETED": "PRC",
    "LEUKODEPLETED": "PRC",
    "PRC LEUCODEPLETED": "PRC",
    "PRC LEUKODEPLETED": "PRC",
    "PRC LD": "PRC",
    "LD": "PRC",
    "WASHED": "PRC",
    "WE": "PRC",
    "WASHED ERYTHROCYTE": "PRC",
    "WASHED ERYTHROCYTES": "PRC",
    "TC APHERESIS": "TC",
    "TC APERESIS": "TC",
    "APHERESIS": "TC",
}
EMERGENCY_RE = re.compile(r"(?:stok\s+)?(?:emergency|darurat)\D{0,20}?(\d{1,5})", re.IGNORECASE)
TIME_FORMATS = ("%d-%m-%Y %H:%M:%S", "%d-%m-%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M")


def product_code(name: str, products: Mapping[str, Product]) -> str | None:
    """Sinergi's product code for a name as PMI writes it, or None."""
    key = re.sub(r"[\s\-_/().]+", " ", name).strip().upper()
    for code, product in products.items():
        if key in (code.upper(), product.name.upper()):
            return code
    alias = PRODUCT_NAMES.get(key)
    return alias if alias in products else None


def _time(value: Any) -> dt.datetime:
    text = str(value).strip()
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        for fmt in TIME_FORMATS:
            try:
                moment = dt.datetime.strptime(text, fmt)  # noqa: DTZ007 - zone added below
                break
            except ValueError:
                continue
        else:
            raise ValueError(text) from None
    if moment.tzinfo is None:
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


def read_stokdarah(data: bytes) -> list[dict[str, Any]]:
    """The rows of a ``stokdarah`` export (CSV or JSON) as dicts with lower-case keys;
    the file itself is refused (``file``) when it is not such an export."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(fields={"file": [_("The file is too large (at most 500 kB).")]})
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(fields={"file": [_("The file is not UTF-8 text.")]}) from exc
    if text.lstrip()[:1] in ("[", "{"):
        try:
            loaded = json.loads(text)
        except ValueError as exc:
            raise ValidationFailed(fields={"file": [_("The file is not valid JSON.")]}) from exc
        rows = _json_rows(loaded)
    else:
        dialect: Any = csv.excel
        with contextlib.suppress(csv.Error):
            dialect = csv.Sniffer().sniff(text[:2000], delimiters=",;\t")
        reader = csv.DictReader(io.StringIO(text), dialect=dialect)
        rows = [dict(r) for r in reader]
    rows = [{str(k or "").strip().lower(): v for k, v in r.items()} for r in rows]
    header = set(rows[0]) if rows else set()
    missing = [c for c in ("produk", *CELL_COLUMNS) if c not in header]
    if missing:
        raise ValidationFailed(
            fields={"file": [_("Missing columns: %(c)s.") % {"c": ", ".join(missing)}]}
        )
    return rows


def _json_rows(loaded: Any) -> list[dict[str, Any]]:
    if isinstance(loaded, dict):
        loaded = loaded.get("stokdarah", loaded.get("rows", loaded.get("data")))
    if isinstance(loaded, list) and loaded and isinstance(loaded[0], dict) and "type" in loaded[0]:
        # phpMyAdmin: [{"type": "header"}, {"type": "database"}, {"type": "table", "data": […]}]
        tables = [t for t in loaded if isinstance(t, dict) and t.get("type") == "table"]
        chosen = [t for t in tables if t.get("name") == "stokdarah"] or tables
        loaded = chosen[0].get("data") if chosen else None
    if not isinstance(loaded, list) or not all(isinstance(r, dict) for r in loaded):
        raise ValidationFailed(fields={"file": [_("Expected a list of stokdarah rows (objects).")]})
    return loaded


@dataclass
class StokdarahResult(LevelsResult):
    """What a stokdarah import changed, and the emergency buffers it noted."""

    udd: str = ""
    counted_at: dt.datetime | None = None
    emergency: dict[str, int] = field(default_factory=dict)


def parse_stokdarah(
    rows: Sequence[Mapping[str, Any]], *, products: Mapping[str, Product], now: dt.datetime
) -> tuple[dict[tuple[str, str, str], int], dict[str, int], list[dt.datetime], str]:
    """Levels per cell (variants summed into their base product), emergency buffers per
    product, the counting times and the UDD named; every bad row raises, reported by row."""
    errors: dict[str, list[str]] = {}
    if not rows:
        raise ValidationFailed(fields={"rows": [_("There are no rows.")]})
    if len(rows) > MAX_IMPORT_ROWS:
        raise ValidationFailed(
            fields={"rows": [_("At most %(n)d rows at once.") % {"n": MAX_IMPORT_ROWS}]}
        )
    levels: dict[tuple[str, str, str], int] = {}
    emergency: dict[str, int] = {}
    times: list[dt.datetime] = []
    seen: dict[str, int] = {}
    # One file holds one unit's stock: rows naming another UDD than most rows are refused.
    named = Counter(str(r.get("udd") or "").strip() for r in rows) - Counter({"": len(rows)})
    main_udd = named.most_common(1)[0][0] if named else ""
    for n, row in enumerate(rows, start=1):
        problems: list[str] = []
        name = str(row.get("produk") or row.get("nama") or "").strip()
        code = product_code(name, products) if name else None
        if code is None:
            problems.append(_("unknown product %(p)r") % {"p": name})
        elif name.upper() in seen:
            problems.append(
                _("product %(p)s appears twice (row %(r)d)") % {"p": name, "r": seen[name.upper()]}
            )
        seen.setdefault(name.upper(), n)
        counts: dict[str, int] = {}
        for column in CELL_COLUMNS:
            if column not in row:
                problems.append(_("%(c)s is missing") % {"c": column})
                continue
            raw = row.get(column)
            text = "" if raw is None else str(raw).strip()
            try:
                value = int(text) if text else 0
            except ValueError:
                problems.append(_("%(c)s is not a whole number") % {"c": column})
                continue
            if value < 0 or value > MAX_BAGS:
                problems.append(_("%(c)s must be from 0 to %(n)d") % {"c": column, "n": MAX_BAGS})
                continue
            counts[column] = value
        udd = str(row.get("udd") or "").strip()
        if udd and udd != main_udd:
            problems.append(_("another UDD (%(u)s): one file holds one unit's stock") % {"u": udd})
        raw_time = row.get("update_on")
        if raw_time not in (None, ""):
            try:
                moment = _time(raw_time)
            except ValueError:
                problems.append(_("update_on is not a date and time"))
            else:
                if moment > now + dt.timedelta(minutes=5):
                    problems.append(_("update_on is in the future"))
                else:
                    times.append(moment)
        match = EMERGENCY_RE.search(str(row.get("ket") or ""))
        buffer = int(match.group(1)) if match else 0
        positive = sum(v for c, v in counts.items() if c.endswith("_pos"))
        if buffer > positive and len(counts) == len(CELL_COLUMNS):
            problems.append(
                _("the emergency stock (%(e)d) is more than the Rh+ bags (%(p)d)")
                % {"e": buffer, "p": positive}
            )
        if problems:
            errors[f"rows.{n}"] = ["; ".join(problems)]
            continue
        assert code is not None  # noqa: S101 - a row without a product has problems
        for column, (abo, rh) in CELL_COLUMNS.items():
            key = (code, abo, rh)
            levels[key] = levels.get(key, 0) + counts[column]
            if levels[key] > MAX_BAGS:
                errors[f"rows.{n}"] = [
                    _("%(c)s must be from 0 to %(n)d") % {"c": column, "n": MAX_BAGS}
                ]
        if buffer:
            emergency[code] = emergency.get(code, 0) + buffer
    if errors:
        raise ValidationFailed(_("No row was applied."), fields=errors)
    return levels, emergency, times, main_udd


def stock_import_stokdarah(
    *, actor: Any, unit: Agency, data: bytes | None = None, rows: Any = None, now: dt.datetime
) -> StokdarahResult:
    """Apply SIMDONDAR's stokdarah table (a CSV or JSON file, or rows already read) as
    counted levels of the unit, all or nothing, every bad row reported."""
    ensure_can(actor, "blood.record", _unit(unit))
    table = read_stokdarah(data) if data is not None else _json_rows(rows)
    products = {p.code: p for p in Product.objects.all()}
    levels, emergency, times, udd = parse_stokdarah(table, products=products, now=now)
    reason = _("Stock count from SIMDONDAR (stokdarah%(u)s)") % {"u": f", {udd}" if udd else ""}
    if emergency:
        noted = ", ".join(f"{code} {n}" for code, n in sorted(emergency.items()))
        reason += "; " + _("emergency Rh+ stock included: %(e)s") % {"e": noted}
    result: LevelsResult = stock_set_levels(
        actor=actor,
        unit=unit,
        levels=levels,
        reason=reason[:300],
        occurred_at=max(times) if times else None,
        now=now,
        source="simdondar",
    )
    return StokdarahResult(
        adjustments=result.adjustments,
        unchanged=result.unchanged,
        udd=udd,
        counted_at=max(times) if times else None,
        emergency=emergency,
    )


def looks_like_stokdarah(data: bytes) -> bool:
    """Whether a file is SIMDONDAR's stokdarah export rather than the short CSV format
    (``produk, a_pos … ab_neg``): JSON, or a header naming ``update_on``, ``udd`` or
    ``ket``."""
    head = data[:4000].decode("utf-8-sig", errors="replace").lstrip()
    if head[:1] in ("[", "{"):
        return True
    first = head.splitlines()[0].lower() if head else ""
    names = {n.strip().strip('"') for n in re.split(r"[,;\t]", first)}
    return bool(names & {"update_on", "udd", "ket", "nama"})
