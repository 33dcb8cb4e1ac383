"""Requests and their lifecycle: submission, the actions on a request and messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit

from .. import sla
from ..choices import OPEN_STATUSES, EventKind, RequestKind, RequestPriority
from ..models import Decision, Meeting, Request, RequestEvent
from .clock import _resume_clock, _start_clock
from .common import SUBJECT_MAX, S, _acting_agency, _actor_user, _aware, _event, _text

#: Allowed transitions: action -> (statuses it may start from, status it leads to).
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "acknowledge": (frozenset({S.SUBMITTED, S.REOPENED}), S.ACKNOWLEDGED),
    "start": (frozenset({S.ACKNOWLEDGED, S.REOPENED}), S.IN_PROGRESS),
    "answer": (frozenset({S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), S.ANSWERED),
    "decline": (
        frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED, S.WAITING}),
        S.DECLINED,
    ),
    # The handler asks the requester for a clarification: the clock stands still.
    "clarify": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.IN_PROGRESS, S.REOPENED}), S.WAITING),
    # The requester clarifies: back to the status before the pause, due date pushed.
    "respond": (frozenset({S.WAITING}), ""),
    # The request moves to the competent agency and arrives there afresh.
    "forward": (frozenset({S.SUBMITTED, S.ACKNOWLEDGED, S.REOPENED}), S.SUBMITTED),
    "extend": (frozenset(OPEN_STATUSES), ""),  # status unchanged
    "close": (
        frozenset(
            {
                S.SUBMITTED,
                S.ACKNOWLEDGED,
                S.IN_PROGRESS,
                S.REOPENED,
                S.ANSWERED,
                S.DECLINED,
                S.WAITING,
            }
        ),
        S.CLOSED,
    ),
    "reopen": (frozenset({S.ANSWERED, S.DECLINED, S.CLOSED}), S.REOPENED),
}


HANDLER_ACTIONS = frozenset(
    {"acknowledge", "start", "answer", "decline", "forward", "extend", "clarify"}
)


REQUESTER_ACTIONS = frozenset({"close", "reopen", "respond"})


@transaction.atomic
def request_submit(
    *,
    actor: Any,
    from_agency: Agency | str,
    to_agency: Agency | str,
    kind: str,
    subject: str,
    body: str,
    now: dt.datetime,
    priority: str = RequestPriority.NORMAL,
    program_code: str = "",
    due_date: dt.date | None = None,
    meeting: Meeting | None = None,
    decision: Decision | None = None,
) -> Request:
    """Send a request from the actor's agency to another; its SLA clock starts now."""
    _aware(now)
    source = agency_from_slug(from_agency, "from_agency")
    ensure_can(actor, "request.submit", source)
    target = agency_from_slug(to_agency, "to_agency")
    errors: dict[str, list[str]] = {}
    if target.pk == source.pk:
        errors["to_agency"] = [_("A request goes to another agency.")]
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose one of the allowed values.")]
    if priority not in RequestPriority.values:
        errors["priority"] = [_("Choose one of the allowed values.")]
    if errors:
        raise ValidationFailed(fields=errors)
    request = Request(
        from_agency=source,
        to_agency=target,
        kind=kind,
        priority=priority,
        subject=_text(subject, "subject", max_length=SUBJECT_MAX),
        body=_text(body, "body"),
        program_code=_text(program_code, "program_code", required=False, max_length=60),
        meeting=meeting,
        decision=decision,
        status=S.SUBMITTED,
        sla_days=sla.DEFAULT_SLA_DAYS[kind],
        submitted_at=now,
        created_by=_actor_user(actor),
        created_at=now,
        updated_at=now,
    )
    _start_clock(request, now, due=due_date)
    request.save()
    _event(request, kind=EventKind.SUBMITTED, actor=actor, now=now, agency=source, target=target)
    audit_record(actor=actor, action="request.submit", obj=request, now=now)
    events_emit(
        "coordination.request.submitted",
        request,
        actor=actor,
        now=now,
        audience=aud.staff_of(target),
        title=_("New request from %(agency)s: %(subject)s")
        % {"agency": source, "subject": request.subject},
        body=_("Due %(date)s.") % {"date": request.due_date.isoformat()},
    )
    return request


def _transition(request: Request, action: str) -> str:
    allowed, target = TRANSITIONS[action]
    if request.status not in allowed:
        raise InvalidTransition(request.status, target or request.status)
    return target


#: The request event each action writes in the conversation.
EVENT_KINDS = {
    "acknowledge": EventKind.ACKNOWLEDGED,
    "start": EventKind.STARTED,
    "answer": EventKind.ANSWERED,
    "decline": EventKind.DECLINED,
    "forward": EventKind.FORWARDED,
    "extend": EventKind.EXTENDED,
    "close": EventKind.CLOSED,
    "reopen": EventKind.REOPENED,
    "clarify": EventKind.CLARIFICATION_ASKED,
    "respond": EventKind.CLARIFIED,
}


@dataclass
class _Step:
    """One action under way: the locked request, who acts for which agency, the status the
    action leads to, the request as it was and the fields the action changes."""

    request: Request
    action: str
    actor: Any
    now: dt.datetime
    acting: Agency
    target_status: str
    before: dict[str, Any]
    changed: list[str] = field(default_factory=lambda: ["status", "updated_at"])


def _begin(*, actor: Any, request: Request, action: str, now: dt.datetime) -> _Step:
    """Lock the request, check that the actor may take this action and that the request's
    status allows it; every action starts here, in the caller's transaction."""
    _aware(now)
    request = (
        Request.objects.select_for_update(of=("self",))
        .select_related("from_agency", "to_agency", "region")
        .get(pk=request.pk)
    )
    if action in HANDLER_ACTIONS:
        ensure_can(actor, "request.handle", request)
        acting = request.to_agency
    else:
        ensure_can(actor, "request.requester", request)
        acting = request.from_agency
    target_status = _transition(request, action)
    return _Step(
        request=request,
        action=action,
        actor=actor,
        now=now,
        acting=acting,
        target_status=target_status,
        before=snapshot(request),
    )


def _finish(
    step: _Step, *, body: str, changed: Iterable[str] = (), target: Agency | None = None
) -> Request:
    """Save the action's changes, write its event and audit entry, and emit its event
    (inbox, email, webhooks)."""
    request, action, now = step.request, step.action, step.now
    event_kind = EVENT_KINDS[action]
    request.status = step.target_status
    request.updated_at = now
    request.save(update_fields=sorted({*step.changed, *changed}))
    _event(
        request,
        kind=event_kind,
        actor=step.actor,
        now=now,
        agency=step.acting,
        target=target,
        body=body,
    )
    audit_record(
        actor=step.actor, action=f"request.{action}", obj=request, before=step.before, now=now
    )
    _notify_transition(
        request, action, event_kind, actor=step.actor, acting=step.acting, now=now, body=body
    )
    return request


@transaction.atomic
def request_acknowledge(
    *, actor: Any, request: Request, now: dt.datetime, body: str = ""
) -> Request:
    """The handling agency confirms it received the request (optional note)."""
    step = _begin(actor=actor, request=request, action="acknowledge", now=now)
    body = _text(body, "body", required=False)
    step.request.acknowledged_at = step.request.acknowledged_at or now
    return _finish(step, body=body, changed=["acknowledged_at"])


@transaction.atomic
def request_start(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The handling agency starts work on the request (optional note)."""
    step = _begin(actor=actor, request=request, action="start", now=now)
    body = _text(body, "body", required=False)
    return _finish(step, body=body)


@transaction.atomic
def request_answer(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The handling agency answers (body required); the clock stops."""
    step = _begin(actor=actor, request=request, action="answer", now=now)
    body = _text(body, "body")
    step.request.answered_at = now
    step.request.next_step_at = None
    return _finish(step, body=body, changed=["answered_at", "next_step_at"])


@transaction.atomic
def request_decline(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The handling agency declines the request (reason required)."""
    step = _begin(actor=actor, request=request, action="decline", now=now)
    r = step.request
    body = _text(body, "reason")
    r.decline_reason = body
    r.paused_at = None
    r.paused_status = ""
    r.next_step_at = None
    return _finish(
        step, body=body, changed=["decline_reason", "next_step_at", "paused_at", "paused_status"]
    )


@transaction.atomic
def request_clarify(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The handling agency asks the requester a question (required); the clock stands
    still until the requester responds."""
    step = _begin(actor=actor, request=request, action="clarify", now=now)
    r = step.request
    body = _text(body, "body")
    r.paused_at = now
    r.paused_status = r.status
    r.acknowledged_at = r.acknowledged_at or now
    r.next_step_at = None  # no escalation while the clock stands still
    return _finish(
        step,
        body=body,
        changed=["paused_at", "paused_status", "acknowledged_at", "next_step_at"],
    )


@transaction.atomic
def request_respond(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The requester clarifies (required): the request goes back to the status before the
    pause and the due date moves by the working days paused."""
    step = _begin(actor=actor, request=request, action="respond", now=now)
    r = step.request
    body = _text(body, "body")
    step.target_status = r.paused_status or S.ACKNOWLEDGED
    r.paused_status = ""
    days = _resume_clock(r, now)
    body = (
        body
        + "\n\n"
        + _("The due date moves by %(n)d working days to %(date)s.")
        % {"n": days, "date": r.due_date.isoformat()}
    )
    return _finish(
        step,
        body=body,
        changed=["paused_at", "paused_status", "paused_days", "due_date", "due_at", "next_step_at"],
    )


@transaction.atomic
def request_forward(
    *,
    actor: Any,
    request: Request,
    now: dt.datetime,
    body: str = "",
    to_agency: Agency | str | None = None,
) -> Request:
    """The handling agency forwards the request to the competent agency (reason
    required), where it arrives afresh with a new clock."""
    step = _begin(actor=actor, request=request, action="forward", now=now)
    r = step.request
    body = _text(body, "reason")
    if not to_agency:
        raise ValidationFailed(fields={"to_agency": [_("Name the agency that is competent.")]})
    target_agency = agency_from_slug(to_agency, "to_agency")
    if target_agency.pk in (r.to_agency_id, r.from_agency_id):
        raise ValidationFailed(
            fields={"to_agency": [_("Forward to an agency other than the two concerned.")]}
        )
    r.previous_handlers.add(r.to_agency)
    r.to_agency = target_agency
    r.acknowledged_at = None
    r.clock_cycle += 1
    r.paused_days = 0
    _start_clock(r, now)
    return _finish(
        step,
        body=body,
        target=target_agency,
        changed=[
            "paused_days",
            "to_agency",
            "region",
            "acknowledged_at",
            "clock_cycle",
            "clock_started_at",
            "due_date",
            "due_at",
            "escalation_level",
            "next_step_at",
            "sla_days",
        ],
    )


@transaction.atomic
def request_extend(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The handling agency extends the deadline of an information request once (reason
    required); the status stays as it is."""
    step = _begin(actor=actor, request=request, action="extend", now=now)
    r = step.request
    body = _text(body, "reason")
    if r.kind != RequestKind.INFORMATION:
        raise ValidationFailed(fields={"kind": [_("Only information requests may be extended.")]})
    if r.extended:
        raise ValidationFailed(fields={"reason": [_("The deadline was already extended.")]})
    step.target_status = r.status
    r.extended = True
    r.extension_reason = body
    r.sla_days += sla.INFORMATION_EXTENSION_DAYS
    r.clock_cycle += 1
    level = r.escalation_level
    _start_clock(r, r.clock_started_at)
    r.escalation_level = level if r.due_at <= now else 0
    return _finish(
        step,
        body=body,
        changed=[
            "extended",
            "extension_reason",
            "sla_days",
            "clock_cycle",
            "due_date",
            "due_at",
            "escalation_level",
            "next_step_at",
        ],
    )


@transaction.atomic
def request_close(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The requester closes the request (optional note)."""
    step = _begin(actor=actor, request=request, action="close", now=now)
    r = step.request
    body = _text(body, "body", required=False)
    r.closed_at = now
    r.next_step_at = None
    r.paused_at = None
    r.paused_status = ""
    return _finish(
        step, body=body, changed=["closed_at", "next_step_at", "paused_at", "paused_status"]
    )


@transaction.atomic
def request_reopen(*, actor: Any, request: Request, now: dt.datetime, body: str = "") -> Request:
    """The requester reopens an answered, declined or closed request (reason required);
    a new clock starts."""
    step = _begin(actor=actor, request=request, action="reopen", now=now)
    r = step.request
    body = _text(body, "reason")
    r.answered_at = None
    r.closed_at = None
    r.decline_reason = ""
    r.clock_cycle += 1
    r.paused_days = 0
    _start_clock(r, now)
    return _finish(
        step,
        body=body,
        changed=[
            "paused_days",
            "answered_at",
            "closed_at",
            "decline_reason",
            "clock_cycle",
            "clock_started_at",
            "due_date",
            "due_at",
            "escalation_level",
            "next_step_at",
            "region",
        ],
    )


class RequestAction(Protocol):
    """The shape every request action shares (``request_forward`` also takes
    ``to_agency``)."""

    def __call__(
        self, *, actor: Any, request: Request, now: dt.datetime, body: str = ""
    ) -> Request: ...


#: Each action's service, for callers that receive the action as data: the request page
#: posts to one URL per action, the demo replays a script. Same keys as TRANSITIONS.
REQUEST_ACTIONS: dict[str, RequestAction] = {
    "acknowledge": request_acknowledge,
    "start": request_start,
    "answer": request_answer,
    "decline": request_decline,
    "forward": request_forward,
    "extend": request_extend,
    "clarify": request_clarify,
    "respond": request_respond,
    "close": request_close,
    "reopen": request_reopen,
}


def _notify_transition(
    request: Request,
    action: str,
    event_kind: str,
    *,
    actor: Any,
    acting: Agency,
    now: dt.datetime,
    body: str,
) -> None:
    titles = {
        "acknowledge": _("%(agency)s acknowledged your request: %(subject)s"),
        "start": _("%(agency)s started work on your request: %(subject)s"),
        "answer": _("%(agency)s answered your request: %(subject)s"),
        "decline": _("%(agency)s declined your request: %(subject)s"),
        "forward": _("Your request was forwarded by %(agency)s: %(subject)s"),
        "extend": _("%(agency)s extended the deadline of your request: %(subject)s"),
        "close": _("%(agency)s closed the request: %(subject)s"),
        "reopen": _("%(agency)s reopened the request: %(subject)s"),
        "clarify": _("%(agency)s asks for a clarification of your request: %(subject)s"),
        "respond": _("%(agency)s clarified the request: %(subject)s"),
    }
    title = titles[action] % {"agency": acting, "subject": request.subject}
    if action in HANDLER_ACTIONS:
        audience = aud.staff_of(request.from_agency)
        if action == "forward":
            audience += aud.staff_of(request.to_agency)
    else:
        audience = aud.staff_of(request.to_agency)
    events_emit(
        f"coordination.request.{event_kind}",
        request,
        actor=actor,
        now=now,
        audience=audience,
        title=title,
        body=body,
        kind=action,
    )


@transaction.atomic
def request_message(*, actor: Any, request: Request, body: str, now: dt.datetime) -> RequestEvent:
    """Write in a request's conversation."""
    _aware(now)
    ensure_can(actor, "request.message", request)
    text = _text(body, "body")
    agency = _acting_agency(actor, request)
    event = _event(request, kind=EventKind.MESSAGE, actor=actor, now=now, agency=agency, body=text)
    audit_record(
        actor=actor,
        action="request.message",
        object_type="coordination.requestevent",
        object_id=str(event.pk),
        after={"request": request.pk, "body": text},
        region=request.audit_region,
        now=now,
    )
    # Tell the other side; a leader's or an admin's message goes to both agencies.
    others = [a for a in (request.from_agency, request.to_agency) if a != agency]
    events_emit(
        "coordination.request.message",
        request,
        actor=actor,
        now=now,
        audience=aud.staff_of(*others),
        title=_("New message on %(subject)s") % {"subject": request.subject},
        body=text,
        agencies=[],  # the conversation stays inside Sinergi: no webhook carries it
    )
    return event
