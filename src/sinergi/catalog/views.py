"""Pages of the catalog: datasets of the signed-in user's reach, the workflow forms, the
table preview and download, and the public catalog with search and facets."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.decorators.vary import vary_on_headers

from sinergi.coordination.selectors import suggest_for
from sinergi.core.clock import now
from sinergi.core.exceptions import Conflict, Forbidden, NotFound, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.paging import paginate_bounded
from sinergi.core.permissions import can, ensure_can, get_visible_or_404
from sinergi.core.views import AuthedRequest, friendly_errors, paginate_request

from . import services, spreadsheet, tabular
from .choices import DatasetStatus
from .forms import (
    AggregateForm,
    DataRequestForm,
    DatasetForm,
    FilterColumnsForm,
    FulfilForm,
    PreviewForm,
    UploadForm,
    VerifyForm,
)
from .models import DataRequest, Dataset, DatasetVersion
from .selectors import (
    awaiting_verification,
    data_health,
    data_requests_of,
    datasets_by_ids,
    datasets_search,
    facets,
    fulfilment_candidates,
    publishers_of,
    requesters_of,
    version_path,
)

PREVIEW_ROWS = 20


def _dataset(request: HttpRequest, slug: str) -> Dataset:
    return get_visible_or_404(request.user, Dataset, slug=slug)


def _version(dataset: Dataset, raw: str | None) -> DatasetVersion | None:
    qs = dataset.versions.order_by("-number")
    if raw:
        if not raw.isdigit() or len(raw) > 6:
            raise NotFound()
        version = qs.filter(number=int(raw)).first()
        if version is None:
            raise NotFound()
        return version
    return qs.first()


@login_required
@require_GET
def index(request: AuthedRequest) -> HttpResponse:
    """Datasets the user sees, with search, and those waiting for the user's verification."""
    q = request.GET.get("q", "")[:200]
    status = request.GET.get("status", "")
    if status not in DatasetStatus.values:
        status = ""
    qs = datasets_search(user=request.user, q=q, status=status).order_by("title", "pk")
    return render(
        request,
        "catalog/index.html",
        {
            "q": q,
            "status": status,
            "statuses": DatasetStatus.choices,
            "awaiting": awaiting_verification(user=request.user),
            "can_create": bool(publishers_of(request.user)),
            **paginate_bounded(request, qs, per_page=25, load=datasets_by_ids),
        },
    )


@login_required
@require_GET
def health(request: AuthedRequest) -> HttpResponse:
    """Data health per agency: datasets, published, overdue updates, metadata completeness
    (``?instansi=<slug>``: one agency)."""
    agency = request.GET.get("instansi", "")[:100]
    rows = data_health(user=request.user, now=now())
    if agency:
        rows = [r for r in rows if r["agency"].slug == agency]
    return render(request, "catalog/health.html", {"rows": rows, "agency": agency})


@login_required
@friendly_errors
@require_http_methods(["GET", "POST"])
def create(request: AuthedRequest) -> HttpResponse:
    """Start a draft dataset for one of the user's agencies."""
    publishers = publishers_of(request.user)
    if not publishers:
        return render(
            request,
            "core/error.html",
            {"title": _("Not allowed"), "message": _("You are not allowed to do this.")},
            status=403,
        )
    form = DatasetForm(
        request.POST or None, publishers=publishers, initial={"publisher": publishers[0]}
    )
    if request.method == "POST" and form.is_valid():
        try:
            dataset = services.dataset_create(
                actor=request.user,
                publisher=form.cleaned_data["publisher"],
                slug=form.cleaned_data["slug"],
                title=form.cleaned_data["title"],
                now=now(),
                **{k: v for k, v in form.metadata().items() if k != "title"},
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Upload the data next."))
            return redirect("catalog:detail", slug=dataset.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "catalog/form.html", {"form": form, "dataset": None}, status=status)


@login_required
@friendly_errors
@require_http_methods(["GET", "POST"])
def edit(request: AuthedRequest, slug: str) -> HttpResponse:
    """Change the metadata of a draft or returned dataset."""
    dataset = _dataset(request, slug)
    ensure_can(request.user, "catalog.change", dataset)
    initial = {
        "title": dataset.title,
        "description": dataset.description,
        "tags": ", ".join(sorted(t.name for t in dataset.tags.all())),
        "sector": dataset.sector.slug if dataset.sector else None,
        "affair": dataset.affair.code if dataset.affair else None,
        "frequency": dataset.frequency,
        "licence": dataset.licence,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "spatial_coverage": ", ".join(dataset.spatial_coverage or []),
        "reference_codes": dataset.reference_codes,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "access_level": dataset.access_level,
        "allowed_agencies": list(dataset.allowed_agencies.all()),
    }
    form = DatasetForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.dataset_update(
                actor=request.user, dataset=dataset, now=now(), **form.metadata()
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        except Conflict as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Metadata saved."))
            return redirect("catalog:detail", slug=dataset.slug)
    status = 422 if request.method == "POST" else 200
    return render(request, "catalog/form.html", {"form": form, "dataset": dataset}, status=status)


def _preview_context(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    version = _version(dataset, request.GET.get("versi"))
    if version is None:
        return {"dataset": dataset, "version": None}
    names = [c["name"] for c in version.columns]
    form = PreviewForm(request.GET or None, columns=names)
    data = form.cleaned_data if form.is_valid() else {}
    page = data.get("page") or 1
    filters = {data["column"]: data.get("value", "")} if data.get("column") else {}
    sort = f"{data['sort']} {'desc' if data.get('desc') else 'asc'}" if data.get("sort") else ""
    error = ""
    try:
        result = tabular.query(
            version_path(version),
            version.columns,
            filters=filters,
            q=data.get("q") or "",
            sort=sort,
            limit=PREVIEW_ROWS,
            offset=(page - 1) * PREVIEW_ROWS,
            cluster=dataset.filter_columns,
        )
    except tabular.TableError as exc:
        error = exc.message
        result = tabular.Page(columns=version.columns, rows=[], total=0)
    params = request.GET.copy()
    params.pop("page", None)
    last = max(1, -(-result.total // PREVIEW_ROWS))
    return {
        "dataset": dataset,
        "version": version,
        "preview_form": form,
        "result": result,
        "cells": [[row.get(n) for n in names] for row in result.rows],
        "error": error,
        "page": page,
        "last_page": last,
        "query_without_page": params.urlencode(),
        "first_row": (page - 1) * PREVIEW_ROWS + 1,
    }


@login_required
@friendly_errors
@require_GET
def detail(request: AuthedRequest, slug: str) -> HttpResponse:
    """A dataset: metadata, workflow actions, versions, schema and the table preview."""
    dataset = _dataset(request, slug)
    can_change = can(request.user, "catalog.change", dataset)
    latest = dataset.latest_version()
    context = _preview_context(request, dataset)
    context.update(_summary_context(request, dataset))
    context.update(
        {
            "versions": dataset.versions.order_by("-number"),
            "latest": latest,
            "can_change": can_change,
            "editable": can_change and dataset.status in services.EDITABLE,
            "can_verify": dataset.status == DatasetStatus.SUBMITTED
            and can(request.user, "catalog.verify", dataset),
            "problems": services.metadata_problems(dataset) if can_change else {},
            "upload_form": UploadForm(),
            "verify_form": VerifyForm(),
            "overdue": dataset.is_overdue(now()),
            "stats": tabular.column_stats(version_path(latest), latest.columns)
            if latest is not None
            else [],
        }
    )
    if latest is not None and can_change:
        context.update(_filter_context(dataset, latest, context["stats"]))
    return render(request, "catalog/detail.html", context)


def _filter_context(
    dataset: Dataset,
    latest: DatasetVersion,
    stats: list[dict[str, Any]],
    form: FilterColumnsForm | None = None,
) -> dict[str, Any]:
    """The filter-columns form of the detail page, with suggestions and whether the sorted
    copy of the latest version is built yet."""
    chosen = list(dataset.filter_columns or [])
    if form is None:
        form = FilterColumnsForm(
            initial=dict(zip(("first", "second", "third"), chosen, strict=False)),
            columns=[c["name"] for c in latest.columns],
            suggested=tabular.suggest_filter_columns(stats, latest.row_count),
        )
    ready = bool(chosen) and tabular.clustered_path(version_path(latest), chosen).exists()
    return {"filter_form": form, "filter_columns": chosen, "filter_ready": ready}


def _changing_latest(request: AuthedRequest, slug: str) -> tuple[Dataset, DatasetVersion]:
    """The dataset the user may change and its latest version (404 when it has none)."""
    dataset = _dataset(request, slug)
    ensure_can(request.user, "catalog.change", dataset)
    latest = dataset.latest_version()
    if latest is None:
        raise NotFound()
    return dataset, latest


@login_required
@friendly_errors
@require_POST
def filter_columns(request: AuthedRequest, slug: str) -> HttpResponse:
    """Choose the columns the dataset's data is stored sorted by (kolom penyaring)."""
    dataset, latest = _changing_latest(request, slug)
    form = FilterColumnsForm(request.POST, columns=[c["name"] for c in latest.columns])
    if form.is_valid():
        try:
            services.dataset_update(
                actor=request.user,
                dataset=dataset,
                filter_columns=form.cleaned_data["filter_columns"],
                now=now(),
            )
        except ValidationFailed as exc:
            apply_errors(form, exc)
        else:
            messages.success(
                request,
                _("Filter columns saved; the data is being sorted by them in the background.")
                if form.cleaned_data["filter_columns"]
                else _("Filter columns removed."),
            )
            return redirect("catalog:detail", slug=dataset.slug)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, str(error))
    return redirect("catalog:detail", slug=dataset.slug)


SUMMARY_ROWS = 50


def _summary_context(request: HttpRequest, dataset: Dataset) -> dict[str, Any]:
    version = _version(dataset, request.GET.get("versi"))
    if version is None:
        return {"dataset": dataset, "version": None}
    names = [c["name"] for c in version.columns]
    numeric = [c["name"] for c in version.columns if c["type"] in tabular.NUMERIC_TYPES]
    bound = "fn" in request.GET
    form = AggregateForm(request.GET if bound else None, columns=names, numeric=numeric)
    context: dict[str, Any] = {"dataset": dataset, "version": version, "summary_form": form}
    if not bound or not form.is_valid():
        return context
    data = form.cleaned_data
    metric = f"{data['fn']}:{data['of']}" if data.get("of") else data["fn"]
    groups = data.get("group_by") or []
    filters = {data["column"]: data.get("value", "")} if data.get("column") else {}
    try:
        result = tabular.aggregate(
            version_path(version),
            version.columns,
            group_by=groups,
            metrics=tabular.parse_metrics(metric, {c["name"]: c["type"] for c in version.columns}),
            filters=filters,
            limit=SUMMARY_ROWS,
        )
    except tabular.TableError as exc:
        context["summary_error"] = exc.message
        return context
    context["summary"] = result
    context["summary_cells"] = [[row.get(c["name"]) for c in result.columns] for row in result.rows]
    api = {"version": version.number, "group_by": ",".join(groups), "metrics": metric}
    if filters:
        api["filters"] = json.dumps(filters, ensure_ascii=False)
    context["api_query"] = urlencode(api)
    return context


@friendly_errors
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def summary(request: HttpRequest, slug: str) -> HttpResponse:
    """Rows grouped by columns with a count, sum, average, minimum or maximum (for htmx and
    without script)."""
    dataset = _dataset(request, slug)
    return render(request, "catalog/_summary.html", _summary_context(request, dataset))


@friendly_errors
@require_GET
@vary_on_headers("HX-Request", "HX-Target")
def preview(request: HttpRequest, slug: str) -> HttpResponse:
    """The table preview alone (for htmx and for the public page)."""
    dataset = _dataset(request, slug)
    return render(request, "catalog/_preview.html", _preview_context(request, dataset))


@login_required
@friendly_errors
@require_POST
def upload(request: AuthedRequest, slug: str) -> HttpResponse:
    """Upload a CSV file or an XLSX workbook as the next version."""
    dataset = _dataset(request, slug)
    ensure_can(request.user, "catalog.change", dataset)
    form = UploadForm(request.POST, request.FILES)
    if form.is_valid():
        file = form.cleaned_data["file"]
        try:
            if file.size > services.max_upload_bytes():
                raise ValidationFailed(fields={"file": [_("The file is too large.")]})
            version = services.version_upload(
                actor=request.user,
                dataset=dataset,
                data=file.read(),
                filename=file.name or "",
                note=form.cleaned_data["note"],
                sheet=form.cleaned_data["sheet"],
                now=now(),
            )
        except (ValidationFailed, Conflict) as exc:
            for msgs in getattr(exc, "fields", {}).values() or [[exc.message]]:
                for msg in msgs:
                    messages.error(request, msg)
            return redirect("catalog:detail", slug=dataset.slug)
        messages.success(
            request,
            _("Version %(n)d stored: %(rows)d rows. Check the column types and units below.")
            % {"n": version.number, "rows": version.row_count},
        )
    else:
        for errors in form.errors.values():
            for msg in errors:
                messages.error(request, str(msg))
    return redirect("catalog:detail", slug=dataset.slug)


@login_required
@friendly_errors
@require_POST
def units(request: AuthedRequest, slug: str) -> HttpResponse:
    """Confirm the inferred schema of the latest version by giving column units."""
    dataset, version = _changing_latest(request, slug)
    values = {
        c["name"]: request.POST.get(f"unit-{i}", "")[:40].strip()
        for i, c in enumerate(version.columns)
    }
    services.version_set_units(actor=request.user, version=version, units=values, now=now())
    messages.success(request, _("Schema confirmed."))
    return redirect("catalog:detail", slug=dataset.slug)


@login_required
@friendly_errors
@require_POST
def submit(request: AuthedRequest, slug: str) -> HttpResponse:
    """Send the dataset to the walidata."""
    dataset = _dataset(request, slug)
    try:
        services.dataset_submit(actor=request.user, dataset=dataset, now=now())
    except ValidationFailed as exc:
        messages.error(request, exc.message)
    except Conflict as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Submitted to the walidata for verification."))
    return redirect("catalog:detail", slug=dataset.slug)


@login_required
@friendly_errors
@require_POST
def verify(request: AuthedRequest, slug: str) -> HttpResponse:
    """The walidata publishes or returns the dataset."""
    dataset = _dataset(request, slug)
    ensure_can(request.user, "catalog.verify", dataset)
    form = VerifyForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a decision."))
        return redirect("catalog:detail", slug=dataset.slug)
    try:
        services.dataset_verify(
            actor=request.user,
            dataset=dataset,
            decision=form.cleaned_data["decision"],
            comment=form.cleaned_data["comment"],
            now=now(),
        )
    except (ValidationFailed, Conflict) as exc:
        for msgs in exc.fields.values() or [[exc.message]]:
            for msg in msgs:
                messages.error(request, msg)
    else:
        messages.success(request, _("Decision recorded."))
    return redirect("catalog:detail", slug=dataset.slug)


@friendly_errors
@require_GET
def download(request: HttpRequest, slug: str, fmt: str = "csv") -> HttpResponse:
    """The rows of a version as CSV or XLSX (cells that a spreadsheet would run as formulas
    are neutralised) or as a JSON array of objects."""
    dataset = _dataset(request, slug)
    version = _version(dataset, request.GET.get("versi"))
    if version is None:
        raise NotFound()
    if fmt == "xlsx":
        return _download_xlsx(request, dataset, version)
    if fmt == "json":
        chunks = tabular.export_json(version_path(version), version.columns)
        content_type = "application/json; charset=utf-8"
    else:
        chunks = tabular.export_csv(version_path(version), version.columns)
        content_type = "text/csv; charset=utf-8"
    response = StreamingHttpResponse(chunks, content_type=content_type)
    name = f"{dataset.slug}-v{version.number}.{'json' if fmt == 'json' else 'csv'}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    # Streamed so a large version never sits in memory; Django serves both kinds alike.
    return response  # type: ignore[return-value]


def _download_xlsx(request: HttpRequest, dataset: Dataset, version: DatasetVersion) -> HttpResponse:
    cells = version.row_count * max(1, len(version.columns))
    if version.row_count >= spreadsheet.MAX_ROWS or cells > services.xlsx_limits()["max_cells"]:
        return render(
            request,
            "core/error.html",
            {
                "title": _("Too large for a workbook"),
                "message": _(
                    "This version has too many rows for an Excel workbook. Download it as "
                    "CSV instead."
                ),
            },
            status=413,
        )
    body = spreadsheet.export_xlsx(version_path(version), version.columns, sheet=dataset.slug)
    response = FileResponse(
        body,
        as_attachment=True,
        filename=f"{dataset.slug}-v{version.number}.xlsx",
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response  # type: ignore[return-value]  # a streamed file answers like any other


@require_GET
def public_index(request: HttpRequest) -> HttpResponse:
    """The public catalog: search with facets on publisher and tag."""
    q = request.GET.get("q", "")[:200]
    tags = [t[:60] for t in request.GET.getlist("tag")[:5]]
    pubs = [p[:100] for p in request.GET.getlist("instansi")[:5]]
    publisher_q = request.GET.get("penerbit", "")[:100]
    qs = datasets_search(user=request.user, q=q, tags=tags, publishers=pubs, public_only=True)
    found = facets(qs, selected=pubs, publisher_q=publisher_q)
    return render(
        request,
        "catalog/public_index.html",
        {
            "q": q,
            "tags": tags,
            "pubs": pubs,
            "publisher_q": publisher_q,
            "facets": found,
            **paginate_bounded(
                request, qs.order_by("title", "pk"), per_page=20, load=datasets_by_ids
            ),
        },
    )


@friendly_errors
@require_GET
def public_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """A published dataset for everyone it is shared with."""
    from django.http import Http404

    dataset = (
        datasets_search(user=request.user, public_only=True).filter(slug=slug).first()
        if tabular.looks_like_identifier(slug)
        else None
    )
    if dataset is None:
        raise Http404
    context = _preview_context(request, dataset)
    context.update(_summary_context(request, dataset))
    context["versions"] = dataset.versions.order_by("-number")
    return render(request, "catalog/public_detail.html", context)


# --- data requests ---------------------------------------------------------------------


@login_required
@require_GET
def requests(request: AuthedRequest) -> HttpResponse:
    """Data requests of the user's agencies, sent and received, with the dataset that
    fulfils each and, for open ones the user may fulfil, a form to link it."""
    status = request.GET.get("status", "")
    if status not in {"open", "fulfilled"}:
        status = ""
    page = paginate_request(request, data_requests_of(user=request.user, status=status), 25)
    rows = []
    found: dict[tuple[int, int], list[Dataset]] = {}
    for item in page["page_obj"].object_list:
        form = None
        if item.dataset_id is None and can(request.user, "catalog.fulfil_request", item):
            key = (item.requester_id, item.request.to_agency_id)
            if key not in found:
                found[key] = fulfilment_candidates(user=request.user, data_request=item)
            candidates = found[key]
            form = FulfilForm(candidates=candidates, prefix=f"r{item.pk}") if candidates else None
        rows.append({"item": item, "form": form})
    return render(
        request,
        "catalog/requests.html",
        {
            "rows": rows,
            "status": status,
            "can_request": bool(requesters_of(request.user)),
            **page,
        },
    )


@login_required
@friendly_errors
@require_http_methods(["GET", "POST"])
def request_create(request: AuthedRequest) -> HttpResponse:
    """Ask another agency for data; "Suggest" proposes the competent agency from the text."""
    requesters = requesters_of(request.user)
    if not requesters:
        raise Forbidden()
    form = DataRequestForm(
        request.POST or None, requesters=requesters, initial={"requester": requesters[0]}
    )
    suggestions: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "suggest" in request.POST or data.get("producer") is None:
            suggestions = suggest_for(
                text=f"{data['title']} {data['description']}", exclude=[data["requester"].slug]
            )
            if data.get("producer") is None and suggestions:
                # Preselect the best suggestion; the user still confirms by sending.
                chosen = request.POST.copy()
                chosen["producer"] = suggestions[0].slug
                form.data = chosen
            if data.get("producer") is None and "suggest" not in request.POST:
                form.add_error("producer", _("Choose the agency that should produce the data."))
        else:
            try:
                services.data_request_create(
                    actor=request.user,
                    requester=data["requester"],
                    producer=data["producer"],
                    title=data["title"],
                    description=data["description"],
                    now=now(),
                )
            except ValidationFailed as exc:
                apply_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("Data request sent as a coordination request to %(agency)s.")
                    % {"agency": data["producer"]},
                )
                return redirect("catalog:requests")
    status = 422 if request.method == "POST" and form.errors else 200
    return render(
        request,
        "catalog/request_form.html",
        {"form": form, "suggestions": suggestions},
        status=status,
    )


@login_required
@friendly_errors
@require_POST
def request_fulfil(request: AuthedRequest, pk: int) -> HttpResponse:
    """Link the published dataset that fulfils a data request."""
    item = get_visible_or_404(request.user, DataRequest, pk=pk)
    ensure_can(request.user, "catalog.fulfil_request", item)
    candidates = fulfilment_candidates(user=request.user, data_request=item)
    form = FulfilForm(request.POST, candidates=candidates, prefix=f"r{item.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a published dataset."))
        return redirect("catalog:requests")
    try:
        services.data_request_fulfil(
            actor=request.user,
            data_request=item,
            dataset=form.cleaned_data["dataset"],
            note=form.cleaned_data["note"],
            now=now(),
        )
    except (ValidationFailed, Conflict) as exc:
        for msgs in exc.fields.values() or [[exc.message]]:
            for msg in msgs:
                messages.error(request, msg)
    else:
        messages.success(request, _("Data request fulfilled; the requesting agency is told."))
    return redirect("catalog:requests")
