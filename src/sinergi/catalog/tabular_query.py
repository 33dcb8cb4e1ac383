"""Queries over a version's DuckDB table: a page of rows, column statistics, grouped
summaries and the comparison of two versions. Identifiers come from the schema (quoted);
values are bound parameters.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sinergi.core.lazy import lazy_module

from .tabular_parse import TableError, _coerce, _jsonable
from .tabular_store import MAX_FILTER_COLUMNS, ROW_COLUMN, clustered_path, ensure_table

if TYPE_CHECKING:
    import duckdb
else:
    # Imported when a dataset file is first read or written, not by every web process.
    duckdb = lazy_module("duckdb")


_local = threading.local()


def _connection() -> duckdb.DuckDBPyConnection:
    con = getattr(_local, "con", None)
    if con is None:
        con = duckdb.connect(":memory:", config={"threads": 2, "memory_limit": "1GB"})
        _local.con = con
        _local.attached = {}
    return con


def _attach(key: str, path: Path) -> str:
    """The alias of a DuckDB file attached read-only to this thread's connection."""
    con = _connection()
    attached: dict[str, str] = _local.attached
    alias = attached.get(key)
    if alias is None:
        alias = "v_" + hashlib.sha1(key.encode(), usedforsecurity=False).hexdigest()[:20]
        con.execute(f"ATTACH ? AS {alias} (READ_ONLY)", [str(path)])  # alias: hex digits
        attached[key] = alias
    return alias


def _source(parquet: Path) -> str:
    """The SQL name of a version's table, attached read-only to this thread's DuckDB."""
    _connection()
    key = str(parquet)
    alias = _local.attached.get(key)
    if alias is None:
        if not parquet.exists():
            raise TableError(_("The data file of this version is missing."))
        alias = _attach(key, ensure_table(parquet))
    return f"{alias}.data"


@dataclass(frozen=True)
class Source:
    """Where a query reads a version's rows: the table's SQL name and the expression of a
    row's 0-based position in the version (``rowid``, or the hidden column of a clustered
    copy, whose rowid is in another order)."""

    table: str
    row: str
    clustered: bool = False


def pick_source(
    parquet: Path,
    names: Sequence[str],
    cluster: Sequence[str] = (),
    filters: dict[str, Any] | None = None,
) -> Source:
    """The clustered copy when the dataset has filter columns of this version, the query
    filters on the leading one and the copy is built; else the version's table. Either
    answers the same rows in the same order (tests/catalog/test_filter_columns.py)."""
    if cluster and filters and cluster[0] in filters and all(c in names for c in cluster):
        path = clustered_path(parquet, cluster)
        if path.exists():
            alias = _attach(str(path), path)
            return Source(f"{alias}.data", quote(ROW_COLUMN), clustered=True)
    return Source(_source(parquet), "rowid")


def quote(name: str) -> str:
    """A column name quoted for SQL."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Page:
    """One page of query results with the total number of matching rows."""

    columns: list[dict[str, str]]
    rows: list[dict[str, Any]]
    total: int


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
    cluster: Sequence[str] = (),
) -> Page:
    """Rows of a Parquet file matching equality filters and a text search, sorted, one page
    of them, and how many match in all. ``cluster`` names the dataset's filter columns: a
    query filtering on the first one reads the copy sorted by them, when it is built."""
    names = [c["name"] for c in columns]
    types = {c["name"]: c["type"] for c in columns}
    chosen = list(fields) if fields else names
    for name in chosen:
        if name not in types:
            raise TableError(_("There is no column %(c)r.") % {"c": name}, column=name)
    where, params = _conditions(names, types, filters, q)
    order = parse_sort(sort, names)
    picked = pick_source(path, names, cluster, filters)
    source = picked.table
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    # Ties of the sort, and an unsorted page of a clustered copy, follow the rows' order
    # in the version: the same page whichever table answers it. (An unsorted page of the
    # version's own table is already in that order.)
    terms = [f"{quote(n)} {d.upper()} NULLS LAST" for n, d in order]
    if order or picked.clustered:
        terms.append(picked.row)
    order_sql = " ORDER BY " + ", ".join(terms) if terms else ""
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
        rows = _json_rows(chosen, [types[n] for n in chosen], result)
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


#: Column kinds whose values DuckDB already answers as JSON values (str, int, bool).
_AS_IS = frozenset({"text", "integer", "boolean"})


def _json_rows(names: list[str], kinds: list[str], result: list[Any]) -> list[dict[str, Any]]:
    """Result rows as JSON objects, converting only the columns that need it (numbers:
    NaN and decimals; dates): a page's 2,000 cells in a fraction of a millisecond."""
    convert = [i for i, kind in enumerate(kinds) if kind not in _AS_IS]
    if not convert:
        return [dict(zip(names, row, strict=False)) for row in result]
    out = []
    for row in result:
        values = list(row[: len(names)])
        for i in convert:
            values[i] = _jsonable(values[i])
        out.append(dict(zip(names, values, strict=True)))
    return out


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


def suggest_filter_columns(stats: list[dict[str, Any]], rows: int) -> list[str]:
    """Filter columns worth proposing, from :func:`column_stats`: text columns whose values
    repeat (2 to 1,000 distinct values, each on ten rows or more on average), the most
    selective first; at most :data:`MAX_FILTER_COLUMNS`."""
    picked = [
        c
        for c in stats
        if c["type"] == "text"
        and 2 <= int(c["distinct"] or 0) <= 1000
        and c["distinct"] * 10 <= rows
    ]
    picked.sort(key=lambda c: (-int(c["distinct"]), c["name"]))
    return [c["name"] for c in picked[:MAX_FILTER_COLUMNS]]
