"""Periodic jobs of the cases app (see docs/decisions/cases-fan-out.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sinergi.core.tick import tick_job


@tick_job("cases.advance")
def advance(now: dt.datetime) -> dict[str, Any]:
    """Advance cases whose step requests were answered, paused or forwarded elsewhere (for
    instance on the coordination request page)."""
    from .services import cases_sync_all

    return cases_sync_all(now=now)


@tick_job("cases.purge")
def purge(now: dt.datetime) -> dict[str, Any]:
    """Delete the documents of cases past their service's retention period."""
    from .services import cases_purge

    return cases_purge(now=now)


@tick_job("cases.complaints")
def complaints(now: dt.datetime) -> dict[str, Any]:
    """Remind the front-door head of complaints past their due date (once each)."""
    from .complaints import complaints_remind

    return complaints_remind(now=now)
