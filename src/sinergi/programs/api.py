"""Programs API: programs, partners, commitments, indicators, work items, dependencies,
progress, baselines, and the schedule, attribution, Gantt and exchange files as resources."""

import base64
import binascii
import json
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Query, Router
from ninja import Path as PathParam
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sinergi.accounts.models import User
from sinergi.agencies.selectors import agency_from_slug
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
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can, get_visible_or_404

from . import exchange, services, xer, xlsx
from .choices import ExchangeFormat, Zoom
from .gantt import render_gantt
from .models import (
    Baseline,
    Commitment,
    Dependency,
    Indicator,
    Partnership,
    PlanProposal,
    Program,
    ScheduleImport,
    WorkItem,
)
from .scheduling import local_today, program_schedule
from .schemas import (
    ActualIn,
    ActualOut,
    AttributionOut,
    BaselineIn,
    BaselineOut,
    CommitmentIn,
    CommitmentOut,
    DecisionIn,
    DependencyIn,
    DependencyOut,
    ExportOut,
    FulfilmentIn,
    FulfilmentOut,
    GanttOut,
    HandoffsOut,
    ImportIn,
    ImportJobOut,
    ImportOut,
    IndicatorIn,
    IndicatorOut,
    MyWorkOut,
    PartnerIn,
    PartnerOut,
    ProgramDetailOut,
    ProgramFilters,
    ProgramIn,
    ProgramOut,
    ProgramPatch,
    ProgressIn,
    ProgressOut,
    ProposalIn,
    ProposalOut,
    ScheduleOut,
    WorkItemFilters,
    WorkItemIn,
    WorkItemOut,
    WorkItemPatch,
)
from .selectors import (
    filter_items,
    handoffs,
    my_work,
    program_attribution_summary,
    program_commitments,
    program_dependencies,
    program_indicators,
    program_partners,
    program_progress,
    program_proposals,
    programs_search,
)

router = Router(tags=["programs"])
ID = PathParam(..., ge=1, le=MAX_ID)
CODE = PathParam(..., max_length=40)


def _program(request: ApiRequest, code: str) -> Program:
    return get_visible_or_404(request.auth, Program, code=code)


def _item(program: Program, wbs: str, field: str) -> WorkItem:
    item = WorkItem.objects.filter(program=program, wbs=wbs).first()
    if item is None:
        raise ValidationFailed(fields={field: [f"No work item {wbs} in this program."]})
    return item


@router.get("", response=responses(list[ProgramOut], errors=READ_ERRORS), summary="List programs")
@paginate(Pagination)
def program_list(request: ApiRequest, filters: Query[ProgramFilters]) -> Any:
    """Programs the caller sees: public ones, and internal ones they take part in or lead."""
    return programs_search(
        user=request.auth,
        q=filters.q or "",
        status=filters.status or "",
        coordinator=filters.coordinator or "",
    )


@router.post("", response=responses(ProgramDetailOut, 201), summary="Create a program")
def program_create(request: ApiRequest, data: ProgramIn) -> Any:
    """Set up a program coordinated by an agency the caller manages."""
    payload = data.model_dump()
    coordinator = agency_from_slug(payload.pop("coordinator"), "coordinator")
    program = services.program_create(
        actor=request.auth, coordinator=coordinator, now=now(), **payload
    )
    return 201, program


@router.get(
    "/my-work",
    response=responses(list[MyWorkOut], errors=READ_ERRORS),
    summary="Work of my agencies across programs",
)
@paginate(Pagination)
def program_my_work(request: ApiRequest) -> Any:
    """Unfinished work items owned by the caller's agencies, soonest first."""
    return [
        {**m.item.__dict__, "late": m.late, "blocked": m.blocked, "program": m.program.code}
        for m in my_work(user=request.auth, now=now())
    ]


def _handoff_dict(h: Any) -> dict[str, Any]:
    return {
        "program": h.program.code,
        "predecessor": h.pred.wbs,
        "predecessor_title": h.pred.title,
        "from_agency": h.pred.owner_slug,
        "successor": h.succ.wbs,
        "successor_title": h.succ.title,
        "to_agency": h.succ.owner_slug,
        "type": h.type,
        "lag": h.lag,
        "predecessor_finish": h.pred.finish,
        "predecessor_done": h.pred.actual_finish is not None,
        "successor_start": h.succ.start,
        "critical": h.critical,
    }


@router.get(
    "/handoffs",
    response=responses(HandoffsOut, errors=READ_ERRORS),
    summary="Hand-offs of my agencies",
)
def program_handoffs(request: ApiRequest) -> Any:
    """Open hand-offs: what the caller's agencies wait for, and who waits for them."""
    wait_for, waiting = handoffs(user=request.auth, now=now())
    return {
        "we_wait_for": [_handoff_dict(h) for h in wait_for],
        "waiting_for_us": [_handoff_dict(h) for h in waiting],
    }


@router.get(
    "/{code}", response=responses(ProgramDetailOut, errors=READ_ERRORS), summary="Get a program"
)
def program_detail(request: ApiRequest, code: str = CODE) -> Any:
    """A program's description, status, visibility and chosen baseline."""
    return _program(request, code)


@router.patch("/{code}", response=responses(ProgramDetailOut), summary="Update a program")
def program_update(request: ApiRequest, data: ProgramPatch, code: str = CODE) -> Any:
    """Change a program (coordinator's managers); ``baseline_id`` chooses the baseline."""
    program = _program(request, code)
    payload = data.model_dump(exclude_unset=True)
    baseline = None
    if "baseline_id" in payload:
        bid = payload.pop("baseline_id")
        if bid is not None:
            baseline = Baseline.objects.filter(program=program, pk=bid).first()
            if baseline is None:
                raise ValidationFailed(fields={"baseline_id": ["No such baseline."]})
    fields = {k: v for k, v in payload.items() if k != "sectors" and v is not None}
    return services.program_update(
        actor=request.auth,
        program=program,
        now=now(),
        sectors=payload.get("sectors"),
        baseline=baseline,
        clear_baseline="baseline_id" in data.model_fields_set and baseline is None,
        **fields,
    )


@router.get(
    "/{code}/partners",
    response=responses(list[PartnerOut], errors=READ_ERRORS),
    summary="List partners",
)
def partner_list(request: ApiRequest, code: str = CODE) -> Any:
    """Partner agencies with their mode and role."""
    return program_partners(user=request.auth, program=_program(request, code))


@router.post("/{code}/partners", response=responses(PartnerOut, 201), summary="Add a partner")
def partner_add(request: ApiRequest, data: PartnerIn, code: str = CODE) -> Any:
    """Invite a partner agency (coordinator's managers)."""
    program = _program(request, code)
    partner = services.program_add_partner(
        actor=request.auth,
        program=program,
        agency=agency_from_slug(data.agency, "agency"),
        mode=data.mode,
        role=data.role,
        now=now(),
    )
    return 201, partner


@router.delete(
    "/{code}/partners/{partner_id}", response=responses(None, 204), summary="Remove a partner"
)
def partner_remove(request: ApiRequest, code: str = CODE, partner_id: int = ID) -> Any:
    """Remove a partner that owns no work items."""
    program = _program(request, code)
    partner = get_visible_or_404(request.auth, Partnership, pk=partner_id, program=program)
    services.program_remove_partner(actor=request.auth, partnership=partner, now=now())
    return 204, None


@router.get(
    "/{code}/commitments",
    response=responses(list[CommitmentOut], errors=READ_ERRORS),
    summary="List commitments",
)
def commitment_list(request: ApiRequest, code: str = CODE) -> Any:
    """What partners pledged and how far it is fulfilled."""
    return program_commitments(user=request.auth, program=_program(request, code))


@router.post(
    "/{code}/commitments", response=responses(CommitmentOut, 201), summary="Add a commitment"
)
def commitment_add(request: ApiRequest, data: CommitmentIn, code: str = CODE) -> Any:
    """Record a partner's pledge (coordinator's managers)."""
    program = _program(request, code)
    partner = Partnership.objects.filter(program=program, agency__slug=data.partner).first()
    if partner is None:
        raise ValidationFailed(fields={"partner": ["Not a partner of this program."]})
    commitment = services.commitment_add(
        actor=request.auth,
        partnership=partner,
        kind=data.kind,
        description=data.description,
        amount=data.amount,
        unit=data.unit,
        due_date=data.due_date,
        now=now(),
    )
    return 201, commitment


@router.post(
    "/{code}/commitments/{commitment_id}/fulfilments",
    response=responses(FulfilmentOut, 201),
    summary="Record a fulfilment",
)
def commitment_fulfil(
    request: ApiRequest, data: FulfilmentIn, code: str = CODE, commitment_id: int = ID
) -> Any:
    """Record a delivery against a commitment (the partner's staff or the coordinator)."""
    program = _program(request, code)
    commitment = get_visible_or_404(request.auth, Commitment, pk=commitment_id, program=program)
    row = services.commitment_fulfil(
        actor=request.auth,
        commitment=commitment,
        date=data.date,
        amount=data.amount,
        note=data.note,
        now=now(),
    )
    return 201, row


@router.get(
    "/{code}/indicators",
    response=responses(list[IndicatorOut], errors=READ_ERRORS),
    summary="List indicators",
)
def indicator_list(request: ApiRequest, code: str = CODE) -> Any:
    """Indicators with baseline, target and dated actuals."""
    return program_indicators(user=request.auth, program=_program(request, code))


@router.post(
    "/{code}/indicators", response=responses(IndicatorOut, 201), summary="Add an indicator"
)
def indicator_add(request: ApiRequest, data: IndicatorIn, code: str = CODE) -> Any:
    """Add an indicator (coordinator's managers)."""
    indicator = services.indicator_add(
        actor=request.auth, program=_program(request, code), now=now(), **data.model_dump()
    )
    return 201, indicator


@router.post(
    "/{code}/indicators/{indicator_id}/actuals",
    response=responses(ActualOut, 201),
    summary="Record an indicator actual",
)
def indicator_record(
    request: ApiRequest, data: ActualIn, code: str = CODE, indicator_id: int = ID
) -> Any:
    """Record a dated measurement (coordinator's staff)."""
    program = _program(request, code)
    indicator = get_visible_or_404(request.auth, Indicator, pk=indicator_id, program=program)
    row = services.indicator_record(
        actor=request.auth, indicator=indicator, now=now(), **data.model_dump()
    )
    return 201, row


@router.get(
    "/{code}/work-items",
    response=responses(list[WorkItemOut], errors=READ_ERRORS),
    summary="List work items with their schedule",
)
@paginate(Pagination)
def workitem_list(request: ApiRequest, filters: Query[WorkItemFilters], code: str = CODE) -> Any:
    """Work items in WBS order with forecast, float and slip; filter by agency, critical,
    late, blocked."""
    ps = program_schedule(_program(request, code), now=now())
    return filter_items(
        ps.items,
        agency=filters.agency or "",
        critical=filters.critical,
        late=filters.late,
        blocked=filters.blocked,
    )


def _item_out(program: Program, item_id: int) -> Any:
    ps = program_schedule(program, now=now())
    for it in ps.items:
        if it.id == item_id:
            return it
    raise ValidationFailed(ps.error or "The schedule cannot be computed.")


@router.post("/{code}/work-items", response=responses(WorkItemOut, 201), summary="Add a work item")
def workitem_create(request: ApiRequest, data: WorkItemIn, code: str = CODE) -> Any:
    """Add a work item owned by the coordinator or a partner (coordinator's managers)."""
    program = _program(request, code)
    payload = data.model_dump()
    owner = agency_from_slug(payload.pop("owner"), "owner")
    username = payload.pop("assignee")
    assignee = User.objects.filter(username=username).first() if username else None
    if username and assignee is None:
        raise ValidationFailed(fields={"assignee": ["No such user."]})
    item = services.workitem_create(
        actor=request.auth, program=program, owner=owner, assignee=assignee, now=now(), **payload
    )
    program.refresh_from_db()
    return 201, _item_out(program, item.pk)


def _workitem(request: ApiRequest, code: str, item_id: int) -> WorkItem:
    program = _program(request, code)
    return get_visible_or_404(request.auth, WorkItem, pk=item_id, program=program)


@router.get(
    "/{code}/work-items/{item_id}",
    response=responses(WorkItemOut, errors=READ_ERRORS),
    summary="Get a work item",
)
def workitem_detail(request: ApiRequest, code: str = CODE, item_id: int = ID) -> Any:
    """A work item with its forecast."""
    item = _workitem(request, code, item_id)
    return _item_out(item.program, item.pk)


@router.patch(
    "/{code}/work-items/{item_id}", response=responses(WorkItemOut), summary="Update a work item"
)
def workitem_update(
    request: ApiRequest, data: WorkItemPatch, code: str = CODE, item_id: int = ID
) -> Any:
    """Change a work item of the plan (coordinator's managers)."""
    item = _workitem(request, code, item_id)
    payload = data.model_dump(exclude_unset=True)
    owner_slug = payload.pop("owner", None)
    owner = agency_from_slug(owner_slug, "owner") if owner_slug else None
    fields = {
        k: v for k, v in payload.items() if v is not None or k in ("earliest_start", "deadline")
    }
    services.workitem_update(actor=request.auth, item=item, owner=owner, now=now(), **fields)
    program = Program.objects.get(pk=item.program_id)
    return _item_out(program, item.pk)


@router.delete(
    "/{code}/work-items/{item_id}", response=responses(None, 204), summary="Delete a work item"
)
def workitem_delete(request: ApiRequest, code: str = CODE, item_id: int = ID) -> Any:
    """Remove a work item and its links (coordinator's managers)."""
    services.workitem_delete(actor=request.auth, item=_workitem(request, code, item_id), now=now())
    return 204, None


@router.post(
    "/{code}/work-items/{item_id}/progress",
    response=responses(ProgressOut, 201),
    summary="Report progress on a work item",
)
def progress_record(
    request: ApiRequest, data: ProgressIn, code: str = CODE, item_id: int = ID
) -> Any:
    """Record a dated status (the owner agency's staff, or the coordinator)."""
    item = _workitem(request, code, item_id)
    update = services.progress_record(actor=request.auth, item=item, now=now(), **data.model_dump())
    return 201, update


@router.get(
    "/{code}/dependencies",
    response=responses(list[DependencyOut], errors=READ_ERRORS),
    summary="List dependencies",
)
def dependency_list(request: ApiRequest, code: str = CODE) -> Any:
    """Links between work items; hand-offs are flagged."""
    return program_dependencies(user=request.auth, program=_program(request, code))


@router.post(
    "/{code}/dependencies", response=responses(DependencyOut, 201), summary="Add a dependency"
)
def dependency_add(request: ApiRequest, data: DependencyIn, code: str = CODE) -> Any:
    """Link two work items by WBS code; a cycle is refused with the items named."""
    program = _program(request, code)
    dep = services.dependency_add(
        actor=request.auth,
        predecessor=_item(program, data.predecessor, "predecessor"),
        successor=_item(program, data.successor, "successor"),
        type=data.type,
        lag=data.lag,
        now=now(),
    )
    return 201, dep


@router.delete(
    "/{code}/dependencies/{dependency_id}",
    response=responses(None, 204),
    summary="Remove a dependency",
)
def dependency_remove(request: ApiRequest, code: str = CODE, dependency_id: int = ID) -> Any:
    """Remove a link (coordinator's managers)."""
    program = _program(request, code)
    dep = get_visible_or_404(request.auth, Dependency, pk=dependency_id, program=program)
    services.dependency_remove(actor=request.auth, dependency=dep, now=now())
    return 204, None


@router.get(
    "/{code}/progress",
    response=responses(list[ProgressOut], errors=READ_ERRORS),
    summary="List progress reports",
)
@paginate(Pagination)
def progress_list(request: ApiRequest, code: str = CODE) -> Any:
    """Status reports, newest first."""
    return program_progress(user=request.auth, program=_program(request, code))


@router.get(
    "/{code}/baselines",
    response=responses(list[BaselineOut], errors=READ_ERRORS),
    summary="List baselines",
)
def baseline_list(request: ApiRequest, code: str = CODE) -> Any:
    """Named snapshots of the plan."""
    program = _program(request, code)
    return Baseline.objects.visible_to(request.auth).filter(program=program).order_by("taken_at")


@router.post("/{code}/baselines", response=responses(BaselineOut, 201), summary="Take a baseline")
def baseline_take(request: ApiRequest, data: BaselineIn, code: str = CODE) -> Any:
    """Snapshot the planned dates under a name; ``select`` compares against it from now on."""
    baseline = services.baseline_take(
        actor=request.auth,
        program=_program(request, code),
        name=data.name,
        select=data.select,
        now=now(),
    )
    return 201, baseline


def schedule_json(program: Program) -> bytes:
    """The schedule document (built by hand: it is the hot path for large programs)."""
    ps = program_schedule(program, now=now())
    cached = getattr(ps, "_json", None)
    if cached is None:
        comp = ps.comparison
        doc = {
            "plan_version": ps.plan_version,
            "data_date": ps.data_date.isoformat(),
            "finish_date": ps.finish_date.isoformat() if ps.finish_date else None,
            "baseline": ps.baseline_name,
            "baseline_finish": comp.baseline_finish.isoformat() if comp else None,
            "project_slip": ps.project_slip,
            "critical_path": ps.critical_path,
            "error": ps.error,
            "tasks": [
                {
                    "wbs": i.wbs,
                    "owner": i.owner_slug,
                    "start": i.start.isoformat(),
                    "finish": i.finish.isoformat(),
                    "es": i.es,
                    "ef": i.ef,
                    "total_float": i.total_float,
                    "free_float": i.free_float,
                    "critical": i.critical,
                    "finish_slip": i.finish_slip,
                }
                for i in ps.items
            ],
        }
        cached = json.dumps(doc, separators=(",", ":")).encode()
        ps._json = cached  # type: ignore[attr-defined]
    return cached


@router.get(
    "/{code}/schedule",
    response=responses(ScheduleOut, errors=READ_ERRORS),
    summary="The computed schedule",
)
def schedule(request: ApiRequest, code: str = CODE) -> Any:
    """Forecast at today's data date: finish, critical path, float and slip per task."""
    return HttpResponse(schedule_json(_program(request, code)), content_type="application/json")


@router.get(
    "/{code}/attribution",
    response=responses(AttributionOut, errors=READ_ERRORS),
    summary="Delay attributed to agencies and hand-offs",
)
def attribution(request: ApiRequest, code: str = CODE) -> Any:
    """Working days of slip per agency and hand-off, per status period (windows analysis)."""
    return program_attribution_summary(_program(request, code))


@router.get(
    "/{code}/gantt", response=responses(GanttOut, errors=READ_ERRORS), summary="Gantt chart (SVG)"
)
def gantt(request: ApiRequest, code: str = CODE, zoom: Zoom = Zoom.MONTH) -> Any:
    """The Gantt chart as an SVG document inside JSON."""
    program = _program(request, code)
    ps = program_schedule(program, now=now())
    svg = render_gantt(ps, zoom=zoom, today=local_today(program, now()), title=program.title)
    return {"zoom": zoom, "rows": min(len(ps.items), 400), "svg": svg}


@router.get(
    "/{code}/export",
    response=responses(ExportOut, errors=READ_ERRORS),
    summary="Export the schedule",
)
def export(
    request: ApiRequest,
    code: str = CODE,
    format: ExchangeFormat = ExchangeFormat.MSPDI,  # noqa: A002 - the query parameter's name
) -> Any:
    """The schedule as MS Project XML (``mspdi``), Primavera XER (``xer``), CSV (``csv``) or
    an Excel workbook of the work items (``xlsx``, base64 in ``content``)."""
    program = _program(request, code)
    if format == ExchangeFormat.XLSX:
        body = xlsx.export_xlsx(program, now=now())
        return {
            "format": "xlsx",
            "filename": f"{program.code}-kegiatan.xlsx",
            "encoding": "base64",
            "content": base64.b64encode(body).decode(),
        }
    if format == ExchangeFormat.CSV:
        content = exchange.export_csv(program, now=now())
        return {"format": "csv", "filename": f"{program.code}.csv", "content": content.decode()}
    if format == ExchangeFormat.XER:
        content = xer.export_xer(program, now=now())
        return {"format": "xer", "filename": f"{program.code}.xer", "content": content.decode()}
    content = exchange.export_mspdi(program, now=now())
    return {"format": "mspdi", "filename": f"{program.code}.xml", "content": content.decode()}


def _content(data: ImportIn) -> bytes:
    if data.format != ExchangeFormat.XLSX:
        return data.content.encode("utf-8")
    try:
        return base64.b64decode(data.content, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValidationFailed(
            fields={"content": [_("An Excel workbook is sent base64-encoded.")]}
        ) from exc


@router.post("/{code}/import", response=responses(ImportOut, 201), summary="Import a schedule")
def import_schedule(request: ApiRequest, data: ImportIn, code: str = CODE) -> Any:
    """Add work items and links from an MSPDI, XER, CSV or XLSX (base64) file; all or
    nothing."""
    counts = exchange.schedule_import(
        actor=request.auth,
        program=_program(request, code),
        data=_content(data),
        fmt=data.format,
        now=now(),
    )
    return 201, counts


XLSX_FILE = {
    "responses": {
        200: {
            "description": "An Excel workbook",
            "content": {xlsx.XLSX_MIME: {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


def _xlsx_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=xlsx.XLSX_MIME)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get(
    "/{code}/work-items.xlsx",
    response={404: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    openapi_extra=XLSX_FILE,
    summary="Work items as an Excel workbook",
)
def workitems_xlsx(request: ApiRequest, code: str = CODE) -> Any:
    """The program's work items in the template's layout (.xlsx)."""
    program = _program(request, code)
    return _xlsx_response(xlsx.export_xlsx(program, now=now()), f"{program.code}-kegiatan.xlsx")


@router.get(
    "/{code}/work-items-template.xlsx",
    response={404: ErrorOut, 401: ErrorOut, 422: ErrorOut},
    openapi_extra=XLSX_FILE,
    summary="Excel template for work items",
)
def workitems_template(request: ApiRequest, code: str = CODE) -> Any:
    """An empty work-item sheet with a second sheet explaining the columns and values."""
    program = _program(request, code)
    return _xlsx_response(xlsx.template_xlsx(program), f"{program.code}-templat-kegiatan.xlsx")


@router.post(
    "/{code}/work-items.xlsx",
    response={201: ImportOut, 202: ImportJobOut, **ERRORS},
    summary="Import work items from an Excel workbook",
)
def workitems_xlsx_import(request: ApiRequest, file: File[UploadedFile], code: str = CODE) -> Any:
    """Add the work items of an uploaded .xlsx, all or nothing (every bad cell is listed).
    Files above 256 KB are imported in the background: 202 with the job to poll."""
    program = _program(request, code)
    uploads.check_size(file.size, uploads.SCHEDULE)
    body = file.read()
    if len(body) > exchange.INLINE_BYTES:
        job = exchange.import_start(
            actor=request.auth,
            program=program,
            data=body,
            fmt="xlsx",
            filename=file.name or "",
            now=now(),
        )
        return 202, job
    counts = exchange.schedule_import(
        actor=request.auth, program=program, data=body, fmt="xlsx", now=now()
    )
    return 201, counts


@router.get(
    "/{code}/imports/{job_id}",
    response=responses(ImportJobOut, errors=READ_ERRORS | {403: ErrorOut}),
    summary="Progress of a background import",
)
def import_job(request: ApiRequest, code: str = CODE, job_id: int = ID) -> Any:
    """State, rows done of the total, and every problem when nothing was imported."""
    program = _program(request, code)
    ensure_can(request.auth, "program.change", program)
    return get_visible_or_404(request.auth, ScheduleImport, pk=job_id, program=program)


@router.get(
    "/{code}/proposals",
    response=responses(list[ProposalOut], errors=READ_ERRORS),
    summary="List plan change proposals",
)
def proposal_list(request: ApiRequest, code: str = CODE) -> Any:
    """Proposals of the program's partners, open ones first (parties and leaders only)."""
    return list(program_proposals(user=request.auth, program=_program(request, code)))


@router.post(
    "/{code}/proposals", response=responses(ProposalOut, 201), summary="Propose a plan change"
)
def proposal_create(request: ApiRequest, data: ProposalIn, code: str = CODE) -> Any:
    """A partner's staff propose a change with a reason; the coordinator decides."""
    program = _program(request, code)
    payload = data.model_dump()
    slug = payload.pop("agency")
    dep_id = payload.pop("dependency_id")
    dependency = Dependency.objects.filter(program=program, pk=dep_id).first() if dep_id else None
    if dep_id and dependency is None:
        raise ValidationFailed(
            fields={"dependency_id": [_("Choose a dependency of this program.")]}
        )
    proposal = services.proposal_create(
        actor=request.auth,
        program=program,
        agency=agency_from_slug(slug, "agency") if slug else None,
        dependency=dependency,
        now=now(),
        **payload,
    )
    return 201, proposal


def _proposal(request: ApiRequest, code: str, proposal_id: int) -> PlanProposal:
    program = _program(request, code)
    return get_visible_or_404(request.auth, PlanProposal, pk=proposal_id, program=program)


@router.post(
    "/{code}/proposals/{proposal_id}/accept",
    response=responses(ProposalOut),
    summary="Accept a plan change proposal",
)
def proposal_accept(
    request: ApiRequest, data: DecisionIn, code: str = CODE, proposal_id: int = ID
) -> Any:
    """Apply the proposal to the plan (the schedule is recomputed) — coordinator's managers."""
    proposal = _proposal(request, code, proposal_id)
    return services.proposal_accept(
        actor=request.auth, proposal=proposal, note=data.note, now=now()
    )


@router.post(
    "/{code}/proposals/{proposal_id}/reject",
    response=responses(ProposalOut),
    summary="Reject a plan change proposal",
)
def proposal_reject(
    request: ApiRequest, data: DecisionIn, code: str = CODE, proposal_id: int = ID
) -> Any:
    """Turn the proposal down; ``note`` (the reason) is required."""
    proposal = _proposal(request, code, proposal_id)
    return services.proposal_reject(
        actor=request.auth, proposal=proposal, note=data.note, now=now()
    )
