"""API schemas of the programs app."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Any, Literal

from ninja import Field, Schema

from .choices import (
    CommitmentKind,
    CommitmentStatus,
    ExchangeFormat,
    ImportState,
    LinkType,
    PartnershipMode,
    ProgramStatus,
    ProposalKind,
    ProposalStatus,
    Visibility,
    WorkStatus,
    Zoom,
)
from .models import CODE_RE, MAX_DAYS

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
PlanDate = Annotated[dt.date, Field(ge=MIN_DATE, le=MAX_DATE)]
Money = Annotated[
    Decimal, Field(ge=0, le=Decimal("9999999999999999"), max_digits=18, decimal_places=2)
]
Measure = Annotated[
    Decimal,
    Field(
        ge=Decimal("-99999999999999"), le=Decimal("99999999999999"), max_digits=18, decimal_places=4
    ),
]
SLUG = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
WBS = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"


class ProgramOut(Schema):
    """A program as lists show it."""

    code: str
    title: str
    region: str = Field(alias="region.code")
    coordinator: str = Field(alias="coordinator.slug")
    status: ProgramStatus
    visibility: Visibility
    planned_start: dt.date
    budget: Decimal
    plan_version: int


class ProgramDetailOut(ProgramOut):
    """A program with its goal, sectors, plan codes and chosen baseline."""

    goal: str
    plan_codes: str
    sectors: list[str]
    baseline_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_sectors(obj: Any) -> list[str]:
        return sorted(s.slug for s in obj.sectors.all())


class ProgramIn(Schema):
    """A new program."""

    code: str = Field(..., pattern=CODE_RE, max_length=40)
    title: str = Field(..., min_length=1, max_length=200)
    coordinator: str = Field(..., pattern=SLUG, max_length=100)
    planned_start: PlanDate
    goal: str = Field("", max_length=5000)
    status: ProgramStatus = ProgramStatus.PLANNING
    visibility: Visibility = Visibility.INTERNAL
    budget: Money = Decimal(0)
    sectors: list[Annotated[str, Field(max_length=60)]] = Field(default_factory=list, max_length=50)
    plan_codes: str = Field("", max_length=5000)


class ProgramPatch(Schema):
    """Changes to a program; fields left out stay as they are."""

    title: str | None = Field(None, min_length=1, max_length=200)
    goal: str | None = Field(None, max_length=5000)
    status: ProgramStatus | None = None
    visibility: Visibility | None = None
    planned_start: PlanDate | None = None
    budget: Money | None = None
    sectors: list[Annotated[str, Field(max_length=60)]] | None = Field(None, max_length=50)
    plan_codes: str | None = Field(None, max_length=5000)
    baseline_id: int | None = Field(None, ge=1, le=2**53)


class ProgramFilters(Schema):
    """Filters of the program list."""

    q: str | None = Field(None, max_length=100)
    status: ProgramStatus | None = None
    coordinator: str | None = Field(None, max_length=100)


class PartnerOut(Schema):
    """A partner agency of a program."""

    id: int
    agency: str = Field(alias="agency.slug")
    agency_name: str = Field(alias="agency.name")
    mode: PartnershipMode
    role: str
    joined_at: dt.datetime


class PartnerIn(Schema):
    """A partner to invite."""

    agency: str = Field(..., pattern=SLUG, max_length=100)
    mode: PartnershipMode
    role: str = Field("", max_length=200)


class CommitmentOut(Schema):
    """What a partner pledged and how far it is fulfilled."""

    id: int
    partner: str = Field(alias="partnership.agency.slug")
    kind: CommitmentKind
    description: str
    amount: Decimal
    unit: str
    due_date: dt.date
    status: CommitmentStatus
    fulfilled_amount: Decimal


class CommitmentIn(Schema):
    """A pledge of a partner."""

    partner: str = Field(..., pattern=SLUG, max_length=100)
    kind: CommitmentKind
    description: str = Field(..., min_length=1, max_length=300)
    amount: Money
    unit: str = Field(..., min_length=1, max_length=40)
    due_date: PlanDate


class FulfilmentIn(Schema):
    """A delivery against a commitment."""

    date: PlanDate
    amount: Money
    note: str = Field("", max_length=300)


class FulfilmentOut(Schema):
    """A recorded delivery."""

    id: int
    date: dt.date
    amount: Decimal
    note: str


class IndicatorOut(Schema):
    """An indicator with its measurements."""

    id: int
    name: str
    unit: str
    baseline_value: Decimal
    target_value: Decimal
    actuals: list["ActualOut"]

    @staticmethod
    def resolve_actuals(obj: Any) -> list[Any]:
        return list(obj.actuals.all())


class ActualOut(Schema):
    """A dated measurement."""

    id: int
    date: dt.date
    value: Decimal
    note: str


class IndicatorIn(Schema):
    """A new indicator."""

    name: str = Field(..., min_length=1, max_length=200)
    unit: str = Field(..., min_length=1, max_length=40)
    baseline_value: Measure
    target_value: Measure


class ActualIn(Schema):
    """A measurement to record."""

    date: PlanDate
    value: Measure
    note: str = Field("", max_length=300)


class WorkItemOut(Schema):
    """A work item with its forecast, float, slip and flags."""

    id: int
    wbs: str
    title: str
    owner: str = Field(alias="owner_slug")
    owner_name: str
    duration: int
    milestone: bool
    percent_complete: int
    status: WorkStatus
    blocker: str
    deadline: dt.date | None
    actual_start: dt.date | None
    actual_finish: dt.date | None
    start: dt.date
    finish: dt.date
    total_float: int
    free_float: int
    critical: bool
    late: bool
    blocked: bool
    baseline_start: dt.date | None
    baseline_finish: dt.date | None
    finish_slip: int | None


class WorkItemIn(Schema):
    """A new work item."""

    wbs: str = Field(..., pattern=WBS, max_length=40)
    title: str = Field(..., min_length=1, max_length=200)
    owner: str = Field(..., pattern=SLUG, max_length=100)
    duration: int = Field(..., ge=0, le=MAX_DAYS)
    milestone: bool = False
    earliest_start: PlanDate | None = None
    deadline: PlanDate | None = None
    assignee: str | None = Field(None, max_length=150)


class WorkItemPatch(Schema):
    """Changes to a work item."""

    wbs: str | None = Field(None, pattern=WBS, max_length=40)
    title: str | None = Field(None, min_length=1, max_length=200)
    owner: str | None = Field(None, pattern=SLUG, max_length=100)
    duration: int | None = Field(None, ge=0, le=MAX_DAYS)
    milestone: bool | None = None
    earliest_start: PlanDate | None = None
    deadline: PlanDate | None = None


class WorkItemFilters(Schema):
    """Filters of the work-item table."""

    agency: str | None = Field(None, max_length=100)
    critical: bool | None = None
    late: bool | None = None
    blocked: bool | None = None


class DependencyOut(Schema):
    """A link between two work items; ``handoff`` when their agencies differ."""

    id: int
    predecessor: str = Field(alias="predecessor.wbs")
    successor: str = Field(alias="successor.wbs")
    type: LinkType
    lag: int
    handoff: bool = Field(alias="is_handoff")
    from_agency: str = Field(alias="predecessor.owner.slug")
    to_agency: str = Field(alias="successor.owner.slug")


class DependencyIn(Schema):
    """A link to add, by WBS codes."""

    predecessor: str = Field(..., pattern=WBS, max_length=40)
    successor: str = Field(..., pattern=WBS, max_length=40)
    type: LinkType = LinkType.FS
    lag: int = Field(0, ge=-MAX_DAYS, le=MAX_DAYS)


class ProgressIn(Schema):
    """A status report on a work item."""

    data_date: PlanDate
    percent_complete: int = Field(..., ge=0, le=100)
    actual_start: PlanDate | None = None
    actual_finish: PlanDate | None = None
    remaining_duration: int | None = Field(None, ge=0, le=MAX_DAYS)
    note: str = Field("", max_length=2000)
    blocker: str = Field("", max_length=300)


class ProgressOut(Schema):
    """A recorded status report."""

    id: int
    work_item: str = Field(alias="work_item.wbs")
    data_date: dt.date
    percent_complete: int
    actual_start: dt.date | None
    actual_finish: dt.date | None
    remaining_duration: int | None
    note: str
    blocker: str
    author: str | None = Field(None, alias="author.username")


class BaselineOut(Schema):
    """A baseline (named snapshot of planned dates)."""

    id: int
    name: str
    taken_at: dt.datetime
    data_date: dt.date
    finish_date: dt.date


class BaselineIn(Schema):
    """A baseline to take."""

    name: str = Field(..., min_length=1, max_length=100)
    select: bool = True


class ScheduleTaskOut(Schema):
    """One task of the computed schedule."""

    wbs: str
    owner: str
    start: dt.date
    finish: dt.date
    es: int
    ef: int
    total_float: int
    free_float: int
    critical: bool
    finish_slip: int | None


class ScheduleOut(Schema):
    """The forecast of a program at today's data date."""

    plan_version: int
    data_date: dt.date
    finish_date: dt.date | None
    baseline: str
    baseline_finish: dt.date | None
    project_slip: int | None
    critical_path: list[str]
    error: str
    tasks: list[ScheduleTaskOut]


class SlipOut(Schema):
    """Working days of slip attributed to a party."""

    party: str
    name: str
    days: int


class WindowOut(Schema):
    """One status period of the windows analysis."""

    data_date_from: dt.date
    data_date_to: dt.date
    finish_before: dt.date
    finish_after: dt.date
    movement: int
    progress_movement: int
    revision_movement: int
    controlling_path: list[str]
    by_agency: list[SlipOut]
    by_handoff: list[SlipOut]


class AttributionOut(Schema):
    """Delay attributed to agencies and hand-offs per status period."""

    movement: int
    by_agency: list[SlipOut]
    by_handoff: list[SlipOut]
    windows: list[WindowOut]
    error: str


class GanttOut(Schema):
    """The Gantt chart as an SVG document."""

    zoom: Zoom
    rows: int
    svg: str


class ExportOut(Schema):
    """An exported schedule file; an Excel workbook comes base64-encoded."""

    format: ExchangeFormat
    filename: str
    encoding: Literal["text", "base64"] = "text"
    content: str


class ImportIn(Schema):
    """A schedule file to import: text content, or base64 for an Excel workbook (xlsx)."""

    format: ExchangeFormat
    content: str = Field(..., min_length=1, max_length=28 * 1024 * 1024)


class ImportJobOut(Schema):
    """A background import and its progress."""

    id: int
    format: ExchangeFormat
    filename: str
    size: int
    state: ImportState
    done: int
    total: int
    errors: list[str]
    counts: dict[str, int]
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ImportOut(Schema):
    """What an import added."""

    work_items: int
    dependencies: int


class HandoffOut(Schema):
    """A hand-off between two agencies' work items."""

    program: str
    predecessor: str
    predecessor_title: str
    from_agency: str
    successor: str
    successor_title: str
    to_agency: str
    type: LinkType
    lag: int
    predecessor_finish: dt.date
    predecessor_done: bool
    successor_start: dt.date
    critical: bool


class HandoffsOut(Schema):
    """What my agencies wait for, and who waits for us."""

    we_wait_for: list[HandoffOut]
    waiting_for_us: list[HandoffOut]


class MyWorkOut(WorkItemOut):
    """A work item of my agencies with its program."""

    program: str


IndicatorOut.model_rebuild()


class ProposalIn(Schema):
    """A plan change proposal. Fields used per kind: ``change_item``: wbs and any of
    duration, earliest_start, deadline (or clear_*); ``add_dependency``: predecessor,
    successor, type, lag; ``remove_dependency``: dependency_id; ``add_item``: wbs, title,
    duration, earliest_start, deadline (owned by the proposing agency)."""

    kind: ProposalKind
    reason: str = Field(..., min_length=1, max_length=2000)
    agency: str | None = Field(None, max_length=100, pattern=SLUG)
    wbs: str = Field("", max_length=40)
    title: str = Field("", max_length=200)
    duration: int | None = Field(None, ge=0, le=MAX_DAYS)
    earliest_start: PlanDate | None = None
    deadline: PlanDate | None = None
    clear_earliest_start: bool = False
    clear_deadline: bool = False
    predecessor: str = Field("", max_length=40)
    successor: str = Field("", max_length=40)
    type: LinkType = LinkType.FS
    lag: int = Field(0, ge=-MAX_DAYS, le=MAX_DAYS)
    dependency_id: int | None = Field(None, ge=1, le=2**53)


class ProposalOut(Schema):
    """A plan change proposal and its outcome."""

    id: int
    kind: ProposalKind
    summary: str
    reason: str
    changes: dict[str, Any]
    agency: str = Field(..., alias="agency.slug")
    proposed_by: str | None
    created_at: dt.datetime
    status: ProposalStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    decision_note: str

    @staticmethod
    def resolve_proposed_by(obj: Any) -> str | None:
        """Username of the proposer."""
        return obj.proposed_by.username if obj.proposed_by else None

    @staticmethod
    def resolve_decided_by(obj: Any) -> str | None:
        """Username of who decided."""
        return obj.decided_by.username if obj.decided_by else None


class DecisionIn(Schema):
    """The note of a decision (required when rejecting)."""

    note: str = Field("", max_length=2000)
