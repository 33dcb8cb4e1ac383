"""Versions of a dataset: uploaded or pushed files, their checks, and the files left
behind by a rolled-back transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.db import DatabaseError, transaction
from django.utils.translation import gettext as _

from sinergi.core import uploads
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.spreadsheets import looks_like_old_excel

from .. import spreadsheet, tabular
from ..models import Dataset, DatasetVersion
from ..selectors import storage_root, version_path


def max_upload_bytes() -> int:
    """The largest dataset file accepted before its kind is known (CSV or XLSX), in bytes;
    each kind's own limit is checked in :func:`version_upload` (:mod:`sinergi.core.uploads`)."""
    return max(uploads.max_bytes(uploads.CSV), uploads.max_bytes(uploads.XLSX))


def xlsx_limits() -> dict[str, int]:
    """Limits on workbooks (:mod:`sinergi.core.uploads`): total unpacked size and cells."""
    return {"max_uncompressed": uploads.max_unpacked(), "max_cells": uploads.max_cells()}


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
    for name, cluster in DatasetVersion.objects.values_list(
        "file_name", "dataset__filter_columns"
    ).iterator():
        referenced.add(name)
        referenced.add(str(Path(name).with_suffix(".duckdb")))
        if cluster:
            # The copy sorted by the current filter columns; one by earlier ones goes.
            referenced.add(tabular.clustered_path(root / name, cluster).name)
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
            uploads.check_size(len(data), uploads.XLSX)
            return spreadsheet.ingest_xlsx(
                data,
                root=storage_root(),
                max_bytes=uploads.max_bytes(uploads.XLSX),
                sheet=sheet,
                **xlsx_limits(),
            )
        uploads.check_size(len(data), uploads.CSV)
        return tabular.ingest_csv(
            data, root=storage_root(), max_bytes=uploads.max_bytes(uploads.CSV)
        )

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
    """Run an ingest, then record its version in a short transaction.

    Reading, checking and converting the file (seconds to minutes for a large one) and
    comparing it with the latest version happen before the transaction, so no write lock is
    held meanwhile (on SQLite every other writer would wait for it). The files the ingest
    wrote are removed again if recording fails (files left by a rollback further out are
    removed by the periodic sweep)."""
    if len(note) > 300:
        raise ValidationFailed(fields={"note": [_("The value is too long.")]})
    written: list[Path] = []
    try:
        try:
            ingested = ingest()
        except tabular.TableError as exc:
            raise ValidationFailed(exc.message, fields={"file": [exc.message]}) from exc
        written.extend(ingested.written)
        previous = dataset.latest_version()
        changes = _changes(previous, ingested)
        with transaction.atomic():
            return _record_version_atomic(
                actor=actor,
                dataset=dataset,
                ingested=ingested,
                compared=(previous.pk if previous else None, changes),
                filename=filename,
                note=note,
                now=now,
            )
    except BaseException:
        discard_files(written)
        raise


def _changes(previous: DatasetVersion | None, ingested: tabular.Ingested) -> dict[str, Any]:
    """What changed since the previous version; units typed by people are carried over to
    the columns that stayed."""
    if previous is None:
        return {}
    if previous.file_name == ingested.file_name:
        raise Conflict(_("This file is the same as the latest version."))
    changes = tabular.compare(
        version_path(previous), previous.columns, ingested.path, ingested.columns
    )
    units = {c["name"]: c.get("unit", "") for c in previous.columns}
    for c in ingested.columns:
        c["unit"] = c.get("unit") or units.get(c["name"], "")
    return changes


def _record_version_atomic(
    *,
    actor: Any,
    dataset: Dataset,
    ingested: tabular.Ingested,
    compared: tuple[int | None, dict[str, Any]],
    filename: str,
    note: str,
    now: dt.datetime,
) -> DatasetVersion:
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    previous = dataset.latest_version()
    compared_with, changes = compared
    if (previous.pk if previous else None) != compared_with:
        # Another version was recorded while this file was read: compare with that one.
        changes = _changes(previous, ingested)
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
    names = {c["name"] for c in version.columns}
    if dataset.filter_columns and all(n in names for n in dataset.filter_columns):
        from .datasets import version_cluster_later

        version_cluster_later(version)
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
