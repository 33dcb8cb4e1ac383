"""Periodic jobs of the blood app: the expiry run of tracked bags and the clock of
hospital requests."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sinergi.core.tick import tick_job


@tick_job("blood.expire_bags")
def expire_bags(now: dt.datetime) -> dict[str, Any]:
    """Bags past their expiry leave the stock (expired movements), once."""
    from .services import bags_expire_due

    return bags_expire_due(now=now)


@tick_job("blood.escalate_requests")
def escalate_requests(now: dt.datetime) -> dict[str, Any]:
    """Overdue hospital requests go to the unit's head, then the health office."""
    from .services import requests_escalate_due

    return requests_escalate_due(now=now)
