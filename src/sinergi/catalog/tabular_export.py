"""Writing a version back out: CSV (safe against formula injection) and JSON, streamed."""

from __future__ import annotations

import csv
import datetime as dt
import decimal
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sinergi.core.lazy import lazy_module
from sinergi.core.spreadsheets import neutralise

from .tabular_parse import _jsonable

if TYPE_CHECKING:
    import pyarrow.parquet as pq
else:
    # Imported when a dataset file is first read or written, not by every web process.
    pq = lazy_module("pyarrow.parquet")


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
