"""Requests and their lifecycle: submission, the actions on a request and messages."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit

from .. import sla
from ..choices import OPEN_STATUSES, EventKind, RequestKind, RequestPriority
from ..models import Decision, Meeting, Request, RequestEvent
from .clock import _resume_clock, _start_clock
from .common import SUBJECT_MAX, S, _acting_agency, _actor_user, _agency, _aware, _event, _text

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
    source = _agency(from_agency, "from_agency")
    ensure_can(actor, "request.submit", source)
    target = _agency(to_agency, "to_agency")
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


@transaction.atomic
def request_act(
    *,
    actor: Any,
    request: Request,
    action: str,
    now: dt.datetime,
    body: str = "",
    to_agency: Agency | str | None = None,
) -> Request:
    """Move a request along its lifecycle: acknowledge, start, answer (body), decline
    (reason), forward (competent agency + reason), extend (reason; information only,
    once), clarify (question; pauses the clock), respond (clarification; resumes it and
    moves the due date by the working days paused), close, reopen (reason)."""
    _aware(now)
    if action not in TRANSITIONS:
        raise ValidationFailed(fields={"action": [_("Choose one of the allowed values.")]})
    request = (
        Request.objects.select_for_update()
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
    before = snapshot(request)
    changed = ["status", "updated_at"]
    target_agency: Agency | None = None
    event_kind = {
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
    }[action]
    if action == "acknowledge":
        body = _text(body, "body", required=False)
        request.acknowledged_at = request.acknowledged_at or now
        changed.append("acknowledged_at")
    elif action == "start":
        body = _text(body, "body", required=False)
    elif action == "answer":
        body = _text(body, "body")
        request.answered_at = now
        changed += ["answered_at", "next_step_at"]
        request.next_step_at = None
    elif action == "decline":
        body = _text(body, "reason")
        request.decline_reason = body
        request.paused_at = None
        request.paused_status = ""
        changed += ["decline_reason", "next_step_at", "paused_at", "paused_status"]
        request.next_step_at = None
    elif action == "clarify":
        body = _text(body, "body")
        request.paused_at = now
        request.paused_status = request.status
        request.acknowledged_at = request.acknowledged_at or now
        request.next_step_at = None  # no escalation while the clock stands still
        changed += ["paused_at", "paused_status", "acknowledged_at", "next_step_at"]
    elif action == "respond":
        body = _text(body, "body")
        target_status = request.paused_status or S.ACKNOWLEDGED
        request.paused_status = ""
        days = _resume_clock(request, now)
        body = (
            body
            + "\n\n"
            + _("The due date moves by %(n)d working days to %(date)s.")
            % {"n": days, "date": request.due_date.isoformat()}
        )
        changed += [
            "paused_at",
            "paused_status",
            "paused_days",
            "due_date",
            "due_at",
            "next_step_at",
        ]
    elif action == "forward":
        body = _text(body, "reason")
        if not to_agency:
            raise ValidationFailed(fields={"to_agency": [_("Name the agency that is competent.")]})
        target_agency = _agency(to_agency, "to_agency")
        if target_agency.pk in (request.to_agency_id, request.from_agency_id):
            raise ValidationFailed(
                fields={"to_agency": [_("Forward to an agency other than the two concerned.")]}
            )
        request.previous_handlers.add(request.to_agency)
        request.to_agency = target_agency
        request.acknowledged_at = None
        request.clock_cycle += 1
        request.paused_days = 0
        _start_clock(request, now)
        changed += [
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
        ]
    elif action == "extend":
        body = _text(body, "reason")
        if request.kind != RequestKind.INFORMATION:
            raise ValidationFailed(
                fields={"kind": [_("Only information requests may be extended.")]}
            )
        if request.extended:
            raise ValidationFailed(fields={"reason": [_("The deadline was already extended.")]})
        target_status = request.status
        request.extended = True
        request.extension_reason = body
        request.sla_days += sla.INFORMATION_EXTENSION_DAYS
        request.clock_cycle += 1
        level = request.escalation_level
        _start_clock(request, request.clock_started_at)
        request.escalation_level = level if request.due_at <= now else 0
        changed += [
            "extended",
            "extension_reason",
            "sla_days",
            "clock_cycle",
            "due_date",
            "due_at",
            "escalation_level",
            "next_step_at",
        ]
    elif action == "close":
        body = _text(body, "body", required=False)
        request.closed_at = now
        request.next_step_at = None
        request.paused_at = None
        request.paused_status = ""
        changed += ["closed_at", "next_step_at", "paused_at", "paused_status"]
    elif action == "reopen":
        body = _text(body, "reason")
        request.answered_at = None
        request.closed_at = None
        request.decline_reason = ""
        request.clock_cycle += 1
        request.paused_days = 0
        _start_clock(request, now)
        changed += [
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
        ]
    request.status = target_status
    request.updated_at = now
    request.save(update_fields=sorted(set(changed)))
    _event(
        request,
        kind=event_kind,
        actor=actor,
        now=now,
        agency=acting,
        target=target_agency,
        body=body,
    )
    audit_record(actor=actor, action=f"request.{action}", obj=request, before=before, now=now)
    _notify_transition(request, action, event_kind, actor=actor, acting=acting, now=now, body=body)
    return request


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
