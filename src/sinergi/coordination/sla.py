"""The SLA clock in working days: pure functions over a ``sinergi.schedule.Calendar``.

Rules (docs/decisions/coordination-sla.md): the day a request arrives is day 0; the clock
counts the next working days of the handling agency's calendar, so an SLA of N working
days is due at the end of the N-th working day after the day of arrival (local time of the
region). Escalation steps sit at working-day offsets from that due date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sinergi.schedule import Calendar

#: Default SLA per request kind, in working days (see the decision record).
DEFAULT_SLA_DAYS = {
    "information": 10,  # UU 14/2008 Art. 22(7)
    "data": 10,
    "support": 10,
    "approval": 14,
    "action": 15,
}
#: An information request may be extended once by this many working days (UU 14/2008 22(8)).
INFORMATION_EXTENSION_DAYS = 7


@dataclass(frozen=True)
class StepOffsets:
    """Escalation step offsets in working days around the due date."""

    remind_days_before: int = 2
    head_days_after: int = 0
    sekda_days_after: int = 3
    bupati_days_after: int = 7


def local_date(moment: dt.datetime, tz: ZoneInfo) -> dt.date:
    """The calendar date of a moment in the region's time zone."""
    return moment.astimezone(tz).date()


def start_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Midnight at the start of a local date, in UTC."""
    return dt.datetime.combine(day, dt.time(0), tzinfo=tz).astimezone(dt.UTC)


def end_of_day(day: dt.date, tz: ZoneInfo) -> dt.datetime:
    """Midnight at the end of a local date (the start of the next day), in UTC."""
    return start_of_day(day + dt.timedelta(days=1), tz)


def due_date(cal: Calendar, start: dt.datetime, sla_days: int, tz: ZoneInfo) -> dt.date:
    """The N-th working day after the local date on which the clock started."""
    if sla_days < 1:
        raise ValueError("an SLA is at least one working day")
    first = local_date(start, tz) + dt.timedelta(days=1)
    return cal.date_at(first, sla_days - 1)


def working_days_left(cal: Calendar, due: dt.date, today: dt.date) -> int:
    """Working days after today up to and including the due date; negative when overdue
    (the working days after the due date up to and including today)."""
    one = dt.timedelta(days=1)
    if today <= due:
        return cal.working_days_between(today + one, due + one)
    return -cal.working_days_between(due + one, today + one)


def step_moments(
    cal: Calendar, due: dt.date, tz: ZoneInfo, offsets: StepOffsets
) -> dict[str, dt.datetime]:
    """When each escalation step falls due: the reminder at the start of the working day N
    days before the due date; the others at the end of the working day N days after it
    (head at 0: the moment the request becomes overdue)."""
    remind_day = cal.date_at(due, -offsets.remind_days_before)
    return {
        "remind": start_of_day(remind_day, tz),
        "head": end_of_day(cal.date_at(due, offsets.head_days_after), tz),
        "sekda": end_of_day(cal.date_at(due, offsets.sekda_days_after), tz),
        "bupati": end_of_day(cal.date_at(due, offsets.bupati_days_after), tz),
    }
