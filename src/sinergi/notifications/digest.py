"""The daily digest email, put together from sections that domain apps register.

Notifications never imports a domain app: ``coordination`` (requests, meetings) registers
a section provider in its ``AppConfig.ready``; this module adds the notifications of the
categories the user chose to receive "in the daily digest". Sent by the tick once per
user and local date, from ``SINERGI_DIGEST_HOUR`` (07:00) in the time zone of the user's
(first) agency's region. A ``DigestSent`` row (unique per user and date) is written before
the email goes out, so ticks that run again, or two workers at the same moment, never
send it twice. Which users are due is decided in SQL, and one tick builds at most
``DIGEST_BATCH`` digests: a tick does work for the users it sends to, not for everyone.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Prefetch
from django.utils.translation import gettext as _

from sinergi.core.tick import tick_job

from .models import Delivery, DigestSent, EmailPreference, Notification
from .outbox import build_email, queue

logger = logging.getLogger(__name__)

#: The zone of a region whose ``timezone`` is empty (as ``coordination.calendars.region_tz``).
DEFAULT_REGION_TZ = "Asia/Jakarta"
#: Users whose digest one tick builds at most; the others stay due and the next tick takes
#: them (the figures behind the number: docs/decisions/digest-due-users-in-sql.md).
DIGEST_BATCH = 1000
#: Users loaded per query: fewer bound parameters than SQLite's oldest limit (999).
LOAD_CHUNK = 500


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
        return ids, ZoneInfo(region.timezone or DEFAULT_REGION_TZ), region.code
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


def digest_zones(*, now: dt.datetime, hour: int) -> dict[dt.date, list[str]]:
    """The region time-zone names, as stored (``""`` included), whose local hour has reached
    ``hour`` at ``now``, grouped by their local date."""
    from sinergi.regions.models import Region

    names = set(Region.objects.order_by().values_list("timezone", flat=True).distinct())
    zones: dict[dt.date, list[str]] = {}
    for name in sorted(names):
        try:
            local = now.astimezone(ZoneInfo(name or DEFAULT_REGION_TZ))
        except (ZoneInfoNotFoundError, ValueError):
            # Region services refuse such a name; one typed in elsewhere must not stop
            # everyone else's digest, as it did when the loop reached its first user.
            logger.warning("region time zone %r is unknown: no digests for its users", name)
            continue
        if local.hour >= hour:
            zones.setdefault(local.date(), []).append(name)
    return zones


def digest_due_users(*, now: dt.datetime, hour: int, limit: int) -> list[tuple[int, dt.date]]:
    """Users due their digest at ``now`` with their local date, by id, at most ``limit``.

    Due: active, with an email address, a membership and the digest not switched off, the
    local hour of their first membership's (lowest id) agency's region at ``hour`` or past
    it, and no ``DigestSent`` for that local date: the rule of :func:`user_place`, decided
    in SQL so that a tick loads only the users it sends to
    (docs/decisions/digest-due-users-in-sql.md)."""
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Membership

    user = OuterRef("pk")
    off = Exists(EmailPreference.objects.filter(user=user, daily_digest=False))
    # The user's first membership: no membership of the same user with a lower id.
    earlier = Membership.objects.filter(user=OuterRef("user"), pk__lt=OuterRef("pk"))
    due: list[tuple[int, dt.date]] = []
    for day, names in sorted(digest_zones(now=now, hour=hour).items()):
        if len(due) >= limit:
            break
        placed = Membership.objects.filter(user=user, agency__region__timezone__in=names)
        ids = (
            User.objects.filter(is_active=True)
            .exclude(email="")
            .filter(~Exists(DigestSent.objects.filter(user=user, date=day)), ~off)
            .filter(Exists(placed.filter(~Exists(earlier))))
            .order_by("pk")
            .values_list("pk", flat=True)[: limit - len(due)]
        )
        due += [(pk, day) for pk in ids]
    return due


def digest_send(*, user: Any, day: dt.date, now: dt.datetime) -> bool | None:
    """Build and queue one user's digest for their local ``day``: whether it had items
    (an empty one is recorded, not sent), ``None`` when another worker claimed it first."""
    try:
        with transaction.atomic():
            row = DigestSent.objects.create(user=user, date=day, created_at=now)
            sections = digest_sections(user=user, now=now)
            row.items = sum(len(s.lines) for s in sections if s.counts)
            row.save(update_fields=["items"])
            if not row.items:
                return False
            subject, body = digest_text(day, sections)
            queue([build_email(to=user.email, subject=subject, body=body)], now=now)
            return True
    except IntegrityError:  # another worker claimed this user's digest first
        return None


def send_digests(
    *, now: dt.datetime, hour: int | None = None, batch: int | None = None
) -> dict[str, int]:
    """Send today's digest to the users whose local hour has come and who have not had it
    yet, at most ``batch`` of them (the rest are still due at the next tick); idempotent:
    one ``DigestSent`` per user and local date."""
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Membership

    hour = settings.SINERGI_DIGEST_HOUR if hour is None else hour
    batch = DIGEST_BATCH if batch is None else batch
    due = digest_due_users(now=now, hour=hour, limit=batch)
    if len(due) == batch:
        logger.info("digest batch of %d full: the users left are taken next tick", batch)
    # Memberships with their agency and region joined, in one query: Django's prefetch of
    # a foreign key lists the agencies in an OR chain that SQLite refuses past 1,000.
    places = Prefetch("memberships", Membership.objects.select_related("agency__region"))
    sent = empty = 0
    for start in range(0, len(due), LOAD_CHUNK):
        chunk = due[start : start + LOAD_CHUNK]
        ids = [pk for pk, _day in chunk]
        users = User.objects.filter(pk__in=ids).prefetch_related(places).in_bulk()
        for pk, day in chunk:
            if pk not in users:  # deleted since it was selected
                continue
            had_items = digest_send(user=users[pk], day=day, now=now)
            sent += had_items is True
            empty += had_items is False
    return {"sent": sent, "empty": empty}


@tick_job("notifications.digest")
def digest_tick(now: dt.datetime) -> dict[str, Any]:
    """Send the daily digests that are due."""
    return send_digests(now=now)
