"""Writing many rows at once, bypassing the ORM's per-object work: COPY on PostgreSQL,
batched ``executemany`` on SQLite. For derived tables and benchmark fixtures only — rows
written here skip the services, the audit chain and model validation."""

from __future__ import annotations

import datetime as dt
import itertools
import json
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.db import connection, models

AUTO_KEYS = ("AutoField", "BigAutoField", "SmallAutoField")


class BulkWriter:
    """Writes rows into a model's table: COPY on PostgreSQL, batched ``executemany`` on
    SQLite. Columns not given get the field's default (or NULL/empty), computed once."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        self.counts: dict[str, int] = {}
        self.utc = dt.UTC

    def value(self, v: Any) -> Any:
        """A Python value as the database takes it (the generators call ``ts`` themselves)."""
        if isinstance(v, bool) or v is None or isinstance(v, int | str):
            return v
        if isinstance(v, Decimal):
            return str(v)
        if isinstance(v, dt.datetime):
            return self.ts(v)
        if isinstance(v, dt.date):
            return v.isoformat()
        if isinstance(v, dict | list):
            return json.dumps(v)
        raise TypeError(f"cannot bulk-write {type(v).__name__}")

    def ts(self, moment: dt.datetime) -> Any:
        """A UTC moment: a datetime for psycopg, Django's naive UTC text for SQLite."""
        if self.vendor == "postgresql":
            return moment
        return moment.astimezone(self.utc).replace(tzinfo=None).isoformat(" ")

    def _constants(self, model: type[models.Model], given: Sequence[str]) -> list[tuple[str, Any]]:
        out = []
        for f in model._meta.concrete_fields:
            if f.attname in given:
                continue
            if f.primary_key and f.get_internal_type() in AUTO_KEYS:
                continue  # not given: the database numbers the rows
            if f.has_default():
                v = f.get_default()
            elif f.null:
                v = None
            elif f.empty_strings_allowed:
                v = ""
            else:
                raise ValueError(f"{model.__name__}.{f.attname} needs a value")
            out.append((str(f.column), self.value(v)))
        return out

    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> int:
        """Insert the rows (tuples in the order of ``columns``, attribute names)."""
        meta = model._meta
        by_attname = {f.attname: str(f.column) for f in meta.concrete_fields}
        names = [by_attname[c] for c in columns]
        consts = self._constants(model, columns)
        names += [c for c, _ in consts]
        tail = tuple(v for _, v in consts)
        table = meta.db_table
        qn = connection.ops.quote_name
        cols = ", ".join(qn(n) for n in names)
        n = 0
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                raw = cursor.cursor
                with raw.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row + tail)
                        n += 1
            else:
                sql = f"INSERT INTO {qn(table)} ({cols}) VALUES ({', '.join('?' * len(names))})"  # noqa: S608 - names from the model
                it = iter(rows)
                while batch := [r + tail for r in itertools.islice(it, 20_000)]:
                    cursor.executemany(sql, batch)
                    n += len(batch)
        self.counts[table] = self.counts.get(table, 0) + n
        return n
