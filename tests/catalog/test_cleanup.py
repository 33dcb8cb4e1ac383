"""Files written by an upload whose transaction fails are removed at once; files left by a
rollback further out (or a crash) are removed by the sweep once they are an hour old."""

from __future__ import annotations

import datetime as dt
import os
import time
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction

from sinergi.catalog import services
from sinergi.catalog.models import DatasetVersion
from sinergi.catalog.services import versions
from sinergi.core.tick import registered_jobs

from .conftest import CSV


def files(store: Path) -> set[str]:
    return {p.name for p in store.iterdir()} if store.exists() else set()


def test_failed_transaction_removes_the_files_it_wrote(
    draft: Any, users: Any, now: Any, store: Path, monkeypatch: Any
) -> None:
    def broken(**kwargs: Any) -> None:
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(versions, "audit_record", broken)
    with pytest.raises(RuntimeError):
        services.version_upload(actor=users["staff"], dataset=draft, data=CSV.encode(), now=now)
    assert not DatasetVersion.objects.filter(dataset=draft).exists()
    assert files(store) == set()


def test_sweep_removes_unreferenced_files_older_than_an_hour(
    draft: Any, users: Any, now: Any, store: Path
) -> None:
    kept = services.version_upload(actor=users["staff"], dataset=draft, data=CSV.encode(), now=now)
    # A rollback further out: the version row disappears, its files stay behind.
    with pytest.raises(RuntimeError), transaction.atomic():
        services.version_upload(
            actor=users["staff"],
            dataset=draft,
            data=CSV.encode() + b"x,y,2026-03-01,1,1\n",
            now=now,
        )
        raise RuntimeError("the caller failed")
    left = files(store) - {kept.file_name, kept.file_name.replace(".parquet", ".duckdb")}
    assert len(left) == 2  # the Parquet and DuckDB files of the rolled-back version
    (store / "fresh.tmp").write_bytes(b"partial")
    old = time.time() - 2 * 3600
    for name in left:
        os.utime(store / name, (old, old))
    assert "catalog.sweep_files" in registered_jobs()
    real_now = dt.datetime.now(dt.UTC)
    result = services.sweep_orphan_files(now=real_now)
    assert result == {"removed": 2, "kept": 2}
    assert files(store) == {
        kept.file_name,
        kept.file_name.replace(".parquet", ".duckdb"),
        "fresh.tmp",  # younger than an hour: perhaps an upload in progress
    }
    out = StringIO()
    call_command("catalog_sweep", "--min-age-minutes", "0", stdout=out)
    assert "removed 1" in out.getvalue() and "fresh.tmp" not in files(store)
