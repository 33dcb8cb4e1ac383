"""Periodic job of the insights app: keeps the summary tables at most a minute behind."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction

from sinergi.core.tick import tick_job


@tick_job("insights.refresh")
def refresh(now: dt.datetime) -> dict[str, Any]:
    """Bring the fact and aggregate tables up to date with the requests changed since the
    last run (high-water mark on ``updated_at``).

    Two workers (two machines) tick at the same moment: without a lock both read the same
    high-water mark and insert the same facts, and one fails on the primary key
    (``bench/multi.py`` showed it every tick). The state row is locked for the whole
    refresh, so the second waits and then finds nothing, or only what changed since. SQLite
    (one machine) is left as it was: its writers queue on the database lock already, and
    one transaction around the programme figures too would hold that lock longer."""
    from .metrics import refresh_facts
    from .models import RefreshState
    from .program_facts import TICK_BUDGET

    # The programmes get at most TICK_BUDGET seconds a tick (after each local midnight a
    # country's 50,000 are recomputed over a dozen ticks, not in one).
    if connection.vendor == "sqlite":
        return refresh_facts(now=now, program_budget=TICK_BUDGET)
    RefreshState.objects.get_or_create(name="requests")
    with transaction.atomic():
        RefreshState.objects.select_for_update().filter(name="requests").first()
        return refresh_facts(now=now, program_budget=TICK_BUDGET)
