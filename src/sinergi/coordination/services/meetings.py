"""Meetings: creation, changes, attendance, decisions, action items and invitations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import NotFound, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit

from ..calendars import region_tz
from ..choices import MeetingStatus, RequestKind
from ..models import Attendance, Decision, Meeting, Request
from .common import _actor_user, _agencies, _aware, _text
from .requests import request_submit


def meeting_ics(meeting: Meeting, *, method: str = "PUBLISH") -> bytes:
    """The meeting as an iCalendar object: ``PUBLISH`` for downloads, ``REQUEST`` for
    (updated) invitations and ``CANCEL`` for cancellations (RFC 5546). The organizer is the
    convening agency at its email (else ``DEFAULT_FROM_EMAIL``); invited agencies with an
    email are the attendees."""
    from django.conf import settings
    from django.utils import timezone

    from .. import ics

    convener = meeting.convening_agency
    return ics.calendar(
        [
            ics.event_lines(
                uid=f"{meeting.uid}@sinergi",
                stamp=meeting.updated_at or timezone.now(),
                start=meeting.starts_at,
                end=meeting.ends_at,
                summary=meeting.title,
                description=meeting.agenda,
                location=meeting.place,
                organizer=convener.name,
                organizer_email=convener.email or settings.DEFAULT_FROM_EMAIL,
                attendees=[(a.name, a.email) for a in meeting.invited.order_by("name") if a.email],
                sequence=meeting.sequence,
                cancelled=method == "CANCEL" or meeting.status == MeetingStatus.CANCELLED,
            )
        ],
        method=method,
    )


def _ics_attachment(meeting: Meeting, method: str) -> tuple[str, bytes, str]:
    return (
        f"rapat-{meeting.pk}.ics",
        meeting_ics(meeting, method=method),
        f"text/calendar; method={method}",
    )


def _local(meeting: Meeting, moment: dt.datetime) -> str:
    return moment.astimezone(region_tz(meeting.region)).strftime("%Y-%m-%d %H:%M")


@transaction.atomic
def meeting_create(
    *,
    actor: Any,
    convening_agency: Agency | str,
    title: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    place: str,
    invited: Iterable[Agency | str],
    now: dt.datetime,
    agenda: str = "",
) -> Meeting:
    """Convene a coordination meeting and invite agencies (each is notified)."""
    _aware(now)
    convener = agency_from_slug(convening_agency, "convening_agency")
    ensure_can(actor, "meeting.convene", convener)
    guests = [a for a in _agencies(invited, "invited") if a.pk != convener.pk]
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationFailed(fields={"starts_at": [_("Give a time zone.")]})
    if ends_at <= starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})
    meeting = Meeting.objects.create(
        region=convener.region,
        convening_agency=convener,
        title=_text(title, "title", max_length=200),
        agenda=_text(agenda, "agenda", required=False),
        starts_at=starts_at,
        ends_at=ends_at,
        place=_text(place, "place", max_length=200),
        created_by=_actor_user(actor),
        created_at=now,
        updated_at=now,
    )
    meeting.invited.set(guests)
    audit_record(actor=actor, action="meeting.create", obj=meeting, now=now)
    events_emit(
        "coordination.meeting.created",
        meeting,
        actor=actor,
        now=now,
        audience=aud.staff_of(*guests),
        kind="meeting",
        title=_("Invitation: %(title)s on %(date)s")
        % {
            "title": meeting.title,
            "date": starts_at.astimezone(region_tz(meeting.region)).strftime("%Y-%m-%d %H:%M"),
        },
        body=meeting.agenda,
        attachments=[_ics_attachment(meeting, "REQUEST")],
    )
    return meeting


@transaction.atomic
def meeting_update(
    *,
    actor: Any,
    meeting: Meeting,
    now: dt.datetime,
    minutes: str | None = None,
    status: str | None = None,
    place: str | None = None,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
) -> Meeting:
    """Record the minutes, mark the meeting held or cancelled, or move it (time, place).

    A move or a cancellation raises the calendar ``sequence`` and emails the invited
    agencies an updated invitation (``METHOD:REQUEST``) or a cancellation
    (``METHOD:CANCEL``) with the same UID, so their calendar apps update the event."""
    ensure_can(actor, "meeting.change", meeting)
    before = snapshot(meeting)
    was = (meeting.starts_at, meeting.ends_at, meeting.place)
    was_cancelled = meeting.status == MeetingStatus.CANCELLED
    if status is not None:
        if status not in MeetingStatus.values:
            raise ValidationFailed(fields={"status": [_("Choose one of the allowed values.")]})
        meeting.status = status
    if minutes is not None:
        meeting.minutes = _text(minutes, "minutes", required=False)
    if place is not None:
        meeting.place = _text(place, "place", max_length=200)
    for field, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if value is not None:
            if value.tzinfo is None:
                raise ValidationFailed(fields={field: [_("Give a time zone.")]})
            setattr(meeting, field, value)
    if meeting.ends_at <= meeting.starts_at:
        raise ValidationFailed(fields={"ends_at": [_("The end must be after the start.")]})
    moved = (meeting.starts_at, meeting.ends_at, meeting.place) != was
    cancelled = meeting.status == MeetingStatus.CANCELLED
    # RFC 5546: a new SEQUENCE only for changes a calendar shows (time, place, cancelled).
    revised = moved or cancelled != was_cancelled
    if revised:
        meeting.sequence += 1
    meeting.updated_at = now
    meeting.save()
    audit_record(actor=actor, action="meeting.update", obj=meeting, before=before, now=now)
    if revised and not (cancelled and was_cancelled):  # a cancelled meeting stays quiet
        _notify_revision(meeting, cancelled=cancelled, actor=actor, now=now)
    if minutes and minutes.strip() and minutes.strip() != before.get("minutes"):
        events_emit(
            "coordination.meeting.minutes",
            meeting,
            actor=actor,
            now=now,
            audience=aud.staff_of(meeting.convening_agency, *meeting.invited.all()),
            kind="minutes",
            title=_("Minutes of %(title)s") % {"title": meeting.title},
            body=meeting.minutes,
        )
    return meeting


def _notify_revision(meeting: Meeting, *, cancelled: bool, actor: Any, now: dt.datetime) -> None:
    """Email the invited agencies' people the updated invitation or the cancellation."""
    when = _local(meeting, meeting.starts_at)
    values = {"title": meeting.title, "date": when, "place": meeting.place}
    if cancelled:
        title = _("Cancelled: %(title)s on %(date)s") % values
        body = _("The meeting %(title)s on %(date)s at %(place)s has been cancelled.") % values
    else:
        title = _("Changed: %(title)s on %(date)s") % values
        body = _("The meeting %(title)s now takes place on %(date)s to %(end)s at %(place)s.") % {
            **values,
            "end": _local(meeting, meeting.ends_at),
        }
    events_emit(
        "coordination.meeting.cancelled" if cancelled else "coordination.meeting.changed",
        meeting,
        actor=actor,
        now=now,
        audience=aud.staff_of(*meeting.invited.all()),
        kind="meeting",
        title=title,
        body=body,
        attachments=[_ics_attachment(meeting, "CANCEL" if cancelled else "REQUEST")],
    )


@transaction.atomic
def attendance_add(
    *,
    actor: Any,
    meeting: Meeting,
    agency: Agency | str,
    name: str,
    position: str = "",
    now: dt.datetime,
) -> Attendance:
    """Record that a person attended for an agency."""
    ensure_can(actor, "meeting.change", meeting)
    who = agency_from_slug(agency, "agency")
    if who.pk != meeting.convening_agency_id and not meeting.invited.filter(pk=who.pk).exists():
        raise ValidationFailed(fields={"agency": [_("This agency was not invited.")]})
    row = Attendance.objects.create(
        meeting=meeting,
        agency=who,
        name=_text(name, "name", max_length=150),
        position=_text(position, "position", required=False, max_length=150),
    )
    audit_record(
        actor=actor,
        action="meeting.attendance",
        object_type="coordination.attendance",
        object_id=str(row.pk),
        after={"meeting": meeting.pk, "agency": who.slug, "name": row.name},
        region=meeting.audit_region,
        now=now,
    )
    return row


@transaction.atomic
def decision_add(*, actor: Any, meeting: Meeting, text: str, now: dt.datetime) -> Decision:
    """Record a decision of the meeting, numbered in order."""
    ensure_can(actor, "meeting.change", meeting)
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    number = (
        meeting.decisions.order_by("-number").values_list("number", flat=True).first() or 0
    ) + 1
    decision = Decision.objects.create(
        meeting=meeting, number=number, text=_text(text, "text"), created_at=now
    )
    audit_record(
        actor=actor,
        action="meeting.decision",
        object_type="coordination.decision",
        object_id=str(decision.pk),
        after={"meeting": meeting.pk, "number": number, "text": decision.text},
        region=meeting.audit_region,
        now=now,
    )
    return decision


@transaction.atomic
def action_item_add(
    *,
    actor: Any,
    meeting: Meeting,
    owner: Agency | str,
    subject: str,
    due_date: dt.date,
    now: dt.datetime,
    body: str = "",
    decision: Decision | None = None,
) -> Request:
    """Give an agency an action item of the meeting: a request of kind "action" from the
    convening agency, due on the date given, on the same clock and escalation."""
    ensure_can(actor, "meeting.change", meeting)
    if decision is not None and decision.meeting_id != meeting.pk:
        raise NotFound()
    return request_submit(
        actor=actor,
        from_agency=meeting.convening_agency,
        to_agency=owner,
        kind=RequestKind.ACTION,
        subject=subject,
        body=body or _("Action item of the meeting %(title)s.") % {"title": meeting.title},
        now=now,
        due_date=due_date,
        meeting=meeting,
        decision=decision,
    )
