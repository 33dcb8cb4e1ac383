"""Periodic jobs of the core app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .anchor import anchor_tick
from .tick import tick_job


@tick_job("core.audit_anchor")
def audit_anchor(now: dt.datetime) -> dict[str, Any]:
    """Sign a checkpoint of the audit chain every N entries and every hour."""
    return anchor_tick(now)
