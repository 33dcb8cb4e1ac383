"""The dataset file folder, registered with core for backup, restore and audit verify."""

from __future__ import annotations

from collections.abc import Iterator

from sinergi.core.files import FileRow, FileStore, register_file_store

from .models import DatasetVersion
from .selectors import storage_root


def version_rows() -> Iterator[FileRow]:
    """Every dataset version with its Parquet file. The version's checksum is that of the
    uploaded file, not of the Parquet file, so only presence is checked here (backups
    check the Parquet bytes against their manifest). The DuckDB file beside it is rebuilt
    from the Parquet file when missing."""
    root = storage_root()
    rows = DatasetVersion.objects.order_by("pk").values_list("pk", "file_name")
    for pk, file_name in rows.iterator():
        yield FileRow("catalog.datasetversion", pk, root / file_name, None)


def register() -> None:
    """Tell core where dataset files live."""
    register_file_store(
        FileStore("catalog", storage_root, version_rows, ("catalog.datasetversion",))
    )
