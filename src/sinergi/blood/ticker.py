"""The public ticker's data: totals per ABO group for each blood unit, computed once per
change of the ledger and kept with its ETag in the process.

The cache key is what the answer depends on: each unit's ``version`` (bumped in the same
transaction as every movement), its stale flag and the day (the issue-rate window slides
daily). That key is read from the database at most once a second per process
(``CHECK_SECONDS``); in between a request costs a dictionary lookup and no query (``peek``).
A movement committed in this process drops the cache at once (``forget`` runs on commit),
so a stock change shows up on the next request here and within a second in other
processes. No answer served was checked against the database longer ago than
``CHECK_SECONDS + REFRESH_GRACE_SECONDS`` (2 s), plus a downstream cache's ``max-age``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency

from .choices import StockStatus
from .selectors import blood_units, is_stale, profile_of, unit_summaries

_STATUS_ORDER = {StockStatus.SAFE: 0, StockStatus.ALERT: 1, StockStatus.CRITICAL: 2}
_CACHE: dict[Any, TickerData] = {}
_LOCK = threading.Lock()
_MAX_ENTRIES = 256
CHECK_SECONDS = 1.0
REFRESH_GRACE_SECONDS = 1.0
_RECENT: dict[str, tuple[float, dt.date, TickerData]] = {}
_CLAIMS: dict[str, float] = {}


@dataclass(frozen=True)
class TickerData:
    """The computed ticker: per-unit dictionaries, the JSON body and its ETag."""

    units: list[dict[str, Any]]
    body: bytes
    etag: str


def _state_key(unit_slug: str | None, now: dt.datetime) -> tuple[Any, ...]:
    qs = Agency.objects.filter(kind=AgencyKind.BLOOD_UNIT, is_active=True)
    if unit_slug:
        qs = qs.filter(slug=unit_slug)
    rows = qs.order_by("pk").values_list(
        "pk",
        "blood_profile__version",
        "blood_profile__last_change_at",
        "blood_profile__stale_after_minutes",
    )
    state = []
    for pk, version, last, stale_after in rows:
        stale = last is None or (now - last) > dt.timedelta(minutes=stale_after or 0)
        state.append((pk, version, stale))
    return (unit_slug or "", now.date(), tuple(state))


def ticker_name(unit: Agency) -> str:
    """The name the ticker prints, e.g. ``PMI SANGGAU``."""
    profile = profile_of(unit)
    return (profile.ticker_name or unit.short_name or unit.name).upper()


def _compute(unit_slug: str | None, now: dt.datetime) -> TickerData:
    units = blood_units()
    if unit_slug:
        units = units.filter(slug=unit_slug)
    unit_list = list(units)
    summaries = unit_summaries(unit_list, now=now)
    out = []
    for unit in unit_list:
        profile = profile_of(unit)
        groups = summaries[unit.pk]
        worst = max((g.status for g in groups), key=lambda s: _STATUS_ORDER[StockStatus(s)])
        out.append(
            {
                "unit": unit.slug,
                "name": unit.name,
                "ticker_name": ticker_name(unit),
                "region": unit.region.code,
                "updated_at": (
                    profile.last_change_at.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
                    if profile.last_change_at
                    else None
                ),
                "stale": is_stale(profile, now=now),
                "stale_after_minutes": profile.stale_after_minutes,
                "status": worst,
                "page": reverse("blood:public_unit", args=[unit.slug]),
                "groups": {
                    g.abo: {
                        "red_cells": g.red_cells,
                        "red_cells_rh_neg": g.red_cells_rh_neg,
                        "platelets": g.platelets,
                        "plasma": g.plasma,
                        "days_of_supply": g.days_of_supply,
                        "status": g.status,
                    }
                    for g in groups
                },
            }
        )
    body = json.dumps({"units": out}, ensure_ascii=False, separators=(",", ":")).encode()
    etag = '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'
    return TickerData(units=out, body=body, etag=etag)


def forget() -> None:
    """Drop the recent answers so the next request reads the database (after a commit)."""
    _RECENT.clear()


def _fresh(key: str, now: dt.datetime) -> TickerData | None:
    recent = _RECENT.get(key)
    if (
        recent is not None
        and time.monotonic() - recent[0] < CHECK_SECONDS
        and recent[1] == now.date()
    ):
        return recent[2]
    return None


def peek(*, now: dt.datetime, unit_slug: str | None = None) -> TickerData | None:
    """The answer checked against the database in the last ``CHECK_SECONDS``, if any.

    Never touches the database, so it is safe outside Django's request cycle (the WSGI
    fast path in ``middleware.py``); ``None`` means "ask ``ticker_data``". When the answer
    is due for a check, one caller gets ``None`` and checks; the others keep getting the
    previous answer while it does, for at most ``REFRESH_GRACE_SECONDS`` more, instead of
    all queueing on the database at once."""
    key = unit_slug or ""
    recent = _RECENT.get(key)
    if recent is None or recent[1] != now.date():
        return None
    tick = time.monotonic()
    age = tick - recent[0]
    if age < CHECK_SECONDS:
        return recent[2]
    if age < CHECK_SECONDS + REFRESH_GRACE_SECONDS:
        with _LOCK:
            claimed = _CLAIMS.get(key)
            if claimed is not None and tick - claimed < REFRESH_GRACE_SECONDS:
                return recent[2]
            if len(_CLAIMS) >= _MAX_ENTRIES:
                _CLAIMS.clear()
            _CLAIMS[key] = tick
    return None


def ticker_data(*, now: dt.datetime, unit_slug: str | None = None) -> TickerData:
    """The ticker for all active units (or one), from the cache when nothing changed."""
    recent = _fresh(unit_slug or "", now)
    if recent is not None:
        return recent
    tick = time.monotonic()
    key = _state_key(unit_slug, now)
    data = _CACHE.get(key)
    if data is None:
        data = _compute(unit_slug, now)
        with _LOCK:
            if len(_CACHE) >= _MAX_ENTRIES:
                _CACHE.clear()
            _CACHE[key] = data
    if len(_RECENT) >= _MAX_ENTRIES:
        _RECENT.clear()
    _RECENT[unit_slug or ""] = (tick, now.date(), data)
    _CLAIMS.pop(unit_slug or "", None)
    return data
