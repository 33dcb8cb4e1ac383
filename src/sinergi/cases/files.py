"""The case-document folder, registered with core for backup, restore and audit verify."""

from __future__ import annotations

from collections.abc import Iterator

from sinergi.core.files import FileRow, FileStore, register_file_store

from .models import CaseDocument
from .services import storage_dir


def document_rows() -> Iterator[FileRow]:
    """Every case document still kept (purged ones have had their file removed)."""
    root = storage_dir()
    rows = (
        CaseDocument.objects.filter(purged_at__isnull=True)
        .order_by("pk")
        .values_list("pk", "stored_name", "sha256")
    )
    for pk, stored_name, sha256 in rows.iterator():
        yield FileRow("cases.casedocument", pk, root / stored_name, sha256)


def register() -> None:
    """Tell core where case documents live."""
    register_file_store(FileStore("cases", storage_dir, document_rows, ("cases.casedocument",)))
