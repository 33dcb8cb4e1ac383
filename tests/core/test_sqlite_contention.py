"""A slow upload on SQLite costs other writers nothing: the file is read and converted
outside the write transaction, writers wait for the lock (busy timeout) instead of failing,
and every write is kept. Real threads and live transactions on a file database (a copy of
the session's demo database, so the demo is not loaded again)."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections

WRITERS = 20
WRITES_EACH = 3
ROWS = 100_000


def _file_database(tmp_path: Path) -> dict[str, Any]:
    """Copy the test database into a WAL file database with the production options."""
    path = tmp_path / "contention.sqlite3"
    connection.ensure_connection()
    target = sqlite3.connect(path)
    # ``backup()`` waits for the test's own open write transaction forever; a dump read
    # through the same connection sees the demo as the test does.
    target.execute("PRAGMA journal_mode=WAL")
    # ``iterdump`` also writes the rows of a virtual table (the catalog's FTS5 index) as
    # INSERTs into it, which fail: the table is declared but not loaded until the file is
    # opened again. Its shadow tables, dumped as well, hold those rows already.
    source = connection.connection
    virtual = [
        f'INSERT INTO "{name}" VALUES('
        for (name,) in source.execute(
            "SELECT name FROM sqlite_master WHERE sql LIKE 'CREATE VIRTUAL TABLE%'"
        )
    ]
    dump = (line for line in source.iterdump() if not line.startswith(tuple(virtual)))
    target.executescript("\n".join(dump))
    target.close()
    return {**connection.settings_dict, "NAME": str(path)}


def _big_csv(rows: int) -> bytes:
    lines = ["puskesmas,bulan,kunjungan,rujukan,catatan"]
    lines += [f"PKM {i % 40},2026-{i % 12 + 1:02d},{i},{i % 7},baris {i}" for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


def test_a_slow_upload_blocks_no_writer_and_loses_no_write(
    db: Any, now: dt.datetime, settings: Any, tmp_path: Path
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's single writer is what this test is about")
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.catalog.models import DatasetVersion
    from sinergi.catalog.services import dataset_create, version_upload
    from sinergi.coordination import services as coordination
    from sinergi.coordination.models import Request, RequestEvent

    settings.CATALOG_ROOT = tmp_path / "catalog"
    file_settings = _file_database(tmp_path)
    lock = threading.Lock()
    wrapper_class = type(connections[DEFAULT_DB_ALIAS])  # not the proxy ``connection``

    def on_file(work: Any) -> Any:
        """``work`` run in this thread against the file database."""

        def run(*args: Any) -> None:
            connections[DEFAULT_DB_ALIAS] = wrapper_class(file_settings, alias=DEFAULT_DB_ALIAS)
            try:
                work(*args)
            finally:
                connections[DEFAULT_DB_ALIAS].close()

        return run

    # The request the writers talk in, and the dataset the upload goes to, on the file.
    setup: dict[str, Any] = {}

    @on_file
    def prepare() -> None:
        setup["request"] = coordination.request_submit(
            actor=User.objects.get(username="pupr"),
            from_agency="dpupr-sanggau",
            to_agency="kantah-sanggau",
            kind="data",
            subject="Status tanah lokasi IPA",
            body="Mohon data status tanah.",
            now=now,
        ).pk
        setup["dataset"] = dataset_create(
            actor=User.objects.get(username="dinkes"),
            publisher=Agency.objects.get(slug="dinkes-sanggau"),
            slug="kunjungan-besar",
            title="Kunjungan besar",
            description="Banyak baris.",
            tags=["kesehatan"],
            sector="kesehatan",
            contact_name="Seksi Data",
            contact_email="data@dinkes.example",
            now=now,
        )

    thread = threading.Thread(target=prepare)
    thread.start()
    thread.join()
    assert "dataset" in setup, "the file database could not be prepared"
    data = _big_csv(ROWS)
    start = threading.Barrier(WRITERS + 1, timeout=120)
    state = {"uploading": False}
    outcomes: dict[str, Any] = {}
    during_upload: list[int] = []

    @on_file
    def upload() -> None:
        try:
            start.wait()
            state["uploading"] = True
            version = version_upload(
                actor=User.objects.get(username="dinkes"),
                dataset=setup["dataset"],
                data=data,
                filename="kunjungan.csv",
                now=now,
            )
            outcomes["upload"] = version.row_count
        except Exception as exc:  # reported by the assertion below
            outcomes["upload"] = repr(exc)
        finally:
            state["uploading"] = False

    @on_file
    def write(i: int) -> None:
        try:
            actor = User.objects.get(username="pertanahan")
            start.wait()
            for k in range(WRITES_EACH):
                coordination.request_message(
                    actor=actor,
                    request=Request.objects.get(pk=setup["request"]),
                    body=f"pesan {i}-{k}",
                    now=now,
                )
                if state["uploading"]:
                    with lock:
                        during_upload.append(i)
            outcomes[f"writer {i}"] = "ok"
        except Exception as exc:  # reported by the assertion below
            outcomes[f"writer {i}"] = repr(exc)

    threads = [threading.Thread(target=upload)]
    threads += [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)

    @on_file
    def count() -> None:
        outcomes["messages"] = RequestEvent.objects.filter(
            request_id=setup["request"], kind="message"
        ).count()
        outcomes["versions"] = DatasetVersion.objects.filter(dataset=setup["dataset"]).count()

    thread = threading.Thread(target=count)
    thread.start()
    thread.join()

    assert outcomes["upload"] == ROWS, outcomes
    assert all(outcomes[f"writer {i}"] == "ok" for i in range(WRITERS)), outcomes
    assert outcomes["messages"] == WRITERS * WRITES_EACH
    assert outcomes["versions"] == 1
    # Writers committed while the file was being read: it held no write lock meanwhile.
    assert during_upload
