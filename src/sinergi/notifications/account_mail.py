"""Emails about account security (email or password changed), queued in the outbox when the
accounts app sends ``security_notice`` (accounts cannot import this app)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.dispatch import receiver

from sinergi.accounts.signals import security_notice

from .outbox import build_email, queue


@receiver(security_notice, dispatch_uid="notifications.account_mail")
def queue_security_notice(
    sender: Any, *, to: str, subject: str, body: str, now: dt.datetime, **_: Any
) -> None:
    """Store the email in the caller's transaction; it is sent after the commit."""
    queue([build_email(to=to, subject=subject, body=body)], now=now)
