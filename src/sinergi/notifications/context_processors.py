"""Template context of notifications: the bell's unread count on every page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject


def unread_count(user: Any) -> dict[str, int]:
    """Unread and unread urgent notifications of the user, in one COUNT query."""
    from django.conf import settings
    from django.db.models import Count, Q

    from .models import Notification

    counts = Notification.objects.filter(user=user, read_at__isnull=True).aggregate(
        unread=Count("pk"), urgent=Count("pk", filter=Q(urgent=True))
    )
    # How often the bell asks again (htmx polling): an urgent alert shows on any open page.
    counts["poll"] = int(getattr(settings, "SINERGI_BELL_POLL_SECONDS", 20))
    return counts


def bell(request: HttpRequest) -> dict[str, Any]:
    """``notification_bell`` for signed-in users, counted only when a template reads it
    (public pages and anonymous visitors cost nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notification_bell": SimpleLazyObject(lambda: unread_count(user))}
