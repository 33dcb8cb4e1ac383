"""Tabular data: CSV in, Parquet stored, DuckDB queries out, CSV written back safely.

No Django models here: the services call :func:`ingest_csv` and store what it returns;
the API and the views call :func:`query`. Everything either succeeds completely or raises
:class:`TableError` naming the row and column, and nothing is left behind.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import decimal
import hashlib
import io
import math
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sinergi.core.lazy import lazy_module
from sinergi.core.spreadsheets import neutralise

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq
else:
    # Imported when a dataset file is first read or written, not by every web process.
    duckdb = lazy_module("duckdb")
    pa = lazy_module("pyarrow")
    pc = lazy_module("pyarrow.compute")
    pacsv = lazy_module("pyarrow.csv")
    pq = lazy_module("pyarrow.parquet")

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


def storage_dir(root: Path) -> Path:
    """Where Parquet files live; created on first use."""
    root.mkdir(parents=True, exist_ok=True)
    return root


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


def store_table(
    table: pa.Table,
    *,
    root: Path,
    checksum: str,
    size_bytes: int,
    encoding: str = "",
    delimiter: str = "",
    timings: dict[str, float] | None = None,
    file_key: str = "",
) -> Ingested:
    """Write a checked Arrow table as the Parquet file named by ``file_key`` (default: the
    checksum) and its DuckDB table file; the files this call creates are listed in
    ``Ingested.written`` so that a caller whose transaction fails can remove them."""
    import time

    t0 = time.perf_counter()
    directory = storage_dir(root)
    file_name = f"{file_key or checksum}.parquet"
    final = directory / file_name
    written: list[Path] = []
    if not final.exists():
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        os.close(fd)
        try:
            pq.write_table(table, tmp, compression="zstd", row_group_size=128 * 1024)
            os.replace(tmp, final)
            written.append(final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    t1 = time.perf_counter()
    if not table_path(final).exists():
        try:
            ensure_table(final, table)
        except BaseException:
            for path in written:  # nothing refers to the Parquet file written above yet
                path.unlink(missing_ok=True)
            raise
        written.append(table_path(final))
    t2 = time.perf_counter()
    columns = [{"name": f.name, "type": _type_name(f.type), "unit": ""} for f in table.schema]
    return Ingested(
        path=final,
        file_name=file_name,
        checksum=checksum,
        size_bytes=size_bytes,
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        row_count=table.num_rows,
        timings={**(timings or {}), "parquet": t1 - t0, "table": t2 - t1},
        written=written,
    )


def ingest_csv(data: bytes, *, root: Path, max_bytes: int) -> Ingested:
    """Check a CSV upload and store it as a Parquet file named by its checksum.

    Raises TableError for a file that is too large, empty, binary, or malformed; then no
    file is left behind.
    """
    import time

    t0 = time.perf_counter()
    table, encoding, delimiter = _parse_csv(data, max_bytes=max_bytes)
    t1 = time.perf_counter()
    return store_table(
        table,
        root=root,
        checksum=hashlib.sha256(data).hexdigest(),
        size_bytes=len(data),
        encoding=encoding,
        delimiter=delimiter,
        timings={"parse": t1 - t0},
    )


def _find_bad_line(data: bytes, encoding: str, delimiter: str, width: int) -> int | None:
    reader = csv.reader(io.StringIO(data.decode(encoding, errors="replace")), delimiter=delimiter)
    for values in reader:
        if len(values) != width and any(v.strip() for v in values):
            return reader.line_num
    return None


# --- queries ---------------------------------------------------------------------------

_local = threading.local()


_build_lock = threading.Lock()


def _connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "1GB"})
        _local.con = con
        _local.attached = {}
    return con


def table_path(parquet: Path) -> Path:
    """The DuckDB database file kept beside a Parquet file for fast queries."""
    return parquet.with_suffix(".duckdb")


def ensure_table(parquet: Path, table: pa.Table | None = None) -> Path:
    """Build (once) the DuckDB copy of a Parquet file: the Parquet file is what is kept and
    exchanged; the DuckDB table has the layout and zone maps that answer a filtered, sorted
    page several times faster than scanning Parquet."""
    target = table_path(parquet)
    if target.exists():
        return target
    with _build_lock:
        if target.exists():
            return target
        fd, tmp = tempfile.mkstemp(dir=parquet.parent, suffix=".duckdb-tmp")
        os.close(fd)
        os.unlink(tmp)  # DuckDB creates the file itself
        try:
            con = duckdb.connect(tmp, config={"threads": 2})
            try:
                if table is not None:
                    # Straight from the Arrow table already in memory: no second read.
                    con.register("incoming", table)
                    con.execute("CREATE TABLE data AS SELECT * FROM incoming")
                    con.unregister("incoming")
                else:
                    con.execute(
                        "CREATE TABLE data AS SELECT * FROM read_parquet(?)", [str(parquet)]
                    )
                con.execute("CHECKPOINT")
            finally:
                con.close()
            os.replace(tmp, target)
        finally:
            for leftover in (tmp, tmp + ".wal"):
                if os.path.exists(leftover):
                    os.unlink(leftover)
    return target


def _source(parquet: Path) -> str:
    """The SQL name of a version's table, attached read-only to this thread's DuckDB."""
    con = _connection()
    attached: dict[str, str] = _local.attached
    key = str(parquet)
    alias = attached.get(key)
    if alias is None:
        if not parquet.exists():
            raise TableError(_("The data file of this version is missing."))
        path = ensure_table(parquet)
        alias = "v_" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:20]
        con.execute(f"ATTACH ? AS {alias} (READ_ONLY)", [str(path)])  # alias: hex digits
        attached[key] = alias
    return f"{alias}.data"


def quote(name: str) -> str:
    """A column name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Page:
    """One page of query results with the total number of matching rows."""

    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    total: int


def _jsonable(value: Any) -> Any:
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def parse_sort(sort: str, names: Sequence[str]) -> list[tuple[str, str]]:
    """``"col1 asc, col2 desc"`` (CKAN's form) into checked (column, direction) pairs."""
    out: list[tuple[str, str]] = []
    for part in (p.strip() for p in sort.split(",")):
        if not part:
            continue
        direction = "asc"
        lowered = part.lower()
        if lowered.endswith(" desc") or lowered.endswith(" asc"):
            part, direction = part.rsplit(" ", 1)
            part = part.strip()
            direction = direction.lower()
        part = part.strip('"')
        if part not in names:
            raise TableError(
                _("Cannot sort by %(c)r: there is no such column.") % {"c": part}, column=part
            )
        out.append((part, direction))
    return out


def query(
    path: Path,
    columns: list[dict[str, str]],
    *,
    filters: dict[str, Any] | None = None,
    q: str = "",
    fields: Sequence[str] | None = None,
    sort: str = "",
    limit: int = 100,
    offset: int = 0,
    with_total: bool = True,
) -> Page:
    """Rows of a Parquet file matching equality filters and a text search, sorted, one page
    of them, and how many match in all."""
    names = [c["name"] for c in columns]
    types = {c["name"]: c["type"] for c in columns}
    chosen = list(fields) if fields else names
    for name in chosen:
        if name not in types:
            raise TableError(_("There is no column %(c)r.") % {"c": name}, column=name)
    where, params = _conditions(names, types, filters, q)
    order = parse_sort(sort, names)
    source = _source(path)
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    order_sql = (
        " ORDER BY " + ", ".join(f"{quote(n)} {d.upper()} NULLS LAST" for n, d in order)
        if order
        else ""
    )
    select = ", ".join(quote(n) for n in chosen)
    con = _connection().cursor()
    try:
        # The total rides along as a window count: one pass over the matching rows.
        # Without a filter the total is the table's row count, which DuckDB knows at once.
        counted = ", count(*) OVER () AS __sinergi_total" if with_total and where else ""
        result = con.execute(
            f"SELECT {select}{counted} FROM {source}{where_sql}{order_sql} LIMIT ? OFFSET ?",  # noqa: S608  # nosec B608 - names quoted, values bound
            [*params, limit, offset],
        ).fetchall()
        rows = [{n: _jsonable(v) for n, v in zip(chosen, row, strict=False)} for row in result]
        total = len(rows) + offset
        if counted and result:
            total = int(result[0][-1])
        elif with_total and (offset or not where):
            total = int(
                con.execute(
                    f"SELECT count(*) FROM {source}{where_sql}",  # noqa: S608  # nosec B608 - as above
                    params,
                ).fetchone()[0]  # type: ignore[index]  # count(*) always answers one row
            )
    except duckdb.Error as exc:
        raise TableError(_("The query could not run: %(e)s") % {"e": exc}) from exc
    finally:
        con.close()
    return Page(columns=[c for c in columns if c["name"] in chosen], rows=rows, total=total)


def _conditions(
    names: list[str], types: dict[str, str], filters: dict[str, Any] | None, q: str
) -> tuple[list[str], list[Any]]:
    """SQL conditions (names quoted from the schema, values as parameters) for equality
    filters and a text search."""
    where: list[str] = []
    params: list[Any] = []
    for name, value in (filters or {}).items():
        if name not in types:
            raise TableError(
                _("Cannot filter on %(c)r: there is no such column.") % {"c": name}, column=name
            )
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > 100:
            raise TableError(
                _("Give between 1 and 100 values for %(c)r.") % {"c": name}, column=name
            )
        checked = [_coerce(name, types[name], v) for v in values]
        if len(checked) == 1:
            where.append(
                f"{quote(name)} = ?" if checked[0] is not None else f"{quote(name)} IS NULL"
            )
            if checked[0] is not None:
                params.append(checked[0])
        else:
            where.append(f"{quote(name)} IN ({', '.join('?' for _v in checked)})")
            params.extend(checked)
    if q:
        texts = [n for n in names if types[n] == "text"] or names
        where.append("(" + " OR ".join(f"CAST({quote(n)} AS VARCHAR) ILIKE ?" for n in texts) + ")")
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([pattern] * len(texts))
    return where, params


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


NUMERIC_TYPES = frozenset({"integer", "number"})
ORDERED_TYPES = NUMERIC_TYPES | {"date", "datetime"}
AGGREGATES = ("count", "sum", "avg", "min", "max")
MAX_GROUP_BY = 5
MAX_METRICS = 10


def column_stats(path: Path, columns: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per column: values, empty cells, distinct values (approximate), minimum, maximum
    and, for numbers, the mean."""
    if not columns:
        return []
    parts = ["count(*)"]
    for c in columns:
        n = quote(c["name"])
        mean = f"avg({n})" if c["type"] in NUMERIC_TYPES else "NULL"
        parts.append(f"count({n}), approx_count_distinct({n}), min({n}), max({n}), {mean}")
    con = _connection().cursor()
    try:
        row = con.execute(
            f"SELECT {', '.join(parts)} FROM {_source(path)}"  # noqa: S608  # nosec B608 - names quoted
        ).fetchone()
    finally:
        con.close()
    assert row is not None  # noqa: S101 - an aggregate always answers one row
    rows = int(row[0])
    out = []
    for i, c in enumerate(columns):
        count, distinct, lo, hi, mean = row[1 + 5 * i : 6 + 5 * i]
        out.append(
            {
                **c,
                "count": count,
                "nulls": rows - int(count),
                "distinct": distinct,
                "min": _jsonable(lo),
                "max": _jsonable(hi),
                "mean": _jsonable(mean),
            }
        )
    return out


def parse_metrics(text: str, types: dict[str, str]) -> list[tuple[str, str | None]]:
    """``"count, sum:kunjungan, avg:rasio"`` into checked (function, column) pairs: sum and
    avg of number columns, min and max of number or date columns, count of rows."""
    out: list[tuple[str, str | None]] = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        fn, _sep, column = part.partition(":")
        fn, column = fn.strip().lower(), column.strip()
        if fn not in AGGREGATES:
            raise TableError(
                _("Unknown summary %(fn)r; use one of %(names)s.")
                % {"fn": fn, "names": ", ".join(AGGREGATES)},
                column="metrics",
            )
        if fn == "count":
            if column and column not in types:
                raise TableError(_("There is no column %(c)r.") % {"c": column}, column=column)
            out.append(("count", column or None))
            continue
        if not column:
            raise TableError(
                _("Name the column to %(fn)s, as %(fn)s:column.") % {"fn": fn}, column="metrics"
            )
        if column not in types:
            raise TableError(_("There is no column %(c)r.") % {"c": column}, column=column)
        allowed = NUMERIC_TYPES if fn in {"sum", "avg"} else ORDERED_TYPES
        if types[column] not in allowed:
            raise TableError(
                _("Cannot take %(fn)s of %(c)r: it holds %(type)s values.")
                % {"fn": fn, "c": column, "type": types[column]},
                column=column,
            )
        out.append((fn, column))
    if not out:
        out.append(("count", None))
    if len(out) > MAX_METRICS:
        raise TableError(
            _("At most %(n)d summaries at once.") % {"n": MAX_METRICS}, column="metrics"
        )
    return out


def metric_name(fn: str, column: str | None) -> str:
    """The output column of a summary: ``count``, ``count_x``, ``sum_x``, ``avg_x``…"""
    return f"{fn}_{column}" if column else fn


def aggregate(
    path: Path,
    columns: list[dict[str, str]],
    *,
    group_by: Sequence[str] = (),
    metrics: Sequence[tuple[str, str | None]] = (("count", None),),
    filters: dict[str, Any] | None = None,
    q: str = "",
    sort: str = "",
    limit: int = 100,
    offset: int = 0,
) -> Page:
    """Rows grouped by some columns with counts, sums, means, minimums and maximums, over
    the rows matching filters and a text search; one page of groups and how many there
    are. Identifiers come from the schema only (quoted); values are bound parameters."""
    names = [c["name"] for c in columns]
    types = {c["name"]: c["type"] for c in columns}
    groups = list(dict.fromkeys(group_by))
    if len(groups) > MAX_GROUP_BY:
        raise TableError(
            _("Group by at most %(n)d columns.") % {"n": MAX_GROUP_BY}, column="group_by"
        )
    for name in groups:
        if name not in types:
            raise TableError(
                _("Cannot group by %(c)r: there is no such column.") % {"c": name}, column=name
            )
    out_columns = [{"name": g, "type": types[g], "unit": ""} for g in groups]
    select = [quote(g) for g in groups]
    for fn, column in metrics:
        label = metric_name(fn, column)
        if label in groups or any(c["name"] == label for c in out_columns):
            raise TableError(
                _("The summary %(c)r is asked twice or is a column name.") % {"c": label},
                column="metrics",
            )
        if fn == "count":
            select.append(f"count({quote(column) if column else '*'}) AS {quote(label)}")
            kind = "integer"
        else:
            assert column is not None  # noqa: S101 - parse_metrics names a column for these
            select.append(f"{fn}({quote(column)}) AS {quote(label)}")
            kind = "number" if fn == "avg" else types[column]
        out_columns.append({"name": label, "type": kind, "unit": ""})
    out_names = [c["name"] for c in out_columns]
    order = parse_sort(sort, out_names) or [(g, "asc") for g in groups]
    where, params = _conditions(names, types, filters, q)
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    group_sql = f" GROUP BY {', '.join(quote(g) for g in groups)}" if groups else ""
    order_sql = (
        " ORDER BY " + ", ".join(f"{quote(n)} {d.upper()} NULLS LAST" for n, d in order)
        if order
        else ""
    )
    source = _source(path)
    con = _connection().cursor()
    try:
        result = con.execute(
            f"SELECT {', '.join(select)}, count(*) OVER () AS __sinergi_total "  # noqa: S608  # nosec B608 - names quoted, values bound
            f"FROM {source}{where_sql}{group_sql}{order_sql} LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        total = int(result[0][-1]) if result else 0
        if not result and offset:
            counted = con.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM {source}{where_sql}{group_sql})",  # noqa: S608  # nosec B608 - as above
                params,
            ).fetchone()
            total = int(counted[0]) if counted else 0
    except duckdb.Error as exc:
        raise TableError(_("The query could not run: %(e)s") % {"e": exc}) from exc
    finally:
        con.close()
    rows = [{n: _jsonable(v) for n, v in zip(out_names, row, strict=False)} for row in result]
    return Page(columns=out_columns, rows=rows, total=total)


def compare(
    old: Path, old_columns: list[dict[str, str]], new: Path, new_columns: list[dict[str, str]]
) -> dict[str, Any]:
    """What changed between two versions: columns added, removed or retyped, and rows added
    and removed (compared as whole rows when the columns are the same)."""
    before = {c["name"]: c["type"] for c in old_columns}
    after = {c["name"]: c["type"] for c in new_columns}
    summary: dict[str, Any] = {
        "columns_added": [n for n in after if n not in before],
        "columns_removed": [n for n in before if n not in after],
        "columns_retyped": [n for n in after if n in before and before[n] != after[n]],
    }
    con = _connection().cursor()
    try:
        if before == after:
            cols = ", ".join(quote(n) for n in after)
            paths = {"old": str(old), "new": str(new)}
            difference = (
                "SELECT count(*) FROM (SELECT {cols} FROM read_parquet(${a}) EXCEPT ALL "
                "SELECT {cols} FROM read_parquet(${b}))"
            )
            # Column names are quoted identifiers; the paths are bound parameters.
            added = con.execute(
                difference.format(cols=cols, a="new", b="old"),  # nosec B608
                paths,
            ).fetchone()
            removed = con.execute(
                difference.format(cols=cols, a="old", b="new"),  # nosec B608
                paths,
            ).fetchone()
            summary["rows_added"] = int(added[0]) if added else 0
            summary["rows_removed"] = int(removed[0]) if removed else 0
        else:
            count_sql = "SELECT count(*) FROM read_parquet(?)"
            old_n = con.execute(count_sql, [str(old)]).fetchone()
            new_n = con.execute(count_sql, [str(new)]).fetchone()
            diff = int(new_n[0] if new_n else 0) - int(old_n[0] if old_n else 0)
            summary["rows_added"] = max(diff, 0)
            summary["rows_removed"] = max(-diff, 0)
    finally:
        con.close()
    return summary


def safe_cell(value: Any) -> str:
    """A cell for a CSV export: text that a spreadsheet would run as a formula gets a
    leading apostrophe (no CSV injection)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | decimal.Decimal):
        return str(value)
    text = value.isoformat() if isinstance(value, dt.datetime | dt.date) else str(value)
    return neutralise(text)


def export_csv(path: Path, columns: list[dict[str, str]], batch: int = 10_000) -> Iterator[str]:
    """The rows of a Parquet file as CSV text, a batch of lines at a time."""
    names = [c["name"] for c in columns]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(n) for n in names])
    yield buffer.getvalue()
    parquet = pq.ParquetFile(path)
    for record_batch in parquet.iter_batches(batch_size=batch, columns=names):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for row in zip(
            *(record_batch.column(i).to_pylist() for i in range(len(names))), strict=True
        ):
            writer.writerow([safe_cell(v) for v in row])
        yield buffer.getvalue()


def export_json(path: Path, columns: list[dict[str, str]], batch: int = 10_000) -> Iterator[str]:
    """The rows of a Parquet file as a JSON array of objects, a batch at a time."""
    import json

    names = [c["name"] for c in columns]
    parquet = pq.ParquetFile(path)
    first = True
    yield "["
    for record_batch in parquet.iter_batches(batch_size=batch, columns=names):
        lists = [record_batch.column(i).to_pylist() for i in range(len(names))]
        parts = []
        for row in zip(*lists, strict=True):
            record = {n: _jsonable(v) for n, v in zip(names, row, strict=True)}
            parts.append(("" if first else ",") + json.dumps(record, ensure_ascii=False))
            first = False
        yield "\n".join(parts)
    yield "]\n"


def looks_like_identifier(text: str) -> bool:
    """Whether a string can be a dataset identifier (slug)."""
    return bool(re.fullmatch(r"[a-z0-9][a-z0-9-]{0,99}", text))


# --- JSON rows --------------------------------------------------------------------------

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


def ingest_rows(
    rows: list[dict[str, Any]],
    *,
    root: Path,
    columns: list[dict[str, str]] | None = None,
) -> Ingested:
    """Check rows pushed as JSON objects and store them like an upload. With ``columns``
    every value is checked against its column's type; without, the types are inferred
    from the JSON values. Errors name the item (1-based) and the column."""
    import json

    if not rows:
        raise TableError(_("Send at least one row."))
    if len(rows) > MAX_JSON_ROWS:
        raise TableError(_("At most %(n)d rows at once.") % {"n": MAX_JSON_ROWS})
    if columns is not None and not columns:
        raise TableError(_("Give at least one column."))
    if columns:
        names = _check_header([c["name"] for c in columns])
        for c in columns:
            if c["type"] not in COLUMN_TYPES:
                raise TableError(
                    _("Column %(col)r: the type must be one of %(types)s.")
                    % {"col": c["name"], "types": ", ".join(COLUMN_TYPES)},
                    column=c["name"],
                )
    else:
        first = rows[0] if isinstance(rows[0], dict) else {}
        names = _check_header([str(k) for k in first])
    if not names:
        raise TableError(_("The rows have no columns: send objects with at least one value."))
    known = set(names)
    cols: dict[str, list[Any]] = {n: [] for n in names}
    for i, row in enumerate(rows, start=1):
        if not isinstance(row, dict):
            raise TableError(_("Item %(row)d is not an object.") % {"row": i}, row=i)
        if not row:
            raise TableError(_("Item %(row)d is empty.") % {"row": i}, row=i)
        for key, value in row.items():
            if key not in known:
                raise TableError(
                    _("Item %(row)d has the column %(col)r, which the schema does not have.")
                    % {"row": i, "col": key},
                    row=i,
                    column=str(key),
                )
            if _kind(value) == "other" and value is not None:
                raise TableError(
                    _("Item %(row)d, column %(col)r: only text, numbers, true/false or null.")
                    % {"row": i, "col": key},
                    row=i,
                    column=key,
                )
        for n in names:
            cols[n].append(row.get(n))
    if all(v is None for values in cols.values() for v in values):
        # A version of empty rows would replace a good one with nothing.
        raise TableError(_("The rows hold no values."))
    arrays: list[pa.Array] = []
    out_columns: list[dict[str, str]] = []
    for c in columns or [{"name": n, "type": "", "unit": ""} for n in names]:
        name = c["name"]
        values = cols[name]
        if c["type"]:
            kind = c["type"]
            converted = []
            for i, v in enumerate(values, start=1):
                if kind == "text":
                    converted.append(None if v is None else str(v))
                    continue
                if kind in {"integer", "number"} and isinstance(v, bool):
                    v = "not a number"
                try:
                    converted.append(_coerce(name, kind, v))
                except TableError as exc:
                    exc.message = _("Item %(row)d: %(problem)s") % {
                        "row": i,
                        "problem": exc.message,
                    }
                    exc.row = i
                    raise
            values = converted
        else:
            kind, values = _infer(name, values)
        try:
            arrays.append(pa.array(values, type=_arrow_type(kind)))
        except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
            raise TableError(
                _("Column %(col)r: the values do not fit its type %(type)s.")
                % {"col": name, "type": kind},
                column=name,
            ) from exc
        out_columns.append({"name": name, "type": kind, "unit": c.get("unit", "")})
    table = pa.table(arrays, names=names)
    canonical = json.dumps(
        {"columns": out_columns, "rows": rows},
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    ).encode()
    ingested = store_table(
        table, root=root, checksum=hashlib.sha256(canonical).hexdigest(), size_bytes=len(canonical)
    )
    ingested.columns = out_columns
    ingested.source_format = "json"
    return ingested
