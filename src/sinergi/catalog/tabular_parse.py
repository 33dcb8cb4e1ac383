"""Checking and reading what is uploaded or pushed: CSV bytes, JSON rows, filter values.

Limits, the error type that names the row and column, and the conversions of values to
column types shared by ingest and queries.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import io
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sinergi.core.lazy import lazy_module

if TYPE_CHECKING:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
else:
    # Imported when a dataset file is first read or written, not by every web process.
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")
    pacsv = lazy_module("pyarrow.csv")


DELIMITERS = [",", ";", "\t", "|"]
MAX_COLUMNS = 500
MAX_COLUMN_NAME = 100
NUMERIC_RE = r"^\s*[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?\s*$"


class TableError(Exception):
    """A file that cannot be taken: what is wrong and where (1-based line and column)."""

    def __init__(self, message: str, *, row: int | None = None, column: str | None = None):
        self.message = message
        self.row = row
        self.column = column
        super().__init__(message)


@dataclass
class Ingested:
    """What an ingest produced: the Parquet file (content-addressed) and its facts."""

    path: Path
    file_name: str
    checksum: str
    size_bytes: int
    encoding: str
    delimiter: str
    columns: list[dict[str, str]]
    row_count: int
    timings: dict[str, float] = field(default_factory=dict)
    written: list[Path] = field(default_factory=list)
    source_format: str = "csv"
    sheet: str = ""


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "datetime"
    return "text"


def detect_encoding(data: bytes) -> tuple[str, int]:
    """The encoding of a CSV file (UTF-8, else Latin-1) and the length of a UTF-8 BOM."""
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        # Decoding proves the whole file is UTF-8; a multibyte sequence cut at a chunk edge
        # is impossible here because the whole buffer is decoded at once.
        codecs.decode(data[bom:], "utf-8")
    except UnicodeDecodeError:
        return "latin-1", 0
    return "utf-8", bom


def sniff_delimiter(sample: str) -> str:
    """The delimiter of a CSV sample: the sniffer's answer, else the most common candidate in
    the header line."""
    try:
        return csv.Sniffer().sniff(sample, delimiters="".join(DELIMITERS)).delimiter
    except csv.Error:
        header = sample.splitlines()[0] if sample else ""
        return max(DELIMITERS, key=header.count)


def _check_header(names: list[str]) -> list[str]:
    cleaned = [n.strip() for n in names]
    if len(cleaned) > MAX_COLUMNS:
        raise TableError(
            _("The file has %(n)d columns; at most %(max)d are allowed.")
            % {"n": len(cleaned), "max": MAX_COLUMNS}
        )
    seen: dict[str, int] = {}
    for i, name in enumerate(cleaned, start=1):
        if not name:
            raise TableError(
                _("Row %(row)d (the header): column %(i)d has no name.") % {"row": 1, "i": i},
                row=1,
                column=str(i),
            )
        if len(name) > MAX_COLUMN_NAME:
            raise TableError(
                _("Column %(i)d has a name longer than %(n)d characters.")
                % {"i": i, "n": MAX_COLUMN_NAME}
            )
        if name in seen:
            raise TableError(
                _(
                    "Row %(row)d (the header): column name %(name)r appears twice "
                    "(columns %(a)d and %(b)d)."
                )
                % {"row": 1, "name": name, "a": seen[name], "b": i},
                row=1,
                column=name,
            )
        seen[name] = i
    return cleaned


def _check_numeric_outliers(table: pa.Table, names: list[str]) -> None:
    """Refuse a column that is numbers except for a few stray values: almost always a typo
    that would silently turn the whole column into text."""
    for name in names:
        col = table.column(name)
        if not pa.types.is_string(col.type) and not pa.types.is_large_string(col.type):
            continue
        filled = pc.drop_null(col)
        filled = filled.filter(pc.not_equal(pc.utf8_trim_whitespace(filled), ""))
        if len(filled) < 10:
            continue
        numeric = pc.match_substring_regex(col, NUMERIC_RE)
        n_numeric = pc.sum(numeric).as_py() or 0
        if n_numeric == len(filled) or n_numeric < 0.9 * len(filled):
            continue
        blank = pc.equal(pc.utf8_trim_whitespace(pc.fill_null(col, "")), "")
        bad = pc.and_(pc.invert(pc.fill_null(numeric, False)), pc.invert(blank))
        index = pc.index(bad, True).as_py()
        value = col[index].as_py()
        raise TableError(
            _(
                "Row %(row)d, column %(name)r: %(value)r is not a number, "
                "but the other values of the column are."
            )
            % {"row": index + 2, "name": name, "value": value},
            row=index + 2,
            column=name,
        )


def _parse_csv(data: bytes, *, max_bytes: int) -> tuple[pa.Table, str, str]:
    """Check CSV bytes and read them into an Arrow table: (table, encoding, delimiter).

    Raises TableError for a file that is too large, empty, binary, or malformed.
    """
    if len(data) > max_bytes:
        raise TableError(
            _("The file is larger than the limit of %(mb)d MB.")
            % {"mb": max_bytes // (1024 * 1024)}
        )
    if not data.strip():
        raise TableError(_("The file is empty."))
    if b"\x00" in data[:65536]:
        raise TableError(_("This is not a text (CSV) file."))
    encoding, bom = detect_encoding(data)
    sample = data[bom : bom + 65536].decode(encoding, errors="replace")
    delimiter = sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample.splitlines()[0]), delimiter=delimiter), [])
    names = _check_header(header)

    problems: list[tuple[int | None, int, int, bool, str]] = []

    def invalid_row(row: Any) -> str:
        missing = row.actual_columns < row.expected_columns
        where = names[row.actual_columns] if missing else f"{row.expected_columns + 1}"
        problems.append((row.number, row.actual_columns, row.expected_columns, missing, where))
        return "error"

    def row_error(
        line: int | None, actual: int, expected: int, missing: bool, where: str
    ) -> TableError:
        values = {"row": line or 0, "n": actual, "width": expected, "col": where}
        message = (
            _(
                "Row %(row)d has %(n)d values; the header has %(width)d columns "
                "(column %(col)r is missing)."
            )
            if missing
            else _("Row %(row)d has %(n)d values; the header has %(width)d columns (extra values).")
        )
        return TableError(message % values, row=line, column=where)

    try:
        table = pacsv.read_csv(
            io.BytesIO(data[bom:]),
            read_options=pacsv.ReadOptions(
                encoding=encoding, skip_rows=1, column_names=names, block_size=8 << 20
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=True, invalid_row_handler=invalid_row
            ),
            convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True, quoted_strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeDecodeError) as exc:
        if problems:
            line, actual, expected, missing, where = problems[0]
            if line is None:
                line = _find_bad_line(data[bom:], encoding, delimiter, len(names))
            raise row_error(line, actual, expected, missing, where) from exc
        raise TableError(_("The file could not be read as CSV: %(e)s") % {"e": exc}) from exc
    if table.num_rows == 0:
        raise TableError(_("The file has a header but no rows."))
    _check_numeric_outliers(table, names)
    return table, encoding, delimiter


def _find_bad_line(data: bytes, encoding: str, delimiter: str, width: int) -> int | None:
    reader = csv.reader(io.StringIO(data.decode(encoding, errors="replace")), delimiter=delimiter)
    for values in reader:
        if len(values) != width and any(v.strip() for v in values):
            return reader.line_num
    return None


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _coerce(name: str, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | int | float) and not isinstance(value, bool):
        value = str(value)
    text = str(value)
    if len(text) > 500:
        raise TableError(_("The filter value for %(c)r is too long.") % {"c": name}, column=name)
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text)
        if kind == "boolean":
            if text.lower() in {"true", "1", "yes"}:
                return True
            if text.lower() in {"false", "0", "no"}:
                return False
            raise ValueError(text)
        if kind == "date":
            return dt.date.fromisoformat(text)
        if kind == "datetime":
            return dt.datetime.fromisoformat(text)
    except (ValueError, OverflowError) as exc:
        raise TableError(
            _("%(value)r is not a valid %(kind)s value for column %(c)r.")
            % {"value": text, "kind": kind, "c": name},
            column=name,
        ) from exc
    return text


# --- JSON rows: types of pushed values ----------------------------------------------

COLUMN_TYPES = ("integer", "number", "boolean", "date", "datetime", "text")


def _arrow_type(kind: str) -> pa.DataType:
    """The Arrow type of a column kind (a function so that PyArrow loads on first use)."""
    return {
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us"),
        "text": pa.string(),
    }[kind]


MAX_JSON_ROWS = 1_000_000


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "text"
    return "other"


def _iso(text: str, kind: str) -> Any:
    if kind == "date":
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return value


def _infer(name: str, values: list[Any]) -> tuple[str, list[Any]]:
    """The type of a column of JSON values and the values converted to it; a column of
    numbers with a stray text (or the other way round) is refused naming the item."""
    kinds = [_kind(v) for v in values]
    seen = {k for k, v in zip(kinds, values, strict=True) if v is not None}
    if not seen:
        return "text", values
    if seen <= {"integer", "number"}:
        if seen == {"integer"} and all(v is None or -(2**63) <= v < 2**63 for v in values):
            return "integer", values
        return "number", [None if v is None else float(v) for v in values]
    if seen == {"boolean"}:
        return "boolean", values
    if seen == {"text"}:
        for kind in ("date", "datetime"):
            try:
                parsed = [None if v is None else _iso(v, kind) for v in values]
            except ValueError:
                continue
            if all(p is not None for p, v in zip(parsed, values, strict=True) if v is not None):
                return kind, parsed
        return "text", values
    # Mixed: name the first value of a kind that is not the most common one.
    counts: dict[str, int] = {}
    for k, v in zip(kinds, values, strict=True):
        if v is not None:
            counts[k] = counts.get(k, 0) + 1
    main = max(counts, key=lambda k: counts[k])
    numeric = {"integer", "number"}
    for i, (k, v) in enumerate(zip(kinds, values, strict=True)):
        if v is not None and k != main and not (k in numeric and main in numeric):
            raise TableError(
                _(
                    "Item %(row)d, column %(col)r: %(value)r is %(kind)s, but the other "
                    "values of the column are %(main)s."
                )
                % {"row": i + 1, "col": name, "value": v, "kind": k, "main": main},
                row=i + 1,
                column=name,
            )
    return "text", [None if v is None else str(v) for v in values]  # pragma: no cover
