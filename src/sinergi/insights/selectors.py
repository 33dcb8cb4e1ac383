"""Read side of insights: the figures the dashboard, the report and the API show.

Every function takes the viewing ``user`` and answers only what that user may see: platform
admins everything, leaders their region, agency staff their own agency (and, for pairs, the
pairs that involve it). Figures come from the summary tables kept by the tick job
(``metrics.refresh_facts``); they are at most a minute behind, see ``metrics_updated_at``.
The meaning of every figure is defined once in ``metrics.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 3 * 366


@dataclass(frozen=True)
class Window:
    """A closed range of calendar days [date_from, date_to] in the region's time zone."""

    date_from: dt.date
    date_to: dt.date


def window_from_params(
    from_: dt.date | str | None, to: dt.date | str | None, *, now: dt.datetime
) -> Window:
    """The window asked for by ``from``/``to`` (dates or ISO strings), default the last 90
    days ending today. Raises ``ValidationFailed`` (Indonesian/English message per field)
    for a bad date, ``from`` after ``to`` or a span longer than three years."""
    raise NotImplementedError


@dataclass(frozen=True)
class AgencyMetrics:
    """The figures of one agency over a window (meanings in ``metrics.py``)."""

    agency: str  # slug
    name: str
    short_name: str
    region: str  # Kemendagri code of the agency's region
    kind: str
    received: int
    answered: int
    answered_on_time: int
    open_overdue: int
    median_response_days: float | None
    p90_response_days: float | None
    forwarded: int
    days_to_forward: float | None  # median working days from receipt to forwarding
    escalations: int
    escalations_by_level: dict[int, int]
    handoffs_due: int
    handoffs_on_time: int
    handoffs_late: int
    delay_days_attributed: int
    data_requests_received: int
    data_requests_fulfilled: int
    datasets_published: int
    datasets_stale: int
    # Blood units (PMI) and hospitals only, else None.
    blood_fill_rate: float | None = None
    blood_hours_to_fulfil: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        """Share of the answered requests answered on time (None when none answered)."""
        return self.answered_on_time / self.answered if self.answered else None


@dataclass(frozen=True)
class PairMetrics:
    """Requests from one agency to another over a window ("who waits for whom")."""

    from_agency: str  # slug
    from_name: str
    to_agency: str  # slug
    to_name: str
    requests: int
    answered: int
    answered_on_time: int
    median_response_days: float | None
    open_overdue: int


@dataclass(frozen=True)
class MonthPoint:
    """One calendar month of an agency's (or the region's) trend."""

    month: dt.date  # first day of the month
    received: int
    answered: int
    answered_on_time: int
    median_response_days: float | None
    open_overdue_at_month_end: int


@dataclass(frozen=True)
class ProgramHealth:
    """Whether a programme is on track: red/amber/green and why."""

    program: str  # code
    title: str
    coordinator: str  # agency slug
    coordinator_name: str
    region: str
    rag: str  # "red" | "amber" | "green"
    slip_days: int | None  # forecast finish minus baseline finish, working days
    late_critical_handoffs: int
    holding_agencies: list[str] = field(default_factory=list)  # slugs holding them


@dataclass(frozen=True)
class Summary:
    """Totals over a window for what the user may see."""

    window: Window
    region: str | None
    agencies: int
    received: int
    answered: int
    answered_on_time: int
    open_overdue: int
    median_response_days: float | None
    forwarded: int
    escalations: int
    handoffs_late: int
    programs_red: int
    programs_amber: int
    programs_green: int
    updated_at: dt.datetime | None


def agency_metrics(
    *,
    user: Any,
    window: Window,
    region: str | None = None,
    agency: str | None = None,
    now: dt.datetime,
) -> list[AgencyMetrics]:
    """One row per visible agency with requests, hand-offs, data or blood activity, worst
    open-overdue first. ``region`` (Kemendagri code, includes sub-regions) and ``agency``
    (slug) narrow it; an unknown or invisible one raises ``NotFound``."""
    raise NotImplementedError


def pair_metrics(
    *,
    user: Any,
    window: Window,
    region: str | None = None,
    agency: str | None = None,
    now: dt.datetime,
) -> list[PairMetrics]:
    """One row per (from, to) pair with requests in the window; with ``agency`` only the
    pairs where it is either side."""
    raise NotImplementedError


def monthly_trend(
    *,
    user: Any,
    agency: str | None = None,
    region: str | None = None,
    months: int = 12,
    now: dt.datetime,
) -> list[MonthPoint]:
    """The last ``months`` calendar months, oldest first, including the current one."""
    raise NotImplementedError


def program_health(
    *, user: Any, region: str | None = None, now: dt.datetime
) -> list[ProgramHealth]:
    """Every visible active programme, red first."""
    raise NotImplementedError


def summary(*, user: Any, window: Window, region: str | None = None, now: dt.datetime) -> Summary:
    """Totals of ``agency_metrics`` and ``program_health`` for the user."""
    raise NotImplementedError


def metrics_updated_at() -> dt.datetime | None:
    """When the summary tables were last brought up to date (None: never)."""
    raise NotImplementedError
