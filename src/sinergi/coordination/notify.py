"""In-app notifications and email for coordination events.

Rows are written in the caller's transaction; emails go out after it commits, and a mail
server that is down is logged, never raised into the user's action.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mass_mail
from django.db import transaction

from sinergi.agencies.models import Membership
from sinergi.core.permissions import Role

from .models import Meeting, Notification, Request

logger = logging.getLogger(__name__)


def agency_users(agency: Any, min_role: Role = Role.STAFF) -> list[Any]:
    """Active users with at least this role in the agency itself."""
    rows = Membership.objects.filter(agency=agency, user__is_active=True).select_related("user")
    return [m.user for m in rows if Role.of(m.role) >= min_role]


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    title: str,
    now: dt.datetime,
    request: Request | None = None,
    meeting: Meeting | None = None,
    body: str = "",
) -> int:
    """Write one inbox row per user and send each an email after the transaction commits."""
    unique = {u.pk: u for u in users if getattr(u, "pk", None) is not None}
    rows = [
        Notification(
            user=u, kind=kind, title=title[:250], request=request, meeting=meeting, created_at=now
        )
        for u in unique.values()
    ]
    Notification.objects.bulk_create(rows)
    messages = [
        (f"[Sinergi] {title}"[:250], body or title, settings.DEFAULT_FROM_EMAIL, [u.email])
        for u in unique.values()
        if u.email
    ]
    if messages:
        transaction.on_commit(lambda: _send(messages))
    return len(rows)


def _send(messages: list[tuple[str, str, str, list[str]]]) -> None:
    try:
        send_mass_mail(tuple(messages), fail_silently=False)
    except Exception:  # a mail server that is down must not break the action
        logger.exception("coordination email could not be sent")
