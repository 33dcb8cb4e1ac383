"""Definitions of the coordination metrics, written once (see docs/modules/insights.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any


def refresh_facts(*, now: dt.datetime) -> dict[str, Any]:
    """Refresh the summary tables (filled in by the metrics commit)."""
    return {"refreshed": 0}
