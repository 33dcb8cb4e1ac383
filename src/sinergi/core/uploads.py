"""Upload limits of every app in one place, checked before a file is parsed.

Each kind of upload has a size limit (settings ``SINERGI_UPLOAD_MAX_BYTES[kind]``, from the
environment ``SINERGI_UPLOAD_MAX_MB_<KIND>``); every zip-based format (XLSX) has one limit
on its total unpacked size (``SINERGI_UPLOAD_MAX_UNPACKED_BYTES``); a workbook's sheet
dimensions are read from its metadata (the ``<dimension ref="A1:T1000000"/>`` element near
the start of each worksheet part) before any workbook reader opens it, so a million-row
sheet is refused in a second; and a parse that runs past ``SINERGI_UPLOAD_MAX_PARSE_SECONDS``
stops with a clear message (:class:`ParseDeadline`), which also bounds a workbook whose
declared dimension lies.
"""

from __future__ import annotations

import html
import io
import posixpath
import re
import time
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _

from .exceptions import ValidationFailed

CSV = "csv"
XLSX = "xlsx"
JSON = "json"
SCHEDULE = "schedule"  # a programme's schedule file: MSPDI XML, Primavera XER, CSV or XLSX
ATTACHMENT = "attachment"
CASE_DOCUMENT = "case_document"

MB = 1024 * 1024
DEFAULT_MAX_BYTES = {
    CSV: 100 * MB,
    XLSX: 50 * MB,
    JSON: 50 * MB,
    SCHEDULE: 20 * MB,
    ATTACHMENT: 10 * MB,
    CASE_DOCUMENT: 5 * MB,
}
DEFAULT_MAX_UNPACKED = 300 * MB
DEFAULT_MAX_CELLS = 2_000_000
DEFAULT_MAX_ROWS = 500_000  # rows of one workbook sheet; larger tables come as CSV
DEFAULT_MAX_PARSE_SECONDS = 120.0
# Settings that older releases read; they still win over the defaults when set.
_LEGACY_BYTES = {
    CSV: "CATALOG_MAX_UPLOAD_BYTES",
    XLSX: "CATALOG_MAX_UPLOAD_BYTES",
    CASE_DOCUMENT: "CASES_MAX_UPLOAD_BYTES",
}
_DIMENSION_HEAD = 64 * 1024  # the dimension element comes before the sheet data
_DIMENSION = re.compile(rb"<(?:\w{1,32}:)?dimension\b[^>]*?\bref\s*=\s*[\"']([A-Za-z0-9:$]+)[\"']")
_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")
_SHEET = re.compile(rb"<(?:\w{1,32}:)?sheet\b[^>]*>")
_ATTR = re.compile(rb"([\w:]+)\s*=\s*\"([^\"]*)\"")
_RELATIONSHIP = re.compile(rb"<(?:\w{1,32}:)?Relationship\b[^>]*>")


class UploadRefused(ValidationFailed):
    """An upload over one of the limits; ``fields["file"]`` holds the sentence."""

    code = "upload_refused"

    def __init__(self, message: str) -> None:
        super().__init__(message, fields={"file": [message]})


def max_bytes(kind: str) -> int:
    """The largest upload of this kind, in bytes."""
    legacy = _LEGACY_BYTES.get(kind)
    if legacy and hasattr(settings, legacy):
        return int(getattr(settings, legacy))
    configured = getattr(settings, "SINERGI_UPLOAD_MAX_BYTES", {}) or {}
    return int(configured.get(kind, DEFAULT_MAX_BYTES[kind]))


def max_unpacked() -> int:
    """The largest total unpacked size of a zip-based upload (every app, every format)."""
    legacy = getattr(settings, "CATALOG_XLSX_MAX_UNCOMPRESSED", None)
    if legacy is not None:
        return int(legacy)
    return int(getattr(settings, "SINERGI_UPLOAD_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED))


def max_cells() -> int:
    """The most cells a workbook sheet may hold."""
    legacy = getattr(settings, "CATALOG_XLSX_MAX_CELLS", None)
    if legacy is not None:
        return int(legacy)
    return int(getattr(settings, "SINERGI_UPLOAD_MAX_CELLS", DEFAULT_MAX_CELLS))


def max_xlsx_rows() -> int:
    """The most rows a workbook sheet may declare (larger tables are uploaded as CSV)."""
    return int(getattr(settings, "SINERGI_UPLOAD_MAX_XLSX_ROWS", DEFAULT_MAX_ROWS))


def max_parse_seconds() -> float:
    """How long reading one upload may take before it is given up."""
    return float(getattr(settings, "SINERGI_UPLOAD_MAX_PARSE_SECONDS", DEFAULT_MAX_PARSE_SECONDS))


def too_large_message(kind: str) -> str:
    """The sentence for a file over the size limit of its kind."""
    return _("The file is larger than the limit of %(mb)s MB.") % {"mb": _mb(max_bytes(kind))}


def _mb(size: int) -> str:
    value = size / MB
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"


def check_size(size: int | None, kind: str) -> None:
    """Refuse an upload over the size limit of its kind (``size`` may be the declared size
    of a file not yet read)."""
    if size is not None and size > max_bytes(kind):
        raise UploadRefused(too_large_message(kind))


def read_limited(stream: object, kind: str) -> bytes:
    """Read an uploaded file, refusing it (without reading more) once it passes the limit."""
    limit = max_bytes(kind)
    data = stream.read(limit + 1)  # type: ignore[attr-defined]  # a file-like object
    if len(data) > limit:
        raise UploadRefused(too_large_message(kind))
    return bytes(data)


# --- workbooks -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetSize:
    """A sheet's declared size: its name (or part name), rows and columns."""

    name: str
    rows: int
    columns: int


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n


def _dimension(ref: str) -> tuple[int, int] | None:
    """``"A1:T1000000"`` → (1000000 rows, 20 columns); None when it cannot be read."""
    parts = ref.split(":")
    cells = [_CELL.match(p) for p in parts]
    if not parts or len(parts) > 2 or not all(cells):
        return None
    rows = [int(m.group(2)) for m in cells if m]
    cols = [_column_number(m.group(1)) for m in cells if m]
    return max(rows) - min(rows) + 1, max(cols) - min(cols) + 1


def _attrs(tag: bytes) -> dict[str, str]:
    return {
        key.decode("ascii", "replace"): html.unescape(value.decode("utf-8", "replace"))
        for key, value in _ATTR.findall(tag)
    }


def _sheet_titles(archive: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part name → sheet title, in the workbook's sheet order."""
    try:
        workbook = archive.read("xl/workbook.xml")
        rels = archive.read("xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets: dict[str, str] = {}
    for tag in _RELATIONSHIP.findall(rels):
        a = _attrs(tag)
        target = a.get("Target", "")
        if target:
            part = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
            targets[a.get("Id", "")] = posixpath.normpath(part)
    titles: dict[str, str] = {}
    for tag in _SHEET.findall(workbook):
        a = _attrs(tag)
        rid = next((v for k, v in a.items() if k.endswith(":id")), "")
        sheet_part = targets.get(rid)
        if sheet_part:
            titles[sheet_part] = a.get("name", sheet_part)
    return titles


def xlsx_sheet_sizes(data: bytes) -> list[SheetSize]:
    """The declared size of every worksheet of a workbook, in the workbook's sheet order,
    read from the start of each worksheet part (nothing else is unpacked). A sheet without
    a readable dimension is left out; the cell limit and the parse deadline still bound it
    while it is read."""
    sizes: list[SheetSize] = []
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            titles = _sheet_titles(archive)
            names = {m.filename for m in archive.infolist()}
            parts = [p for p in titles if p in names] + sorted(
                n
                for n in names
                if n.startswith("xl/worksheets/") and n.endswith(".xml") and n not in titles
            )
            for part in parts:
                with archive.open(part) as fh:
                    head = fh.read(_DIMENSION_HEAD)
                found = _DIMENSION.search(head)
                size = _dimension(found.group(1).decode("ascii")) if found else None
                if size is not None:
                    sizes.append(SheetSize(titles.get(part, part), size[0], size[1]))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError):
        return sizes
    except (OSError, EOFError, ValueError, KeyError, zlib.error):
        return sizes
    return sizes


def check_xlsx_dimensions(
    data: bytes,
    *,
    sheet: str | None = None,
    max_rows: int | None = None,
    cells: int | None = None,
) -> None:
    """Refuse a workbook whose sheet (``sheet`` by title, ``""`` the first one, ``None``
    every one) declares more rows or cells than allowed, before a workbook reader opens
    it."""
    row_limit = max_rows if max_rows is not None else max_xlsx_rows()
    cell_limit = cells if cells is not None else max_cells()
    sizes = xlsx_sheet_sizes(data)
    if sheet is None:
        chosen = sizes
    elif sheet:
        chosen = [s for s in sizes if s.name == sheet]
    else:  # the first sheet is the one read
        chosen = sizes[:1]
    for size in chosen:
        if size.rows > row_limit or size.rows * size.columns > cell_limit:
            raise UploadRefused(
                _(
                    "Sheet %(sheet)s has %(rows)s rows and %(cols)s columns; at most "
                    "%(max_rows)s rows and %(max_cells)s cells are read. Split it or save it "
                    "as CSV."
                )
                % {
                    "sheet": size.name,
                    "rows": f"{size.rows:,}",
                    "cols": f"{size.columns:,}",
                    "max_rows": f"{row_limit:,}",
                    "max_cells": f"{cell_limit:,}",
                }
            )


# --- parse time ------------------------------------------------------------------------------


class ParseDeadline:
    """A clock started when parsing starts; :meth:`check` refuses the upload once the
    allowed parse time has passed (called every few hundred rows)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = max_parse_seconds() if seconds is None else seconds
        self.until = time.monotonic() + self.seconds

    def check(self) -> None:
        """Refuse the upload when its parse time is over."""
        if time.monotonic() > self.until:
            raise UploadRefused(
                _(
                    "Reading the file took longer than %(n)d seconds; split it into smaller "
                    "files or save it as CSV."
                )
                % {"n": self.seconds}
            )
