"""Schemas of the insights API (meanings in ``insights/metrics.py``)."""

from __future__ import annotations

import datetime as dt

from ninja import Field, Schema


class InsightsFilters(Schema):
    """The window and the scope of the figures."""

    from_: str | None = Field(
        None, alias="from", max_length=30, description="First day (YYYY-MM-DD); default 90 days ago"
    )
    to: str | None = Field(None, max_length=30, description="Last day (YYYY-MM-DD); default today")
    region: str | None = Field(None, max_length=20, description="Kemendagri region code")
    agency: str | None = Field(None, max_length=100, description="Agency slug")


class PageFilters(Schema):
    """Which rows of a long list to return (a country has 20,000 agencies)."""

    limit: int = Field(500, ge=1, le=500, description="Rows to return")
    offset: int = Field(0, ge=0, le=10_000_000, description="Rows to skip")


class AgencyFilters(InsightsFilters, PageFilters):
    """The window and scope of the agency list, and which of its rows to return."""


class PairFilters(InsightsFilters):
    """The window and scope of the pair list, and how many pairs to return."""

    limit: int = Field(200, ge=1, le=5000, description="Pairs to return, worst first")


class ProgramFilters(PageFilters):
    """The scope of the programme list and which of its rows to return."""

    region: str | None = Field(None, max_length=20, description="Kemendagri region code")


class PublicFilters(PageFilters):
    """The window and region of the public scoreboard and which of its rows to return."""

    from_: str | None = Field(None, alias="from", max_length=30)
    to: str | None = Field(None, max_length=30)
    region: str | None = Field(None, max_length=20)


class EscalationsOut(Schema):
    """Escalations received, by level."""

    head: int = Field(description="Level 1: to the agency head")
    sekda: int = Field(description="Level 2: to the Regional Secretary")
    bupati: int = Field(description="Level 3: to the regional head")


class AgencyMetricsOut(Schema):
    """An agency's figures over the window."""

    agency: str = Field(description="Agency slug")
    name: str
    short_name: str
    region: str
    kind: str
    received: int
    answered: int
    answered_on_time: int
    on_time_rate: float | None = Field(description="answered_on_time / answered, 0..1")
    open_overdue: int
    median_response_days: float | None
    p90_response_days: float | None
    forwarded: int
    days_to_forward: float | None
    escalations: int
    escalations_by_level: EscalationsOut
    handoffs_due: int
    handoffs_on_time: int
    handoffs_late: int
    delay_days_attributed: int
    data_requests_received: int
    data_requests_fulfilled: int
    datasets_published: int
    datasets_stale: int
    blood_fill_rate: float | None = Field(description="Percent of bags asked that were given")
    blood_hours_to_fulfil: float | None


class PairMetricsOut(Schema):
    """Requests from one agency to another over the window."""

    from_agency: str
    from_name: str
    to_agency: str
    to_name: str
    requests: int
    answered: int
    answered_on_time: int
    median_response_days: float | None
    open_overdue: int


class ProgramHealthOut(Schema):
    """A programme's red/amber/green health."""

    program: str
    title: str
    coordinator: str
    coordinator_name: str
    region: str
    rag: str = Field(description="red | amber | green")
    slip_days: int | None
    late_critical_handoffs: int
    holding_agencies: list[str]


class SummaryOut(Schema):
    """Totals over the window for what the user may see."""

    date_from: dt.date
    date_to: dt.date
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


class ListMeta(Schema):
    """The window the list covers and when the figures were last brought up to date."""

    date_from: dt.date
    date_to: dt.date
    updated_at: dt.datetime | None


class AgencyListOut(ListMeta):
    """Agency figures."""

    items: list[AgencyMetricsOut]
    count: int


class PairListOut(ListMeta):
    """Pair figures."""

    items: list[PairMetricsOut]
    count: int


class ProgramListOut(Schema):
    """Programme health."""

    items: list[ProgramHealthOut]
    count: int
    updated_at: dt.datetime | None


class ScoreOut(Schema):
    """One agency on the public scoreboard (aggregates only)."""

    agency: str
    name: str
    received: int
    on_time_rate: float | None = Field(description="answered on time / answered, 0..1")
    median_response_days: float | None
    open_overdue: int


class ScoreboardOut(ListMeta):
    """The public coordination scoreboard."""

    items: list[ScoreOut]
    count: int
