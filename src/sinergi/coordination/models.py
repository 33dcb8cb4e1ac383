"""Requests between agencies with their SLA clock and escalation, meetings and the inbox."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import ReferenceQuerySet, TimestampedModel, VisibleQuerySet

from .choices import (
    OPEN_STATUSES,
    EscalationStep,
    EventKind,
    MeetingStatus,
    RequestKind,
    RequestPriority,
    RequestStatus,
)


def _member_agency_ids(user: Any) -> list[int]:
    from sinergi.agencies.selectors import user_memberships

    return [m.agency_id for m in user_memberships(user)]


def _leader_codes(user: Any) -> list[str]:
    from sinergi.agencies.selectors import leader_region_codes

    return leader_region_codes(user)


# Agencies bound as parameters at most (beyond: a subquery of the forwarding table).
_IN_LIST_MAX = 2000


def led_scope(user: Any) -> tuple[list[int], list[int] | None]:
    """What the regions the user leads open to them, read once per user object: the ids
    of their agencies when they are a small part of all agencies (a regency in a national
    deployment), else ``([], region ids)`` — the leader sees most requests, and reading
    them in list order beats collecting them through the agency indexes."""
    codes = _leader_codes(user)
    if not codes:
        return [], None
    cached = getattr(user, "_sinergi_led_scope", None)
    if cached is not None and cached[0] == codes:
        return cached[1]
    from sinergi.agencies.models import Agency
    from sinergi.regions.models import Region

    cond = Q()
    for code in codes:
        cond |= Q(code=code) | Q(code__startswith=code + ".")
    regions = list(Region.objects.filter(cond).values_list("pk", flat=True))
    led = list(
        Agency.objects.filter(region_id__in=regions)
        .order_by()
        .values_list("pk", flat=True)[: _IN_LIST_MAX + 1]
    )
    found: tuple[list[int], list[int] | None]
    if len(led) <= _IN_LIST_MAX and len(led) * 4 < Agency.objects.count():
        found = led, None
    else:
        found = [], regions
    user._sinergi_led_scope = codes, found
    return found


def _region_q(field: str, codes: list[str]) -> Q:
    cond = Q()
    for code in codes:
        cond |= Q(**{f"{field}__code": code}) | Q(**{f"{field}__code__startswith": code + "."})
    return cond


class LocalHoliday(models.Model):
    """A day off of one region (hari libur daerah) on top of the national calendar."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("name"), max_length=200)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["date"]
        verbose_name = _("local holiday")
        verbose_name_plural = _("local holidays")
        constraints = [
            models.UniqueConstraint(fields=["region", "date"], name="coordination_holiday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this holiday."""
        return self.region.code


class EscalationPolicy(models.Model):
    """When a region lifts a stalled request of one kind up the chain, in working days of
    the handling agency's calendar relative to the due date."""

    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    remind_days_before = models.PositiveSmallIntegerField(_("remind handler, days before due"))
    head_days_after = models.PositiveSmallIntegerField(_("to agency head, days after due"))
    sekda_days_after = models.PositiveSmallIntegerField(_("to Sekda, days after due"))
    bupati_days_after = models.PositiveSmallIntegerField(_("to Bupati, days after due"))
    sekda_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("Sekda's agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    bupati_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("regional head's agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["region__code", "kind"]
        verbose_name = _("escalation policy")
        verbose_name_plural = _("escalation policies")
        constraints = [
            models.UniqueConstraint(fields=["region", "kind"], name="coordination_policy_unique")
        ]

    def __str__(self) -> str:
        return f"{self.region.code} {self.kind}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this policy."""
        return self.region.code


class MeetingQuerySet(VisibleQuerySet):
    """Who sees which meeting."""

    def visible_to(self, user: Any) -> Self:
        """The convening and invited agencies' members, leaders of the region, admins."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = _member_agency_ids(user)
        cond = Q(convening_agency_id__in=ids) | Q(invited__in=ids)
        codes = _leader_codes(user)
        if codes:
            cond |= _region_q("region", codes)
        return self.filter(pk__in=self.filter(cond).values("pk"))


class Meeting(TimestampedModel):
    """A coordination meeting (rapat koordinasi) convened by one agency."""

    uid = models.UUIDField(_("calendar id"), default=uuid.uuid4, unique=True, editable=False)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    convening_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("convening agency"),
        on_delete=models.PROTECT,
        related_name="convened_meetings",
    )
    invited = models.ManyToManyField(
        "agencies.Agency", verbose_name=_("invited agencies"), related_name="meeting_invitations"
    )
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200)
    status = models.CharField(
        _("status"), max_length=20, choices=MeetingStatus.choices, default=MeetingStatus.SCHEDULED
    )
    minutes = models.TextField(_("minutes"), blank=True)
    sequence = models.PositiveIntegerField(_("calendar revision"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this meeting."""
        return self.region.code


class MeetingPartQuerySet(VisibleQuerySet):
    """Attendance and decisions are seen by whoever sees their meeting."""

    def visible_to(self, user: Any) -> Self:
        """Rows of the meetings the user sees."""
        return self.filter(meeting__in=Meeting.objects.visible_to(user).values("pk"))


class Attendance(models.Model):
    """Who attended a meeting for which agency."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    agency = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("name"), max_length=150)
    position = models.CharField(_("position"), max_length=150, blank=True)

    objects = MeetingPartQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class Decision(models.Model):
    """A decision taken at a meeting."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions")
    number = models.PositiveSmallIntegerField(_("number"))
    text = models.TextField(_("decision"))
    created_at = models.DateTimeField(_("created at"))

    objects = MeetingPartQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "number"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "number"], name="coordination_decision_num")
        ]

    def __str__(self) -> str:
        return f"{self.number}. {self.text[:60]}"


class RequestQuerySet(VisibleQuerySet):
    """Who sees which request."""

    def visible_to(self, user: Any) -> Self:
        """The requesting and handling agencies (and agencies that forwarded it), leaders of
        either agency's region, platform admins; nobody else."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        # The agencies are resolved first (the user's own, and those of the regions they
        # lead when these are few), so the filter is an OR of IN-lists on the indexed agency
        # keys; a leader of most agencies gets a per-row EXISTS on the agency's region, read
        # in list order. No ``pk IN`` over an OR across joins, which read every request of
        # the table (docs/decisions/bounded-list-counts.md).
        ids = _member_agency_ids(user)
        led, regions = led_scope(user)
        listed = sorted(set(ids) | set(led))
        if not listed and regions is None:
            return self.none()
        cond = Q(pk__in=[])
        if listed:
            cond = Q(from_agency_id__in=listed) | Q(to_agency_id__in=listed)
        if regions is not None:
            from sinergi.agencies.models import Agency

            in_region = Agency.objects.filter(region_id__in=regions)
            cond |= Q(Exists(in_region.filter(pk=OuterRef("from_agency_id")))) | Q(
                Exists(in_region.filter(pk=OuterRef("to_agency_id")))
            )
        if ids:
            # Requests these agencies forwarded: few, so listed by id (an IN-subquery inside
            # the OR would keep PostgreSQL from combining the indexes).
            through = Request.previous_handlers.through.objects.filter(agency_id__in=ids)
            forwarded = list(through.values_list("request_id", flat=True)[: _IN_LIST_MAX + 1])
            if len(forwarded) > _IN_LIST_MAX:
                cond |= Q(pk__in=through.values("request_id"))
            elif forwarded:
                cond |= Q(pk__in=forwarded)
        return self.filter(cond)

    def open(self) -> Self:
        """Requests whose SLA clock runs."""
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now: dt.datetime) -> Self:
        """Open requests past their due moment."""
        return self.open().filter(due_at__lt=now)


class Request(TimestampedModel):
    """An ask from one agency to another, answered within an SLA of working days."""

    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Region of the handling agency, whose calendar runs the clock."),
    )
    from_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("from agency"),
        on_delete=models.PROTECT,
        related_name="requests_sent",
    )
    to_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("to agency"),
        on_delete=models.PROTECT,
        related_name="requests_received",
    )
    previous_handlers = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("forwarded from"),
        blank=True,
        related_name="requests_forwarded",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=RequestKind.choices)
    priority = models.CharField(
        _("priority"),
        max_length=10,
        choices=RequestPriority.choices,
        default=RequestPriority.NORMAL,
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), max_length=20000)
    program_code = models.CharField(
        _("program code"),
        max_length=60,
        blank=True,
        help_text=_("Code of the program or work item this request blocks, if any."),
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    decision = models.ForeignKey(
        Decision,
        verbose_name=_("decision"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="action_items",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    sla_days = models.PositiveSmallIntegerField(_("SLA in working days"))
    extended = models.BooleanField(_("extended"), default=False)
    extension_reason = models.TextField(_("extension reason"), blank=True)
    clock_started_at = models.DateTimeField(_("clock started at"))
    due_date = models.DateField(_("due date"))
    due_at = models.DateTimeField(_("due at"), db_index=True)
    clock_cycle = models.PositiveSmallIntegerField(_("clock cycle"), default=1)
    next_step_at = models.DateTimeField(_("next escalation step at"), null=True, db_index=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    submitted_at = models.DateTimeField(_("submitted at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    decline_reason = models.TextField(_("decline reason"), blank=True)
    paused_at = models.DateTimeField(
        _("clock paused at"),
        null=True,
        blank=True,
        help_text=_("Set while the handling agency waits for the requester's clarification."),
    )
    paused_status = models.CharField(
        _("status before the pause"), max_length=20, choices=RequestStatus.choices, blank=True
    )
    paused_days = models.PositiveSmallIntegerField(
        _("working days paused"),
        default=0,
        help_text=_(
            "Working days the clock stood still in this cycle; the due date moves by them."
        ),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = RequestQuerySet.as_manager()

    class Meta:
        ordering = ["due_at"]
        verbose_name = _("request")
        verbose_name_plural = _("requests")
        indexes = [
            models.Index(fields=["to_agency", "status", "due_at"]),
            models.Index(fields=["from_agency", "status", "due_at"]),
            models.Index(fields=["status", "next_step_at"]),
            # The insights tick reads the requests changed since its last run.
            models.Index(fields=["updated_at"]),
            # Escalated open requests (the dashboard, the "escalated" filter).
            models.Index(fields=["status", "escalation_level"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.subject}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this request."""
        return self.region.code

    @property
    def is_open(self) -> bool:
        """Whether the handling agency still owes an answer."""
        return self.status in OPEN_STATUSES

    def is_overdue(self, now: dt.datetime) -> bool:
        """Open and past its due moment."""
        return self.is_open and now > self.due_at

    @property
    def answered_late(self) -> bool | None:
        """Whether the answer came after the due moment (None while unanswered)."""
        if self.answered_at is None:
            return None
        return self.answered_at > self.due_at


class RequestPartQuerySet(VisibleQuerySet):
    """A request's conversation and attachments are seen by whoever sees the request."""

    def visible_to(self, user: Any) -> Self:
        """Rows of the requests the user sees."""
        return self.filter(request__in=Request.objects.visible_to(user).values("pk"))


class RequestEvent(models.Model):
    """One entry in a request's timeline: a transition, a message or an escalation step."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"))
    kind = models.CharField(_("kind"), max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    actor_name = models.CharField(_("actor"), max_length=150)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("target agency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    body = models.TextField(_("text"), blank=True)
    step = models.CharField(_("escalation step"), max_length=10, blank=True)
    clock_cycle = models.PositiveSmallIntegerField(_("clock cycle"), default=1)

    objects = RequestPartQuerySet.as_manager()

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("request event")
        verbose_name_plural = _("request events")
        constraints = [
            # Each escalation step happens at most once per clock cycle, however many
            # workers tick at the same moment.
            models.UniqueConstraint(
                fields=["request", "clock_cycle", "step"],
                condition=~Q(step=""),
                name="coordination_event_step_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.request_id} {self.kind} {self.at:%Y-%m-%d}"


class Attachment(models.Model):
    """A file attached to a request's conversation; the file lives outside the web root."""

    request = models.ForeignKey(Request, on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        RequestEvent, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    name = models.CharField(_("name"), max_length=120)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    stored_name = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"))

    objects = RequestPartQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.name


__all__ = [
    "Attachment",
    "Attendance",
    "Decision",
    "EscalationPolicy",
    "EscalationStep",
    "LocalHoliday",
    "Meeting",
    "Request",
    "RequestEvent",
]


class CalendarFeedQuerySet(VisibleQuerySet):
    """Each user sees their own calendar feeds (platform admins: all)."""

    def visible_to(self, user: Any) -> Self:
        """The user's own feeds."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(user=user)


class CalendarFeed(models.Model):
    """A secret iCalendar address of one user (optionally narrowed to one agency) with
    meetings and due dates; only the token's SHA-256 is stored; revocable."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    agency = models.ForeignKey(
        "agencies.Agency", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = CalendarFeedQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self) -> str:
        return f"{self.user} {self.agency or ''}".strip()
