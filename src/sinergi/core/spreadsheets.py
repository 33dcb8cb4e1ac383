"""Excel workbooks (.xlsx) in and out, shared by every app that reads or writes them.

A workbook is a zip of XML files, so an upload is checked before any XML parser or openpyxl
sees it (:func:`check_xlsx_package`): a bounded file, a real zip with the parts of a
workbook (not an old ``.xls`` or a password-protected OLE file), no encrypted members, a
bounded number of parts and a bounded total uncompressed size (``zipfile`` stops reading a
member at its declared size, so the declared sizes are an upper bound), no macros, and no
DTD or entity declaration in any XML part (entity expansion bombs), scanned in a streaming
way. Each app turns :class:`UnsafeWorkbook` into its own error.

Text written to a spreadsheet (CSV or XLSX) that a spreadsheet program would run as a
formula gets a leading apostrophe (:func:`neutralise`, OWASP's CSV-injection advice).
"""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected workbooks
# A cell starting with one of these runs as a formula when a spreadsheet opens the file.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

_XML_PARTS = (".xml", ".rels", ".vml")
_FORMULA_TAG = re.compile(rb"<(?:\w{1,32}:)?f[\s>/]")
# A DTD or entity declaration in UTF-8, UTF-16 or UTF-32 (an XML part may be in any).
_DTD = re.compile(
    b"|".join(
        re.escape(word.encode(encoding))
        for word in ("<!DOCTYPE", "<!ENTITY")
        for encoding in ("utf-8", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be")
    ),
    re.IGNORECASE,
)
_OVERLAP = 64  # bytes kept from the previous chunk, longer than any pattern above
_CHUNK = 1 << 20
_BROKEN = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    NotImplementedError,  # an unsupported compression method
    RuntimeError,
    OSError,
    EOFError,
    ValueError,
    zlib.error,
)
_ILLEGAL = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")  # characters XML cannot hold


class UnsafeWorkbook(Exception):  # noqa: N818 - the name says what the file is
    """An upload that is not a plain .xlsx workbook; ``message`` is a translated sentence."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


def looks_like_old_excel(data: bytes) -> bool:
    """An Excel 97–2003 (.xls) file or a password-protected workbook (both OLE files)."""
    return data.startswith(OLE_MAGIC)


def _not_xlsx() -> UnsafeWorkbook:
    return UnsafeWorkbook(_("This is not a valid Excel (.xlsx) file."))


def _is_macro(name: str) -> bool:
    lower = name.lower()
    return (lower.endswith(".bin") and "vba" in lower) or lower.startswith(
        ("xl/macrosheets/", "xl/dialogsheets/")
    )


def check_xlsx_package(
    data: bytes, *, max_bytes: int, max_unpacked: int, max_members: int
) -> frozenset[str]:
    """Refuse what is not a plain .xlsx before it is unpacked (see the module); answer the
    names of the worksheet parts that hold formulas."""
    if len(data) > max_bytes:
        raise UnsafeWorkbook(
            _("The file is larger than the limit of %(mb)d MB.") % {"mb": max_bytes // 1024**2}
        )
    if looks_like_old_excel(data):
        raise UnsafeWorkbook(
            _(
                "This is an Excel 97–2003 (.xls) or password-protected workbook. "
                "Save it as .xlsx without a password, or as CSV."
            )
        )
    if not data.startswith(ZIP_MAGIC):
        raise _not_xlsx()
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _check_members(archive, max_unpacked=max_unpacked, max_members=max_members)
    except _BROKEN as exc:
        raise _not_xlsx() from exc


def _check_members(
    archive: zipfile.ZipFile, *, max_unpacked: int, max_members: int
) -> frozenset[str]:
    members = archive.infolist()
    names = {m.filename for m in members}
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _not_xlsx()
    if len(members) > max_members:
        raise UnsafeWorkbook(_("The workbook has too many parts."))
    if sum(m.file_size for m in members) > max_unpacked:
        raise UnsafeWorkbook(
            _("The workbook unpacks to more than %(mb)d MB; split it or save it as CSV.")
            % {"mb": max_unpacked // 1024**2}
        )
    if any(m.flag_bits & 0x1 for m in members):
        raise UnsafeWorkbook(_("The workbook is encrypted; save it without a password."))
    if any(_is_macro(name) for name in names):
        raise UnsafeWorkbook(_("Workbooks with macros are refused."))
    with_formulas: set[str] = set()
    for m in members:
        if m.filename.lower().endswith(_XML_PARTS) and _scan_part(archive, m):
            with_formulas.add(m.filename)
    return frozenset(with_formulas)


def _scan_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bool:
    """Refuse a DTD or entity declaration anywhere in the part (read in chunks, before any
    XML parser sees it); answer whether a worksheet part holds a formula."""
    is_sheet = member.filename.lower().startswith("xl/worksheets/")
    formula = False
    tail = b""
    with archive.open(member) as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            if _DTD.search(window):
                raise UnsafeWorkbook(_("The workbook holds XML that is not allowed (a DTD)."))
            if is_sheet and not formula and _FORMULA_TAG.search(window):
                formula = True
            tail = window[-_OVERLAP:]
    return formula


def neutralise(text: str) -> str:
    """Text for a spreadsheet cell (CSV or XLSX): text a spreadsheet would run as a formula
    gets a leading apostrophe (no formula injection)."""
    return "'" + text if text.startswith(FORMULA_START) else text


def xlsx_text(text: str) -> str:
    """Text for a workbook cell: characters XML cannot hold are dropped, and it is
    neutralised."""
    return neutralise(_ILLEGAL.sub("", text))


def column_letter(index: int) -> str:
    """``1`` → ``A``, ``28`` → ``AB``."""
    out = ""
    while index > 0:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out
