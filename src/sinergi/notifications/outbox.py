"""The email outbox: every email is stored (``OutgoingEmail``, the whole MIME message) in
the transaction of its event, sent right after the commit, and, when the mail server is
down, kept queued and sent again by the worker's tick with backoff — never raised into the
user's action, never lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from email import encoders
from email.mime.base import MIMEBase
from email.mime.text import MIMEText
from typing import Any

from django.core.mail import EmailMessage, get_connection
from django.db import transaction

from sinergi.core.tick import tick_job

from .models import OutgoingEmail
from .webhooks import backoff

logger = logging.getLogger(__name__)

Attachment = tuple[str, bytes, str]  # file name, content, MIME type


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


MAX_ATTEMPTS = 10
BATCH = 100
LEASE = dt.timedelta(minutes=5)  # a worker that dies mid-send frees its claim after this


def queue(messages: list[EmailMessage], *, now: dt.datetime) -> list[int]:
    """Store the emails in the caller's transaction and send them once it commits; those
    the mail server refuses stay queued for the tick."""
    rows = OutgoingEmail.objects.bulk_create(
        [
            OutgoingEmail(
                to=list(m.recipients()),
                subject=str(m.subject)[:255],
                message=m.message().as_bytes(),
                next_attempt_at=now,
                created_at=now,
            )
            for m in messages
        ]
    )
    ids = [r.pk for r in rows]
    transaction.on_commit(lambda: _send_after_commit(now=now, ids=ids, messages=messages))
    return ids


def _send_after_commit(*, now: dt.datetime, ids: list[int], messages: list[EmailMessage]) -> None:
    """Send right after the commit, best effort: the change is already saved, so a busy
    database or anything else here must not turn it into an error for the user; what is
    not sent stays queued for the worker's tick."""
    try:
        send_queued(now=now, ids=ids, messages=messages)
    except Exception:  # the tick sends what is left
        logger.warning("sending after commit failed; the tick will retry", exc_info=True)


class _StoredMime:
    """A stored MIME message, as Django's mail backends read one."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw.replace(b"\r\n", b"\n")

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw.replace(b"\n", linesep.encode())

    def get_charset(self) -> None:
        return None


class _StoredEmail(EmailMessage):
    """A queued email sent again exactly as it was first built."""

    def __init__(self, row: OutgoingEmail) -> None:
        super().__init__(subject=row.subject, to=list(row.to), from_email=None)
        self._mime = _StoredMime(bytes(row.message))

    def message(self, *, policy: Any = None) -> Any:
        return self._mime


def send_queued(
    *,
    now: dt.datetime,
    ids: list[int] | None = None,
    messages: list[EmailMessage] | None = None,
) -> dict[str, int]:
    """Send queued emails: the given ones (right after their commit, as built), else those
    due by ``now``. Each is claimed first, so two workers never send the same email."""
    pending = OutgoingEmail.objects.filter(status="pending")
    if ids is not None:
        pending = pending.filter(pk__in=ids)
    else:
        pending = pending.filter(next_attempt_at__lte=now)
    due = list(
        pending.order_by("next_attempt_at", "pk").values_list("pk", "next_attempt_at")[:BATCH]
    )
    built = dict(zip(ids or [], messages or [], strict=False))
    sent = failed = 0
    down = ""
    try:
        connection = get_connection(fail_silently=False)
        connection.open()
    except Exception as exc:  # a mail server that is down must not break the action
        logger.warning("mail server unavailable: %s", exc)
        connection, down = None, f"{type(exc).__name__}: {exc}"
    try:
        for pk, at in due:
            claimed = OutgoingEmail.objects.filter(pk=pk, status="pending", next_attempt_at=at)
            if not claimed.update(next_attempt_at=now + LEASE):
                continue
            row = OutgoingEmail.objects.get(pk=pk)
            error = ""
            try:
                if connection is None:
                    error = down[:300]
                else:
                    connection.send_messages([built.get(pk) or _StoredEmail(row)])
            except Exception as exc:  # retried with backoff, never raised
                error = f"{type(exc).__name__}: {exc}"[:300]
            row.attempts += 1
            row.last_error = error
            if not error:
                row.status, row.sent_at, row.next_attempt_at = "sent", now, None
                sent += 1
            elif row.attempts >= MAX_ATTEMPTS:
                row.status, row.next_attempt_at = "failed", None
                failed += 1
                logger.error("email %s given up after %s attempts: %s", pk, row.attempts, error)
            else:
                row.next_attempt_at = now + backoff(row.attempts)
            row.save(
                update_fields=["attempts", "last_error", "status", "sent_at", "next_attempt_at"]
            )
    finally:
        if connection is not None:
            with contextlib.suppress(Exception):  # closing a broken connection
                connection.close()
    return {"due": len(due), "sent": sent, "failed": failed}


@tick_job("notifications.emails")
def emails_tick(now: dt.datetime) -> dict[str, Any]:
    """Send the queued emails that are due (those a mail server outage held back)."""
    return send_queued(now=now)


def build_email(
    *, to: str, subject: str, body: str, attachments: list[Attachment] | None = None
) -> EmailMessage:
    """One email from Sinergi, with attachments (``.ics`` invitations keep their method)."""
    from django.conf import settings

    message = EmailMessage(
        subject=subject[:250], body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    for name, content, mimetype in attachments or []:
        message.attach(_part(name, content, mimetype))
    return message
