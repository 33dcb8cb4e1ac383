"""Periodic job of the insights app: keeps the summary tables at most a minute behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sinergi.core.tick import tick_job


@tick_job("insights.refresh")
def refresh(now: dt.datetime) -> dict[str, Any]:
    """Bring the fact and aggregate tables up to date with the requests changed since the
    last run (high-water mark on ``updated_at``)."""
    from .metrics import refresh_facts

    return refresh_facts(now=now)
