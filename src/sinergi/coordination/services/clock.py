"""The SLA clock of a request: due dates, step moments, pauses and working days left."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext as _

from sinergi.core.exceptions import ValidationFailed
from sinergi.regions.models import Region

from .. import sla
from ..calendars import calendar_for, region_tz
from ..models import EscalationPolicy, Request


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
