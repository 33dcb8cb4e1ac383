"""API schemas of the coordination app."""

import datetime as dt

from ninja import Field, Schema

from .choices import EventKind, MeetingStatus, RequestKind, RequestPriority, RequestStatus

SLUG = Field(..., min_length=1, max_length=100, description="agency slug")


class RequestIn(Schema):
    """A new request."""

    from_agency: str = SLUG
    to_agency: str = SLUG
    kind: RequestKind
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20000)
    priority: RequestPriority = RequestPriority.NORMAL
    program_code: str = Field("", max_length=60)


class RequestOut(Schema):
    """A request with its clock."""

    id: int
    from_agency: str = Field(alias="from_agency.slug")
    to_agency: str = Field(alias="to_agency.slug")
    forwarded_from: list[str]
    kind: RequestKind
    priority: RequestPriority
    subject: str
    body: str
    program_code: str
    meeting_id: int | None
    status: RequestStatus
    sla_days: int
    extended: bool
    submitted_at: dt.datetime
    clock_started_at: dt.datetime
    due_date: dt.date
    due_at: dt.datetime
    working_days_left: int | None
    overdue: bool
    escalation_level: int
    answered_at: dt.datetime | None
    answered_late: bool | None
    closed_at: dt.datetime | None
    decline_reason: str
    paused_at: dt.datetime | None = Field(
        None, description="Set while waiting for the requester's clarification (clock paused)."
    )
    paused_days: int = Field(0, description="Working days the due date moved for clarifications.")

    @staticmethod
    def resolve_forwarded_from(obj: object) -> list[str]:
        return sorted(a.slug for a in obj.previous_handlers.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_working_days_left(obj: object) -> int | None:
        if not hasattr(obj, "days_left"):
            from sinergi.core.clock import now

            from .selectors import annotate_clock

            annotate_clock(obj, now())  # type: ignore[arg-type]
        return obj.days_left  # type: ignore[attr-defined]

    @staticmethod
    def resolve_overdue(obj: object) -> bool:
        if not hasattr(obj, "overdue"):
            from sinergi.core.clock import now

            from .selectors import annotate_clock

            annotate_clock(obj, now())  # type: ignore[arg-type]
        return bool(obj.overdue)  # type: ignore[attr-defined]


class RequestFilters(Schema):
    """Filters of the request list."""

    box: str | None = Field(None, pattern="^(incoming|outgoing)$", description="incoming/outgoing")
    kind: RequestKind | None = None
    status: RequestStatus | None = None
    agency: str | None = Field(None, max_length=100, description="one of your agencies")
    overdue: bool = False
    escalated: bool = False
    q: str | None = Field(None, max_length=200)
    program_code: str | None = Field(None, max_length=60)


class TextIn(Schema):
    """A text: an answer, a reason or a note."""

    body: str = Field("", max_length=20000)


class ReasonIn(Schema):
    """A reason that the action requires."""

    reason: str = Field(..., min_length=1, max_length=20000)


class ForwardIn(Schema):
    """Forward as "bukan wewenang": name the competent agency and why."""

    to_agency: str = SLUG
    reason: str = Field(..., min_length=1, max_length=20000)


class MessageIn(Schema):
    """A message in the conversation."""

    body: str = Field(..., min_length=1, max_length=20000)


class EventOut(Schema):
    """One timeline entry."""

    id: int
    at: dt.datetime
    kind: EventKind
    actor: str = Field(alias="actor_name")
    agency: str | None = Field(None, alias="agency.slug")
    target_agency: str | None = Field(None, alias="target_agency.slug")
    body: str
    step: str


class AttachmentOut(Schema):
    """A file attached to a request."""

    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime
    url: str

    @staticmethod
    def resolve_url(obj: object) -> str:
        return f"/permintaan/{obj.request_id}/lampiran/{obj.pk}/"  # type: ignore[attr-defined]


class SuggestionOut(Schema):
    """A suggested competent agency."""

    slug: str
    name: str
    score: float
    matched: list[str]


class InboxOut(Schema):
    """What waits for us and what we wait for."""

    incoming: list[RequestOut]
    outgoing: list[RequestOut]
    to_clarify: list[RequestOut] = Field(
        default_factory=list, description="Clarifications the requester owes (clock paused)."
    )
    paused: list[RequestOut] = Field(
        default_factory=list, description="Incoming requests paused for a clarification."
    )
    overdue_incoming: int
    unread_notifications: int


class HolidayIn(Schema):
    """A local holiday."""

    region: str = Field(..., min_length=1, max_length=20)
    date: dt.date = Field(..., ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))
    name: str = Field(..., min_length=1, max_length=200)


class HolidayOut(Schema):
    """A local holiday of a region."""

    id: int
    region: str = Field(alias="region.code")
    date: dt.date
    name: str


class PolicyIn(Schema):
    """An escalation policy for one region and kind."""

    region: str = Field(..., min_length=1, max_length=20)
    kind: RequestKind
    remind_days_before: int = Field(2, ge=0, le=60)
    head_days_after: int = Field(0, ge=0, le=60)
    sekda_days_after: int = Field(3, ge=0, le=60)
    bupati_days_after: int = Field(7, ge=0, le=60)
    sekda_agency: str | None = Field(None, max_length=100)
    bupati_agency: str | None = Field(None, max_length=100)


class PolicyOut(Schema):
    """An escalation policy."""

    id: int
    region: str = Field(alias="region.code")
    kind: RequestKind
    remind_days_before: int
    head_days_after: int
    sekda_days_after: int
    bupati_days_after: int
    sekda_agency: str | None = Field(None, alias="sekda_agency.slug")
    bupati_agency: str | None = Field(None, alias="bupati_agency.slug")


AWARE = "with a time zone, ISO 8601"


class MeetingIn(Schema):
    """A new coordination meeting."""

    convening_agency: str = SLUG
    title: str = Field(..., min_length=1, max_length=200)
    agenda: str = Field("", max_length=20000)
    starts_at: dt.datetime = Field(..., description=AWARE)
    ends_at: dt.datetime = Field(..., description=AWARE)
    place: str = Field(..., min_length=1, max_length=200)
    invited: list[str] = Field(default_factory=list, max_length=100)


class MeetingPatch(Schema):
    """Minutes, status, place or time of a meeting (a new place or time, or a cancellation,
    sends the invited agencies an updated invitation or a cancellation with the .ics)."""

    minutes: str | None = Field(None, max_length=50000)
    status: MeetingStatus | None = None
    place: str | None = Field(None, min_length=1, max_length=200)
    starts_at: dt.datetime | None = Field(None, description=AWARE)
    ends_at: dt.datetime | None = Field(None, description=AWARE)


class AttendanceIn(Schema):
    """Someone who attended for an agency."""

    agency: str = SLUG
    name: str = Field(..., min_length=1, max_length=150)
    position: str = Field("", max_length=150)


class AttendanceOut(Schema):
    """An attendee."""

    agency: str = Field(alias="agency.slug")
    name: str
    position: str


class DecisionIn(Schema):
    """A decision of the meeting."""

    text: str = Field(..., min_length=1, max_length=20000)


class DecisionOut(Schema):
    """A numbered decision."""

    id: int
    number: int
    text: str


class ActionItemIn(Schema):
    """An action item owned by an agency (becomes a request of kind "action")."""

    owner: str = SLUG
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field("", max_length=20000)
    due_date: dt.date = Field(..., ge=dt.date(2000, 1, 1), le=dt.date(2100, 12, 31))
    decision: int | None = Field(None, ge=1, le=2**53)


class MeetingOut(Schema):
    """A coordination meeting."""

    id: int
    uid: str
    convening_agency: str = Field(alias="convening_agency.slug")
    invited: list[str]
    title: str
    agenda: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    place: str
    status: MeetingStatus
    minutes: str
    attendance: list[AttendanceOut]
    decisions: list[DecisionOut]
    action_items: list[int]

    @staticmethod
    def resolve_uid(obj: object) -> str:
        return str(obj.uid)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_invited(obj: object) -> list[str]:
        return sorted(a.slug for a in obj.invited.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_attendance(obj: object) -> list[object]:
        return list(obj.attendance.select_related("agency"))  # type: ignore[attr-defined]

    @staticmethod
    def resolve_decisions(obj: object) -> list[object]:
        return list(obj.decisions.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_action_items(obj: object) -> list[int]:
        return sorted(r.pk for r in obj.action_items.all())  # type: ignore[attr-defined]
