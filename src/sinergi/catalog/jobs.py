"""Periodic jobs of the catalog."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sinergi.core.tick import tick_job


@tick_job("catalog.sweep_files")
def sweep_files(now: dt.datetime) -> dict[str, Any]:
    """Remove data files that no version refers to, once they are an hour old."""
    from .services import sweep_orphan_files

    return sweep_orphan_files(now=now)
