"""Timing shared by the benchmarks run as scripts from this folder (``bench/x.py`` puts
the folder on ``sys.path``)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float]:
    """p50 and p95 in milliseconds of ``runs`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, -(-95 * len(times) // 100) - 1)]
