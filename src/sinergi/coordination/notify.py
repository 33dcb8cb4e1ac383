"""In-app notifications and email for coordination events.

Rows are written in the caller's transaction; emails go out after it commits, and a mail
server that is down is logged, never raised into the user's action.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from sinergi.agencies.models import Membership
from sinergi.core.permissions import Role

from .models import Meeting, Notification, Request

logger = logging.getLogger(__name__)


def agency_users(agency: Any, min_role: Role = Role.STAFF) -> list[Any]:
    """Active users with at least this role in the agency itself."""
    rows = Membership.objects.filter(agency=agency, user__is_active=True).select_related("user")
    return [m.user for m in rows if Role.of(m.role) >= min_role]


#: Email category (a field of ``EmailPreference``) of each notification kind.
CATEGORIES = {
    "submitted": "new_requests",
    "acknowledge": "status_changes",
    "start": "status_changes",
    "answer": "status_changes",
    "decline": "status_changes",
    "forward": "status_changes",
    "extend": "status_changes",
    "close": "status_changes",
    "reopen": "status_changes",
    "clarify": "status_changes",
    "respond": "status_changes",
    "message": "status_changes",
    "remind": "escalations",
    "head": "escalations",
    "sekda": "escalations",
    "bupati": "escalations",
    "meeting": "meetings",
    "minutes": "meetings",
    # Plan change proposals of programs: a new one is work arriving at the coordinator, a
    # decision is a status change for the proposer.
    "proposal": "new_requests",
    "proposal_decided": "status_changes",
}
#: Escalations up the chain are always emailed, whatever the preference (see
#: docs/decisions/coordination-email-preferences.md).
MANDATORY = frozenset({"head", "sekda", "bupati"})

Attachment = tuple[str, bytes, str]  # file name, content, MIME type


def email_opted_out(user_ids: Iterable[int], kind: str) -> set[int]:
    """Users who turned off the email category of this kind of notification."""
    category = CATEGORIES.get(kind)
    if category is None or kind in MANDATORY:
        return set()
    from .models import EmailPreference

    return set(
        EmailPreference.objects.filter(user_id__in=list(user_ids), **{category: False}).values_list(
            "user_id", flat=True
        )
    )


def notify(
    *,
    users: Iterable[Any],
    kind: str,
    title: str,
    now: dt.datetime,
    request: Request | None = None,
    meeting: Meeting | None = None,
    body: str = "",
    attachments: Iterable[Attachment] = (),
    url: str = "",
) -> int:
    """Write one inbox row per user and, unless they opted out of this category, send each
    an email (with the attachments) after the transaction commits."""
    unique = {u.pk: u for u in users if getattr(u, "pk", None) is not None}
    rows = [
        Notification(
            user=u,
            kind=kind,
            title=title[:250],
            request=request,
            meeting=meeting,
            url=url[:300],
            created_at=now,
        )
        for u in unique.values()
    ]
    Notification.objects.bulk_create(rows)
    skip = email_opted_out(unique, kind)
    files = list(attachments)
    messages = []
    for u in unique.values():
        if not u.email or u.pk in skip:
            continue
        message = EmailMessage(
            subject=f"[Sinergi] {title}"[:250],
            body=body or title,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[u.email],
        )
        for name, content, mimetype in files:
            message.attach(_part(name, content, mimetype))
        messages.append(message)
    if messages:
        transaction.on_commit(lambda: send(messages))
    return len(rows)


def _part(name: str, content: bytes, mimetype: str) -> MIMEBase:
    """A MIME attachment; parameters of the type (``text/calendar; method=REQUEST``) are
    kept, as calendar apps need the method to show an invitation."""
    kind, *params = [p.strip() for p in mimetype.split(";")]
    main, sub = kind.split("/", 1)
    part: MIMEBase
    if main == "text":
        part = MIMEText(content.decode("utf-8"), sub, "utf-8")
    else:
        part = MIMEBase(main, sub)
        part.set_payload(content)
        encoders.encode_base64(part)
    for param in params:
        key, _eq, value = param.partition("=")
        part.set_param(key, value)
    part.add_header("Content-Disposition", "attachment", filename=name)
    return part


def send(messages: list[EmailMessage]) -> None:
    """Send emails; a mail server that is down is logged, never raised."""
    try:
        with get_connection(fail_silently=False) as connection:
            connection.send_messages(messages)
    except Exception:  # a mail server that is down must not break the action
        logger.exception("coordination email could not be sent")
