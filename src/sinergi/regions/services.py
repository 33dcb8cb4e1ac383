"""Writes of the regions app."""

from __future__ import annotations

import csv
import datetime as dt
import zoneinfo
from collections.abc import Iterable
from importlib import resources
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record
from sinergi.core.exceptions import ValidationFailed

from .choices import RegionLevel
from .models import Region

REFERENCE_FILE = "regions.csv"


def reference_rows() -> list[dict[str, str]]:
    """Rows of the bundled Kemendagri region list (see regions/data/SOURCE.md)."""
    text = resources.files("sinergi.regions").joinpath("data", REFERENCE_FILE).read_text("utf-8")
    return list(csv.DictReader(text.splitlines()))


@transaction.atomic
def regions_load(*, actor: Any, rows: Iterable[dict[str, str]], now: dt.datetime) -> dict[str, int]:
    """Insert or update regions from rows of code, name, level, parent_code, timezone.

    All rows are checked first; any bad row rejects the whole load and every bad row is
    reported. Reloading the same rows changes nothing and records no audit entry.
    """
    rows = list(rows)
    errors: dict[str, list[str]] = {}
    codes = {r.get("code", "").strip() for r in rows}
    existing = {r.code: r for r in Region.objects.all()}
    levels = set(RegionLevel.values)
    for i, r in enumerate(rows, start=2):
        code = (r.get("code") or "").strip()
        problems = []
        if not code or not all(p.isdigit() for p in code.split(".")):
            problems.append(_("code must be digits separated by dots"))
        if not (r.get("name") or "").strip():
            problems.append(_("name is required"))
        if r.get("level") not in levels:
            problems.append(
                _("level must be one of %(levels)s") % {"levels": ", ".join(sorted(levels))}
            )
        parent_ref = (r.get("parent_code") or "").strip()
        if parent_ref and parent_ref not in codes and parent_ref not in existing:
            problems.append(_("parent %(code)s does not exist") % {"code": parent_ref})
        try:
            zoneinfo.ZoneInfo((r.get("timezone") or "").strip())
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            problems.append(_("unknown time zone"))
        if problems:
            errors[f"row {i}"] = problems
    if errors:
        raise ValidationFailed(_("The region list has errors; nothing was loaded."), fields=errors)

    created = updated = 0
    # Parents first: one bulk insert per depth ("61", then "61.03", then "61.03.01").
    by_depth: dict[int, list[dict[str, str]]] = {}
    for r in rows:
        by_depth.setdefault(r["code"].strip().count("."), []).append(r)
    for depth in sorted(by_depth):
        fresh: list[Region] = []
        for r in by_depth[depth]:
            code = r["code"].strip()
            values: dict[str, str] = {
                "name": r["name"].strip(),
                "level": r["level"],
                "timezone": r["timezone"].strip(),
            }
            parent_code = (r.get("parent_code") or "").strip()
            parent: Region | None = existing.get(parent_code) if parent_code else None
            region = existing.get(code)
            if region is None:
                fresh.append(Region(code=code, parent=parent, **values))
            elif any(getattr(region, k) != v for k, v in values.items()) or region.parent_id != (
                parent.pk if parent else None
            ):
                for k, v in values.items():
                    setattr(region, k, v)
                region.parent = parent
                region.save()
                updated += 1
        for region in Region.objects.bulk_create(fresh, batch_size=1000):
            existing[region.code] = region
        created += len(fresh)
    result = {"created": created, "updated": updated, "total": len(existing)}
    if created or updated:
        audit_record(
            actor=actor,
            action="region.load",
            now=now,
            object_type="regions.region",
            after=result,
            only_changes=False,
        )
    return result
