"""Every write of the coordination app: requests and their lifecycle, the SLA clock and
escalation, local holidays, escalation policies and meetings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.agencies.choices import GOVERNMENT_KINDS
from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import InvalidTransition, NotFound, ValidationFailed
from sinergi.core.permissions import Role, ensure_can
from sinergi.regions.models import Region

from . import sla
from .calendars import calendar_for, forget_calendars, region_tz
from .choices import (
    OPEN_STATUSES,
    STEP_LEVEL,
    EscalationStep,
    EventKind,
    MeetingStatus,
    RequestKind,
    RequestPriority,
    RequestStatus,
)
from .models import (
    Attachment,
    Attendance,
    CalendarFeed,
    Decision,
    EmailPreference,
    EscalationPolicy,
    LocalHoliday,
    Meeting,
    Request,
    RequestEvent,
    Webhook,
    WebhookDelivery,
)
from .notify import agency_users, notify

S = RequestStatus

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

SUBJECT_MAX = 200
BODY_MAX = 20000


def region_tz_default() -> Any:
    """The time zone demo and CLI moments are read in when no region is at hand."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Pontianak")


def _aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("services need an aware datetime")


def _actor_name(actor: Any) -> str:
    name = getattr(actor, "display_name", None)
    return str(name or actor.get_username())[:150]


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _text(value: str, field: str, *, required: bool = True, max_length: int = BODY_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationFailed(fields={field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return value


def _agency(value: Agency | str, field: str) -> Agency:
    if isinstance(value, Agency):
        agency = value
    else:
        agency_or_none = (
            Agency.objects.select_related("region").filter(slug=str(value)[:100]).first()
        )
        if agency_or_none is None:
            raise ValidationFailed(fields={field: [_("Unknown agency.")]})
        agency = agency_or_none
    if not agency.is_active:
        raise ValidationFailed(fields={field: [_("This agency is not active.")]})
    return agency


def _acting_agency(actor: Any, request: Request) -> Agency | None:
    """Which of the two agencies the actor speaks for (None: a leader, an admin, the system)."""
    from .permissions import acts_for

    if getattr(actor, "pk", None) is None:
        return None
    if acts_for(actor, request.from_agency):
        return request.from_agency
    if acts_for(actor, request.to_agency):
        return request.to_agency
    return None


def _event(
    request: Request,
    *,
    kind: str,
    actor: Any,
    now: dt.datetime,
    agency: Agency | None = None,
    target: Agency | None = None,
    body: str = "",
    step: str = "",
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        at=now,
        kind=kind,
        actor=_actor_user(actor),
        actor_name=_actor_name(actor),
        agency=agency,
        target_agency=target,
        body=body,
        step=step,
        clock_cycle=request.clock_cycle,
    )


# --- the clock -----------------------------------------------------------------------


def policy_offsets(region: Region, kind: str) -> tuple[sla.StepOffsets, EscalationPolicy | None]:
    """The escalation offsets of a region and kind, or the defaults when none is set."""
    policy = EscalationPolicy.objects.filter(region=region, kind=kind).first()
    if policy is None:
        return sla.StepOffsets(), None
    return (
        sla.StepOffsets(
            remind_days_before=policy.remind_days_before,
            head_days_after=policy.head_days_after,
            sekda_days_after=policy.sekda_days_after,
            bupati_days_after=policy.bupati_days_after,
        ),
        policy,
    )


def request_step_moments(request: Request) -> dict[str, dt.datetime]:
    """When each escalation step of the current clock cycle falls due (a reminder that
    would fall before the clock started is left out)."""
    tz = region_tz(request.region)
    cal = calendar_for(request.to_agency, request.due_date)
    offsets, _policy = policy_offsets(request.region, request.kind)
    moments = sla.step_moments(cal, request.due_date, tz, offsets)
    if moments["remind"] <= request.clock_started_at:
        del moments["remind"]
    return moments


def _start_clock(request: Request, start: dt.datetime, *, due: dt.date | None = None) -> None:
    """(Re)start the SLA clock at the handling agency from ``start``."""
    agency = request.to_agency
    tz = region_tz(agency.region)
    cal = calendar_for(agency, sla.local_date(start, tz))
    request.region = agency.region
    request.clock_started_at = start
    if due is not None:
        first = sla.local_date(start, tz) + dt.timedelta(days=1)
        due = cal.date_at(due, 0)  # a due date on a day off moves to the next working day
        if due < first:
            raise ValidationFailed(fields={"due_date": [_("The due date must be in the future.")]})
        request.sla_days = max(1, cal.working_days_between(first, due + dt.timedelta(days=1)))
    # Working days paused for the requester's clarification push the due date.
    request.due_date = sla.due_date(cal, start, request.sla_days + request.paused_days, tz)
    request.due_at = sla.end_of_day(request.due_date, tz)
    request.escalation_level = 0
    moments = request_step_moments(request)
    request.next_step_at = min(moments.values()) if moments else None


def paused_working_days(request: Request, now: dt.datetime) -> int:
    """Working days of the handling agency the clock stood still: those after the day of
    the pause up to and including the day of the clarification (the day the
    clarification arrives is day 0 again, as for a new request)."""
    if request.paused_at is None:
        return 0
    tz = region_tz(request.region)
    first = sla.local_date(request.paused_at, tz)
    last = sla.local_date(now, tz)
    if last <= first:
        return 0
    cal = calendar_for(request.to_agency, last)
    one = dt.timedelta(days=1)
    return cal.working_days_between(first + one, last + one)


def _resume_clock(request: Request, now: dt.datetime) -> int:
    """Resume a paused clock: the due date moves by the working days paused; escalation
    steps already taken in this cycle stay taken. Returns the days added."""
    days = paused_working_days(request, now)
    request.paused_days += days
    request.paused_at = None
    tz = region_tz(request.region)
    cal = calendar_for(request.to_agency, sla.local_date(request.clock_started_at, tz))
    request.due_date = sla.due_date(
        cal, request.clock_started_at, request.sla_days + request.paused_days, tz
    )
    request.due_at = sla.end_of_day(request.due_date, tz)
    done = set(
        request.events.filter(clock_cycle=request.clock_cycle)
        .exclude(step="")
        .values_list("step", flat=True)
    )
    pending = [m for st, m in request_step_moments(request).items() if st not in done]
    request.next_step_at = min(pending) if pending else None
    return days


def working_days_left(request: Request, now: dt.datetime) -> int:
    """Working days of the handling agency left until the due date (negative: overdue)."""
    tz = region_tz(request.region)
    today = sla.local_date(now, tz)
    cal = calendar_for(request.to_agency, today)
    return sla.working_days_left(cal, request.due_date, today)


# --- requests ------------------------------------------------------------------------


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
    _emit("request.submitted", request, now)
    notify(
        users=agency_users(target),
        kind="submitted",
        title=_("New request from %(agency)s: %(subject)s")
        % {"agency": source, "subject": request.subject},
        request=request,
        now=now,
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
    _emit(f"request.{event_kind}", request, now)
    _notify_transition(request, action, acting=acting, now=now, body=body)
    return request


def _notify_transition(
    request: Request, action: str, *, acting: Agency, now: dt.datetime, body: str
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
        users = agency_users(request.from_agency)
        if action == "forward":
            users += agency_users(request.to_agency)
    else:
        users = agency_users(request.to_agency)
    notify(users=users, kind=action, title=title, request=request, now=now, body=body)


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
    notify(
        users=[u for a in others for u in agency_users(a)],
        kind="message",
        title=_("New message on %(subject)s") % {"subject": request.subject},
        request=request,
        now=now,
        body=text,
    )
    return event


# --- escalation ----------------------------------------------------------------------


def _government_agency(region: Region) -> Agency | None:
    return (
        Agency.objects.filter(region=region, kind__in=GOVERNMENT_KINDS, is_active=True)
        .order_by("pk")
        .first()
    )


def step_recipients(request: Request, step: str) -> list[Any]:
    """Who is told of an escalation step."""
    _offsets, policy = policy_offsets(request.region, request.kind)
    if step == EscalationStep.REMIND:
        return agency_users(request.to_agency, Role.STAFF)
    if step == EscalationStep.HEAD:
        return agency_users(request.to_agency, Role.HEAD)
    if step == EscalationStep.SEKDA:
        if policy is not None and policy.sekda_agency is not None:
            return agency_users(policy.sekda_agency, Role.HEAD)
        gov = _government_agency(request.region)
        return [
            u
            for u in (agency_users(gov, Role.MANAGER) if gov else [])
            if u not in agency_users(gov, Role.HEAD)
        ]
    agency = policy.bupati_agency if policy is not None else None
    agency = agency or _government_agency(request.region)
    return agency_users(agency, Role.HEAD) if agency else []


def request_apply_steps(*, request_id: int, now: dt.datetime) -> int:
    """Apply every escalation step of a request due up to ``now`` that was not applied in
    this clock cycle; returns how many were applied. Safe to call any number of times,
    from any number of workers."""
    _aware(now)
    from sinergi.core.permissions import SYSTEM

    with transaction.atomic():
        request = (
            Request.objects.select_for_update()
            .select_related("from_agency", "to_agency", "region")
            .filter(pk=request_id)
            .first()
        )
        if request is None or request.status not in OPEN_STATUSES:
            return 0
        moments = request_step_moments(request)
        done = set(
            request.events.filter(clock_cycle=request.clock_cycle)
            .exclude(step="")
            .values_list("step", flat=True)
        )
        applied = 0
        before = snapshot(request)
        for step in EscalationStep.values:
            moment = moments.get(step)
            if moment is None or moment > now or step in done:
                continue
            try:
                with transaction.atomic():
                    _apply_step(request, step, now=now, actor=SYSTEM)
            except IntegrityError:  # another worker applied it first
                continue
            applied += 1
        pending = [m for s, m in moments.items() if s not in done and m > now]
        request.next_step_at = min(pending) if pending else None
        request.save(update_fields=["escalation_level", "next_step_at"])
        if applied:
            audit_record(
                actor=SYSTEM, action="request.escalate", obj=request, before=before, now=now
            )
        return applied


def _apply_step(request: Request, step: str, *, now: dt.datetime, actor: Any) -> None:
    label = EscalationStep(step).label
    kind = EventKind.REMINDER if step == EscalationStep.REMIND else EventKind.ESCALATED
    users = step_recipients(request, step)
    names = ", ".join(sorted(_actor_name(u) for u in users)) or _("nobody (no member found)")
    _event(
        request,
        kind=kind,
        actor=actor,
        now=now,
        agency=request.to_agency,
        step=step,
        body=_("%(step)s; notified: %(names)s") % {"step": label, "names": names},
    )
    request.escalation_level = max(request.escalation_level, STEP_LEVEL[EscalationStep(step)])
    _emit(
        "request.reminder" if step == EscalationStep.REMIND else "request.escalated",
        request,
        now,
        step=step,
    )
    days = working_days_left(request, now)
    title = (
        _("Reminder: %(subject)s is due %(date)s")
        if step == EscalationStep.REMIND
        else _("Escalation: %(subject)s (due %(date)s) is overdue")
    ) % {"subject": request.subject, "date": request.due_date.isoformat()}
    notify(
        users=users,
        kind=step,
        title=title,
        request=request,
        now=now,
        body=_("%(agency)s asked %(to)s; working days left: %(days)d.")
        % {"agency": request.from_agency, "to": request.to_agency, "days": days},
    )


def escalate_due(*, now: dt.datetime) -> dict[str, int]:
    """Apply the escalation steps due up to ``now`` on every open request."""
    ids = list(
        Request.objects.filter(status__in=OPEN_STATUSES, next_step_at__lte=now)
        .order_by("next_step_at")
        .values_list("pk", flat=True)
    )
    steps = sum(request_apply_steps(request_id=pk, now=now) for pk in ids)
    return {"requests": len(ids), "steps": steps}


# --- calendar and policies -----------------------------------------------------------


def _region(value: Region | str) -> Region:
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(code=str(value)[:20]).first()
    if region is None:
        raise ValidationFailed(fields={"region": [_("Unknown region.")]})
    return region


@transaction.atomic
def holiday_add(
    *, actor: Any, region: Region | str, date: dt.date, name: str, now: dt.datetime
) -> LocalHoliday:
    """Add a local holiday to a region's calendar (clocks started later count it)."""
    reg = _region(region)
    ensure_can(actor, "calendar.manage", reg)
    name = _text(name, "name", max_length=200)
    if LocalHoliday.objects.filter(region=reg, date=date).exists():
        raise ValidationFailed(fields={"date": [_("This day is already a local holiday.")]})
    holiday = LocalHoliday.objects.create(region=reg, date=date, name=name)
    audit_record(actor=actor, action="holiday.add", obj=holiday, now=now)
    transaction.on_commit(forget_calendars)
    forget_calendars()
    return holiday


@transaction.atomic
def holiday_remove(*, actor: Any, holiday: LocalHoliday, now: dt.datetime) -> None:
    """Take a local holiday off a region's calendar."""
    ensure_can(actor, "calendar.manage", holiday.region)
    before = snapshot(holiday)
    audit_record(
        actor=actor, action="holiday.remove", obj=holiday, before=before, after={}, now=now
    )
    holiday.delete()
    transaction.on_commit(forget_calendars)
    forget_calendars()


@transaction.atomic
def policy_set(
    *,
    actor: Any,
    region: Region | str,
    kind: str,
    remind_days_before: int,
    head_days_after: int,
    sekda_days_after: int,
    bupati_days_after: int,
    now: dt.datetime,
    sekda_agency: Agency | str | None = None,
    bupati_agency: Agency | str | None = None,
) -> EscalationPolicy:
    """Create or change the escalation policy of a region for one kind of request; it
    applies to clocks (re)started from now on."""
    reg = _region(region)
    ensure_can(actor, "calendar.manage", reg)
    errors: dict[str, list[str]] = {}
    if kind not in RequestKind.values:
        errors["kind"] = [_("Choose one of the allowed values.")]
    values = {
        "remind_days_before": remind_days_before,
        "head_days_after": head_days_after,
        "sekda_days_after": sekda_days_after,
        "bupati_days_after": bupati_days_after,
    }
    for field, value in values.items():
        if not 0 <= value <= 60:
            errors[field] = [_("Between 0 and 60 working days.")]
    if not errors and not head_days_after < sekda_days_after < bupati_days_after:
        errors["sekda_days_after"] = [
            _("The steps must come in order: head, then Sekda, then Bupati.")
        ]
    if errors:
        raise ValidationFailed(fields=errors)
    policy = EscalationPolicy.objects.filter(region=reg, kind=kind).first()
    before = snapshot(policy) if policy else None
    if policy is None:
        policy = EscalationPolicy(region=reg, kind=kind)
    for field, value in values.items():
        setattr(policy, field, value)
    policy.sekda_agency = _agency(sekda_agency, "sekda_agency") if sekda_agency else None
    policy.bupati_agency = _agency(bupati_agency, "bupati_agency") if bupati_agency else None
    policy.save()
    audit_record(actor=actor, action="escalation_policy.set", obj=policy, before=before, now=now)
    return policy


# --- meetings ------------------------------------------------------------------------


def _agencies(values: Iterable[Agency | str], field: str) -> list[Agency]:
    out: dict[int, Agency] = {}
    for v in values:
        a = _agency(v, field)
        out[a.pk] = a
    return list(out.values())


def meeting_ics(meeting: Meeting, *, method: str = "PUBLISH") -> bytes:
    """The meeting as an iCalendar object: ``PUBLISH`` for downloads, ``REQUEST`` for
    (updated) invitations and ``CANCEL`` for cancellations (RFC 5546). The organizer is the
    convening agency at its email (else ``DEFAULT_FROM_EMAIL``); invited agencies with an
    email are the attendees."""
    from django.conf import settings
    from django.utils import timezone

    from . import ics

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
    convener = _agency(convening_agency, "convening_agency")
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
    from .webhooks import enqueue

    enqueue(
        event="meeting.created",
        agencies=[convener, *guests],
        payload={
            "meeting": {
                "id": meeting.pk,
                "convening_agency": convener.slug,
                "title": meeting.title,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "place": meeting.place,
            }
        },
        now=now,
    )
    users: list[Any] = []
    for a in guests:
        users += agency_users(a)
    notify(
        users=users,
        kind="meeting",
        title=_("Invitation: %(title)s on %(date)s")
        % {
            "title": meeting.title,
            "date": starts_at.astimezone(region_tz(meeting.region)).strftime("%Y-%m-%d %H:%M"),
        },
        meeting=meeting,
        now=now,
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
        _notify_revision(meeting, cancelled=cancelled, now=now)
    if minutes and minutes.strip() and minutes.strip() != before.get("minutes"):
        users: list[Any] = []
        for agency in [meeting.convening_agency, *meeting.invited.all()]:
            users += agency_users(agency)
        notify(
            users=users,
            kind="minutes",
            title=_("Minutes of %(title)s") % {"title": meeting.title},
            meeting=meeting,
            now=now,
            body=meeting.minutes,
        )
    return meeting


def _notify_revision(meeting: Meeting, *, cancelled: bool, now: dt.datetime) -> None:
    """Email the invited agencies' people the updated invitation or the cancellation."""
    users: list[Any] = []
    for agency in meeting.invited.all():
        users += agency_users(agency)
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
    notify(
        users=users,
        kind="meeting",
        title=title,
        meeting=meeting,
        now=now,
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
    who = _agency(agency, "agency")
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


# --- attachments ---------------------------------------------------------------------


@transaction.atomic
def attachment_add(
    *, actor: Any, request: Request, data: bytes, name: str, now: dt.datetime
) -> Attachment:
    """Attach a file to a request's conversation after checking its size and content."""
    import hashlib
    import os
    import uuid

    from . import attachments

    _aware(now)
    ensure_can(actor, "request.message", request)
    if not data:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    if len(data) > attachments.MAX_BYTES:
        raise ValidationFailed(
            fields={"file": [_("The file is larger than %(n)d MB.") % {"n": 10}]}
        )
    ext = attachments.sniff(data, name)
    if ext is None:
        raise ValidationFailed(
            fields={"file": [_("Only PDF, PNG, JPEG, DOCX, XLSX, CSV or text files.")]}
        )
    agency = _acting_agency(actor, request)
    display = attachments.clean_name(name, ext)
    stored = uuid.uuid4().hex
    folder = attachments.storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{stored}.part"
    tmp.write_bytes(data)
    os.replace(tmp, folder / stored)
    try:
        event = _event(
            request, kind=EventKind.ATTACHMENT, actor=actor, now=now, agency=agency, body=display
        )
        row = Attachment.objects.create(
            request=request,
            event=event,
            uploaded_by=_actor_user(actor),
            name=display,
            content_type=attachments.TYPES[ext],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=stored,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="request.attach",
            object_type="coordination.attachment",
            object_id=str(row.pk),
            after={"request": request.pk, "name": display, "size": row.size, "sha256": row.sha256},
            region=request.audit_region,
            now=now,
        )
    except Exception:
        (folder / stored).unlink(missing_ok=True)
        raise
    return row


# --- webhooks ------------------------------------------------------------------------


def request_payload(request: Request) -> dict[str, Any]:
    """What a webhook receives about a request (no personal data)."""
    return {
        "request": {
            "id": request.pk,
            "from_agency": request.from_agency.slug,
            "to_agency": request.to_agency.slug,
            "kind": request.kind,
            "status": request.status,
            "subject": request.subject,
            "due_date": request.due_date.isoformat(),
            "escalation_level": request.escalation_level,
        }
    }


def _emit(event: str, request: Request, now: dt.datetime, **extra: Any) -> None:
    from .webhooks import enqueue

    enqueue(
        event=event,
        agencies=[request.from_agency, request.to_agency, *request.previous_handlers.all()],
        payload={**request_payload(request), **extra},
        now=now,
    )


@transaction.atomic
def webhook_create(*, actor: Any, agency: Agency | str, url: str, now: dt.datetime) -> Webhook:
    """Register an agency's webhook; its secret is shown once, to sign deliveries."""
    import secrets

    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    target = _agency(agency, "agency")
    ensure_can(actor, "webhook.manage", target)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationFailed(fields={"url": [_("Enter an http or https URL.")]}) from exc
    if len(url) > 500:
        raise ValidationFailed(fields={"url": [_("At most %(n)d characters.") % {"n": 500}]})
    from .webhooks import UnsafeDestination, check_url

    try:
        # A name that does not resolve yet is accepted; every delivery checks again.
        check_url(url, must_resolve=False)
    except UnsafeDestination as exc:
        raise ValidationFailed(fields={"url": [str(exc)]}) from exc
    hook = Webhook.objects.create(
        agency=target, url=url, secret=secrets.token_hex(32), is_active=True, created_at=now
    )
    audit_record(
        actor=actor,
        action="webhook.create",
        obj=hook,
        after={"agency": target.slug, "url": url},
        now=now,
    )
    return hook


@transaction.atomic
def webhook_delete(*, actor: Any, webhook: Webhook, now: dt.datetime) -> None:
    """Remove a webhook and its delivery log."""
    ensure_can(actor, "webhook.manage", webhook.agency)
    audit_record(
        actor=actor,
        action="webhook.delete",
        obj=webhook,
        before={"agency": webhook.agency.slug, "url": webhook.url},
        after={},
        now=now,
    )
    webhook.delete()


def _hook_state(webhook: Webhook) -> dict[str, Any]:
    # Never the secret: the audit chain is read by more people than the agency head.
    return {"agency": webhook.agency.slug, "url": webhook.url, "is_active": webhook.is_active}


@transaction.atomic
def webhook_set_active(*, actor: Any, webhook: Webhook, active: bool, now: dt.datetime) -> Webhook:
    """Disable a webhook (events are no longer queued for it) or enable it again."""
    ensure_can(actor, "webhook.manage", webhook.agency)
    if webhook.is_active != bool(active):
        before = _hook_state(webhook)
        webhook.is_active = bool(active)
        webhook.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="webhook.enable" if active else "webhook.disable",
            obj=webhook,
            before=before,
            after=_hook_state(webhook),
            now=now,
        )
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, actor: Any, webhook: Webhook, now: dt.datetime) -> Webhook:
    """Give a webhook a new signing secret (returned on the object, shown once); events
    still waiting are signed with the new one."""
    import secrets

    ensure_can(actor, "webhook.manage", webhook.agency)
    webhook.secret = secrets.token_hex(32)
    webhook.save(update_fields=["secret"])
    audit_record(
        actor=actor,
        action="webhook.rotate_secret",
        obj=webhook,
        before={"secret": "(previous)"},
        after={"secret": "(new, not recorded)"},
        now=now,
    )
    return webhook


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: WebhookDelivery, now: dt.datetime) -> WebhookDelivery:
    """Send a pending or failed event again at the next tick (a delivered one stays)."""
    from .webhooks import MAX_ATTEMPTS

    ensure_can(actor, "webhook.manage", delivery.webhook.agency)
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status == "delivered":
        raise ValidationFailed(fields={"delivery": [_("This event was already delivered.")]})
    if not delivery.webhook.is_active:
        raise ValidationFailed(fields={"delivery": [_("Enable the webhook first.")]})
    before = {"status": row.status, "next_attempt_at": row.next_attempt_at}
    row.status = "pending"
    row.next_attempt_at = now
    if row.attempts >= MAX_ATTEMPTS:
        # A manual retry gives the event one more attempt before it is marked failed.
        row.attempts = MAX_ATTEMPTS - 1
    row.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(
        actor=actor,
        action="webhook.redeliver",
        object_type="coordination.webhookdelivery",
        object_id=str(row.pk),
        before=before,
        after={"status": row.status, "next_attempt_at": now, "event": row.event},
        region=delivery.webhook.audit_region,
        now=now,
    )
    return row


# --- email preferences ---------------------------------------------------------------

PREFERENCE_FIELDS = ("new_requests", "status_changes", "escalations", "meetings", "daily_digest")


def email_preferences(user: Any) -> EmailPreference:
    """The user's email preferences (every email on when never set)."""
    found = EmailPreference.objects.filter(user=user).first()
    return found or EmailPreference(user=user)


@transaction.atomic
def email_preferences_set(*, actor: Any, now: dt.datetime, **choices: bool) -> EmailPreference:
    """Choose which coordination emails the actor receives (the in-app inbox keeps every
    notification; escalations up the chain are always emailed)."""
    if getattr(actor, "pk", None) is None:
        raise ValidationFailed(fields={"user": [_("Email preferences belong to a person.")]})
    unknown = set(choices) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    pref = EmailPreference.objects.select_for_update().filter(user=actor).first()
    before = {f: getattr(pref, f) for f in PREFERENCE_FIELDS} if pref else None
    if pref is None:
        pref = EmailPreference(user=actor)
    for field, value in choices.items():
        setattr(pref, field, bool(value))
    pref.updated_at = now
    pref.save()
    audit_record(
        actor=actor,
        action="email_preferences.set",
        object_type="coordination.emailpreference",
        object_id=str(pref.pk),
        before=before,
        after={f: getattr(pref, f) for f in PREFERENCE_FIELDS},
        now=now,
    )
    return pref


# --- calendar feeds ------------------------------------------------------------------


def feed_token_hash(token: str) -> str:
    """The stored form of a feed token."""
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(
    *, actor: Any, now: dt.datetime, agency: Agency | str | None = None
) -> tuple[CalendarFeed, str]:
    """A new secret calendar address for the actor; the token is returned once."""
    import secrets

    from sinergi.agencies.selectors import role_in

    if getattr(actor, "pk", None) is None:
        raise ValidationFailed(fields={"user": [_("A calendar feed belongs to a person.")]})
    target = _agency(agency, "agency") if agency else None
    if target is not None and role_in(actor, target, inherited=False) is None:
        raise ValidationFailed(fields={"agency": [_("You are not a member of this agency.")]})
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=actor, agency=target, token_hash=feed_token_hash(token), created_at=now
    )
    audit_record(
        actor=actor,
        action="calendar_feed.create",
        object_type="coordination.calendarfeed",
        object_id=str(feed.pk),
        after={"user": actor.pk, "agency": target.slug if target else None},
        region=target.region.code if target else "",
        now=now,
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, actor: Any, feed: CalendarFeed, now: dt.datetime) -> CalendarFeed:
    """Revoke a calendar address: it answers 404 from now on."""
    ensure_can(actor, "feed.manage", feed)
    if feed.revoked_at is None:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="calendar_feed.revoke",
            object_type="coordination.calendarfeed",
            object_id=str(feed.pk),
            after={"revoked_at": now},
            now=now,
        )
    return feed
