"""The clock at the edges: services take ``now``; only views, the API and the CLI read it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """The current time, timezone-aware in UTC."""
    return timezone.now()


def parse_now(value: str | None) -> dt.datetime:
    """Parse an ISO-8601 ``--now`` value; a naive value is read in the default time zone."""
    if not value:
        return now()
    parsed = dt.datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    return parsed
