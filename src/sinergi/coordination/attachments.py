"""Attachments of requests: checked by size and by content (never by the name or the
browser's content type), stored outside the web root under a random name, served only to
those who see the request."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from pathlib import Path

from django.conf import settings

from sinergi.core import uploads

# The default limit; the one in force is ``uploads.max_bytes(uploads.ATTACHMENT)``.
MAX_BYTES = uploads.DEFAULT_MAX_BYTES[uploads.ATTACHMENT]

#: What we accept: extension -> content type, decided from the bytes.
TYPES = {
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
    "txt": "text/plain",
}


def storage_dir() -> Path:
    """Where attachment files live: under the data directory, never under static files."""
    configured = getattr(settings, "COORDINATION_ATTACHMENT_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "attachments"


def sniff(data: bytes, name: str = "") -> str | None:
    """The extension of an accepted file type judged by its content, or None."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                members = archive.infolist()
        except (zipfile.BadZipFile, ValueError, OSError):
            return None
        names = {m.filename for m in members}
        if sum(m.file_size for m in members) > uploads.max_unpacked():
            return None  # a zip bomb is no document
        if "[Content_Types].xml" not in names:
            return None
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        return None
    if b"\x00" in data:
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return "csv" if name.lower().endswith(".csv") else "txt"


_UNSAFE = re.compile(r"[^\w.\- ()]+", re.UNICODE)


def clean_name(name: str, ext: str) -> str:
    """A display name that is safe in a header and on any file system: no path, no control
    characters, limited length, and the extension of the detected type."""
    base = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = _UNSAFE.sub("_", stem).strip(" ._") or "lampiran"
    return f"{stem[:100]}.{ext}"
