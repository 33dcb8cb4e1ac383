"""Every write of the catalog: datasets, their verification and their versions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Affair, Agency, Sector
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model
from sinergi.core.spreadsheets import looks_like_old_excel
from sinergi.regions.models import Region

from . import spreadsheet, tabular
from .choices import AccessLevel, DatasetStatus, VerifyDecision
from .models import DataRequest, Dataset, DatasetVersion, Tag
from .selectors import storage_root, version_path, walidata_for

EDITABLE = {DatasetStatus.DRAFT, DatasetStatus.RETURNED}
METADATA_FIELDS = (
    "title",
    "description",
    "tags",
    "sector",
    "affair",
    "frequency",
    "licence",
    "temporal_start",
    "temporal_end",
    "spatial_coverage",
    "reference_codes",
    "contact_name",
    "contact_email",
    "access_level",
    "allowed_agencies",
)
MAX_TAGS = 20
#: Path words of the catalog pages under /data/ that a dataset identifier cannot take.
RESERVED_SLUGS = frozenset({"baru", "kesehatan-data", "permintaan"})


def _tags(names: list[str]) -> list[Tag]:
    cleaned = sorted({n.strip().lower() for n in names if n and n.strip()})
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed(fields={"tags": [_("At most 20 tags.")]})
    for n in cleaned:
        if len(n) > 60:
            raise ValidationFailed(fields={"tags": [_("A tag is at most 60 characters long.")]})
    return [Tag.objects.get_or_create(name=n)[0] for n in cleaned]


def _spatial(codes: list[str]) -> list[str]:
    codes = sorted({c.strip() for c in codes if c and c.strip()})
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationFailed(
            fields={
                "spatial_coverage": [
                    _("Unknown region code: %(codes)s.") % {"codes": ", ".join(unknown[:5])}
                ]
            }
        )
    return codes


def _apply(
    dataset: Dataset, values: dict[str, Any]
) -> tuple[list[Tag] | None, list[Agency] | None]:
    tags = allowed = None
    for name, value in values.items():
        if name == "tags":
            tags = _tags(list(value or []))
        elif name == "allowed_agencies":
            allowed = list(value or [])
        elif name == "sector":
            dataset.sector = (
                value
                if isinstance(value, Sector) or value is None
                else Sector.objects.filter(slug=value).first()
            )
            if value and dataset.sector is None:
                raise ValidationFailed(fields={"sector": [_("Unknown sector.")]})
        elif name == "affair":
            dataset.affair = (
                value
                if isinstance(value, Affair) or value is None
                else Affair.objects.filter(code=value).first()
            )
            if value and dataset.affair is None:
                raise ValidationFailed(fields={"affair": [_("Unknown government affair.")]})
        elif name == "spatial_coverage":
            dataset.spatial_coverage = _spatial(list(value or []))
        elif name in METADATA_FIELDS:
            setattr(dataset, name, "" if value is None and name not in _NULLABLE else value)
        else:
            raise ValidationFailed(fields={name: [_("This field cannot be changed.")]})
    if (
        dataset.temporal_start
        and dataset.temporal_end
        and dataset.temporal_end < dataset.temporal_start
    ):
        raise ValidationFailed(
            fields={"temporal_end": [_("The end of the period is before its start.")]}
        )
    return tags, allowed


_NULLABLE = {"temporal_start", "temporal_end"}


def _check_access(dataset: Dataset) -> None:
    if dataset.access_level == AccessLevel.AGENCIES and not dataset.allowed_agencies.exists():
        raise ValidationFailed(
            fields={"allowed_agencies": [_("Name at least one agency that may read the data.")]}
        )


@transaction.atomic
def dataset_create(
    *,
    actor: Any,
    publisher: Agency,
    slug: str,
    title: str,
    now: dt.datetime,
    **metadata: Any,
) -> Dataset:
    """Start a draft dataset published by the agency; the walidata is chosen from its region."""
    ensure_can(actor, "catalog.create", publisher)
    walidata = walidata_for(publisher)
    if walidata is None:
        raise ValidationFailed(
            fields={"publisher": [_("No walidata (Diskominfo) agency serves this region.")]}
        )
    dataset = Dataset(
        slug=slug,
        title=title,
        publisher=publisher,
        walidata=walidata,
        region=publisher.region,
        status=DatasetStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    tags, allowed = _apply(dataset, metadata)
    validate_model(dataset, exclude=["tags", "allowed_agencies"])
    if slug in RESERVED_SLUGS or Dataset.objects.filter(slug=slug).exists():
        raise ValidationFailed(fields={"slug": [_("This identifier is already taken.")]})
    try:
        with transaction.atomic():
            dataset.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationFailed(fields={"slug": [_("This identifier is already taken.")]}) from exc
    if tags is not None:
        dataset.tags.set(tags)
    if allowed is not None:
        dataset.allowed_agencies.set(allowed)
    _check_access(dataset)
    audit_record(actor=actor, action="dataset.create", obj=dataset, now=now)
    return dataset


@transaction.atomic
def dataset_update(*, actor: Any, dataset: Dataset, now: dt.datetime, **changes: Any) -> Dataset:
    """Change the metadata of a draft or returned dataset."""
    ensure_can(actor, "catalog.change", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.status not in EDITABLE:
        raise Conflict(_("Only a draft or a returned dataset can be changed."))
    before = snapshot(dataset)
    tags, allowed = _apply(dataset, changes)
    dataset.updated_at = now
    validate_model(dataset, exclude=["tags", "allowed_agencies"])
    dataset.save()
    if tags is not None:
        dataset.tags.set(tags)
    if allowed is not None:
        dataset.allowed_agencies.set(allowed)
    _check_access(dataset)
    audit_record(actor=actor, action="dataset.update", obj=dataset, before=before, now=now)
    return dataset


def metadata_problems(dataset: Dataset) -> dict[str, list[str]]:
    """What the Satu Data metadata standard still misses, per field."""
    missing = _("Required by the metadata standard.")
    problems: dict[str, list[str]] = {}
    for name in ("description", "contact_name", "contact_email"):
        if not getattr(dataset, name):
            problems[name] = [missing]
    if dataset.sector_id is None:
        problems["sector"] = [missing]
    if not dataset.tags.exists():
        problems["tags"] = [missing]
    if not dataset.versions.exists():
        problems["versions"] = [_("Upload the data before submitting.")]
    return problems


@transaction.atomic
def dataset_submit(*, actor: Any, dataset: Dataset, now: dt.datetime) -> Dataset:
    """Send a draft (or returned) dataset to the walidata for verification."""
    ensure_can(actor, "catalog.change", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.status not in EDITABLE:
        raise InvalidTransition(dataset.status, DatasetStatus.SUBMITTED)
    problems = metadata_problems(dataset)
    if problems:
        raise ValidationFailed(_("The metadata is not complete."), fields=problems)
    before = snapshot(dataset)
    dataset.status = DatasetStatus.SUBMITTED
    dataset.submitted_at = now
    dataset.updated_at = now
    dataset.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(actor=actor, action="dataset.submit", obj=dataset, before=before, now=now)
    return dataset


@transaction.atomic
def dataset_verify(
    *, actor: Any, dataset: Dataset, decision: str, comment: str = "", now: dt.datetime
) -> Dataset:
    """The walidata publishes a submitted dataset or returns it to the publisher with
    comments."""
    ensure_can(actor, "catalog.verify", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    target = (
        DatasetStatus.PUBLISHED if decision == VerifyDecision.PUBLISH else DatasetStatus.RETURNED
    )
    if decision not in VerifyDecision.values:
        raise ValidationFailed(fields={"decision": [_("Choose one of the allowed values.")]})
    if dataset.status != DatasetStatus.SUBMITTED:
        raise InvalidTransition(dataset.status, target)
    comment = comment.strip()
    if target == DatasetStatus.RETURNED and not comment:
        raise ValidationFailed(fields={"comment": [_("Say what the publisher must change.")]})
    before = snapshot(dataset)
    dataset.status = target
    dataset.review_comment = comment
    dataset.updated_at = now
    if target == DatasetStatus.PUBLISHED:
        dataset.published_at = dataset.published_at or now
        dataset.verified_by = actor if getattr(actor, "pk", None) else None
    dataset.save()
    action = "dataset.publish" if target == DatasetStatus.PUBLISHED else "dataset.return"
    audit_record(actor=actor, action=action, obj=dataset, before=before, now=now)
    return dataset


def max_upload_bytes() -> int:
    """The largest file accepted, in bytes (``SINERGI_CATALOG_MAX_MB``, default 300 MB)."""
    return int(getattr(settings, "CATALOG_MAX_UPLOAD_BYTES", 300 * 1024 * 1024))


def xlsx_limits() -> dict[str, int]:
    """Limits on workbooks: total unpacked size (``CATALOG_XLSX_MAX_UNCOMPRESSED``, default
    1 GB) and cells read or written (``CATALOG_XLSX_MAX_CELLS``, default 2,000,000)."""
    return {
        "max_uncompressed": int(
            getattr(settings, "CATALOG_XLSX_MAX_UNCOMPRESSED", 1024 * 1024 * 1024)
        ),
        "max_cells": int(getattr(settings, "CATALOG_XLSX_MAX_CELLS", 2_000_000)),
    }


def discard_files(paths: list[Path]) -> None:
    """Remove files an upload wrote when its transaction failed, unless a version already
    refers to them (the storage is content-addressed)."""
    for path in paths:
        stem = path.name.split(".", 1)[0]
        try:
            if DatasetVersion.objects.filter(file_name=f"{stem}.parquet").exists():
                continue
        except DatabaseError:  # the connection cannot answer now: the sweep removes it later
            return
        try:
            path.unlink(missing_ok=True)
        except OSError:  # the sweep removes it later
            continue


ORPHAN_MIN_AGE = dt.timedelta(hours=1)


def sweep_orphan_files(
    *, now: dt.datetime, min_age: dt.timedelta = ORPHAN_MIN_AGE
) -> dict[str, int]:
    """Remove files of the data folder that no version refers to and that are older than
    ``min_age`` (an upload in progress writes its files before its transaction commits):
    files left by a transaction rolled back further out, by a crash, or temporary files."""
    import logging

    root = storage_root()
    if not root.is_dir():
        return {"removed": 0, "kept": 0}
    referenced: set[str] = set()
    for name in DatasetVersion.objects.values_list("file_name", flat=True).iterator():
        referenced.add(name)
        referenced.add(str(Path(name).with_suffix(".duckdb")))
    cutoff = now.timestamp() - min_age.total_seconds()
    removed = kept = 0
    for path in root.iterdir():
        if not path.is_file():
            continue
        if path.name in referenced:
            kept += 1
            continue
        try:
            if path.stat().st_mtime > cutoff:
                continue
            path.unlink()
        except OSError:
            continue
        removed += 1
        logging.getLogger(__name__).info("catalog: removed orphan file %s", path.name)
    return {"removed": removed, "kept": kept}


def version_upload(
    *,
    actor: Any,
    dataset: Dataset,
    data: bytes,
    filename: str = "",
    note: str = "",
    sheet: str = "",
    now: dt.datetime,
) -> DatasetVersion:
    """Check a CSV file or one sheet of an XLSX workbook, store it as Parquet and record it
    as the dataset's next version with its schema, row count, checksum and the changes
    since the previous version."""
    ensure_can(actor, "catalog.change", dataset)

    def ingest() -> tabular.Ingested:
        if spreadsheet.looks_like_xlsx(data, filename) or looks_like_old_excel(data):
            return spreadsheet.ingest_xlsx(
                data,
                root=storage_root(),
                max_bytes=max_upload_bytes(),
                sheet=sheet,
                **xlsx_limits(),
            )
        return tabular.ingest_csv(data, root=storage_root(), max_bytes=max_upload_bytes())

    return _record_version(
        actor=actor, dataset=dataset, ingest=ingest, filename=filename, note=note, now=now
    )


def version_push(
    *,
    actor: Any,
    dataset: Dataset,
    rows: list[dict[str, Any]],
    columns: list[dict[str, str]] | None = None,
    infer: bool = False,
    note: str = "",
    now: dt.datetime,
) -> DatasetVersion:
    """Record rows pushed as JSON objects as the dataset's next version. The schema is the
    one given, else the confirmed schema of the latest version (units kept), else (or with
    ``infer``) inferred from the values. Refused as a whole, naming item and column."""
    ensure_can(actor, "catalog.change", dataset)
    if columns is None and not infer:
        latest = dataset.latest_version()
        columns = [dict(c) for c in latest.columns] if latest is not None else None

    def ingest() -> tabular.Ingested:
        return tabular.ingest_rows(rows, root=storage_root(), columns=columns)

    return _record_version(
        actor=actor, dataset=dataset, ingest=ingest, filename="", note=note, now=now
    )


def _record_version(
    *,
    actor: Any,
    dataset: Dataset,
    ingest: Callable[[], tabular.Ingested],
    filename: str,
    note: str,
    now: dt.datetime,
) -> DatasetVersion:
    """Run an ingest and record its version in one transaction; the files the ingest wrote
    are removed again if the transaction fails (files left by a rollback further out are
    removed by the periodic sweep)."""
    written: list[Path] = []
    try:
        with transaction.atomic():
            return _record_version_atomic(
                actor=actor,
                dataset=dataset,
                ingest=ingest,
                filename=filename,
                note=note,
                now=now,
                written=written,
            )
    except BaseException:
        discard_files(written)
        raise


def _record_version_atomic(
    *,
    actor: Any,
    dataset: Dataset,
    ingest: Callable[[], tabular.Ingested],
    filename: str,
    note: str,
    now: dt.datetime,
    written: list[Path],
) -> DatasetVersion:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if len(note) > 300:
        raise ValidationFailed(fields={"note": [_("The value is too long.")]})
    try:
        ingested = ingest()
    except tabular.TableError as exc:
        raise ValidationFailed(exc.message, fields={"file": [exc.message]}) from exc
    written.extend(ingested.written)
    previous = dataset.latest_version()
    changes: dict[str, Any] = {}
    if previous is not None:
        if previous.file_name == ingested.file_name:
            raise Conflict(_("This file is the same as the latest version."))
        changes = tabular.compare(
            version_path(previous), previous.columns, ingested.path, ingested.columns
        )
        # Units are typed by people: keep the ones given for columns that stayed.
        units = {c["name"]: c.get("unit", "") for c in previous.columns}
        for c in ingested.columns:
            c["unit"] = c.get("unit") or units.get(c["name"], "")
    version = DatasetVersion.objects.create(
        dataset=dataset,
        number=(previous.number + 1) if previous else 1,
        file_name=ingested.file_name,
        original_name=filename[:255],
        size_bytes=ingested.size_bytes,
        encoding=ingested.encoding,
        delimiter=ingested.delimiter,
        source_format=ingested.source_format,
        sheet=ingested.sheet[:100],
        columns=ingested.columns,
        row_count=ingested.row_count,
        checksum=ingested.checksum,
        changes=changes,
        note=note,
        published_by=actor if getattr(actor, "pk", None) else None,
        published_by_name=actor.get_username(),
        created_at=now,
    )
    dataset.updated_at = now
    dataset.save(update_fields=["updated_at"])
    audit_record(actor=actor, action="dataset.version_upload", obj=version, now=now)
    return version


@transaction.atomic
def version_set_units(
    *, actor: Any, version: DatasetVersion, units: dict[str, str], now: dt.datetime
) -> DatasetVersion:
    """Confirm the inferred schema of a version by giving the unit of each column."""
    ensure_can(actor, "catalog.change", version.dataset)
    before = snapshot(version)
    names = {c["name"] for c in version.columns}
    for name, unit in units.items():
        if name not in names:
            raise ValidationFailed(fields={name: [_("There is no such column.")]})
        if len(unit) > 40:
            raise ValidationFailed(fields={name: [_("The value is too long.")]})
    version.columns = [
        {**c, "unit": units.get(c["name"], c.get("unit", ""))} for c in version.columns
    ]
    version.save(update_fields=["columns"])
    audit_record(actor=actor, action="dataset.version_units", obj=version, before=before, now=now)
    return version


# --- data requests ---------------------------------------------------------------------


@transaction.atomic
def data_request_create(
    *,
    actor: Any,
    requester: Agency,
    producer: Agency,
    title: str,
    description: str,
    now: dt.datetime,
    due_date: dt.date | None = None,
) -> DataRequest:
    """Ask another agency for data no one publishes yet: a coordination request of kind
    "data" is sent to it (its SLA clock, notifications and escalation apply) and the data
    request follows it until a published dataset fulfils it."""
    from sinergi.coordination.choices import RequestKind
    from sinergi.coordination.services import request_submit

    ensure_can(actor, "catalog.request_data", requester)
    title, description = (title or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("The value is too long.")]
    if not description:
        errors["description"] = [_("Say what data you need, for which area and period.")]
    elif len(description) > 5000:
        errors["description"] = [_("The value is too long.")]
    if producer.pk == requester.pk:
        errors["producer"] = [_("Ask another agency; your own agency can publish it.")]
    if errors:
        raise ValidationFailed(fields=errors)
    body = (
        description
        + "\n\n"
        + _(
            "(Data request from the Satu Data catalog: answer it by publishing the dataset and "
            "linking it under Data › Data requests.)"
        )
    )
    request = request_submit(
        actor=actor,
        from_agency=requester,
        to_agency=producer,
        kind=RequestKind.DATA,
        subject=title,
        body=body,
        now=now,
        due_date=due_date,
    )
    data_request = DataRequest.objects.create(
        request=request,
        title=title,
        description=description,
        requester=requester,
        producer=producer,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    audit_record(actor=actor, action="data_request.create", obj=data_request, now=now)
    return data_request


@transaction.atomic
def data_request_fulfil(
    *, actor: Any, data_request: DataRequest, dataset: Dataset, now: dt.datetime, note: str = ""
) -> DataRequest:
    """Link the published dataset that fulfils a data request. Staff of the agency handling
    the coordination request answer it (acknowledging it first if needed); staff of the
    requesting agency close it. Both steps go through the coordination services."""
    from sinergi.coordination.choices import RequestStatus
    from sinergi.coordination.services import request_act
    from sinergi.core.permissions import can

    from .selectors import agency_may_read

    data_request = DataRequest.objects.select_for_update().get(pk=data_request.pk)
    ensure_can(actor, "catalog.fulfil_request", data_request)
    if data_request.dataset_id is not None:
        raise Conflict(_("This data request is already fulfilled."))
    if len(note) > 2000:
        raise ValidationFailed(fields={"note": [_("The value is too long.")]})
    if dataset.status != DatasetStatus.PUBLISHED:
        raise ValidationFailed(fields={"dataset": [_("Link a published dataset.")]})
    if not agency_may_read(dataset, data_request.requester):
        raise ValidationFailed(
            fields={"dataset": [_("The requesting agency may not read this dataset.")]}
        )
    before = snapshot(data_request)
    request = data_request.request
    body = _("Fulfilled by the dataset %(title)s: %(path)s") % {
        "title": dataset.title,
        "path": f"/data/{dataset.slug}/",
    }
    if note.strip():
        body += "\n\n" + note.strip()
    if can(actor, "request.handle", request):
        if request.status == RequestStatus.SUBMITTED:
            request = request_act(actor=actor, request=request, action="acknowledge", now=now)
        request_act(actor=actor, request=request, action="answer", body=body, now=now)
    else:
        request_act(actor=actor, request=request, action="close", body=body, now=now)
    data_request.request.refresh_from_db()
    data_request.dataset = dataset
    data_request.fulfilled_at = now
    data_request.fulfilled_by = actor if getattr(actor, "pk", None) else None
    data_request.save(update_fields=["dataset", "fulfilled_at", "fulfilled_by"])
    audit_record(
        actor=actor, action="data_request.fulfil", obj=data_request, before=before, now=now
    )
    return data_request
