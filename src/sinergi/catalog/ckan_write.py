"""CKAN write actions, each through the catalog's services (permission-checked, audited)
and the Satu Data workflow: a package created here is a **draft** of the publishing
agency (``owner_org``); ``state: "active"`` in package_update/package_patch submits it to
its walidata, who verifies and publishes it in Sinergi (page or ``POST
/api/v1/datasets/{slug}/verify``). A resource is a version: resource_create uploads a
file (CSV or XLSX, multipart ``upload``), datastore_create pushes rows as a new version,
datastore_upsert writes the next version from the latest one with the rows inserted or
updated (by ``_id``). Callers authenticate with an API token in ``Authorization`` (bare,
as ckanapi sends it, or ``Bearer``); see docs/decisions/catalog-ckan-writes.md.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest

from sinergi.agencies.models import Agency
from sinergi.core.clock import now
from sinergi.core.exceptions import ValidationFailed

from . import ckan_datastore, services
from .choices import AccessLevel
from .ckan import (
    CKAN_TYPES,
    SINERGI_TYPES,
    CkanError,
    _dataset,
    _resource,
    package_dict,
    resource_dict,
)
from .models import Dataset, DatasetVersion
from .selectors import version_path

#: Package fields (and ``extras`` keys) → service keyword arguments.
TEXT_FIELDS = {
    "title": "title",
    "notes": "description",
    "license_id": "licence",
    "maintainer": "contact_name",
    "maintainer_email": "contact_email",
    "frequency": "frequency",
    "access_level": "access_level",
    "reference_codes": "reference_codes",
}
#: What package_update clears when the caller leaves it out (CKAN replaces the package).
CLEARED: dict[str, Any] = {
    "description": "",
    "contact_name": "",
    "contact_email": "",
    "reference_codes": "",
    "tags": [],
    "sector": None,
    "affair": None,
    "temporal_start": None,
    "temporal_end": None,
    "spatial_coverage": [],
}
#: Keys of package_show's answer that are not metadata a caller sets (read back and sent
#: again by package_update round trips, so they are ignored rather than refused).
READ_ONLY_EXTRAS = {"walidata", "region"}
MAX_RECORDS = 100_000
#: An upsert rewrites the whole version in memory: above this, upload the file instead.
MAX_UPSERT_ROWS = 200_000


def invalid(field: str, message: str) -> CkanError:
    return CkanError(409, "Validation Error", message, **{field: [message]})


def _text(value: Any, field: str, max_length: int = 10_000) -> str:
    if value is None:
        return ""
    if not isinstance(value, str | int | float) or isinstance(value, bool):
        raise invalid(field, "Must be a string")
    text = str(value)
    if len(text) > max_length or "\x00" in text:
        raise invalid(field, "Value is too long or not valid")
    return text


def _date(value: Any, field: str) -> dt.date | None:
    text = _text(value, field, 40).strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError as exc:
        raise invalid(field, "Enter a date as YYYY-MM-DD") from exc


def _tag_names(params: dict[str, Any]) -> list[str] | None:
    if "tags" in params:
        raw = params["tags"]
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise invalid("tags", "Enter a list of tags")
        names = []
        for tag in raw:
            name = tag.get("name") if isinstance(tag, dict) else tag
            names.append(_text(name, "tags", 60))
        return names
    if "tag_string" in params:
        return [t.strip() for t in _text(params["tag_string"], "tag_string").split(",")]
    return None


def _metadata(params: dict[str, Any], *, replace: bool) -> dict[str, Any]:
    """The service arguments a package dict sets; with ``replace`` (package_update) the
    fields left out are cleared, as CKAN replaces the whole package."""
    values: dict[str, Any] = dict(CLEARED) if replace else {}
    extras: dict[str, Any] = {}
    raw_extras = params.get("extras") or []
    if not isinstance(raw_extras, list):
        raise invalid("extras", "Enter a list of {key, value}")
    for item in raw_extras:
        if not isinstance(item, dict) or "key" not in item:
            raise invalid("extras", "Enter a list of {key, value}")
        extras[str(item["key"])] = item.get("value")
    source = {**extras, **{k: v for k, v in params.items() if k != "extras"}}
    for key, target in TEXT_FIELDS.items():
        if key in source:
            values[target] = _text(source[key], key, 10_000 if key == "notes" else 300)
    if "access_level" not in values and "private" in source:
        private = source["private"]
        private = private if isinstance(private, bool) else str(private).lower() == "true"
        values["access_level"] = AccessLevel.GOVERNMENT if private else AccessLevel.PUBLIC
    tags = _tag_names(params)
    if tags is not None:
        values["tags"] = tags
    if "groups" in params:
        groups = params["groups"] or []
        if not isinstance(groups, list) or len(groups) > 1:
            raise invalid("groups", "A dataset belongs to one sector: give at most one group")
        group = groups[0] if groups else None
        name = group.get("name") or group.get("id") if isinstance(group, dict) else group
        values["sector"] = _text(name, "groups", 60) or None
    elif "sector" in source:
        values["sector"] = _text(source["sector"], "sector", 60) or None
    if "government_affair" in source:
        values["affair"] = _text(source["government_affair"], "government_affair", 20) or None
    for key in ("temporal_start", "temporal_end"):
        if key in source:
            values[key] = _date(source[key], key)
    if "spatial" in source:
        spatial = source["spatial"]
        codes = spatial if isinstance(spatial, list) else _text(spatial, "spatial").split(",")
        values["spatial_coverage"] = [str(c).strip() for c in codes if str(c).strip()]
    return values


def _state_change(actor: Any, dataset: Dataset, params: dict[str, Any]) -> Dataset:
    """``state: "active"`` asks for publication: a draft or returned dataset goes to its
    walidata (``dataset_submit``); a submitted or published one stays as it is."""
    state = params.get("state")
    if state in (None, "", "draft"):
        return dataset
    if state != "active":
        raise invalid("state", "Use active (send to the walidata) or draft")
    if dataset.status in services.EDITABLE:
        return services.dataset_submit(actor=actor, dataset=dataset, now=now())
    return dataset


def _fresh(request: HttpRequest, user: Any, slug: str) -> dict[str, Any]:
    return package_dict(request, _dataset(user, {"id": slug}))


def package_create(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Create a dataset as a draft of the organization ``owner_org`` (needs staff rights in
    it). name (the identifier, required), title, notes, license_id, maintainer,
    maintainer_email, tags ([{"name"}] or tag_string), groups (one sector), private, and
    extras (frequency, access_level, sector, government_affair, temporal_start,
    temporal_end, spatial, reference_codes). The answer's state is "draft": the dataset is
    published only when its walidata verifies it (send it with package_patch
    state=active once it has a resource)."""
    name = _text(params.get("name"), "name", 100).strip()
    if not name:
        raise invalid("name", "Missing value")
    owner = _text(params.get("owner_org"), "owner_org", 100).strip()
    if not owner:
        raise invalid("owner_org", "Missing value")
    publisher = Agency.objects.filter(slug=owner).first()
    if publisher is None:
        raise invalid("owner_org", "Organization does not exist")
    if params.get("resources"):
        raise invalid("resources", "Add resources with resource_create or datastore_create")
    metadata = _metadata(params, replace=False)
    title = metadata.pop("title", "") or name
    dataset = services.dataset_create(
        actor=user, publisher=publisher, slug=name, title=title, now=now(), **metadata
    )
    return _fresh(request, user, dataset.slug)


def _changeable(user: Any, params: dict[str, Any]) -> Dataset:
    dataset = _dataset(user, params)
    owner = params.get("owner_org")
    if owner not in (None, "", dataset.publisher.slug):
        raise invalid("owner_org", "The publishing organization cannot be changed")
    name = params.get("name")
    if name not in (None, "", dataset.slug):
        raise invalid("name", "The identifier cannot be changed")
    return dataset


def _update(request: HttpRequest, user: Any, params: dict[str, Any], *, replace: bool) -> Any:
    dataset = _changeable(user, params)
    metadata = _metadata(params, replace=replace)
    if replace and not metadata.get("title"):
        metadata["title"] = dataset.title
    current = {
        "title": dataset.title,
        "description": dataset.description,
        "licence": dataset.licence,
        "contact_name": dataset.contact_name,
        "contact_email": dataset.contact_email,
        "frequency": dataset.frequency,
        "access_level": dataset.access_level,
        "reference_codes": dataset.reference_codes,
        "tags": sorted(t.name for t in dataset.tags.all()),
        "sector": dataset.sector.slug if dataset.sector else None,
        "affair": dataset.affair.code if dataset.affair else None,
        "temporal_start": dataset.temporal_start,
        "temporal_end": dataset.temporal_end,
        "spatial_coverage": sorted(dataset.spatial_coverage or []),
    }
    normal = {
        k: (sorted({t.strip().lower() for t in v if t.strip()}) if k == "tags" else v)
        for k, v in metadata.items()
    }
    if "spatial_coverage" in normal:
        normal["spatial_coverage"] = sorted(normal["spatial_coverage"])
    changes = {k: metadata[k] for k, v in normal.items() if current.get(k) != v}
    # A round trip of package_show (a published dataset sent back unchanged) changes
    # nothing; only a real change needs an editable (draft or returned) dataset.
    if changes:
        dataset = services.dataset_update(actor=user, dataset=dataset, now=now(), **changes)
    _state_change(user, dataset, params)
    return _fresh(request, user, dataset.slug)


def package_update(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Replace the metadata of a draft or returned dataset (id or name): fields left out
    are cleared (frequency, licence and access keep theirs); resources are versions and
    are not changed here. state "active" sends the dataset to its walidata."""
    return _update(request, user, params, replace=True)


def package_patch(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Change only the given metadata fields of a draft or returned dataset (id or name);
    state "active" sends it to its walidata for verification."""
    return _update(request, user, params, replace=False)


def resource_create(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Add a resource to a dataset (package_id) by uploading a CSV or XLSX file as the
    multipart field ``upload`` (ckanapi: ``upload=open(path, "rb")``); it becomes the
    dataset's next version, checked as every upload. description becomes the version's
    note. A link (url) alone is refused: Sinergi keeps the data, it does not fetch it."""
    dataset = _dataset(user, {"id": params.get("package_id")}, "id")
    upload = params.get("upload")
    if not isinstance(upload, UploadedFile):
        raise invalid("upload", "Upload the file (multipart field upload); links are not fetched")
    limit = services.max_upload_bytes()
    if upload.size is not None and upload.size > limit:
        raise invalid("upload", f"The file is larger than {limit // (1024 * 1024)} MB")
    version = services.version_upload(
        actor=user,
        dataset=dataset,
        data=upload.read(),
        filename=upload.name or "",
        note=_text(params.get("description"), "description", 300),
        now=now(),
    )
    return resource_dict(request, version)


def _columns(fields: Any) -> list[dict[str, str]] | None:
    if fields in (None, []):
        return None
    if not isinstance(fields, list):
        raise invalid("fields", "Enter a list of {id, type}")
    columns = []
    for item in fields:
        if not isinstance(item, dict) or not item.get("id"):
            raise invalid("fields", "Enter a list of {id, type}")
        kind = SINERGI_TYPES.get(str(item.get("type") or "text").lower())
        if kind is None:
            raise invalid("fields", f"Unknown type {item.get('type')!r} of {item['id']!r}")
        if item["id"] == ckan_datastore.ROW_ID:
            continue
        info = item.get("info") or {}
        unit = info.get("unit", "") if isinstance(info, dict) else ""
        columns.append({"name": str(item["id"]), "type": kind, "unit": str(unit)[:40]})
    return columns


def _records(params: dict[str, Any], required: bool = True) -> list[dict[str, Any]]:
    records = params.get("records")
    if records is None and not required:
        return []
    if not isinstance(records, list) or (required and not records):
        raise invalid("records", "Enter a non-empty list of records")
    if len(records) > MAX_RECORDS:
        raise invalid("records", f"At most {MAX_RECORDS} records at once")
    if not all(isinstance(r, dict) for r in records):
        raise invalid("records", "Each record is an object")
    return records


def _push(
    user: Any,
    dataset: Dataset,
    rows: list[dict[str, Any]],
    columns: list[dict[str, str]] | None,
    note: str,
) -> DatasetVersion:
    try:
        return services.version_push(
            actor=user,
            dataset=dataset,
            rows=rows,
            columns=columns,
            infer=columns is None,
            note=note,
            now=now(),
        )
    except ValidationFailed as exc:
        fields = {"records": [m for msgs in exc.fields.values() for m in msgs] or [exc.message]}
        raise CkanError(409, "Validation Error", exc.message, **fields) from exc


def _datastore_answer(version: DatasetVersion, method: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "resource_id": version.resource_id,
        "fields": [
            {"id": ckan_datastore.ROW_ID, "type": "int"},
            *({"id": c["name"], "type": _ckan_type(c["type"])} for c in version.columns),
        ],
        "row_count": version.row_count,
    }
    if method:
        out["method"] = method
    return out


def _ckan_type(kind: str) -> str:
    return CKAN_TYPES.get(kind, "text")


def _latest(user: Any, ident: str) -> DatasetVersion:
    version = _resource(user, ident)
    latest = version.dataset.latest_version()
    if latest is not None and latest.pk != version.pk:
        raise invalid(
            "resource_id",
            f"{ident} is an earlier version; write to the latest one, {latest.resource_id}",
        )
    return version


def datastore_create(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Create a datastore resource: resource={"package_id": …, "description": …} with
    records (at least one) and optionally fields ([{"id", "type"}]; types int, numeric,
    text, bool, date, timestamp; inferred from the records when left out) becomes the
    dataset's next version. With resource_id of the latest version, the records are added
    to it (as datastore_upsert with method insert). primary_key, indexes and aliases are
    accepted and not used: rows are keyed by ``_id``."""
    resource = params.get("resource")
    ident = params.get("resource_id")
    if ident:
        version = _latest(user, _text(ident, "resource_id", 200))
        records = _records(params, required=False)
        if not records:
            return _datastore_answer(version)
        return _upsert(user, version, records, "insert")
    if not isinstance(resource, dict) or not resource.get("package_id"):
        raise invalid("resource", "Give resource_id, or resource with its package_id")
    dataset = _dataset(user, {"id": resource.get("package_id")})
    records = _records(params)
    note = _text(resource.get("description") or resource.get("name"), "resource", 300)
    version = _push(user, dataset, records, _columns(params.get("fields")), note)
    out = _datastore_answer(version)
    out["resource"] = resource_dict(request, version)
    return out


def _upsert(
    user: Any, version: DatasetVersion, records: list[dict[str, Any]], method: str
) -> dict[str, Any]:
    if version.row_count + len(records) > MAX_UPSERT_ROWS:
        raise invalid(
            "resource_id",
            f"An upsert rewrites the whole resource; above {MAX_UPSERT_ROWS:,} rows upload "
            "the file with resource_create instead",
        )
    rows = ckan_datastore.all_rows(version_path(version), version.columns)
    for n, record in enumerate(records, start=1):
        record = dict(record)
        raw_id = record.pop(ckan_datastore.ROW_ID, None)
        if raw_id in (None, "") or method == "insert":
            if method == "update":
                raise invalid("records", f"Record {n}: update needs the _id of the row")
            rows.append(record)
            continue
        try:
            row_id = int(raw_id)
        except (TypeError, ValueError) as exc:
            raise invalid("records", f"Record {n}: _id must be a whole number") from exc
        if not 1 <= row_id <= len(rows):
            raise invalid("records", f"Record {n}: there is no row with _id {row_id}")
        rows[row_id - 1] = {**rows[row_id - 1], **record}
    columns = [dict(c) for c in version.columns]
    new = _push(user, version.dataset, rows, columns, f"datastore_upsert ({method})")
    return _datastore_answer(new, method)


def datastore_upsert(request: HttpRequest, user: Any, params: dict[str, Any]) -> Any:
    """Insert or update rows of the latest version of a dataset (resource_id): records,
    method "upsert" (default: a record with ``_id`` updates that row, one without is
    added), "insert" (every record added) or "update" (every record needs ``_id``). The
    rows are written as the dataset's next version, whose resource_id is in the answer;
    the earlier version keeps its rows. Refused as a whole when a record is not valid."""
    ident = _text(params.get("resource_id") or params.get("id"), "resource_id", 200)
    if not ident:
        raise invalid("resource_id", "Missing value")
    method = _text(params.get("method") or "upsert", "method", 20)
    if method not in ("upsert", "insert", "update"):
        raise invalid("method", "Use upsert, insert or update")
    version = _latest(user, ident)
    records = _records(params)
    return _upsert(user, version, records, method)


WRITE_ACTIONS: dict[str, Callable[[HttpRequest, Any, dict[str, Any]], Any]] = {
    "package_create": package_create,
    "package_update": package_update,
    "package_patch": package_patch,
    "resource_create": resource_create,
    "datastore_create": datastore_create,
    "datastore_upsert": datastore_upsert,
}
