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
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

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
        raise TableError(f"The file has {len(cleaned)} columns; at most {MAX_COLUMNS} are allowed.")
    seen: dict[str, int] = {}
    for i, name in enumerate(cleaned, start=1):
        if not name:
            raise TableError(f"Row 1 (the header): column {i} has no name.", row=1, column=str(i))
        if len(name) > MAX_COLUMN_NAME:
            raise TableError(f"Column {i} has a name longer than {MAX_COLUMN_NAME} characters.")
        if name in seen:
            raise TableError(
                f"Row 1 (the header): column name {name!r} appears twice "
                f"(columns {seen[name]} and {i}).",
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
            f"Row {index + 2}, column {name!r}: {value!r} is not a number, "
            "but the other values of the column are.",
            row=index + 2,
            column=name,
        )


def storage_dir(root: Path) -> Path:
    """Where Parquet files live; created on first use."""
    root.mkdir(parents=True, exist_ok=True)
    return root


def ingest_csv(data: bytes, *, root: Path, max_bytes: int) -> Ingested:
    """Check a CSV upload and store it as a Parquet file named by its checksum.

    Raises TableError for a file that is too large, empty, binary, or malformed; then no
    file is left behind.
    """
    import time

    t0 = time.perf_counter()
    if len(data) > max_bytes:
        raise TableError(f"The file is larger than the limit of {max_bytes // (1024 * 1024)} MB.")
    if not data.strip():
        raise TableError("The file is empty.")
    if b"\x00" in data[:65536]:
        raise TableError("This is not a text (CSV) file.")
    encoding, bom = detect_encoding(data)
    sample = data[bom : bom + 65536].decode(encoding, errors="replace")
    delimiter = sniff_delimiter(sample)
    header = next(csv.reader(io.StringIO(sample.splitlines()[0]), delimiter=delimiter), [])
    names = _check_header(header)
    t1 = time.perf_counter()

    problems: list[TableError] = []

    def invalid_row(row: Any) -> str:
        line = row.number if row.number is not None else None
        missing = row.actual_columns < row.expected_columns
        where = names[row.actual_columns] if missing else f"{row.expected_columns + 1}"
        problems.append(
            TableError(
                f"Row {line or '?'} has {row.actual_columns} values; the header has "
                f"{row.expected_columns} columns"
                + (f" (column {where!r} is missing)." if missing else " (extra values)."),
                row=line,
                column=where,
            )
        )
        return "error"

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
            first = problems[0]
            if first.row is None:
                first.row = _find_bad_line(data[bom:], encoding, delimiter, len(names))
                first.message = first.message.replace("Row ?", f"Row {first.row}")
            raise first from exc
        raise TableError(f"The file could not be read as CSV: {exc}") from exc
    if table.num_rows == 0:
        raise TableError("The file has a header but no rows.")
    _check_numeric_outliers(table, names)
    t2 = time.perf_counter()

    checksum = hashlib.sha256(data).hexdigest()
    directory = storage_dir(root)
    file_name = f"{checksum}.parquet"
    final = directory / file_name
    if not final.exists():
        fd, tmp = tempfile.mkstemp(dir=directory, suffix=".tmp")
        os.close(fd)
        try:
            pq.write_table(table, tmp, compression="zstd", row_group_size=128 * 1024)
            os.replace(tmp, final)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    t3 = time.perf_counter()
    ensure_table(final, table)
    t4 = time.perf_counter()
    columns = [{"name": f.name, "type": _type_name(f.type), "unit": ""} for f in table.schema]
    return Ingested(
        path=final,
        file_name=file_name,
        checksum=checksum,
        size_bytes=len(data),
        encoding=encoding,
        delimiter=delimiter,
        columns=columns,
        row_count=table.num_rows,
        timings={"check": t1 - t0, "parse": t2 - t1, "parquet": t3 - t2, "table": t4 - t3},
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
                    source = f"read_parquet('{_path_literal(parquet)}')"
                    con.execute(f"CREATE TABLE data AS SELECT * FROM {source}")  # noqa: S608 - path escaped
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
            raise TableError("The data file of this version is missing.")
        path = ensure_table(parquet)
        alias = "v_" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:20]
        con.execute(f"ATTACH '{_path_literal(path)}' AS {alias} (READ_ONLY)")
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
            raise TableError(f"Cannot sort by {part!r}: there is no such column.", column=part)
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
            raise TableError(f"There is no column {name!r}.", column=name)
    where: list[str] = []
    params: list[Any] = []
    for name, value in (filters or {}).items():
        if name not in types:
            raise TableError(f"Cannot filter on {name!r}: there is no such column.", column=name)
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > 100:
            raise TableError(f"Give between 1 and 100 values for {name!r}.", column=name)
        checked = [_coerce(name, types[name], v) for v in values]
        if len(checked) == 1:
            where.append(
                f"{quote(name)} = ?" if checked[0] is not None else f"{quote(name)} IS NULL"
            )
            if checked[0] is not None:
                params.append(checked[0])
        else:
            where.append(f"{quote(name)} IN ({', '.join('?' for _ in checked)})")
            params.extend(checked)
    if q:
        texts = [n for n in names if types[n] == "text"] or names
        where.append("(" + " OR ".join(f"CAST({quote(n)} AS VARCHAR) ILIKE ?" for n in texts) + ")")
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        params.extend([pattern] * len(texts))
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
            f"SELECT {select}{counted} FROM {source}{where_sql}{order_sql} LIMIT ? OFFSET ?",  # noqa: S608 - names quoted, values bound
            [*params, limit, offset],
        ).fetchall()
        rows = [{n: _jsonable(v) for n, v in zip(chosen, row, strict=False)} for row in result]
        total = len(rows) + offset
        if counted and result:
            total = int(result[0][-1])
        elif with_total and (offset or not where):
            total = int(
                con.execute(
                    f"SELECT count(*) FROM {source}{where_sql}",  # noqa: S608 - as above
                    params,
                ).fetchone()[0]  # type: ignore[index]  # count(*) always answers one row
            )
    except duckdb.Error as exc:
        raise TableError(f"The query could not run: {exc}") from exc
    finally:
        con.close()
    return Page(columns=[c for c in columns if c["name"] in chosen], rows=rows, total=total)


def _path_literal(path: Path) -> str:
    return str(path).replace("'", "''")


def _coerce(name: str, kind: str, value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, bool | int | float) and not isinstance(value, bool):
        value = str(value)
    text = str(value)
    if len(text) > 500:
        raise TableError(f"The filter value for {name!r} is too long.", column=name)
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
            f"{text!r} is not a valid {kind} value for column {name!r}.", column=name
        ) from exc
    return text


def column_stats(path: Path, columns: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Per column: non-empty values, distinct values, and minimum and maximum."""
    if not columns:
        return []
    parts = []
    for c in columns:
        n = quote(c["name"])
        parts.append(f"count({n}), approx_count_distinct({n}), min({n}), max({n})")
    con = _connection().cursor()
    try:
        row = con.execute(
            f"SELECT {', '.join(parts)} FROM {_source(path)}"  # noqa: S608 - names quoted
        ).fetchone()
    finally:
        con.close()
    assert row is not None  # noqa: S101 - an aggregate always answers one row
    out = []
    for i, c in enumerate(columns):
        count, distinct, lo, hi = row[4 * i : 4 * i + 4]
        out.append(
            {**c, "count": count, "distinct": distinct, "min": _jsonable(lo), "max": _jsonable(hi)}
        )
    return out


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
            a, b = _path_literal(old), _path_literal(new)
            added = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM read_parquet('{b}') EXCEPT ALL "  # noqa: S608 - names quoted
                f"SELECT {cols} FROM read_parquet('{a}'))"
            ).fetchone()
            removed = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM read_parquet('{a}') EXCEPT ALL "  # noqa: S608 - names quoted
                f"SELECT {cols} FROM read_parquet('{b}'))"
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


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


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
    return "'" + text if text.startswith(FORMULA_START) else text


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
