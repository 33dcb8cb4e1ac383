"""CKAN's DataStore semantics over a version's DuckDB table: ``_id`` (the 1-based row
number of the version, stable because a version never changes), full-text ``q`` (a string
over every field, or a dict per field) as whole-word matches, ``distinct``, and the
``objects`` / ``lists`` / ``csv`` / ``tsv`` record formats.

CKAN searches with PostgreSQL full text (``to_tsvector`` / ``plainto_tsquery``); here a
value is lower-cased and split into words at every character that is not a letter, a digit
or ``_`` and each word of ``q`` must be one of them: ``q=127`` finds the row holding 127,
``q=A`` does not find ``AB``. There is no stemming (PostgreSQL's ``english`` configuration
would find "rivers" for "river"). Column names come from the version's schema and are
quoted; every value is a bound parameter.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from sinergi.core.lazy import lazy_module

from . import tabular

if TYPE_CHECKING:
    import duckdb
else:
    duckdb = lazy_module("duckdb")  # loaded by the first datastore query, see core/lazy.py

#: What is not part of a word, as DuckDB's RE2 understands it.
NOT_WORD = r"[^\pL\pN_]"
ROW_ID = "_id"
RECORD_FORMATS = ("objects", "lists", "csv", "tsv")
MAX_WORDS = 20


def words(text: str) -> list[str]:
    """The words of a full-text query, lower-cased (Python's view of the same split)."""
    return [w for w in re.split(r"[^\w]+", text.lower()) if w][:MAX_WORDS]


def _word_condition(
    word: str, names: Sequence[str], types: dict[str, str], params: list[Any]
) -> str:
    """SQL that is true when one of the columns holds ``word`` as a whole word. A cheap
    substring test runs first and the word-boundary expression only on the rows it keeps;
    number and date columns are only looked at for a word of digits (their text holds
    nothing else), and an integer column is compared as a number."""
    parts = []
    digits = word.isascii() and word.isdigit()
    pattern = f"(^|{NOT_WORD}){word}({NOT_WORD}|$)"
    for name in names:
        kind = types[name]
        column = tabular.quote(name)
        if kind == "integer":
            if digits and len(word) < 19:
                parts.append(f"abs({column}) = ?")
                params.append(int(word))
            continue
        if kind in ("number", "date", "datetime") and not digits:
            continue
        if kind == "boolean" and word not in ("true", "false"):
            continue
        text = f"lower(CAST({column} AS VARCHAR))"
        parts.append(f"(contains({text}, ?) AND regexp_matches({text}, ?))")
        params.extend([word, pattern])
    return "(" + (" OR ".join(parts) or "false") + ")"


@dataclass
class Result:
    """One page of a datastore search."""

    fields: list[dict[str, str]]
    records: Any
    total: int


def _filters(
    filters: dict[str, Any],
    types: dict[str, str],
    where: list[str],
    params: list[Any],
    row_expr: str = "rowid",
) -> None:
    for name, value in filters.items():
        values = value if isinstance(value, list) else [value]
        if not values or len(values) > 100:
            raise tabular.TableError(
                _("Give between 1 and 100 values for %(c)r.") % {"c": name}, column=name
            )
        if name == ROW_ID:
            column, kind = f"{row_expr} + 1", "integer"
        elif name in types:
            column, kind = tabular.quote(name), types[name]
        else:
            raise tabular.TableError(
                _("Cannot filter on %(c)r: there is no such column.") % {"c": name}, column=name
            )
        checked = [tabular._coerce(name, kind, v) for v in values]  # noqa: SLF001 - same checks as the rest of the catalog
        if None in checked:
            where.append(f"{column} IS NULL")
            checked = [v for v in checked if v is not None]
            if checked:
                where[-1] = f"({where[-1]} OR {column} IN ({', '.join('?' for _v in checked)}))"
                params.extend(checked)
        else:
            where.append(f"{column} IN ({', '.join('?' for _v in checked)})")
            params.extend(checked)


def search(
    path: Path,
    columns: list[dict[str, str]],
    *,
    filters: dict[str, Any] | None = None,
    q: str | dict[str, Any] = "",
    fields: Sequence[str] | None = None,
    sort: str = "",
    distinct: bool = False,
    limit: int = 100,
    offset: int = 0,
    with_total: bool = True,
    records_format: str = "objects",
    cluster: Sequence[str] = (),
) -> Result:
    """Rows of a version as CKAN's ``datastore_search`` answers them. ``cluster`` names the
    dataset's filter columns (see :func:`tabular.pick_source`)."""
    names = [c["name"] for c in columns]
    types = {c["name"]: c["type"] for c in columns}
    all_names = [ROW_ID, *names]
    chosen = list(fields) if fields else ([*names] if distinct else all_names)
    for name in chosen:
        if name not in all_names:
            raise tabular.TableError(_("There is no column %(c)r.") % {"c": name}, column=name)
    if records_format not in RECORD_FORMATS:
        raise tabular.TableError(
            _("Choose one of: %(v)s.") % {"v": ", ".join(RECORD_FORMATS)}, column="records_format"
        )
    # DISTINCT pages order by their values only: read from the version's own table, so a
    # tie between distinct rows comes out as it always did.
    picked = tabular.pick_source(path, names, () if distinct else cluster, filters)
    row_expr = picked.row
    where: list[str] = []
    params: list[Any] = []
    _filters(filters or {}, types, where, params, row_expr)
    if isinstance(q, dict):
        for name, text in q.items():
            if name not in types:
                raise tabular.TableError(
                    _("Cannot search %(c)r: there is no such column.") % {"c": name}, column="q"
                )
            for word in words(str(text)):
                where.append(_word_condition(word, [name], types, params))
    elif q:
        for word in words(q):
            where.append(_word_condition(word, names, types, params))
    order = tabular.parse_sort(sort, all_names) if sort else []
    source = picked.table
    select_parts = [(f"{row_expr} + 1" if n == ROW_ID else tabular.quote(n)) for n in chosen]
    select = ", ".join(
        f"{p} AS {tabular.quote(n)}" for p, n in zip(select_parts, chosen, strict=True)
    )
    where_sql = f" WHERE {' AND '.join(where)}" if where else ""
    order_terms = [
        f"{row_expr + ' + 1' if n == ROW_ID else tabular.quote(n)} {d.upper()} NULLS LAST"
        for n, d in order
    ]
    counted = ""
    if distinct:
        inner = f"SELECT DISTINCT {select} FROM {source}{where_sql}"  # noqa: S608 - names quoted, values bound
        outer_order = [
            f"{tabular.quote(n)} {d.upper()} NULLS LAST" for n, d in order if n in chosen
        ] or [tabular.quote(n) for n in chosen]
        sql = f"SELECT * FROM ({inner}) ORDER BY {', '.join(outer_order)} LIMIT ? OFFSET ?"  # noqa: S608 - as above
    else:
        order_terms.append(row_expr)
        # The total rides along as a window count (one pass over the matching rows), as in
        # tabular.query; without a filter DuckDB knows the row count at once.
        counted = ", count(*) OVER () AS __sinergi_total" if with_total and where else ""
        sql = (
            f"SELECT {select}{counted} FROM {source}{where_sql} "  # noqa: S608 - names quoted, values bound
            f"ORDER BY {', '.join(order_terms)} LIMIT ? OFFSET ?"
        )
    con = tabular._connection().cursor()  # noqa: SLF001 - this thread's DuckDB
    try:
        rows = con.execute(sql, [*params, limit, offset]).fetchall()
        total = 0
        if counted and rows:
            total = int(rows[0][-1])
            rows = [row[:-1] for row in rows]
        elif with_total and (distinct or offset or not where or not limit):
            # CKAN's total counts the matching rows, not the distinct values.
            total = int(
                con.execute(f"SELECT count(*) FROM {source}{where_sql}", params).fetchone()[0]  # type: ignore[index]  # noqa: S608 - as above
            )
    except duckdb.Error as exc:
        raise tabular.TableError(_("The query could not run: %(e)s") % {"e": exc}) from exc
    finally:
        con.close()
    out_fields = [{"id": n, "type": "integer" if n == ROW_ID else types[n]} for n in chosen]
    values = [[tabular._jsonable(v) for v in row] for row in rows]  # noqa: SLF001
    records: Any
    if records_format == "objects":
        records = [dict(zip(chosen, row, strict=True)) for row in values]
    elif records_format == "lists":
        records = values
    else:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter="," if records_format == "csv" else "\t")
        writer.writerows([["" if v is None else v for v in row] for row in values])
        records = buffer.getvalue()
    return Result(fields=out_fields, records=records, total=total)


def all_rows(path: Path, columns: list[dict[str, str]]) -> list[dict[str, Any]]:
    """Every row of a version as JSON values, in ``_id`` order (for an upsert that writes
    the next version)."""
    names = [c["name"] for c in columns]
    source = tabular._source(path)  # noqa: SLF001
    select = ", ".join(tabular.quote(n) for n in names)
    con = tabular._connection().cursor()  # noqa: SLF001
    try:
        rows = con.execute(f"SELECT {select} FROM {source} ORDER BY rowid").fetchall()  # noqa: S608 - names quoted
    except duckdb.Error as exc:
        raise tabular.TableError(_("The query could not run: %(e)s") % {"e": exc}) from exc
    finally:
        con.close()
    return [
        {n: tabular._jsonable(v) for n, v in zip(names, row, strict=True)}  # noqa: SLF001
        for row in rows
    ]
