"""The daily digest email, put together from sections that domain apps register.

Notifications never imports a domain app: ``coordination`` (requests, meetings) registers
a section provider in its ``AppConfig.ready``; this module adds the notifications of the
categories the user chose to receive "in the daily digest". Sent by the tick once per
user and local date, from ``SINERGI_DIGEST_HOUR`` (07:00) in the time zone of the user's
(first) agency's region. A ``DigestSent`` row (unique per user and date) is written before
the email goes out, so ticks that run again, or two workers at the same moment, never
send it twice.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.core.tick import tick_job

from .models import Delivery, DigestSent, EmailPreference, Notification
from .outbox import build_email, queue


@dataclass
class Section:
    """One titled list of lines in a digest."""

    title: str
    lines: list[str] = field(default_factory=list)
    #: Whether the lines count as things to do (a list of overdue items repeats others).
    counts: bool = True


#: A provider answers the sections of one user's digest at ``now``.
Provider = Callable[[Any, dt.datetime], list[Section]]
PROVIDERS: dict[str, Provider] = {}


def register_section(key: str, provider: Provider) -> None:
    """Add (or replace, for reloads) a digest section provider."""
    PROVIDERS[key] = provider


def user_place(user: Any) -> tuple[list[int], ZoneInfo, str]:
    """The user's agencies, the time zone and region code of the first one."""
    memberships = sorted(user.memberships.all(), key=lambda m: m.pk)
    ids = [m.agency_id for m in memberships]
    if memberships:
        region = memberships[0].agency.region
        return ids, ZoneInfo(region.timezone or "Asia/Jakarta"), region.code
    return ids, ZoneInfo(settings.TIME_ZONE), ""


def held_for_digest(user: Any, now: dt.datetime) -> Section:
    """Unread notifications of the last day in the categories the user moved to the
    digest."""
    pref = EmailPreference.objects.filter(user=user).first()
    chosen = [k for k, v in ((pref.delivery or {}) if pref else {}).items() if v == Delivery.DIGEST]
    rows = (
        Notification.objects.filter(
            user=user,
            category__in=chosen,
            read_at__isnull=True,
            created_at__gte=now - dt.timedelta(days=1),
        ).order_by("created_at")[:100]
        if chosen
        else []
    )
    return Section(title=_("Notifications"), lines=[f"{n.title} {n.url}".strip() for n in rows])


def digest_sections(*, user: Any, now: dt.datetime) -> list[Section]:
    """Every non-empty section of the user's digest at ``now``."""
    sections: list[Section] = []
    for provider in PROVIDERS.values():
        sections += provider(user, now)
    sections.append(held_for_digest(user, now))
    return [s for s in sections if s.lines]


def digest_text(day: dt.date, sections: list[Section]) -> tuple[str, str]:
    """Subject and plain-text body of a digest."""
    items = sum(len(s.lines) for s in sections if s.counts)
    subject = _("[Sinergi] Daily digest %(date)s: %(n)d items") % {
        "date": day.isoformat(),
        "n": items,
    }
    parts = [
        f"{s.title} ({len(s.lines)})\n" + "\n".join(f"- {x}" for x in s.lines) for s in sections
    ]
    footer = _("Change which emails you receive at /notifikasi/preferensi/.")
    return subject[:250], "\n\n".join([*parts, footer])


def send_digests(*, now: dt.datetime, hour: int | None = None) -> dict[str, int]:
    """Send today's digest to every user whose local hour has come and who has not had
    it yet (idempotent: one ``DigestSent`` per user and local date)."""
    from sinergi.accounts.models import User

    hour = settings.SINERGI_DIGEST_HOUR if hour is None else hour
    users = (
        User.objects.filter(is_active=True, memberships__isnull=False)
        .exclude(email="")
        .exclude(notification_preference__daily_digest=False)
        .prefetch_related("memberships__agency__region")
        .distinct()
    )
    recent = now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    sent_before = set(DigestSent.objects.filter(date__gte=recent).values_list("user_id", "date"))
    sent = empty = 0
    for user in users:
        _ids, tz, _code = user_place(user)
        local = now.astimezone(tz)
        if local.hour < hour or (user.pk, local.date()) in sent_before:
            continue
        try:
            with transaction.atomic():
                row = DigestSent.objects.create(user=user, date=local.date(), created_at=now)
                sections = digest_sections(user=user, now=now)
                row.items = sum(len(s.lines) for s in sections if s.counts)
                row.save(update_fields=["items"])
                if not row.items:
                    empty += 1
                    continue
                subject, body = digest_text(local.date(), sections)
                queue([build_email(to=user.email, subject=subject, body=body)], now=now)
                sent += 1
        except IntegrityError:  # another worker claimed this user's digest first
            continue
    return {"sent": sent, "empty": empty}


@tick_job("notifications.digest")
def digest_tick(now: dt.datetime) -> dict[str, Any]:
    """Send the daily digests that are due."""
    return send_digests(now=now)
