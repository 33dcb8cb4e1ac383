"""Slow insights reads kept per process, refreshed behind the reader.

The figures change when the tick refreshes the summary tables (a new refresh token) and,
for what is counted at the moment (open and overdue now), every minute. A country's
figures take one to two seconds to build again; a regency's a few hundred milliseconds. A
read whose last build took at least ``SLOW`` seconds is therefore answered from the copy
kept (built for an earlier token or minute, at most ``MAX_AGE`` old) while one background
thread per key builds the new one, which the next reader gets: the reader never waits for
a country's rebuild, and the figures are at most one rebuild behind the tick
(docs/decisions/insights-kept-while-refreshed.md). Quick reads are rebuilt on the
reader's thread, as before.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

from django.db import connections

log = logging.getLogger(__name__)

#: A read whose last build took this many seconds is rebuilt in the background.
SLOW = 0.1
#: An older copy is never served: the reader builds the figures himself.
MAX_AGE = dt.timedelta(minutes=10)
#: Seconds between the read that found its copy out of date and the rebuild's start, so
#: that this reader's page is not slowed by it (one interpreter lock for both threads).
DELAY = 0.5
#: Copies kept per process (a country's agency rows are a few megabytes).
MAX_ENTRIES = 64
#: Off in the test suite (a background thread would not see a test's transaction); a
#: test turns it on to check the behaviour.
BACKGROUND = True


@dataclass
class _Entry:
    value: Any
    token: str
    minute: dt.datetime
    built_at: float  # time.monotonic() when the build finished
    took: float  # seconds the build took


_ENTRIES: dict[Hashable, _Entry] = {}
_BUILDING: set[Hashable] = set()
_LOCK = threading.Lock()


def clear() -> None:
    """Forget every kept copy (the test suite, between tests)."""
    with _LOCK:
        _ENTRIES.clear()


def kept(key: Hashable, *, token: str, now: dt.datetime, build: Callable[[], Any]) -> Any:
    """The value of ``build()`` for ``key`` at this refresh ``token`` and minute of ``now``;
    a slow one's earlier copy while it is rebuilt behind the reader. With no token (the
    tables were never built) nothing is kept."""
    if not token:
        return build()
    minute = now.replace(second=0, microsecond=0)
    with _LOCK:
        entry = _ENTRIES.get(key)
    if entry is not None and entry.token == token and entry.minute == minute:
        return entry.value
    if (
        BACKGROUND
        and entry is not None
        and entry.took >= SLOW
        and time.monotonic() - entry.built_at <= MAX_AGE.total_seconds()
    ):
        _rebuild_behind(key, token, minute, build)
        return entry.value
    return _build(key, token, minute, build)


def _build(key: Hashable, token: str, minute: dt.datetime, build: Callable[[], Any]) -> Any:
    started = time.monotonic()
    value = build()
    done = time.monotonic()
    with _LOCK:
        current = _ENTRIES.get(key)
        # A copy built for a later minute by another thread stays.
        if current is None or current.minute <= minute:
            _ENTRIES.pop(key, None)
            while len(_ENTRIES) >= MAX_ENTRIES:
                _ENTRIES.pop(next(iter(_ENTRIES)))
            _ENTRIES[key] = _Entry(value, token, minute, done, done - started)
    return value


def _rebuild_behind(
    key: Hashable, token: str, minute: dt.datetime, build: Callable[[], Any]
) -> None:
    """Start one background build of ``key`` unless one is running."""
    with _LOCK:
        if key in _BUILDING:
            return
        _BUILDING.add(key)

    def run() -> None:
        try:
            _build(key, token, minute, build)
        except Exception:  # the reader already has his answer; the next one retries
            log.exception("insights: background rebuild of %r failed", key)
        finally:
            with _LOCK:
                _BUILDING.discard(key)
            connections.close_all()

    timer = threading.Timer(DELAY, run)
    timer.name = "insights-rebuild"
    timer.daemon = True
    timer.start()
