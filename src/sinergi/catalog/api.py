"""Catalog API: datasets, their verification, versions and queries on their rows."""

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Path, Query, Router
from ninja.files import UploadedFile
from ninja.pagination import paginate

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
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
from sinergi.core.exceptions import NotFound, Unauthenticated, ValidationFailed
from sinergi.core.paging import MappedRows
from sinergi.core.permissions import get_visible_or_404

from . import services, tabular
from .models import DataRequest, Dataset, DatasetVersion
from .schemas import (
    AggregateOut,
    AggregateQuery,
    DataOut,
    DataQuery,
    DataRequestFilters,
    DataRequestIn,
    DataRequestOut,
    DatasetFilters,
    DatasetIn,
    DatasetOut,
    DatasetPatch,
    FulfilIn,
    RowsIn,
    VerifyIn,
    VersionOut,
)
from .selectors import data_requests_of, datasets_search, version_path

router = Router(tags=["catalog"])


def caller(request: HttpRequest) -> Any:
    """The user behind a request that may be anonymous: a bearer token (or CKAN's bare API
    key in ``Authorization``) or the browser session; a bad token is refused."""
    from sinergi.accounts.scopes import ensure_token_allows
    from sinergi.accounts.services import token_authenticate

    header = request.headers.get("Authorization", "").strip()
    if header:
        secret = header.split(" ", 1)[1].strip() if header.lower().startswith("bearer ") else header
        user = token_authenticate(secret, now())
        if user is None:
            raise Unauthenticated()
        # Reads through a token need its ``read`` scope; writes check their module's scope.
        ensure_token_allows(user, "catalog", write=False)
        return user
    return getattr(request, "user", None)


def dataset_out(d: Dataset) -> dict[str, Any]:
    """The API shape of a dataset."""
    versions = list(d.versions.all())
    latest = max(versions, key=lambda v: v.number) if versions else None
    return {
        "slug": d.slug,
        "title": d.title,
        "description": d.description,
        "publisher": d.publisher.slug,
        "publisher_name": d.publisher.name,
        "walidata": d.walidata.slug,
        "region": d.region.code,
        "tags": sorted(t.name for t in d.tags.all()),
        "sector": d.sector.slug if d.sector else None,
        "affair": d.affair.code if d.affair else None,
        "frequency": d.frequency,
        "licence": d.licence,
        "temporal_start": d.temporal_start,
        "temporal_end": d.temporal_end,
        "spatial_coverage": list(d.spatial_coverage or []),
        "reference_codes": d.reference_codes,
        "contact_name": d.contact_name,
        "contact_email": d.contact_email,
        "access_level": d.access_level,
        "allowed_agencies": sorted(a.slug for a in d.allowed_agencies.all()),
        "status": d.status,
        "review_comment": d.review_comment,
        "submitted_at": d.submitted_at,
        "published_at": d.published_at,
        "created_at": d.created_at,
        "updated_at": d.updated_at,
        "latest_version": latest.number if latest else None,
        "row_count": latest.row_count if latest else None,
        "filter_columns": list(d.filter_columns or []),
    }


def _dataset(user: Any, slug: str) -> Dataset:
    if not tabular.looks_like_identifier(slug):
        raise NotFound()
    return get_visible_or_404(user, Dataset, slug=slug)


def _agencies(slugs: list[str] | None, field: str) -> list[Agency] | None:
    if slugs is None:
        return None
    found = {a.slug: a for a in Agency.objects.filter(slug__in=slugs, is_active=True)}
    missing = [s for s in slugs if s not in found]
    if missing:
        raise ValidationFailed(
            fields={field: [_("Unknown agency: %(s)s.") % {"s": ", ".join(missing[:5])}]}
        )
    return list(found.values())


def _metadata(data: Any) -> dict[str, Any]:
    values = data.dict(exclude_unset=True)
    for key in ("publisher", "slug", "title"):
        values.pop(key, None)
    if "allowed_agencies" in values:
        values["allowed_agencies"] = _agencies(values["allowed_agencies"], "allowed_agencies")
    return values


@router.get(
    "",
    response=responses(list[DatasetOut], errors=READ_ERRORS),
    auth=None,
    summary="List datasets",
)
@paginate(Pagination)
def dataset_list(request: HttpRequest, filters: Query[DatasetFilters]) -> Any:
    """Datasets the caller may see (anonymous callers: published public datasets)."""
    qs = (
        datasets_search(
            user=caller(request),
            q=filters.q or "",
            tags=[filters.tag] if filters.tag else None,
            publishers=[filters.publisher] if filters.publisher else None,
            status=filters.status or "",
        )
        .select_related("affair")
        .prefetch_related("allowed_agencies")
    )
    # Counted in the database; only the page's rows are read and turned into output.
    return MappedRows(qs.order_by("title", "pk"), dataset_out)


@router.post("", response=responses(DatasetOut, 201), summary="Create a draft dataset")
def dataset_create(request: ApiRequest, data: DatasetIn) -> Any:
    """Start a draft dataset for an agency the caller works for."""
    publisher = agency_from_slug(
        data.publisher, "publisher", among=Agency.objects.visible_to(request.auth)
    )
    dataset = services.dataset_create(
        actor=request.auth,
        publisher=publisher,
        slug=data.slug,
        title=data.title,
        now=now(),
        **_metadata(data),
    )
    return 201, dataset_out(dataset)


@router.get(
    "/{slug}",
    response=responses(DatasetOut, errors=READ_ERRORS),
    auth=None,
    summary="Get a dataset",
)
def dataset_detail(request: HttpRequest, slug: str) -> Any:
    """One dataset with its metadata."""
    return dataset_out(_dataset(caller(request), slug))


@router.patch("/{slug}", response=responses(DatasetOut), summary="Change a dataset's metadata")
def dataset_update(request: ApiRequest, slug: str, data: DatasetPatch) -> Any:
    """Change the metadata of a draft or returned dataset; the filter columns (kolom
    penyaring) alone at any status."""
    dataset = _dataset(request.auth, slug)
    values = _metadata(data)
    if data.title is not None:  # _metadata leaves the title out (create takes it apart)
        values["title"] = data.title
    if values.get("filter_columns", []) is None:
        values.pop("filter_columns")
    return dataset_out(
        services.dataset_update(actor=request.auth, dataset=dataset, now=now(), **values)
    )


@router.post("/{slug}/submit", response=responses(DatasetOut), summary="Submit for verification")
def dataset_submit(request: ApiRequest, slug: str) -> Any:
    """Send the dataset to the walidata; refused while the metadata is incomplete."""
    dataset = services.dataset_submit(
        actor=request.auth, dataset=_dataset(request.auth, slug), now=now()
    )
    return dataset_out(dataset)


@router.post("/{slug}/verify", response=responses(DatasetOut), summary="Verify a dataset")
def dataset_verify(request: ApiRequest, slug: str, data: VerifyIn) -> Any:
    """The walidata publishes the dataset or returns it with comments."""
    dataset = services.dataset_verify(
        actor=request.auth,
        dataset=_dataset(request.auth, slug),
        decision=data.decision,
        comment=data.comment,
        now=now(),
    )
    return dataset_out(dataset)


@router.get(
    "/{slug}/versions",
    response=responses(list[VersionOut], errors=READ_ERRORS),
    auth=None,
    summary="List a dataset's versions",
)
def version_list(request: HttpRequest, slug: str) -> Any:
    """Versions of the dataset, newest first."""
    return list(_dataset(caller(request), slug).versions.order_by("-number"))


@router.post(
    "/{slug}/versions",
    response=responses(VersionOut, 201, errors={**ERRORS, 413: ErrorOut}),
    summary="Upload a new version (CSV or XLSX)",
)
def version_upload(
    request: ApiRequest,
    slug: str,
    file: File[UploadedFile],
    note: Form[str] = "",
    sheet: Form[str] = "",
) -> Any:
    """Upload a CSV file (UTF-8 or Latin-1, any common delimiter) or an XLSX workbook (the
    first sheet, or the one named by ``sheet``) as the next version."""
    dataset = _dataset(request.auth, slug)
    if file.size is not None and file.size > services.max_upload_bytes():
        raise ValidationFailed(fields={"file": [_("The file is too large.")]})
    version = services.version_upload(
        actor=request.auth,
        dataset=dataset,
        data=file.read(),
        filename=file.name or "",
        note=note[:300],
        sheet=sheet[:100],
        now=now(),
    )
    return 201, version


@router.post(
    "/{slug}/versions/json",
    response=responses(VersionOut, 201),
    summary="Push rows as JSON for a new version",
)
def version_push(request: ApiRequest, slug: str, data: RowsIn) -> Any:
    """Push rows (a list of objects) as the next version, checked like an upload and stored
    only if every row is valid. The schema is ``columns`` when given, else the confirmed
    schema of the latest version, else (or with ``infer``) inferred from the values."""
    dataset = _dataset(request.auth, slug)
    version = services.version_push(
        actor=request.auth,
        dataset=dataset,
        rows=data.rows,
        columns=[c.dict() for c in data.columns] if data.columns is not None else None,
        infer=data.infer,
        note=data.note,
        now=now(),
    )
    return 201, version


def parse_filters(raw: str | None) -> dict[str, Any]:
    """CKAN's ``filters`` parameter: a JSON object of column → value or list of values."""
    if not raw:
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise ValidationFailed(fields={"filters": [_("Enter a JSON object.")]}) from exc
    if not isinstance(value, dict) or not all(
        isinstance(v, str | int | float | bool | list) or v is None for v in value.values()
    ):
        raise ValidationFailed(fields={"filters": [_("Enter a JSON object.")]})
    return value


def run_query(version: DatasetVersion, params: DataQuery) -> dict[str, Any]:
    """Run a data query on a version, turning bad column names or values into field errors."""
    fields = [f.strip() for f in (params.fields or "").split(",") if f.strip()]
    try:
        page = tabular.query(
            version_path(version),
            version.columns,
            filters=parse_filters(params.filters),
            q=params.q or "",
            fields=fields or None,
            sort=params.sort or "",
            limit=params.limit,
            offset=params.offset,
            cluster=version.dataset.filter_columns,
        )
    except tabular.TableError as exc:
        raise ValidationFailed(exc.message, fields={exc.column or "query": [exc.message]}) from exc
    return {
        "resource_id": version.resource_id,
        "columns": page.columns,
        "rows": page.rows,
        "total": page.total,
        "limit": params.limit,
        "offset": params.offset,
    }


def pick_version(dataset: Dataset, number: int | None) -> DatasetVersion:
    """The numbered version of a dataset, or its latest."""
    qs = dataset.versions.order_by("-number")
    version = qs.filter(number=number).first() if number else qs.first()
    if version is None:
        raise NotFound(_("This dataset has no data yet."))
    return version


@router.get(
    "/{slug}/data",
    response=responses(DataOut, errors=READ_ERRORS),
    auth=None,
    summary="Query a dataset's rows",
)
def dataset_data(request: HttpRequest, slug: str, params: Query[DataQuery]) -> Any:
    """Rows of the latest (or a given) version: equality filters, text search, chosen
    columns, sort, limit and offset, with the total that match."""
    dataset = _dataset(caller(request), slug)
    return run_query(pick_version(dataset, params.version), params)


def split_names(raw: str | None) -> list[str]:
    """A comma-separated list of column names."""
    return [f.strip() for f in (raw or "").split(",") if f.strip()]


def run_aggregate(version: DatasetVersion, params: AggregateQuery) -> dict[str, Any]:
    """Summarise a version's rows, turning bad columns, summaries or values into field
    errors."""
    types = {c["name"]: c["type"] for c in version.columns}
    groups = split_names(params.group_by)
    try:
        page = tabular.aggregate(
            version_path(version),
            version.columns,
            group_by=groups,
            metrics=tabular.parse_metrics(params.metrics or "", types),
            filters=parse_filters(params.filters),
            q=params.q or "",
            sort=params.sort or "",
            limit=params.limit,
            offset=params.offset,
        )
    except tabular.TableError as exc:
        raise ValidationFailed(exc.message, fields={exc.column or "query": [exc.message]}) from exc
    return {
        "resource_id": version.resource_id,
        "group_by": groups,
        "columns": page.columns,
        "rows": page.rows,
        "total": page.total,
        "limit": params.limit,
        "offset": params.offset,
    }


@router.get(
    "/{slug}/aggregate",
    response=responses(AggregateOut, errors=READ_ERRORS),
    auth=None,
    summary="Summarise a dataset's rows",
)
def dataset_aggregate(request: HttpRequest, slug: str, params: Query[AggregateQuery]) -> Any:
    """Rows of the latest (or a given) version grouped by columns, with count, sum, avg, min
    and max per group, over the rows matching equality filters and a text search."""
    dataset = _dataset(caller(request), slug)
    return run_aggregate(pick_version(dataset, params.version), params)


# --- data requests (mounted at /api/v1/data-requests) -----------------------------------

requests_router = Router(tags=["catalog"])


def data_request_out(r: DataRequest) -> dict[str, Any]:
    """The API shape of a data request."""
    return {
        "id": r.pk,
        "title": r.title,
        "description": r.description,
        "requester": r.requester.slug,
        "producer": r.producer.slug,
        "handled_by": r.request.to_agency.slug,
        "request_id": r.request_id,
        "request_status": r.request.status,
        "dataset": r.dataset.slug if r.dataset else None,
        "fulfilled_at": r.fulfilled_at,
        "created_at": r.created_at,
    }


@requests_router.get(
    "", response=responses(list[DataRequestOut], errors=READ_ERRORS), summary="List data requests"
)
@paginate(Pagination)
def data_request_list(request: ApiRequest, filters: Query[DataRequestFilters]) -> Any:
    """Data requests of the caller's agencies, sent and received, newest first."""
    qs = data_requests_of(user=request.auth, status=filters.status or "")
    return [data_request_out(r) for r in qs]


@requests_router.post("", response=responses(DataRequestOut, 201), summary="Ask an agency for data")
def data_request_create(request: ApiRequest, data: DataRequestIn) -> Any:
    """Send a data request: it becomes a coordination request of kind "data" to the
    producing agency."""
    requester = agency_from_slug(
        data.requester, "requester", among=Agency.objects.visible_to(request.auth)
    )
    created = services.data_request_create(
        actor=request.auth,
        requester=requester,
        producer=agency_from_slug(data.producer, "producer"),
        title=data.title,
        description=data.description,
        due_date=data.due_date,
        now=now(),
    )
    return 201, data_request_out(created)


@requests_router.get(
    "/{pk}", response=responses(DataRequestOut, errors=READ_ERRORS), summary="Get a data request"
)
def data_request_detail(request: ApiRequest, pk: int = Path(..., ge=1, le=MAX_ID)) -> Any:
    """One data request."""
    return data_request_out(get_visible_or_404(request.auth, DataRequest, pk=pk))


@requests_router.post(
    "/{pk}/fulfil", response=responses(DataRequestOut), summary="Fulfil a data request"
)
def data_request_fulfil(
    request: ApiRequest, data: FulfilIn, pk: int = Path(..., ge=1, le=MAX_ID)
) -> Any:
    """Link the published dataset that fulfils the request; the coordination request is
    answered (by the handling agency) or closed (by the requesting agency)."""
    item = get_visible_or_404(request.auth, DataRequest, pk=pk)
    dataset = Dataset.objects.published_for(request.auth).filter(slug=data.dataset).first()
    if dataset is None:
        raise ValidationFailed(fields={"dataset": [_("Link a published dataset.")]})
    return data_request_out(
        services.data_request_fulfil(
            actor=request.auth, data_request=item, dataset=dataset, note=data.note, now=now()
        )
    )
