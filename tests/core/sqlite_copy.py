"""Copy the committed state of the session's SQLite test database into a file."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.db import connection


def copy_test_database(target: Path) -> None:
    """Copy through a second connection with ``VACUUM INTO``: the test's own connection
    holds a write transaction (BEGIN IMMEDIATE) on the shared in-memory database, which
    the backup API waits on forever; a reader with ``read_uncommitted`` is not blocked.
    Call it before the test writes anything, so the copy is what the session committed."""
    name = str(connection.settings_dict["NAME"])
    if connection.vendor != "sqlite":
        raise RuntimeError("only for SQLite")
    if not name.startswith("file:") and name != ":memory:":
        name = Path(name).resolve().as_uri()
    connection.ensure_connection()  # keeps a shared in-memory database alive
    source = sqlite3.connect(name, uri=True)
    try:
        source.execute("PRAGMA read_uncommitted = 1")
        source.execute("VACUUM INTO ?", [str(target)])
    finally:
        source.close()
