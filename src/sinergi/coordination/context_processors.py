"""Template context of the coordination app: the navigation badge."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from sinergi.core.clock import now

from .choices import OPEN_STATUSES


def badge_counts(user: Any) -> dict[str, int]:
    """Open requests waiting for the user's agencies and how many are overdue, in one
    COUNT query."""
    from sinergi.agencies.models import Membership

    from .models import Request

    return Request.objects.filter(
        status__in=OPEN_STATUSES,
        to_agency_id__in=Membership.objects.filter(user=user).values("agency_id"),
    ).aggregate(open=Count("pk"), overdue=Count("pk", filter=Q(due_at__lt=now())))


def badge(request: HttpRequest) -> dict[str, Any]:
    """``coordination_badge`` for signed-in users, computed only when a template reads it
    (public pages and anonymous visitors cost nothing)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"coordination_badge": SimpleLazyObject(lambda: badge_counts(user))}
