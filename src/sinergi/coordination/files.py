"""The attachment folder, registered with core for backup, restore and audit verify."""

from __future__ import annotations

from collections.abc import Iterator

from sinergi.core.files import FileRow, FileStore, register_file_store

from .attachments import storage_dir
from .models import Attachment


def attachment_rows() -> Iterator[FileRow]:
    """Every attachment row with the path and checksum of its stored file."""
    root = storage_dir()
    rows = Attachment.objects.order_by("pk").values_list("pk", "stored_name", "sha256")
    for pk, stored_name, sha256 in rows.iterator():
        yield FileRow("coordination.attachment", pk, root / stored_name, sha256)


def register() -> None:
    """Tell core where attachments live."""
    register_file_store(
        FileStore("attachments", storage_dir, attachment_rows, ("coordination.attachment",))
    )
