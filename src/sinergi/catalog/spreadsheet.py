"""XLSX in and out: a workbook sheet checked and fed through the CSV pipeline of
:mod:`tabular`, and a version written back as a workbook with formula-looking text
neutralised.

A workbook is a zip of XML files, so an upload is checked before openpyxl opens it, by the
checks shared with the other apps (:func:`sinergi.core.spreadsheets.check_xlsx_package`:
size, zip structure, old or encrypted files, parts, unpacked size, macros, DTDs), and rows
and columns are bounded while reading. Formulas are never evaluated: their cached values
are taken, and a formula without a cached value is refused naming the cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import hashlib
import io
import itertools
import math
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sinergi.core import uploads
from sinergi.core.lazy import lazy_module
from sinergi.core.spreadsheets import (
    ZIP_MAGIC,
    UnsafeWorkbook,
    check_xlsx_package,
    column_letter,
    xlsx_text,
)

from .tabular import (
    MAX_COLUMNS,
    Ingested,
    TableError,
    _parse_csv,
    store_table,
)

if TYPE_CHECKING:
    import pyarrow.parquet as pq
else:
    pq = lazy_module("pyarrow.parquet")  # loaded by the first file read, see core/lazy.py

MAX_ROWS = 1_048_576  # Excel's own limit
MAX_MEMBERS = 10_000
HEADER_SEARCH = 20  # rows looked at to find the header under report titles
EXCEL_ERRORS = frozenset(
    {"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!"}
)


def looks_like_xlsx(data: bytes, filename: str = "") -> bool:
    """Whether an upload is meant as a workbook (a zip, or named .xlsx)."""
    return data.startswith(ZIP_MAGIC) or filename.lower().endswith((".xlsx", ".xlsm"))


def _check(data: bytes, *, max_bytes: int, max_uncompressed: int) -> frozenset[str]:
    """The shared package checks (:mod:`sinergi.core.spreadsheets`); answers which
    worksheet parts hold formulas."""
    try:
        return check_xlsx_package(
            data, max_bytes=max_bytes, max_unpacked=max_uncompressed, max_members=MAX_MEMBERS
        )
    except UnsafeWorkbook as exc:
        raise TableError(exc.message) from exc


def _text(value: Any) -> str:
    """A cell value as CSV text the CSV reader infers the same type from."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ""
        return repr(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.replace(tzinfo=None)
        if value.time() == dt.time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _open(archive_bytes: bytes, *, data_only: bool) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(
            io.BytesIO(archive_bytes), read_only=True, data_only=data_only, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        raise TableError(_("This is not a valid Excel (.xlsx) file.")) from exc


def _sheet_part(workbook: Any, title: str) -> str | None:
    ws = workbook[title]
    name = getattr(ws, "_worksheet_path", None) or getattr(ws, "worksheet_path", None)
    if name:
        return str(name).lstrip("/")
    return None


def _rows(ws: Any) -> Iterator[tuple[Any, ...]]:
    ws.reset_dimensions()  # a workbook's declared dimension may lie
    yield from ws.iter_rows(values_only=True)


def _filled_rows(
    values: Iterator[tuple[Any, ...]],
    formulas: Iterator[tuple[Any, ...]] | None,
    deadline: uploads.ParseDeadline | None = None,
) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values without trailing blanks) of every row that is not empty; a
    formula without a cached value is refused naming its cell; reading stops at the
    deadline."""
    for number, row in enumerate(values, start=1):
        if deadline is not None and number % 1000 == 0:
            try:
                deadline.check()
            except uploads.UploadRefused as exc:
                raise TableError(exc.message, row=number) from exc
        if number > MAX_ROWS:
            raise TableError(_("The sheet has more than %(n)d rows.") % {"n": MAX_ROWS}, row=number)
        shown = next(formulas, None) if formulas is not None else None
        if shown is not None:
            for col, (value, raw) in enumerate(zip(row, shown, strict=False), start=1):
                if value is not None:
                    continue
                if raw is not None and not isinstance(raw, str | int | float | dt.date):
                    raw = "="  # array and data-table formula objects
                if isinstance(raw, str) and raw.startswith("="):
                    raise TableError(
                        _(
                            "Cell %(cell)s holds a formula without a calculated value. "
                            "Open the file in a spreadsheet, let it calculate, save, and "
                            "upload it again."
                        )
                        % {"cell": f"{column_letter(col)}{number}"},
                        row=number,
                        column=column_letter(col),
                    )
        cut = len(row)
        while cut and (row[cut - 1] is None or row[cut - 1] == ""):
            cut -= 1
        if cut:
            yield number, tuple(row[:cut])


def sheet_names(data: bytes, *, max_bytes: int, max_uncompressed: int) -> list[str]:
    """The sheet names of a workbook (for choosing one)."""
    _check(data, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    workbook = _open(data, data_only=True)
    try:
        return list(workbook.sheetnames)
    finally:
        workbook.close()


def xlsx_to_csv(
    data: bytes,
    *,
    sheet: str = "",
    max_bytes: int,
    max_uncompressed: int,
    max_cells: int,
) -> tuple[bytes, str, list[int]]:
    """One sheet of a workbook as UTF-8 CSV bytes, the sheet's name, and the spreadsheet row
    number of every CSV line (header first). The header is the first row that is not
    empty; empty rows are left out."""
    formula_parts = _check(data, max_bytes=max_bytes, max_uncompressed=max_uncompressed)
    try:
        # The sheet's declared size, read before openpyxl opens it: a million-row sheet is
        # refused in a second instead of after minutes of reading.
        uploads.check_xlsx_dimensions(data, sheet=sheet.strip(), cells=max_cells)
    except uploads.UploadRefused as exc:
        raise TableError(exc.message) from exc
    deadline = uploads.ParseDeadline()
    workbook = _open(data, data_only=True)
    formulas_wb = None
    try:
        titles = list(workbook.sheetnames)
        if not titles:
            raise TableError(_("The workbook has no sheet."))
        title = sheet.strip() or titles[0]
        if title not in titles:
            raise TableError(
                _("There is no sheet %(sheet)r; the workbook has: %(names)s.")
                % {"sheet": title, "names": ", ".join(titles[:20])},
                column=title,
            )
        if not hasattr(workbook[title], "iter_rows"):
            raise TableError(_("Sheet %(sheet)r holds no cells.") % {"sheet": title})
        part = _sheet_part(workbook, title)
        has_formulas = part in formula_parts if part else bool(formula_parts)
        values = _rows(workbook[title])
        formulas: Iterator[tuple[Any, ...]] | None = None
        if has_formulas:
            formulas_wb = _open(data, data_only=False)
            formulas = _rows(formulas_wb[title])
        filled = _filled_rows(values, formulas, deadline)
        # Title lines above the table (a report heading in one cell) are skipped: the
        # header is the first row that fills more than one cell, unless the table itself
        # has a single column.
        head: list[tuple[int, tuple[Any, ...]]] = []
        for item in filled:
            head.append(item)
            if len(head) >= HEADER_SEARCH:
                break
        if not head:
            raise TableError(_("The sheet %(sheet)r is empty.") % {"sheet": title})
        skip = next((i for i, (_n, r) in enumerate(head) if sum(v is not None for v in r) > 1), 0)
        width = len(head[skip][1])
        if width > MAX_COLUMNS:
            raise TableError(
                _("The sheet has %(n)d columns; at most %(max)d are allowed.")
                % {"n": width, "max": MAX_COLUMNS},
                row=head[skip][0],
            )
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        rownums: list[int] = []
        cells = 0
        for number, row in itertools.chain(head[skip:], filled):
            if len(row) > width:
                raise TableError(
                    _(
                        "Row %(row)d has a value in column %(col)s, beyond the %(n)d columns "
                        "of the header."
                    )
                    % {"row": number, "col": column_letter(len(row)), "n": width},
                    row=number,
                    column=column_letter(len(row)),
                )
            cells += width
            if cells > max_cells:
                raise TableError(
                    _("The sheet has more than %(n)s cells; save it as CSV instead.")
                    % {"n": f"{max_cells:,}"},
                    row=number,
                )
            texts = []
            for col, value in enumerate(row, start=1):
                if isinstance(value, str) and value in EXCEL_ERRORS:
                    raise TableError(
                        _("Cell %(cell)s holds the spreadsheet error %(value)s.")
                        % {"cell": f"{column_letter(col)}{number}", "value": value},
                        row=number,
                        column=column_letter(col),
                    )
                texts.append(_text(value))
            texts.extend([""] * (width - len(row)))
            writer.writerow(texts)
            rownums.append(number)
        if not rownums:
            raise TableError(_("The sheet %(sheet)r is empty.") % {"sheet": title})
        return out.getvalue().encode("utf-8"), title, rownums
    finally:
        workbook.close()
        if formulas_wb is not None:
            formulas_wb.close()


def ingest_xlsx(
    data: bytes,
    *,
    root: Path,
    max_bytes: int,
    sheet: str = "",
    max_uncompressed: int,
    max_cells: int,
) -> Ingested:
    """Check one sheet of a workbook and store it like a CSV upload; errors name the
    spreadsheet row (and column where known)."""
    import time

    t0 = time.perf_counter()
    text, title, rownums = xlsx_to_csv(
        data,
        sheet=sheet,
        max_bytes=max_bytes,
        max_uncompressed=max_uncompressed,
        max_cells=max_cells,
    )
    t1 = time.perf_counter()
    try:
        table, _encoding, _delimiter = _parse_csv(text, max_bytes=len(text) + 1)
    except TableError as exc:
        if exc.row is not None and 1 <= exc.row <= len(rownums):
            real = rownums[exc.row - 1]
            # Every message naming a row names it first (in every language).
            exc.message = re.sub(rf"\b{exc.row}\b", str(real), exc.message, count=1)
            exc.row = real
        exc.message = _("Sheet %(sheet)s: %(problem)s") % {"sheet": title, "problem": exc.message}
        raise
    t2 = time.perf_counter()
    ingested = store_table(
        table,
        root=root,
        checksum=hashlib.sha256(data).hexdigest(),
        # Two sheets of one workbook are two tables: the stored file is named by both.
        file_key=hashlib.sha256(data + b"\x00" + title.encode()).hexdigest(),
        size_bytes=len(data),
        timings={"read_xlsx": t1 - t0, "parse": t2 - t1},
    )
    ingested.source_format = "xlsx"
    ingested.sheet = title
    return ingested


# --- export ---------------------------------------------------------------------------


def safe_xlsx_value(value: Any) -> Any:
    """A value for a workbook cell: text a spreadsheet would run as a formula gets a leading
    apostrophe; characters XML cannot hold are dropped; times lose their zone."""
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return value
    return xlsx_text(str(value))


def export_xlsx(
    path: Path, columns: list[dict[str, str]], *, sheet: str = "data", batch: int = 10_000
) -> IO[bytes]:
    """The rows of a Parquet file as a workbook (write-only mode), in a temporary file
    rewound to its start."""
    import openpyxl

    names = [c["name"] for c in columns]
    workbook = openpyxl.Workbook(write_only=True)
    ws = workbook.create_sheet(title=re.sub(r"[\[\]:*?/\\]", "-", sheet)[:31] or "data")
    ws.append([safe_xlsx_value(n) for n in names])
    parquet = pq.ParquetFile(path)
    for record_batch in parquet.iter_batches(batch_size=batch, columns=names):
        lists = [record_batch.column(i).to_pylist() for i in range(len(names))]
        for row in zip(*lists, strict=True):
            ws.append([safe_xlsx_value(v) for v in row])
    out = tempfile.SpooledTemporaryFile(max_size=32 * 1024 * 1024)  # noqa: SIM115 - returned open
    workbook.save(out)
    out.seek(0)
    return out
