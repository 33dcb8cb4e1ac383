"""Tabular data: CSV in, Parquet stored, DuckDB queries out, CSV written back safely.

No Django models here: the services call :func:`ingest_csv` and store what it returns;
the API and the views call :func:`query`. Everything either succeeds completely or raises
:class:`TableError` naming the row and column, and nothing is left behind.

This module is the catalog's one entry point to tabular data; the work is split by concern:
:mod:`.tabular_parse` (limits, checks, reading CSV and JSON rows, value conversion),
:mod:`.tabular_store` (Parquet and DuckDB table files), :mod:`.tabular_query` (pages,
statistics, aggregates, comparisons) and :mod:`.tabular_export` (CSV and JSON out).
"""

from __future__ import annotations

from .tabular_export import export_csv, export_json, looks_like_identifier, safe_cell
from .tabular_parse import (
    COLUMN_TYPES,
    DELIMITERS,
    MAX_COLUMN_NAME,
    MAX_COLUMNS,
    MAX_JSON_ROWS,
    NUMERIC_RE,
    Ingested,
    TableError,
    _check_header,
    _coerce,
    _jsonable,
    _parse_csv,
    detect_encoding,
    sniff_delimiter,
)
from .tabular_query import (
    AGGREGATES,
    MAX_GROUP_BY,
    MAX_METRICS,
    NUMERIC_TYPES,
    ORDERED_TYPES,
    Page,
    _conditions,
    _connection,
    _source,
    aggregate,
    column_stats,
    compare,
    metric_name,
    parse_metrics,
    parse_sort,
    query,
    quote,
)
from .tabular_store import (
    ensure_table,
    ingest_csv,
    ingest_rows,
    storage_dir,
    store_table,
    table_path,
)

__all__ = [
    "AGGREGATES",
    "COLUMN_TYPES",
    "DELIMITERS",
    "MAX_COLUMNS",
    "MAX_COLUMN_NAME",
    "MAX_GROUP_BY",
    "MAX_JSON_ROWS",
    "MAX_METRICS",
    "NUMERIC_RE",
    "NUMERIC_TYPES",
    "ORDERED_TYPES",
    "Ingested",
    "Page",
    "TableError",
    "_check_header",
    "_coerce",
    "_conditions",
    "_connection",
    "_jsonable",
    "_parse_csv",
    "_source",
    "aggregate",
    "column_stats",
    "compare",
    "detect_encoding",
    "ensure_table",
    "export_csv",
    "export_json",
    "ingest_csv",
    "ingest_rows",
    "looks_like_identifier",
    "metric_name",
    "parse_metrics",
    "parse_sort",
    "query",
    "quote",
    "safe_cell",
    "sniff_delimiter",
    "storage_dir",
    "store_table",
    "table_path",
]
