"""Coordination's part of the daily digest: what waits for my agencies, what is overdue
or due within three working days, clarifications we owe, and this week's meetings.

The digest itself (once per user and local date, the email) is sent by
``sinergi.notifications.digest``; this module registers its sections there
(:func:`sections`, see ``CoordinationConfig.ready``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _

from sinergi.notifications.digest import Section

from . import sla
from .calendars import calendar_for_region, region_tz
from .choices import OPEN_STATUSES, MeetingStatus, RequestStatus
from .models import Meeting, Request

#: What counts as "due soon", in working days after today.
DUE_SOON_DAYS = 3


@dataclass
class Digest:
    """The content of one user's digest."""

    day: dt.date
    waiting: list[Request] = field(default_factory=list)
    overdue: list[Request] = field(default_factory=list)
    due_soon: list[Request] = field(default_factory=list)
    to_clarify: list[Request] = field(default_factory=list)
    meetings: list[Meeting] = field(default_factory=list)

    @property
    def items(self) -> int:
        """How many things the digest lists."""
        return len(self.waiting) + len(self.to_clarify) + len(self.meetings)


def _place(user: Any) -> tuple[list[int], ZoneInfo, str]:
    """The user's agencies, the time zone and region code of the first one."""
    memberships = sorted(user.memberships.all(), key=lambda m: m.pk)
    ids = [m.agency_id for m in memberships]
    if memberships:
        region = memberships[0].agency.region
        return ids, region_tz(region), region.code
    return ids, ZoneInfo(settings.TIME_ZONE), ""


def digest_for(*, user: Any, now: dt.datetime) -> Digest:
    """What the user's digest says at ``now``."""
    ids, tz, code = _place(user)
    today = sla.local_date(now, tz)
    digest = Digest(day=today)
    if not ids:
        return digest
    cal = calendar_for_region(code, today)
    soon = cal.date_at(today + dt.timedelta(days=1), DUE_SOON_DAYS - 1)
    digest.waiting = list(
        Request.objects.filter(to_agency_id__in=ids, status__in=OPEN_STATUSES)
        .select_related("from_agency", "to_agency")
        .order_by("due_at", "pk")[:200]
    )
    digest.overdue = [r for r in digest.waiting if r.due_at < now]
    digest.due_soon = [r for r in digest.waiting if r.due_at >= now and r.due_date <= soon]
    digest.to_clarify = list(
        Request.objects.filter(from_agency_id__in=ids, status=RequestStatus.WAITING)
        .select_related("to_agency")
        .order_by("paused_at", "pk")[:100]
    )
    week_end = today + dt.timedelta(days=7 - today.weekday())  # the next Monday
    digest.meetings = list(
        Meeting.objects.filter(Q(convening_agency_id__in=ids) | Q(invited__in=ids))
        .filter(
            status=MeetingStatus.SCHEDULED,
            starts_at__gte=sla.start_of_day(today, tz),
            starts_at__lt=sla.start_of_day(week_end, tz),
        )
        .select_related("convening_agency")
        .distinct()
        .order_by("starts_at")[:50]
    )
    for m in digest.meetings:
        m.local_start = m.starts_at.astimezone(tz)  # type: ignore[attr-defined]
    return digest


def _line(r: Request) -> str:
    return _("#%(id)s %(subject)s (from %(agency)s, due %(date)s) /permintaan/%(id)s/") % {
        "id": r.pk,
        "subject": r.subject,
        "agency": r.from_agency,
        "date": r.due_date.isoformat(),
    }


def digest_email(digest: Digest) -> tuple[str, str]:
    """Subject and plain-text body of a digest."""
    subject = _("[Sinergi] Daily digest %(date)s: %(n)d waiting, %(late)d overdue") % {
        "date": digest.day.isoformat(),
        "n": len(digest.waiting),
        "late": len(digest.overdue),
    }
    parts: list[str] = []

    def section(title: str, lines: list[str]) -> None:
        if lines:
            parts.append(f"{title} ({len(lines)})\n" + "\n".join(f"- {x}" for x in lines))

    section(_("Overdue"), [_line(r) for r in digest.overdue])
    section(
        _("Due within %(n)d working days") % {"n": DUE_SOON_DAYS},
        [_line(r) for r in digest.due_soon],
    )
    section(_("Waiting for my agency"), [_line(r) for r in digest.waiting])
    section(
        _("Clarifications we owe (their clock is paused)"),
        [
            _("#%(id)s %(subject)s (to %(agency)s) /permintaan/%(id)s/")
            % {"id": r.pk, "subject": r.subject, "agency": r.to_agency}
            for r in digest.to_clarify
        ],
    )
    section(
        _("Meetings this week"),
        [
            f"{m.local_start:%a %d %b %H:%M} {m.title} — {m.place} ({m.convening_agency}) "  # type: ignore[attr-defined]
            f"/rapat/{m.pk}/"
            for m in digest.meetings
        ],
    )
    footer = _("Change which emails you receive at /notifikasi/preferensi/.")
    return subject[:250], "\n\n".join([*parts, footer])


def sections(user: Any, now: dt.datetime) -> list[Section]:
    """The coordination sections of the user's digest (registered with notifications)."""
    digest = digest_for(user=user, now=now)
    return [
        Section(_("Overdue"), [_line(r) for r in digest.overdue], counts=False),
        Section(
            _("Due within %(n)d working days") % {"n": DUE_SOON_DAYS},
            [_line(r) for r in digest.due_soon],
            counts=False,
        ),
        Section(_("Waiting for my agency"), [_line(r) for r in digest.waiting]),
        Section(
            _("Clarifications we owe (their clock is paused)"),
            [
                _("#%(id)s %(subject)s (to %(agency)s) /permintaan/%(id)s/")
                % {"id": r.pk, "subject": r.subject, "agency": r.to_agency}
                for r in digest.to_clarify
            ],
        ),
        Section(
            _("Meetings this week"),
            [
                f"{m.local_start:%a %d %b %H:%M} {m.title} — {m.place} ({m.convening_agency}) "  # type: ignore[attr-defined]
                f"/rapat/{m.pk}/"
                for m in digest.meetings
            ],
        ),
    ]
