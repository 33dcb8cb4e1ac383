"""Coordination API: requests with their clock and timeline, and meetings."""

from collections.abc import Callable
from typing import Any

from ninja import File, Query, Router
from ninja import Path as PathParam
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sinergi.core import uploads
from sinergi.core.api import (
    ERRORS,
    MAX_ID,
    READ_ERRORS,
    ApiRequest,
    ErrorOut,
    Pagination,
    responses,
)
from sinergi.core.clock import now
from sinergi.core.exceptions import NotFound
from sinergi.core.permissions import ensure_can, get_visible_or_404

from . import services
from .models import (
    Decision,
    EscalationPolicy,
    LocalHoliday,
    Meeting,
    Request,
)
from .schemas import (
    ActionItemIn,
    AttachmentOut,
    AttendanceIn,
    AttendanceOut,
    DecisionIn,
    DecisionOut,
    EventOut,
    ForwardIn,
    HolidayIn,
    HolidayOut,
    InboxOut,
    MeetingIn,
    MeetingOut,
    MeetingPatch,
    MessageIn,
    PolicyIn,
    PolicyOut,
    ReasonIn,
    RequestFilters,
    RequestIn,
    RequestOut,
    SuggestionOut,
    TextIn,
)
from .selectors import (
    Filters,
    annotate_clock,
    inbox,
    meetings_visible,
    request_timeline,
    requests_search,
    suggest_for,
    unread_notifications,
)

router = Router(tags=["requests"])
meetings_router = Router(tags=["meetings"])

ID = PathParam(..., ge=1, le=MAX_ID)


def _request(request: ApiRequest, request_id: int) -> Request:
    return get_visible_or_404(request.auth, Request, pk=request_id)


def _out(obj: Request) -> Request:
    return annotate_clock(obj, now())


@router.get("", response=responses(list[RequestOut], errors=READ_ERRORS), summary="List requests")
@paginate(Pagination)
def request_list(request: ApiRequest, filters: Query[RequestFilters]) -> Any:
    """Requests you may see, filtered (incoming/outgoing, kind, status, overdue, escalated)."""
    at = now()
    qs = requests_search(
        user=request.auth,
        filters=Filters(
            box=filters.box or "",
            kind=filters.kind or "",
            status=filters.status or "",
            agency=filters.agency or "",
            overdue=filters.overdue,
            escalated=filters.escalated,
            q=filters.q or "",
            program_code=filters.program_code or "",
        ),
        now=at,
    )
    # The clock of each row is computed when the page is serialized (RequestOut).
    return qs.prefetch_related("previous_handlers")


@router.post("", response=responses(RequestOut, 201), summary="Submit a request")
def request_submit(request: ApiRequest, data: RequestIn) -> Any:
    """Send a request from one of your agencies; its SLA clock starts now."""
    obj = services.request_submit(actor=request.auth, now=now(), **data.model_dump())
    return 201, _out(obj)


@router.get("/inbox", response=responses(InboxOut, errors=READ_ERRORS), summary="Your inbox")
def request_inbox(request: ApiRequest) -> Any:
    """Open requests to your agencies and from them, by due date."""
    box = inbox(user=request.auth, now=now())
    box["unread_notifications"] = unread_notifications(request.auth).count()
    return box


@router.get(
    "/suggest",
    response=responses(list[SuggestionOut], errors=READ_ERRORS),
    summary="Suggest the competent agency",
)
def request_suggest(
    request: ApiRequest, text: str = Query(..., min_length=1, max_length=2000)
) -> Any:
    """Agencies whose mandate and government affairs match the words of a request."""
    return [
        {"slug": s.slug, "name": s.name, "score": s.score, "matched": list(s.matched)}
        for s in suggest_for(text=text)
    ]


@router.get(
    "/holidays", response=responses(list[HolidayOut], errors=READ_ERRORS), summary="Local holidays"
)
@paginate(Pagination)
def holiday_list(request: ApiRequest) -> Any:
    """Local holidays of every region (public calendar data)."""
    return LocalHoliday.objects.select_related("region").order_by("date", "pk")


@router.post("/holidays", response=responses(HolidayOut, 201), summary="Add a local holiday")
def holiday_add(request: ApiRequest, data: HolidayIn) -> Any:
    """Add a day off to a region's calendar (leaders of the region, platform admins)."""
    return 201, services.holiday_add(actor=request.auth, now=now(), **data.model_dump())


@router.delete(
    "/holidays/{holiday_id}", response=responses(None, 204), summary="Remove a local holiday"
)
def holiday_remove(request: ApiRequest, holiday_id: int = ID) -> Any:
    """Take a day off a region's calendar."""
    holiday = LocalHoliday.objects.select_related("region").filter(pk=holiday_id).first()
    if holiday is None:
        raise NotFound()
    services.holiday_remove(actor=request.auth, holiday=holiday, now=now())
    return 204, None


@router.get(
    "/policies",
    response=responses(list[PolicyOut], errors=READ_ERRORS),
    summary="Escalation policies",
)
@paginate(Pagination)
def policy_list(request: ApiRequest) -> Any:
    """Escalation policies per region and kind."""
    return EscalationPolicy.objects.select_related(
        "region", "sekda_agency", "bupati_agency"
    ).order_by("region__code", "kind")


@router.put("/policies", response=responses(PolicyOut), summary="Set an escalation policy")
def policy_set(request: ApiRequest, data: PolicyIn) -> Any:
    """Create or change a region's escalation policy for one kind of request."""
    return services.policy_set(actor=request.auth, now=now(), **data.model_dump())


@router.get(
    "/{request_id}", response=responses(RequestOut, errors=READ_ERRORS), summary="Get a request"
)
def request_detail(request: ApiRequest, request_id: int = ID) -> Any:
    """A request with its clock (404 when you may not see it)."""
    return _out(_request(request, request_id))


@router.get(
    "/{request_id}/events",
    response=responses(list[EventOut], errors=READ_ERRORS),
    summary="A request's timeline",
)
def request_events(request: ApiRequest, request_id: int = ID) -> Any:
    """Transitions, messages and escalation steps in order."""
    return list(request_timeline(_request(request, request_id)))


@router.post("/{request_id}/messages", response=responses(EventOut, 201), summary="Write a message")
def request_message(request: ApiRequest, data: MessageIn, request_id: int = ID) -> Any:
    """Add to the conversation of a request."""
    event = services.request_message(
        actor=request.auth, request=_request(request, request_id), body=data.body, now=now()
    )
    return 201, event


@router.get(
    "/{request_id}/attachments",
    response=responses(list[AttachmentOut], errors=READ_ERRORS),
    summary="A request's attachments",
)
def request_attachments(request: ApiRequest, request_id: int = ID) -> Any:
    """Files attached to a request (download them at ``url`` with a signed-in session)."""
    return list(_request(request, request_id).attachments.all())


@router.post(
    "/{request_id}/attachments",
    response=responses(AttachmentOut, 201, errors={**ERRORS, 413: ErrorOut}),
    summary="Attach a file",
)
def request_attach(request: ApiRequest, file: File[UploadedFile], request_id: int = ID) -> Any:
    """Attach a PDF, PNG, JPEG, DOCX, XLSX, CSV or text file of at most 10 MB, checked by
    its content."""
    obj = _request(request, request_id)
    ensure_can(request.auth, "request.message", obj)
    uploads.check_size(file.size, uploads.ATTACHMENT)
    row = services.attachment_add(
        actor=request.auth, request=obj, data=file.read(), name=file.name or "", now=now()
    )
    return 201, row


def _act(service: Callable[..., Request], request: ApiRequest, request_id: int, **kw: Any) -> Any:
    """Apply one action's service to a visible request and answer with the request."""
    obj = service(actor=request.auth, request=_request(request, request_id), now=now(), **kw)
    return _out(obj)


@router.post(
    "/{request_id}/acknowledge", response=responses(RequestOut), summary="Acknowledge a request"
)
def request_acknowledge(request: ApiRequest, data: TextIn, request_id: int = ID) -> Any:
    """The handling agency confirms it received the request."""
    return _act(services.request_acknowledge, request, request_id, body=data.body)


@router.post("/{request_id}/start", response=responses(RequestOut), summary="Start work")
def request_start(request: ApiRequest, data: TextIn, request_id: int = ID) -> Any:
    """The handling agency starts working on the request."""
    return _act(services.request_start, request, request_id, body=data.body)


@router.post("/{request_id}/answer", response=responses(RequestOut), summary="Answer a request")
def request_answer(request: ApiRequest, data: MessageIn, request_id: int = ID) -> Any:
    """Answer and stop the clock."""
    return _act(services.request_answer, request, request_id, body=data.body)


@router.post("/{request_id}/decline", response=responses(RequestOut), summary="Decline")
def request_decline(request: ApiRequest, data: ReasonIn, request_id: int = ID) -> Any:
    """Decline with a reason."""
    return _act(services.request_decline, request, request_id, body=data.reason)


@router.post(
    "/{request_id}/forward", response=responses(RequestOut), summary="Forward (bukan wewenang)"
)
def request_forward(request: ApiRequest, data: ForwardIn, request_id: int = ID) -> Any:
    """Not our competence: move the request to the competent agency; its clock restarts."""
    return _act(
        services.request_forward, request, request_id, body=data.reason, to_agency=data.to_agency
    )


@router.post("/{request_id}/extend", response=responses(RequestOut), summary="Extend once")
def request_extend(request: ApiRequest, data: ReasonIn, request_id: int = ID) -> Any:
    """Extend an information request once by 7 working days, with a reason."""
    return _act(services.request_extend, request, request_id, body=data.reason)


@router.post(
    "/{request_id}/clarify",
    response=responses(RequestOut),
    summary="Ask for a clarification (pause the clock)",
)
def request_clarify(request: ApiRequest, data: MessageIn, request_id: int = ID) -> Any:
    """The handling agency asks the requester a question; the SLA clock stands still and
    no escalation step is taken until the requester answers."""
    return _act(services.request_clarify, request, request_id, body=data.body)


@router.post(
    "/{request_id}/respond",
    response=responses(RequestOut),
    summary="Give the clarification (resume the clock)",
)
def request_respond(request: ApiRequest, data: MessageIn, request_id: int = ID) -> Any:
    """The requester answers the question; the due date moves by the working days paused."""
    return _act(services.request_respond, request, request_id, body=data.body)


@router.post("/{request_id}/close", response=responses(RequestOut), summary="Close a request")
def request_close(request: ApiRequest, data: TextIn, request_id: int = ID) -> Any:
    """The requester closes the request."""
    return _act(services.request_close, request, request_id, body=data.body)


@router.post("/{request_id}/reopen", response=responses(RequestOut), summary="Reopen a request")
def request_reopen(request: ApiRequest, data: ReasonIn, request_id: int = ID) -> Any:
    """The requester reopens an answered, declined or closed request; the clock restarts."""
    return _act(services.request_reopen, request, request_id, body=data.reason)


# --- meetings ------------------------------------------------------------------------


def _meeting(request: ApiRequest, meeting_id: int) -> Meeting:
    return get_visible_or_404(request.auth, Meeting, pk=meeting_id)


@meetings_router.get(
    "", response=responses(list[MeetingOut], errors=READ_ERRORS), summary="List meetings"
)
@paginate(Pagination)
def meeting_list(request: ApiRequest) -> Any:
    """Coordination meetings you may see, latest first."""
    return meetings_visible(user=request.auth).prefetch_related("invited", "decisions")


@meetings_router.post("", response=responses(MeetingOut, 201), summary="Convene a meeting")
def meeting_create(request: ApiRequest, data: MeetingIn) -> Any:
    """Convene a coordination meeting and invite agencies."""
    return 201, services.meeting_create(actor=request.auth, now=now(), **data.model_dump())


@meetings_router.get(
    "/{meeting_id}", response=responses(MeetingOut, errors=READ_ERRORS), summary="Get a meeting"
)
def meeting_detail(request: ApiRequest, meeting_id: int = ID) -> Any:
    """A meeting with attendance, decisions and action items."""
    return _meeting(request, meeting_id)


@meetings_router.patch("/{meeting_id}", response=responses(MeetingOut), summary="Update a meeting")
def meeting_update(request: ApiRequest, data: MeetingPatch, meeting_id: int = ID) -> Any:
    """Record minutes, mark the meeting held or cancelled, or change its place."""
    return services.meeting_update(
        actor=request.auth,
        meeting=_meeting(request, meeting_id),
        now=now(),
        **data.model_dump(exclude_unset=True, exclude_none=True),
    )


@meetings_router.post(
    "/{meeting_id}/attendance", response=responses(AttendanceOut, 201), summary="Add an attendee"
)
def meeting_attendance(request: ApiRequest, data: AttendanceIn, meeting_id: int = ID) -> Any:
    """Record who attended for which agency."""
    row = services.attendance_add(
        actor=request.auth, meeting=_meeting(request, meeting_id), now=now(), **data.model_dump()
    )
    return 201, row


@meetings_router.post(
    "/{meeting_id}/decisions", response=responses(DecisionOut, 201), summary="Add a decision"
)
def meeting_decision(request: ApiRequest, data: DecisionIn, meeting_id: int = ID) -> Any:
    """Record a decision of the meeting."""
    row = services.decision_add(
        actor=request.auth, meeting=_meeting(request, meeting_id), text=data.text, now=now()
    )
    return 201, row


@meetings_router.post(
    "/{meeting_id}/action-items",
    response=responses(RequestOut, 201, errors={**READ_ERRORS, 403: ErrorOut, 409: ErrorOut}),
    summary="Add an action item",
)
def meeting_action_item(request: ApiRequest, data: ActionItemIn, meeting_id: int = ID) -> Any:
    """Give an agency an action item with a due date (a request of kind "action")."""
    meeting = _meeting(request, meeting_id)
    ensure_can(request.auth, "meeting.change", meeting)
    decision = None
    if data.decision is not None:
        decision = Decision.objects.filter(pk=data.decision, meeting=meeting).first()
        if decision is None:
            raise NotFound()
    obj = services.action_item_add(
        actor=request.auth,
        meeting=meeting,
        owner=data.owner,
        subject=data.subject,
        body=data.body,
        due_date=data.due_date,
        decision=decision,
        now=now(),
    )
    return 201, _out(obj)
