"""CKAN-compatible Action API (``/api/3/action/<name>`` and ``/api/action/<name>``).

Harvesters and clients such as ``ckanapi`` call these with a JSON body (POST) or a query
string (GET) and expect CKAN's envelope: ``{"help", "success": true, "result"}`` or
``{"help", "success": false, "error": {"__type", "message", ...}}``. Datasets are CKAN
packages, publishing agencies organizations, sectors groups, and each version a datastore
resource. The write actions (package_create … datastore_upsert) are in ``ckan_write``, the
DataStore search semantics in ``ckan_datastore``.
"""

from __future__ import annotations

import inspect
import json
import re
import shlex
from collections.abc import Callable
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from sinergi.agencies.models import Agency, Sector
from sinergi.core.exceptions import Forbidden, NotFound, SinergiError, Unauthenticated

from . import ckan_datastore, tabular
from .api import caller
from .models import Dataset, DatasetVersion, Tag
from .selectors import datasets_matching, version_path

CKAN_VERSION = "2.10.4"
CKAN_TYPES = {
    "integer": "int",
    "number": "numeric",
    "boolean": "bool",
    "date": "date",
    "datetime": "timestamp",
    "text": "text",
}
#: CKAN's DataStore types (and their PostgreSQL aliases) as Sinergi column types.
SINERGI_TYPES = {
    "int": "integer",
    "int4": "integer",
    "int8": "integer",
    "bigint": "integer",
    "integer": "integer",
    "numeric": "number",
    "float": "number",
    "float8": "number",
    "double precision": "number",
    "number": "number",
    "bool": "boolean",
    "boolean": "boolean",
    "date": "date",
    "timestamp": "datetime",
    "timestamptz": "datetime",
    "datetime": "datetime",
    "text": "text",
    "varchar": "text",
    "string": "text",
}
SORTS = {
    "name": "slug",
    "title": "title",
    "title_string": "title",
    "metadata_modified": "updated_at",
    "metadata_created": "created_at",
}
#: Every version downloads in these formats (the resource itself is the CSV).
DOWNLOAD_FORMATS = {"CSV", "XLSX", "JSON"}
FQ_FIELDS = {
    "organization",
    "tags",
    "license_id",
    "name",
    "res_format",
    "dataset_type",
    "groups",
}


class CkanError(Exception):
    """An error answered in CKAN's shape."""

    def __init__(self, status: int, kind: str, message: str, **extra: Any) -> None:
        self.status, self.kind, self.message, self.extra = status, kind, message, extra
        super().__init__(message)


def not_found(what: str = "Not found") -> CkanError:
    """CKAN's 404."""
    return CkanError(404, "Not Found Error", what)


def validation(field: str, message: str) -> CkanError:
    """CKAN's 409 with messages per field."""
    return CkanError(409, "Validation Error", message, **{field: [message]})


def _int(params: dict[str, Any], name: str, default: int, lo: int, hi: int) -> int:
    value = params.get(name, default)
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise validation(name, "Invalid integer") from exc
    if number < lo or number > hi:
        raise validation(name, f"Must be between {lo} and {hi}")
    return number


def _str(params: dict[str, Any], name: str, default: str = "", max_length: int = 1000) -> str:
    value = params.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str | int | float):
        raise validation(name, "Must be a string")
    text = str(value)
    if len(text) > max_length or "\x00" in text:
        raise validation(name, "Value is too long or not valid")
    return text


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


# --- shapes -----------------------------------------------------------------------------


def organization_dict(agency: Agency, package_count: int | None = None) -> dict[str, Any]:
    """An agency as a CKAN organization."""
    out: dict[str, Any] = {
        "id": agency.slug,
        "name": agency.slug,
        "title": agency.name,
        "display_name": agency.name,
        "description": agency.mandate,
        "type": "organization",
        "is_organization": True,
        "state": "active" if agency.is_active else "deleted",
        "image_url": "",
        "approval_status": "approved",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


def resource_dict(request: HttpRequest, version: DatasetVersion) -> dict[str, Any]:
    """A version as a CKAN datastore resource."""
    dataset = version.dataset
    url = reverse("catalog:download", args=[dataset.slug]) + f"?versi={version.number}"
    return {
        "id": version.resource_id,
        "package_id": dataset.slug,
        "name": f"{dataset.title} (v{version.number})",
        "description": version.note,
        "format": "CSV",
        "mimetype": "text/csv",
        "url": _absolute(request, url),
        "url_type": "datastore",
        "datastore_active": True,
        "hash": f"sha256:{version.checksum}",
        "size": version.size_bytes,
        "created": version.created_at.isoformat(),
        "last_modified": version.created_at.isoformat(),
        "position": version.number - 1,
        "state": "active",
        "row_count": version.row_count,
    }


def package_dict(request: HttpRequest, d: Dataset) -> dict[str, Any]:
    """A dataset as a CKAN package."""
    versions = sorted(d.versions.all(), key=lambda v: v.number)
    tags = sorted(t.name for t in d.tags.all())
    extras = {
        "frequency": d.frequency,
        "access_level": d.access_level,
        "sector": d.sector.slug if d.sector else "",
        "government_affair": d.affair.code if d.affair else "",
        "temporal_start": d.temporal_start.isoformat() if d.temporal_start else "",
        "temporal_end": d.temporal_end.isoformat() if d.temporal_end else "",
        "spatial": ",".join(d.spatial_coverage or []),
        "reference_codes": d.reference_codes,
        "walidata": d.walidata.slug,
        "region": d.region.code,
    }
    return {
        "id": d.slug,
        "name": d.slug,
        "title": d.title,
        "notes": d.description,
        "type": "dataset",
        # CKAN's states: a dataset not yet published by its walidata is a draft.
        "state": "active" if d.status == "published" else "draft",
        "sinergi_status": d.status,
        "private": d.access_level != "public",
        "license_id": d.licence,
        "license_title": d.get_licence_display(),
        "maintainer": d.contact_name,
        "maintainer_email": d.contact_email,
        "author": d.publisher.name,
        "author_email": "",
        "metadata_created": d.created_at.isoformat(),
        "metadata_modified": d.updated_at.isoformat(),
        "organization": organization_dict(d.publisher),
        "owner_org": d.publisher.slug,
        "tags": [{"name": t, "display_name": t, "state": "active"} for t in tags],
        "num_tags": len(tags),
        "resources": [resource_dict(request, v) for v in versions],
        "num_resources": len(versions),
        "extras": [{"key": k, "value": v} for k, v in extras.items()],
        "url": _absolute(request, reverse("catalog:public_detail", args=[d.slug])),
        "version": str(versions[-1].number) if versions else None,
        "groups": [group_dict(d.sector)] if d.sector else [],
    }


def group_dict(sector: Sector, package_count: int | None = None) -> dict[str, Any]:
    """A sector as a CKAN group."""
    out: dict[str, Any] = {
        "id": sector.slug,
        "name": sector.slug,
        "title": sector.name,
        "display_name": sector.name,
        "description": sector.name_en,
        "type": "group",
        "is_organization": False,
        "state": "active",
        "image_url": "",
        "approval_status": "approved",
    }
    if package_count is not None:
        out["package_count"] = package_count
    return out


# --- actions ----------------------------------------------------------------------------


def _packages(user: Any) -> QuerySet[Dataset]:
    return (
        Dataset.objects.filter(pk__in=Dataset.objects.published_for(user).values("pk"))
        .select_related("publisher", "walidata", "region", "sector", "affair")
        .prefetch_related("tags", "versions")
    )


def _visible(user: Any) -> QuerySet[Dataset]:
    return (
        Dataset.objects.filter(pk__in=Dataset.objects.visible_to(user).values("pk"))
        .select_related("publisher", "walidata", "region", "sector", "affair")
        .prefetch_related("tags", "versions")
    )


def status_show(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """What this site is and which extensions it speaks."""
    return {
        "site_title": "Sinergi — Satu Data",
        "site_description": "Satu Data catalog of Sinergi",
        "site_url": _absolute(request, "/"),
        "ckan_version": CKAN_VERSION,
        "error_emails_to": None,
        "locale_default": "id",
        "extensions": ["datastore"],
    }


def package_list(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Names of the datasets the caller may read."""
    limit = _int(params, "limit", 1000, 1, 10_000)
    offset = _int(params, "offset", 0, 0, 10_000_000)
    return list(
        _packages(user).order_by("slug").values_list("slug", flat=True)[offset : offset + limit]
    )


def _dataset(user: Any, params: dict[str, Any], key: str = "id") -> Dataset:
    """A dataset by name: the published ones the caller may read, and for a signed-in
    caller also the drafts they see in Sinergi (their agency's, their walidata queue)."""
    ident = _str(params, key, max_length=200)
    if not ident:
        raise validation(key, "Missing value")
    d = _visible(user).filter(slug=ident).first()
    if d is None:
        raise not_found()
    return d


def package_show(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """One dataset with its resources."""
    return package_dict(request, _dataset(user, params))


def _parse_fq(fq: str) -> list[tuple[str, str]]:
    try:
        tokens = shlex.split(fq)
    except ValueError as exc:
        raise validation("fq", "Cannot parse fq") from exc
    out = []
    for token in tokens:
        token = token.lstrip("+")
        key, sep, value = token.partition(":")
        if not sep or key not in FQ_FIELDS:
            raise validation("fq", f"Unsupported filter {token!r}; use organization:, tags:")
        out.append((key, value.strip('"')))
    return out


def package_search(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Search datasets: q, fq (organization, tags, license_id, name), rows, start, sort and
    facets on organization and tags."""
    q = _str(params, "q", max_length=500).strip()
    fq = _str(params, "fq", max_length=1000)
    rows = _int(params, "rows", 10, 0, 1000)
    start = _int(params, "start", 0, 0, 10_000_000)
    sort = _str(params, "sort", "score desc, metadata_modified desc", max_length=200)
    qs = _packages(user)
    conditions = _parse_fq(fq)
    if q and q != "*:*":
        if re.match(r"^\+?\w+:", q):
            conditions += _parse_fq(q)
        else:
            # Each word through the trigram index; tags are tested with EXISTS there, so no
            # row repeats and the DISTINCT the tag join needed is gone.
            for word in q.split():
                qs = datasets_matching(qs, q=word)
    for key, value in conditions:
        if key == "organization":
            qs = qs.filter(publisher__slug=value)
        elif key == "tags":
            qs = qs.filter(tags__name=value)
        elif key == "license_id":
            qs = qs.filter(licence=value)
        elif key == "name":
            qs = qs.filter(slug=value)
        elif key == "groups":
            qs = qs.filter(sector__slug=value)
        elif (key == "res_format" and value.upper() not in DOWNLOAD_FORMATS) or (
            key == "dataset_type" and value != "dataset"
        ):
            qs = qs.none()
    order: list[str] = []
    for part in sort.split(","):
        bits = part.split()
        if not bits or bits[0] == "score":
            continue
        field = SORTS.get(bits[0])
        if field is None or (len(bits) > 1 and bits[1] not in ("asc", "desc")):
            raise validation("sort", f"Cannot sort by {part.strip()!r}")
        order.append(("-" if len(bits) > 1 and bits[1] == "desc" else "") + field)
    qs = qs.order_by(*(order or ["-updated_at"]), "slug")
    ids = Dataset.objects.filter(pk__in=qs.values("pk")).values("pk")
    count = qs.count()
    facet_fields = params.get("facet.field", '["organization", "tags"]')
    if isinstance(facet_fields, str):
        try:
            facet_fields = json.loads(facet_fields)
        except ValueError as exc:
            raise validation("facet.field", "Enter a JSON list") from exc
    if not isinstance(facet_fields, list):
        raise validation("facet.field", "Enter a JSON list")
    facet_limit = _int(params, "facet.limit", 50, -1, 1000)
    facets: dict[str, dict[str, int]] = {}
    search_facets: dict[str, Any] = {}
    for name in facet_fields:
        if name == "organization":
            rows_ = (
                Agency.objects.filter(datasets__in=ids)
                .annotate(n=Count("datasets", filter=Q(datasets__in=ids)))
                .order_by("-n", "slug")
            )
            items = [(a.slug, a.name, a.n) for a in rows_]
        elif name == "tags":
            tag_rows = (
                Tag.objects.filter(datasets__in=ids)
                .annotate(n=Count("datasets", filter=Q(datasets__in=ids)))
                .order_by("-n", "name")
            )
            items = [(t.name, t.name, t.n) for t in tag_rows]
        elif name == "license_id":
            lic = (
                Dataset.objects.filter(pk__in=ids)
                .values("licence")
                .annotate(n=Count("pk"))
                .order_by("-n", "licence")
            )
            items = [(r["licence"], r["licence"], r["n"]) for r in lic]
        elif name == "groups":
            per_sector = (
                Dataset.objects.filter(pk__in=ids, sector__isnull=False)
                .values("sector__slug", "sector__name")
                .annotate(n=Count("pk"))
                .order_by("-n", "sector__slug")
            )
            items = [(r["sector__slug"], r["sector__name"], r["n"]) for r in per_sector]
        else:
            continue
        if facet_limit >= 0:
            items = items[:facet_limit]
        facets[name] = {key: n for key, _label, n in items}
        search_facets[name] = {
            "title": name,
            "items": [{"name": k, "display_name": label, "count": n} for k, label, n in items],
        }
    results = [package_dict(request, d) for d in qs[start : start + rows]] if rows else []
    return {
        "count": count,
        "sort": sort,
        "results": results,
        "facets": facets,
        "search_facets": search_facets,
    }


def _publishers(user: Any) -> QuerySet[Agency]:
    ids = Dataset.objects.published_for(user).values("pk")
    return (
        Agency.objects.filter(datasets__in=ids)
        .annotate(package_count=Count("datasets", filter=Q(datasets__in=ids), distinct=True))
        .order_by("slug")
    )


def organization_list(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Agencies that publish datasets the caller may read."""
    all_fields = str(params.get("all_fields", "false")).lower() in ("true", "1")
    limit = _int(params, "limit", 1000, 1, 1000)
    offset = _int(params, "offset", 0, 0, 10_000_000)
    agencies = list(_publishers(user)[offset : offset + limit])
    if all_fields:
        return [organization_dict(a, a.package_count) for a in agencies]  # type: ignore[attr-defined]
    return [a.slug for a in agencies]


def organization_show(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """One publishing agency, with its datasets when ``include_datasets`` is true."""
    ident = _str(params, "id", max_length=200)
    agency = _publishers(user).filter(slug=ident).first() if ident else None
    if agency is None:
        raise not_found()
    out = organization_dict(agency, agency.package_count)  # type: ignore[attr-defined]
    if str(params.get("include_datasets", "false")).lower() in ("true", "1"):
        out["packages"] = [
            package_dict(request, d)
            for d in _packages(user).filter(publisher=agency).order_by("slug")[:1000]
        ]
    return out


def tag_list(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Tags used by datasets the caller may read."""
    query = _str(params, "query", max_length=60)
    qs = Tag.objects.filter(datasets__in=Dataset.objects.published_for(user).values("pk"))
    if query:
        qs = qs.filter(name__icontains=query)
    names = sorted(set(qs.values_list("name", flat=True)))
    if str(params.get("all_fields", "false")).lower() in ("true", "1"):
        return [{"id": n, "name": n, "display_name": n} for n in names]
    return names


def _resource(user: Any, ident: str) -> DatasetVersion:
    slug, sep, number = ident.rpartition("-v")
    if not sep or not number.isdigit() or len(number) > 9:
        raise not_found("Resource was not found.")
    version = (
        DatasetVersion.objects.filter(
            dataset__in=Dataset.objects.visible_to(user).values("pk"),
            dataset__slug=slug,
            number=int(number),
        )
        .select_related("dataset")
        .first()
    )
    if version is None:
        raise not_found("Resource was not found.")
    return version


def resource_show(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """One resource (a dataset version)."""
    ident = _str(params, "id", max_length=200)
    if not ident:
        raise validation("id", "Missing value")
    return resource_dict(request, _resource(user, ident))


def _flag(params: dict[str, Any], name: str, default: bool = False) -> bool:
    value = params.get(name, default)
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes", "on")


def _json_param(params: dict[str, Any], name: str) -> Any:
    """A parameter that is JSON in a query string and a value in a JSON body."""
    value = params.get(name)
    if isinstance(value, str) and value.strip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError as exc:
            raise validation(name, "Cannot parse JSON") from exc
    return value


def datastore_search(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Search the rows of a datastore resource (a dataset version).

    resource_id (or id); filters: {"column": value or [values]} (``_id`` too);
    q: full-text query, a string over every field or {"column": "words"} per field — each
    word must be a whole word of the value, case-insensitive (``q=127`` finds 127, ``q=A``
    does not find "AB"); distinct: only distinct rows of the chosen fields; fields: columns
    to return (a list or "a,b"); sort: "column asc, other desc"; limit (≤ 32000, default
    100); offset; include_total (default true); records_format: objects (default), lists,
    csv or tsv. Every row carries ``_id``, its 1-based number in the version, which never
    changes because a version never changes.
    """
    ident = _str(params, "resource_id", max_length=200) or _str(params, "id", max_length=200)
    if not ident:
        raise validation("resource_id", "Missing value")
    version = _resource(user, ident)
    raw_filters = _json_param(params, "filters")
    if raw_filters in (None, ""):
        filters: dict[str, Any] = {}
    elif isinstance(raw_filters, dict):
        filters = raw_filters
    else:
        raise validation("filters", "Enter a JSON object")
    raw_q = _json_param(params, "q") or _json_param(params, "full_text") or ""
    q: str | dict[str, Any]
    if isinstance(raw_q, dict):
        q = {str(k): str(v)[:200] for k, v in raw_q.items()}
    elif isinstance(raw_q, str | int | float):
        q = str(raw_q)[:200]
    else:
        raise validation("q", "Enter a string or a JSON object")
    raw_fields = _json_param(params, "fields")
    if isinstance(raw_fields, list):
        fields = [str(f) for f in raw_fields]
    else:
        fields = [
            f.strip() for f in _str(params, "fields", max_length=4000).split(",") if f.strip()
        ]
    limit = _int(params, "limit", 100, 0, 32000)
    offset = _int(params, "offset", 0, 0, 10_000_000)
    include_total = _flag(params, "include_total", True)
    records_format = _str(params, "records_format", "objects", max_length=20)
    sort = _json_param(params, "sort")
    if isinstance(sort, list):
        sort = ", ".join(str(x) for x in sort)
    try:
        page = ckan_datastore.search(
            version_path(version),
            version.columns,
            filters=filters,
            q=q,
            fields=fields or None,
            sort=_str({"sort": sort}, "sort", max_length=1000),
            distinct=_flag(params, "distinct"),
            limit=limit,
            offset=offset,
            with_total=include_total,
            records_format=records_format,
            cluster=version.dataset.filter_columns,
        )
    except tabular.TableError as exc:
        raise validation(exc.column or "query", exc.message) from exc
    base = reverse("catalog:ckan_action", args=["datastore_search"])
    result: dict[str, Any] = {
        "resource_id": version.resource_id,
        "fields": [{"id": f["id"], "type": CKAN_TYPES.get(f["type"], "text")} for f in page.fields],
        "records": page.records,
        "limit": limit,
        "offset": offset,
        "filters": filters,
        "records_format": records_format,
        "_links": {
            "start": f"{base}?resource_id={version.resource_id}",
            "next": f"{base}?resource_id={version.resource_id}&offset={offset + limit}",
        },
    }
    if q:
        result["q"] = q
    if include_total:
        result["total"] = page.total
        result["total_was_estimated"] = False
    return result


def datastore_search_sql(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Disabled on this site, as in CKAN's default configuration
    (``ckan.datastore.sqlsearch.enabled = false``): use datastore_search, whose filters,
    q, fields, sort and distinct answer the same questions. See
    docs/decisions/catalog-ckan-sql.md."""
    raise CkanError(
        403,
        "Authorization Error",
        "Access denied: datastore_search_sql is disabled on this site; use datastore_search",
    )


def _sector_counts(user: Any) -> dict[str, int]:
    rows = (
        Dataset.objects.filter(pk__in=Dataset.objects.published_for(user).values("pk"))
        .filter(sector__isnull=False)
        .values("sector__slug")
        .annotate(n=Count("pk"))
    )
    return {r["sector__slug"]: r["n"] for r in rows}


def group_list(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """The sectors as CKAN groups: names, or dicts with package_count when all_fields is
    true; limit, offset; sort "name" (default) or "package_count"."""
    limit = _int(params, "limit", 1000, 1, 1000)
    offset = _int(params, "offset", 0, 0, 10_000_000)
    counts = _sector_counts(user)
    sectors = list(Sector.objects.order_by("slug"))
    sort = _str(params, "sort", "name", max_length=40).split()[0:1] or ["name"]
    if sort[0] == "package_count":
        sectors.sort(key=lambda g: (-counts.get(g.slug, 0), g.slug))
    elif sort[0] not in ("name", "title"):
        raise validation("sort", "Sort by name or package_count")
    sectors = sectors[offset : offset + limit]
    if _flag(params, "all_fields"):
        return [group_dict(g, counts.get(g.slug, 0)) for g in sectors]
    return [g.slug for g in sectors]


def group_show(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """One sector as a CKAN group, with its datasets when include_datasets is true."""
    ident = _str(params, "id", max_length=200)
    sector = Sector.objects.filter(slug=ident).first() if ident else None
    if sector is None:
        raise not_found("Group not found")
    out = group_dict(sector, _sector_counts(user).get(sector.slug, 0))
    if _flag(params, "include_datasets"):
        out["packages"] = [
            package_dict(request, d)
            for d in _packages(user).filter(sector=sector).order_by("slug")[:1000]
        ]
    return out


def help_show(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """The documentation of an action (name): what the ``help`` link of every answer
    points to."""
    name = _str(params, "name", max_length=100)
    handler = actions().get(name)
    if handler is None:
        raise not_found("Action function not found")
    return inspect.getdoc(handler) or ""


ACTIONS: dict[str, Callable[[HttpRequest, Any, dict[str, Any]], Any]] = {
    "status_show": status_show,
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "tag_list": tag_list,
    "resource_show": resource_show,
    "datastore_search": datastore_search,
    "datastore_search_sql": datastore_search_sql,
    "group_list": group_list,
    "group_show": group_show,
    "help_show": help_show,
}


def actions() -> dict[str, Callable[[HttpRequest, Any, dict[str, Any]], Any]]:
    """Every action this site answers: the reads here and the writes of ``ckan_write``."""
    from .ckan_write import WRITE_ACTIONS

    return {**ACTIONS, **WRITE_ACTIONS}


def _params(request: HttpRequest) -> dict[str, Any]:
    if request.method == "POST":
        if request.content_type == "application/json":
            try:
                body = json.loads(request.body or b"{}")
            except ValueError as exc:
                raise CkanError(400, "Bad request", "JSON Error: could not parse the body") from exc
            if not isinstance(body, dict):
                raise CkanError(400, "Bad request", "JSON Error: body must be an object")
            return body
        params: dict[str, Any] = {k: request.POST.get(k) for k in request.POST}
        params.update({k: request.FILES[k] for k in request.FILES})
        return params
    return {k: request.GET.get(k) for k in request.GET}


def _writer(request: HttpRequest, name: str) -> Any:
    """The caller of a write action: only an API token counts (a browser session would
    let another site post on the user's behalf, these views being CSRF-exempt)."""
    if request.method != "POST":
        raise CkanError(400, "Bad request", f"Bad request - {name} can only be called with POST")
    if not request.headers.get("Authorization", "").strip():
        raise CkanError(403, "Authorization Error", f"Access denied: {name} needs an API token")
    from sinergi.accounts.scopes import ensure_token_allows

    user = caller(request)
    ensure_token_allows(user, "catalog", write=True)
    return user


def _sinergi_error(exc: SinergiError, name: str) -> CkanError:
    """A service's refusal in CKAN's shape: 403 Authorization Error, 404 Not Found Error,
    409 Validation Error with messages per field."""
    if isinstance(exc, Forbidden):
        return CkanError(403, "Authorization Error", f"Access denied: {exc.message}")
    if isinstance(exc, NotFound):
        return CkanError(404, "Not Found Error", exc.message)
    fields = {k: [str(m) for m in v] for k, v in exc.fields.items()}
    return CkanError(409, "Validation Error", exc.message, **fields)


@csrf_exempt
def action(request: HttpRequest, name: str) -> JsonResponse:
    """Run one CKAN action and answer in CKAN's envelope."""
    help_url = (
        _absolute(request, reverse("catalog:ckan_action", args=["help_show"])) + f"?name={name}"
    )
    if request.method not in ("GET", "POST"):
        body = {
            "help": help_url,
            "success": False,
            "error": {"__type": "Bad request", "message": "Method not allowed"},
        }
        response = JsonResponse(body, status=405)
        response["Allow"] = "GET, POST"
        return response
    from .ckan_write import WRITE_ACTIONS

    try:
        handler = actions().get(name)
        if handler is None:
            raise CkanError(400, "Bad request", f"Bad request - Action name not known: {name}")
        try:
            user = _writer(request, name) if name in WRITE_ACTIONS else caller(request)
        except Unauthenticated as exc:
            raise CkanError(403, "Authorization Error", "Access denied: invalid API token") from exc
        except Forbidden as exc:  # a token without the scope
            raise CkanError(403, "Authorization Error", f"Access denied: {exc.message}") from exc
        try:
            result = handler(request, user, _params(request))
        except SinergiError as exc:
            raise _sinergi_error(exc, name) from exc
    except CkanError as exc:
        error = {"__type": exc.kind, "message": exc.message, **exc.extra}
        return JsonResponse({"help": help_url, "success": False, "error": error}, status=exc.status)
    return JsonResponse(
        {"help": help_url, "success": True, "result": result},
        json_dumps_params={"ensure_ascii": False},
    )
