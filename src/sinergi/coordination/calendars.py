"""The Django side of working-day calendars: national holidays plus each region's own."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any
from zoneinfo import ZoneInfo

from sinergi.schedule import Calendar

# Built calendars per (region code, year), for a minute: cheap to rebuild, and a holiday
# added in another process shows up here within that time (this process drops its copy
# at once, see ``forget_calendars``).
_TTL_SECONDS = 60.0
_cache: dict[tuple[str, int], tuple[float, frozenset[dt.date]]] = {}
_lock = threading.Lock()
NATIONAL = Calendar(national="ID")


def _ancestor_codes(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def local_holidays(region_code: str, year: int) -> frozenset[dt.date]:
    """Local holidays of the region and of the regions above it, for one year (cached)."""
    key = (region_code, year)
    stamp = time.monotonic()
    with _lock:
        hit = _cache.get(key)
        if hit is not None and stamp - hit[0] < _TTL_SECONDS:
            return hit[1]
    from .models import LocalHoliday

    days = frozenset(
        LocalHoliday.objects.filter(
            region__code__in=_ancestor_codes(region_code), date__year=year
        ).values_list("date", flat=True)
    )
    with _lock:
        _cache[key] = (stamp, days)
    return days


def forget_calendars() -> None:
    """Drop cached local holidays after they change."""
    with _lock:
        _cache.clear()


def calendar_for_region(region_code: str, around: dt.date) -> Calendar:
    """Mon–Fri, Indonesian national holidays and cuti bersama, and the region's local
    holidays of the years around a date (the SLA clock never runs longer than a year)."""
    days: set[dt.date] = set()
    for year in (around.year - 1, around.year, around.year + 1):
        days |= local_holidays(region_code, year)
    return NATIONAL.with_holidays(days) if days else NATIONAL


def calendar_for(agency: Any, around: dt.date) -> Calendar:
    """The calendar of an agency: that of its region."""
    return calendar_for_region(agency.region.code, around)


def region_tz(region: Any) -> ZoneInfo:
    """The time zone of a region (Asia/Jakarta when unset)."""
    return ZoneInfo(region.timezone or "Asia/Jakarta")
