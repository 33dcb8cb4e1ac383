"""Views of the programs app: list, program page, Gantt, progress, baselines, exchange,
my agency's work and hand-offs."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import user_memberships
from sinergi.core import uploads
from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.paging import paginate_bounded
from sinergi.core.permissions import can, get_visible_or_404, is_platform_admin
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request

from . import exchange, services, xer, xlsx
from .choices import Zoom
from .forms import (
    ActualForm,
    BaselineForm,
    CommitmentForm,
    DecisionForm,
    DependencyForm,
    FulfilmentForm,
    ImportForm,
    IndicatorForm,
    PartnerForm,
    ProgramForm,
    ProgressForm,
    ProposalForm,
    WorkItemFilterForm,
    WorkItemForm,
    suggest_program_code,
)
from .gantt import agency_colours, gantt_layout, render_gantt
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
from .permissions import coordinator_choices, proposer_agencies
from .scheduling import local_today, page_schedule, program_schedule
from .selectors import (
    filter_items,
    handoffs,
    my_work,
    program_attribution_summary,
    program_code_free,
    program_commitments,
    program_dependencies,
    program_indicators,
    program_partners,
    program_progress,
    program_proposals,
    programs_search,
    public_programs,
)


def _program(request: AuthedRequest, code: str) -> Program:
    return get_visible_or_404(request.user, Program, code=code)


def _forbidden(request: AuthedRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"title": _("Not allowed"), "message": _("You are not allowed to do this.")},
        status=403,
    )


def _flash_errors(request: AuthedRequest, form: Any) -> None:
    for field, errs in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        for e in errs:
            messages.error(request, f"{label}: {e}" if label else str(e))


def _party_agencies(program: Program) -> Any:
    ids = [program.coordinator_id, *program.partnerships.values_list("agency_id", flat=True)]
    return Agency.objects.filter(pk__in=ids).order_by("name")


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """Programs the user sees."""
    qs = programs_search(user=request.user, q=request.GET.get("q", "")[:100])
    context = {
        "can_create": can(request.user, "program.start"),
        "q": request.GET.get("q", "")[:100],
        **paginate_bounded(request, qs, per_page=30),
    }
    return render(request, "programs/index.html", context)


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def create(request: AuthedRequest) -> HttpResponse:
    """Set up a program coordinated by an agency the user manages."""
    if not can(request.user, "program.start"):
        return _forbidden(request)
    form = ProgramForm(
        request.POST or None, initial={"status": "planning", "visibility": "internal"}
    )
    if not is_platform_admin(request.user):
        form.fields["coordinator"].queryset = Agency.objects.filter(  # type: ignore[attr-defined]
            pk__in=[a.pk for a in coordinator_choices(request.user)]
        )
    form.fields["code"].widget.attrs["data-auto"] = "true"
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if not data["code"]:
            data["code"] = program_code_free(
                suggest_program_code(data["title"], data["planned_start"].year)
            )
        try:
            program = services.program_create(
                actor=request.user, coordinator=data.pop("coordinator"), now=now(), **data
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The program was created."))
            return redirect("programs:detail", code=program.code)
    return render(
        request,
        "programs/form.html",
        {"form": form, "title": _("New program"), "suggest_code": True},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def edit(request: AuthedRequest, code: str) -> HttpResponse:
    """Edit a program's description, status, visibility and dates."""
    program = _program(request, code)
    if not can(request.user, "program.change", program):
        return _forbidden(request)
    initial = {
        k: getattr(program, k)
        for k in (
            "code",
            "title",
            "goal",
            "status",
            "visibility",
            "planned_start",
            "budget",
            "plan_codes",
        )
    }
    initial["coordinator"] = program.coordinator.slug
    form = ProgramForm(request.POST or None, initial=initial)
    for name in ("code", "coordinator"):
        form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("code", "coordinator")}
        try:
            services.program_update(actor=request.user, program=program, now=now(), **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("The program was saved."))
            return redirect("programs:detail", code=program.code)
    return render(
        request,
        "programs/form.html",
        {"form": form, "title": _("Edit program"), "program": program},
        status=400 if form.errors else 200,
    )


DEPENDENCIES_PER_PAGE = 50  # a 2,000-item programme has ~3,000 links: a page at a time


_LINK_VERBS = {
    "SS": gettext_lazy("starts together with"),
    "FF": gettext_lazy("finishes together with"),
    "SF": gettext_lazy("finishes after the start of"),
}
_LINK_VERB_FS = gettext_lazy("starts after the finish of")


def _link_sentence(link: Any) -> str:
    """``5.1 starts after the finish of 4.3, waits 2 working days`` (the table's words)."""
    verb = _LINK_VERBS.get(link.type, _LINK_VERB_FS)
    text = f"{link.successor.wbs} {verb} {link.predecessor.wbs}"
    if link.lag > 0:
        text += ", " + ngettext("waits %(n)s working day", "waits %(n)s working days", link.lag) % {
            "n": link.lag
        }
    elif link.lag < 0:
        text += ", " + ngettext(
            "overlaps %(n)s working day", "overlaps %(n)s working days", -link.lag
        ) % {"n": -link.lag}
    return text


def _dependency_page(request: AuthedRequest, program: Program) -> dict[str, Any]:
    """One page of the programme's links (``?dpage=``), the work-item page kept; each
    link's sentence is written here, not by template tags per row."""
    page = Paginator(
        program_dependencies(user=request.user, program=program), DEPENDENCIES_PER_PAGE
    ).get_page(request.GET.get("dpage"))
    params = request.GET.copy()
    params.pop("dpage", None)
    query = params.urlencode()
    links = list(page.object_list)
    for link in links:
        link.sentence = _link_sentence(link)  # type: ignore[attr-defined]
    return {
        "dependencies": links,
        "dependency_page": page,
        "querystring_without_dpage": f"{query}&" if query else "",
    }


def _item_rows(program: Program, items: Any, colours: dict[str, str]) -> list[tuple[Any, str, str]]:
    """The page's work items with their swatch colour and progress link, worked out once
    here (a reverse() and a filter per row cost more than the row's own text). The items
    themselves are the cached schedule's: they are not changed."""
    head, tail = reverse("programs:progress", args=[program.code, 0]).rsplit("/0/", 1)
    return [(i, colours.get(i.owner_slug, ""), f"{head}/{i.id}/{tail}") for i in items]


@login_required
@require_GET
@friendly_errors
def detail(request: AuthedRequest, code: str) -> HttpResponse:
    """A program: partners, commitments, indicators, schedule, work items, delay
    attribution."""
    program = _program(request, code)
    ps = page_schedule(program, now=now())
    fform = WorkItemFilterForm(request.GET or None)
    f = fform.cleaned_data if fform.is_valid() else {}
    items = filter_items(
        ps.items,
        agency=f.get("agency", ""),
        critical=True if f.get("critical") else None,
        late=True if f.get("late") else None,
        blocked=True if f.get("blocked") else None,
    )
    can_change = can(request.user, "program.change", program)
    parties = _party_agencies(program)
    my_ids = {m.agency_id for m in user_memberships(request.user)}
    context = {
        "program": program,
        "ps": ps,
        "filter_form": fform,
        "partners": program_partners(user=request.user, program=program),
        "commitments": program_commitments(user=request.user, program=program),
        "indicators": program_indicators(user=request.user, program=program),
        **_dependency_page(request, program),
        "progress": program_progress(user=request.user, program=program)[:20],
        "attribution": program_attribution_summary(program),
        "parties": parties,
        "colours": agency_colours(ps.items),
        "can_change": can_change,
        "my_agency_ids": my_ids,
        "can_report_any": can_change or bool(my_ids & {a.pk for a in parties}),
        "can_record_indicators": can(request.user, "indicator.record", Indicator(program=program)),
        "can_propose": can(request.user, "program.propose", program),
        "proposals": program_proposals(user=request.user, program=program)[:30],
        "decision_form": DecisionForm(),
        **paginate_request(request, items, per_page=50),
    }
    context["item_rows"] = _item_rows(program, context["page_obj"].object_list, context["colours"])
    if can_change:
        context |= {
            # Each form its own id prefix: several share field names on this page.
            "partner_form": PartnerForm(auto_id="partner-%s"),
            "commitment_form": CommitmentForm(
                agencies=Agency.objects.filter(
                    pk__in=program.partnerships.values("agency_id")
                ).order_by("name"),
                auto_id="commitment-%s",
            ),
            "indicator_form": IndicatorForm(auto_id="indicator-%s"),
            "item_form": WorkItemForm(agencies=parties, auto_id="item-%s"),
            "dependency_form": DependencyForm(items=ps.items, auto_id="link-%s"),
        }
    return render(request, "programs/detail.html", context)


def _plan_post(
    request: AuthedRequest, code: str, form_class: Any, apply: Any, kw: Any = None
) -> HttpResponse:
    program = _program(request, code)
    if not can(request.user, "program.change", program):
        return _forbidden(request)
    form = form_class(request.POST, **kw(program)) if kw else form_class(request.POST)
    if form.is_valid():
        try:
            apply(program, form.cleaned_data)
        except (ValidationFailed, Conflict) as exc:
            detail_msgs = [m for msgs in getattr(exc, "fields", {}).values() for m in msgs]
            for m in detail_msgs or [exc.message]:
                messages.error(request, m)
        else:
            messages.success(request, _("Saved."))
    else:
        _flash_errors(request, form)
    return redirect("programs:detail", code=program.code)


@login_required
@require_POST
@friendly_errors
def partner_add(request: AuthedRequest, code: str) -> HttpResponse:
    """Invite a partner agency."""

    def apply(program: Program, d: dict[str, Any]) -> None:
        services.program_add_partner(
            actor=request.user,
            program=program,
            agency=d["agency"],
            mode=d["mode"],
            role=d["role"],
            now=now(),
        )

    return _plan_post(request, code, PartnerForm, apply)


@login_required
@require_POST
@friendly_errors
def commitment_add(request: AuthedRequest, code: str) -> HttpResponse:
    """Record a partner's pledge."""

    def apply(program: Program, d: dict[str, Any]) -> None:
        partner = Partnership.objects.get(program=program, agency=d.pop("partner"))
        services.commitment_add(actor=request.user, partnership=partner, now=now(), **d)

    def kw(program: Program) -> dict[str, Any]:
        return {"agencies": Agency.objects.filter(pk__in=program.partnerships.values("agency_id"))}

    return _plan_post(request, code, CommitmentForm, apply, kw=kw)


@login_required
@require_POST
@friendly_errors
def indicator_add(request: AuthedRequest, code: str) -> HttpResponse:
    """Add an indicator."""

    def apply(program: Program, d: dict[str, Any]) -> None:
        services.indicator_add(actor=request.user, program=program, now=now(), **d)

    return _plan_post(request, code, IndicatorForm, apply)


@login_required
@require_POST
@friendly_errors
def item_add(request: AuthedRequest, code: str) -> HttpResponse:
    """Add a work item to the plan."""

    def apply(program: Program, d: dict[str, Any]) -> None:
        services.workitem_create(actor=request.user, program=program, now=now(), **d)

    def kw(program: Program) -> dict[str, Any]:
        return {"agencies": _party_agencies(program)}

    return _plan_post(request, code, WorkItemForm, apply, kw=kw)


@login_required
@require_POST
@friendly_errors
def dependency_add(request: AuthedRequest, code: str) -> HttpResponse:
    """Link two work items; a cycle is refused with the items named."""

    def apply(program: Program, d: dict[str, Any]) -> None:
        codes = [*d["predecessor"], d["successor"]]
        found = {w.wbs: w for w in WorkItem.objects.filter(program=program, wbs__in=codes)}
        missing = [w for w in codes if w not in found]
        if missing:
            raise ValidationFailed(_("No work item %s in this program.") % ", ".join(missing))
        # Several predecessors at once: all links or none.
        with transaction.atomic():
            for code in d["predecessor"]:
                services.dependency_add(
                    actor=request.user,
                    predecessor=found[code],
                    successor=found[d["successor"]],
                    type=d["type"],
                    lag=d["lag"],
                    now=now(),
                )

    return _plan_post(request, code, DependencyForm, apply)


def _row_post(
    request: AuthedRequest, code: str, model: Any, pk: int, action: str, form_class: Any, apply: Any
) -> HttpResponse:
    program = _program(request, code)
    row = get_visible_or_404(request.user, model, pk=pk, program=program)
    if not can(request.user, action, row):
        return _forbidden(request)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            apply(row, form.cleaned_data)
        except (ValidationFailed, Conflict) as exc:
            for m in [m for msgs in exc.fields.values() for m in msgs] or [exc.message]:
                messages.error(request, m)
        else:
            messages.success(request, _("Saved."))
    else:
        _flash_errors(request, form)
    return redirect("programs:detail", code=program.code)


@login_required
@require_POST
@friendly_errors
def commitment_fulfil(request: AuthedRequest, code: str, commitment_id: int) -> HttpResponse:
    """Record a delivery against a commitment (the partner's staff or the coordinator)."""

    def apply(row: Commitment, d: dict[str, Any]) -> None:
        services.commitment_fulfil(actor=request.user, commitment=row, now=now(), **d)

    return _row_post(
        request, code, Commitment, commitment_id, "commitment.fulfil", FulfilmentForm, apply
    )


@login_required
@require_POST
@friendly_errors
def indicator_record(request: AuthedRequest, code: str, indicator_id: int) -> HttpResponse:
    """Record an indicator measurement (the coordinator's staff)."""

    def apply(row: Indicator, d: dict[str, Any]) -> None:
        services.indicator_record(actor=request.user, indicator=row, now=now(), **d)

    return _row_post(request, code, Indicator, indicator_id, "indicator.record", ActualForm, apply)


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def progress(request: AuthedRequest, code: str, item_id: int) -> HttpResponse:
    """Report progress on a work item (its agency's staff, or the coordinator)."""
    program = _program(request, code)
    item = get_visible_or_404(request.user, WorkItem, pk=item_id, program=program)
    if not can(request.user, "workitem.progress", item):
        return _forbidden(request)
    today = local_today(program, now())
    initial = {
        "data_date": today,
        "percent_complete": item.percent_complete,
        "actual_start": item.actual_start,
        "actual_finish": item.actual_finish,
        "blocker": item.blocker,
    }
    form = ProgressForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_record(actor=request.user, item=item, now=now(), **form.cleaned_data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Progress recorded."))
            return redirect("programs:detail", code=program.code)
    history = item.updates.select_related("author").order_by("-data_date", "-pk")[:20]
    return render(
        request,
        "programs/progress.html",
        {"program": program, "item": item, "form": form, "history": history},
        status=400 if form.errors else 200,
    )


def _zoom(request: HttpRequest) -> str:
    zoom = request.GET.get("zoom", Zoom.MONTH)
    return zoom if zoom in Zoom.values else Zoom.MONTH


@login_required
@require_GET
@friendly_errors
def gantt_page(request: AuthedRequest, code: str) -> HttpResponse:
    """The Gantt chart with zoom links and a legend."""
    program = _program(request, code)
    ps = program_schedule(program, now=now())
    zoom = _zoom(request)
    names = {i.owner_slug: i.owner_name for i in ps.items}
    legend = [(names[s], c) for s, c in agency_colours(ps.items).items()]
    return render(
        request,
        "programs/gantt.html",
        {
            "program": program,
            "ps": ps,
            "zoom": zoom,
            "zooms": Zoom.choices,
            "legend": legend,
            "truncated": len(ps.items) > 400,
            **_gantt_context(ps, zoom=zoom, today=local_today(program, now()), title=program.title),
        },
    )


def _gantt_context(ps: Any, *, zoom: str, today: Any, title: str) -> dict[str, Any]:
    """The chart without its labels and the sticky label column's layout beside it."""
    return {
        "svg": render_gantt(ps, zoom=zoom, today=today, title=title, labels=False),
        "gantt": gantt_layout(ps, zoom=zoom, today=today),
    }


@login_required
@require_GET
@friendly_errors
def gantt_svg(request: AuthedRequest, code: str) -> HttpResponse:
    """The Gantt chart as an SVG file."""
    program = _program(request, code)
    ps = program_schedule(program, now=now())
    svg = render_gantt(
        ps, zoom=_zoom(request), today=local_today(program, now()), title=program.title
    )
    return HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def baselines(request: AuthedRequest, code: str) -> HttpResponse:
    """Baselines of a program: take one, choose which one the forecast is compared with."""
    program = _program(request, code)
    can_change = can(request.user, "program.change", program)
    form = BaselineForm(request.POST or None)
    if request.method == "POST":
        if not can_change:
            return _forbidden(request)
        select = request.POST.get("select")
        if select:
            chosen = (
                Baseline.objects.filter(program=program, pk=select).first()
                if select.isdigit()
                else None
            )
            if chosen is None:
                messages.error(request, _("No such baseline."))
            else:
                services.program_update(
                    actor=request.user, program=program, baseline=chosen, now=now()
                )
                messages.success(request, _("The forecast is now compared with %s.") % chosen.name)
            return redirect("programs:baselines", code=program.code)
        if form.is_valid():
            try:
                services.baseline_take(
                    actor=request.user, program=program, name=form.cleaned_data["name"], now=now()
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, _("Baseline taken."))
                return redirect("programs:baselines", code=program.code)
    program.refresh_from_db()
    ps = program_schedule(program, now=now())
    slipped = sorted((i for i in ps.items if i.finish_slip), key=lambda i: -(i.finish_slip or 0))[
        :50
    ]
    return render(
        request,
        "programs/baselines.html",
        {
            "program": program,
            "baselines": Baseline.objects.visible_to(request.user).filter(program=program),
            "form": form,
            "can_change": can_change,
            "ps": ps,
            "slipped": slipped,
        },
        status=400 if form.errors else 200,
    )


def _attachment(body: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
@friendly_errors
def export(request: AuthedRequest, code: str) -> HttpResponse:
    """Download the schedule as MS Project XML, Primavera XER, CSV or Excel."""
    program = _program(request, code)
    fmt = request.GET.get("format")
    if fmt == "xer":
        body = xer.export_xer(program, now=now())
        return _attachment(body, "application/octet-stream", f"{program.code}.xer")
    if fmt == "csv":
        body = exchange.export_csv(program, now=now())
        return _attachment(body, "text/csv; charset=utf-8", f"{program.code}.csv")
    if fmt == "xlsx":
        body = xlsx.export_xlsx(program, now=now())
        return _attachment(body, xlsx.XLSX_MIME, f"{program.code}-kegiatan.xlsx")
    body = exchange.export_mspdi(program, now=now())
    return _attachment(body, "application/xml", f"{program.code}.xml")


@login_required
@require_GET
@friendly_errors
def xlsx_template(request: AuthedRequest, code: str) -> HttpResponse:
    """The empty work-item workbook for this program, with its instructions sheet."""
    program = _program(request, code)
    body = xlsx.template_xlsx(program)
    return _attachment(body, xlsx.XLSX_MIME, f"{program.code}-templat-kegiatan.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def import_view(request: AuthedRequest, code: str) -> HttpResponse:
    """Upload an MSPDI, XER, CSV or XLSX file; every bad row is listed and nothing is
    applied. Large files are imported in the background with a progress page."""
    program = _program(request, code)
    if not can(request.user, "program.change", program):
        return _forbidden(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        fmt = form.cleaned_data["format"]
        if upload.size > uploads.max_bytes(uploads.SCHEDULE):
            problems = [uploads.too_large_message(uploads.SCHEDULE)]
        elif upload.size > exchange.INLINE_BYTES:
            try:
                job = exchange.import_start(
                    actor=request.user,
                    program=program,
                    data=upload.read(),
                    fmt=fmt,
                    filename=upload.name or "",
                    now=now(),
                )
            except ValidationFailed as exc:
                problems = [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
            else:
                return redirect("programs:import_job", code=program.code, job_id=job.pk)
        else:
            try:
                counts = exchange.schedule_import(
                    actor=request.user, program=program, data=upload.read(), fmt=fmt, now=now()
                )
            except ValidationFailed as exc:
                problems = [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
            else:
                messages.success(
                    request,
                    _("Imported %(items)d work items and %(links)d dependencies.")
                    % {"items": counts["work_items"], "links": counts["dependencies"]},
                )
                return redirect("programs:detail", code=program.code)
    jobs = ScheduleImport.objects.filter(program=program).defer("data")[:5]
    return render(
        request,
        "programs/import.html",
        {"program": program, "form": form, "problems": problems, "jobs": jobs},
        status=400 if (form.errors or problems) else 200,
    )


@login_required
@require_GET
@friendly_errors
def import_job(request: AuthedRequest, code: str, job_id: int) -> HttpResponse:
    """Progress of a background import; htmx polls the status box until it ends."""
    program = _program(request, code)
    if not can(request.user, "program.change", program):
        return _forbidden(request)
    job = get_visible_or_404(request.user, ScheduleImport, pk=job_id, program=program)
    context = {"program": program, "job": job}
    if getattr(request, "htmx", False):
        return render(request, "programs/_import_job.html", context)
    return render(request, "programs/import_job.html", context)


def _proposal_form(request: AuthedRequest, program: Program) -> ProposalForm:
    return ProposalForm(
        request.POST or None,
        agencies=Agency.objects.filter(
            pk__in=[a.pk for a in proposer_agencies(request.user, program)]
        ).order_by("name"),
        dependencies=Dependency.objects.filter(program=program).select_related(
            "predecessor", "successor"
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
@friendly_errors
def proposal_new(request: AuthedRequest, code: str) -> HttpResponse:
    """A partner proposes a change to the plan (duration, dates, links, a new item)."""
    program = _program(request, code)
    if not can(request.user, "program.propose", program):
        return _forbidden(request)
    form = _proposal_form(request, program)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.proposal_create(actor=request.user, program=program, now=now(), **data)
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Your proposal was sent to the coordinator."))
            return redirect("programs:detail", code=program.code)
    return render(
        request,
        "programs/proposal_form.html",
        {"program": program, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
@friendly_errors
def proposal_decide(
    request: AuthedRequest, code: str, proposal_id: int, action: str
) -> HttpResponse:
    """Accept (apply) or reject a proposal (the coordinator's managers)."""
    program = _program(request, code)
    proposal = get_visible_or_404(request.user, PlanProposal, pk=proposal_id, program=program)
    if not can(request.user, "proposal.decide", proposal):
        return _forbidden(request)
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        if action == "accept":
            services.proposal_accept(actor=request.user, proposal=proposal, note=note, now=now())
            messages.success(request, _("The proposal was accepted and the plan changed."))
        else:
            services.proposal_reject(actor=request.user, proposal=proposal, note=note, now=now())
            messages.success(request, _("The proposal was rejected."))
    except (ValidationFailed, Conflict) as exc:
        for m in [m for msgs in exc.fields.values() for m in msgs] or [exc.message]:
            messages.error(request, m)
    return redirect(f"{reverse('programs:detail', args=[program.code])}#proposals-h")


@login_required
@require_GET
def my_work_view(request: AuthedRequest) -> HttpResponse:
    """Unfinished work of the user's agencies across all programs."""
    rows = my_work(user=request.user, now=now())
    return render(request, "programs/my_work.html", paginate_request(request, rows, per_page=50))


@login_required
@require_GET
def handoffs_view(request: AuthedRequest) -> HttpResponse:
    """Open hand-offs: what my agencies wait for, and who waits for us."""
    wait_for, waiting = handoffs(user=request.user, now=now())
    return render(
        request, "programs/handoffs.html", {"wait_for": wait_for[:200], "waiting": waiting[:200]}
    )


# --- public portal ----------------------------------------------------------------------------


def _public_progress(ps: Any) -> dict[str, Any]:
    """Overall progress weighted by duration, and how many items are done."""
    weight = sum(max(i.duration, 1) for i in ps.items)
    done = sum(max(i.duration, 1) * i.percent_complete for i in ps.items)
    return {
        "percent": round(done / weight) if weight else 0,
        "items": len(ps.items),
        "finished": sum(1 for i in ps.items if i.actual_finish),
    }


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    """Public programs for everyone, without signing in."""
    q = request.GET.get("q", "")[:100]
    context = paginate_request(request, public_programs(q=q), per_page=20)
    cards = []
    for program in context["page_obj"].object_list:
        ps = program_schedule(program, now=now())
        cards.append({"program": program, "ps": ps, "progress": _public_progress(ps)})
    return render(request, "programs/public_index.html", {"q": q, "cards": cards, **context})


@require_GET
@friendly_errors
def public_detail(request: HttpRequest, code: str) -> HttpResponse:
    """A public program: goal, agencies, status, progress, Gantt and indicators. No names
    of people, notes or blockers; internal programs answer 404."""
    program = public_programs().filter(code=code[:40]).first()
    if program is None:
        raise Http404
    ps = program_schedule(program, now=now())
    names = {i.owner_slug: i.owner_name for i in ps.items}
    return render(
        request,
        "programs/public_detail.html",
        {
            "program": program,
            "ps": ps,
            **_gantt_context(
                ps, zoom=_zoom(request), today=local_today(program, now()), title=program.title
            ),
            "zoom": _zoom(request),
            "zooms": Zoom.choices,
            "legend": [(names[s], c) for s, c in agency_colours(ps.items).items()],
            "partners": program.partnerships.select_related("agency").order_by("agency__name"),
            "indicators": program_indicators(user=None, program=program),
            "progress": _public_progress(ps),
            "truncated": len(ps.items) > 400,
        },
    )
