"""Periodic jobs run by ``sinergi tick`` and by the worker every minute.

Apps register jobs with :func:`tick_job`. Each job receives ``now`` and must be idempotent:
running the tick twice for the same moment changes nothing the second time.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Any

logger = logging.getLogger(__name__)

Job = Callable[[dt.datetime], dict[str, Any]]
_JOBS: dict[str, Job] = {}


def tick_job(name: str) -> Callable[[Job], Job]:
    """Register a periodic job under a stable name."""

    def register(fn: Job) -> Job:
        _JOBS[name] = fn
        return fn

    return register


def registered_jobs() -> list[str]:
    """Names of the registered jobs, in run order."""
    return sorted(_JOBS)


def run_tick(now: dt.datetime) -> dict[str, dict[str, Any]]:
    """Run every registered job for ``now``; one failing job does not stop the others."""
    results: dict[str, dict[str, Any]] = {}
    for name in registered_jobs():
        try:
            results[name] = _JOBS[name](now)
        except Exception as exc:  # a broken job must not silence the rest of the tick
            logger.exception("tick job %s failed", name)
            results[name] = {"error": str(exc)}
    return results
