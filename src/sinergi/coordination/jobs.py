"""Periodic jobs of the coordination app."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sinergi.core.tick import tick_job


@tick_job("coordination.escalate")
def escalate(now: dt.datetime) -> dict[str, Any]:
    """Remind and escalate every open request whose next step is due by ``now``."""
    from .services import escalate_due

    return escalate_due(now=now)
