"""Storing a checked table: the content-addressed Parquet file and its DuckDB table file."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sinergi.core.lazy import lazy_module

from .tabular_parse import (
    COLUMN_TYPES,
    MAX_JSON_ROWS,
    Ingested,
    TableError,
    _arrow_type,
    _check_header,
    _coerce,
    _infer,
    _kind,
    _parse_csv,
    _type_name,
)

if TYPE_CHECKING:
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq
else:
    # Imported when a dataset file is first read or written, not by every web process.
    duckdb = lazy_module("duckdb")
    pa = lazy_module("pyarrow")
    pq = lazy_module("pyarrow.parquet")


def storage_dir(root: Path) -> Path:
    """Where Parquet files live; created on first use."""
    root.mkdir(parents=True, exist_ok=True)
    return root


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


_build_lock = threading.Lock()


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
    with _build_lock, _built_into(target) as tmp:
        if tmp is None:
            return target
        con = duckdb.connect(tmp, config={"threads": 2})
        try:
            if table is not None:
                # Straight from the Arrow table already in memory: no second read.
                con.register("incoming", table)
                con.execute("CREATE TABLE data AS SELECT * FROM incoming")
                con.unregister("incoming")
            else:
                con.execute("CREATE TABLE data AS SELECT * FROM read_parquet(?)", [str(parquet)])
            con.execute("CHECKPOINT")
        finally:
            con.close()
    return target


@contextlib.contextmanager
def _built_into(target: Path) -> Iterator[str | None]:
    """A free temporary path beside ``target`` for a DuckDB file to be built in (None when
    another thread built ``target`` meanwhile); moved into place when the block succeeds,
    removed (with its WAL) whatever happens. Call with ``_build_lock`` held."""
    if target.exists():
        yield None
        return
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".duckdb-tmp")
    os.close(fd)
    os.unlink(tmp)  # DuckDB creates the file itself
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        for leftover in (tmp, tmp + ".wal"):
            if os.path.exists(leftover):
                os.unlink(leftover)


#: The hidden column of a clustered table: the row's 0-based position in the version (its
#: ``rowid`` in the unclustered table), so pages keep their order and CKAN's ``_id``.
ROW_COLUMN = "__sinergi_row"
MAX_FILTER_COLUMNS = 3
CLUSTER_ROW_GROUP = 16_384


def clustered_path(parquet: Path, columns: Sequence[str]) -> Path:
    """The DuckDB file of a version's rows sorted by ``columns`` (the dataset's filter
    columns), named by the version's file and the column list."""
    digest = hashlib.sha1(  # a file name, not a secret
        json.dumps(list(columns)).encode(), usedforsecurity=False
    ).hexdigest()[:12]
    return parquet.with_name(f"{parquet.name.split('.', 1)[0]}.by-{digest}.duckdb")


def ensure_clustered(parquet: Path, columns: Sequence[str]) -> Path:
    """Build (once) a copy of a version's DuckDB table sorted by ``columns`` with the hidden
    row-number column, so that DuckDB's zone maps skip every row group that cannot hold a
    filter's value (docs/decisions/catalog-filter-columns.md). Slow (seconds for a million
    rows): run by a background task, never by a request."""
    if not columns:
        raise ValueError("no columns to cluster by")
    target = clustered_path(parquet, columns)
    if target.exists():
        return target
    source = ensure_table(parquet)
    order = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
    with _build_lock, _built_into(target) as tmp:
        if tmp is None:
            return target
        con = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "1GB"})
        try:
            # Row groups of 16,384 rows instead of 122,880: a filter value's rows then
            # span a few small groups and the zone maps skip the rest (measured in
            # docs/performance.md, "Filter columns").
            con.execute(f"ATTACH ? AS clustered (ROW_GROUP_SIZE {CLUSTER_ROW_GROUP})", [tmp])
            con.execute("ATTACH ? AS original (READ_ONLY)", [str(source)])
            # Names are quoted schema columns; nothing else is interpolated.
            con.execute(
                "CREATE TABLE clustered.data AS SELECT *, "  # noqa: S608  # nosec B608
                f"rowid::BIGINT AS {ROW_COLUMN} FROM original.data "
                f"ORDER BY {order}, {ROW_COLUMN}"
            )
            con.execute("CHECKPOINT clustered")
        finally:
            con.close()
    return target


def ingest_rows(
    rows: list[dict[str, Any]],
    *,
    root: Path,
    columns: list[dict[str, str]] | None = None,
) -> Ingested:
    """Check rows pushed as JSON objects and store them like an upload. With ``columns``
    every value is checked against its column's type; without, the types are inferred
    from the JSON values. Errors name the item (1-based) and the column."""

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
