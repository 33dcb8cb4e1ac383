"""``sinergi backup`` then ``sinergi restore`` into a new data folder (and, on PostgreSQL, a
new database): every file comes back byte for byte, the audit chain and every file row
check out, and a damaged backup or an occupied target is refused before anything changes.

The source is the session's demo (database and files) copied into a folder of its own,
then the real command runs in a subprocess, as an operator runs it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import connection

from tests.conftest import NOW
from tests.core.sqlite_copy import copy_test_database

pytestmark = pytest.mark.django_db

KEY = "kunci-jangkar-uji-" + "x" * 20
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def run(data_dir: Path, *args: str, db_url: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env["SINERGI_DATA_DIR"] = str(data_dir)
    env["SINERGI_AUDIT_KEY"] = KEY
    if db_url:
        env["SINERGI_DATABASE_URL"] = db_url
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "sinergi.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def pg_url(name: str) -> str:
    db = connection.settings_dict
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgresql://{user}{password}@{host}/{name}"


def psql(sql: str) -> None:
    from sinergi.core.backup import pg_tool

    db = connection.settings_dict
    env = dict(os.environ)
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    subprocess.run(  # noqa: S603
        [
            pg_tool("psql"),
            "--host",
            str(db.get("HOST") or "127.0.0.1"),
            "--port",
            str(db.get("PORT") or 5432),
            "--username",
            str(db.get("USER") or "postgres"),
            "--dbname",
            "postgres",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            sql,
        ],
        env=env,
        check=True,
        capture_output=True,
    )


@dataclass
class Source:
    """A data folder and its database, and the file rows whose files were already gone."""

    folder: Path
    db_url: str
    missing: set[str]


@pytest.fixture
def source(tmp_path: Path, settings: Any) -> Source:
    """A data folder with the session's demo files, an attachment and anchors, and its
    database: on SQLite a copy of the test database made with the online backup API; on
    PostgreSQL the test database itself (pg_dump sees its committed demo).

    Other tests of the session may have deleted demo files (the purge test does, and
    its rollback does not bring files back): on SQLite those rows are marked purged in
    the copy; on PostgreSQL the restore must then name exactly them. Nothing is written
    in the test's own transaction: a dump sees only what is committed."""
    from sinergi.core.anchor import anchors_write
    from sinergi.core.files import file_rows_check

    src = tmp_path / "lama"
    src.mkdir()
    for name in ("cases", "media"):
        if (Path(django_settings.DATA_DIR) / name).is_dir():
            shutil.copytree(Path(django_settings.DATA_DIR) / name, src / name)
    (src / "secret_key").write_text("kunci-rahasia-uji")
    settings.SINERGI_AUDIT_KEY = KEY
    anchors_write(now=NOW, path=src / "audit-anchors.jsonl", force=True)
    _, gone = file_rows_check()
    if connection.vendor != "sqlite":
        missing = {f"{p.model} #{p.pk}:" for p in gone}
        return Source(src, pg_url(str(connection.settings_dict["NAME"])), missing)
    copy_test_database(src / "sinergi.sqlite3")
    assert all(p.model == "cases.casedocument" for p in gone), gone
    # The copy is a data folder of its own: in it, as an operator's database tool would,
    # mark those documents purged and attach one file to a request.
    stored = uuid.uuid4().hex
    (src / "attachments").mkdir()
    (src / "attachments" / stored).write_bytes(PDF)
    db = sqlite3.connect(src / "sinergi.sqlite3")
    with db:
        for p in gone:
            db.execute(
                "UPDATE cases_casedocument SET purged_at = ? WHERE id = ?", [NOW.isoformat(), p.pk]
            )
        request_id = db.execute("SELECT min(id) FROM coordination_request").fetchone()[0]
        db.execute(
            "INSERT INTO coordination_attachment (request_id, name, content_type, size, sha256,"
            " stored_name, created_at) VALUES (?, 'surat.pdf', 'application/pdf', ?, ?, ?, ?)",
            [request_id, len(PDF), hashlib.sha256(PDF).hexdigest(), stored, NOW.isoformat()],
        )
    db.close()
    return Source(src, "", set())


@pytest.fixture
def target_db() -> Iterator[str]:
    """An empty scratch database to restore into (PostgreSQL only)."""
    if connection.vendor != "postgresql":
        yield ""
        return
    name = f"{connection.settings_dict['NAME']}_restore_{uuid.uuid4().hex[:8]}"
    psql(f'CREATE DATABASE "{name}"')
    try:
        yield pg_url(name)
    finally:
        psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_backup_restore_round_trip(source: Source, target_db: str, tmp_path: Path) -> None:
    from sinergi.cases.models import CaseDocument

    src = source.folder
    backup = tmp_path / "cadangan"
    made = run(src, "backup", str(backup), db_url=source.db_url)
    assert made.returncode == 0, made.stderr
    manifest = json.loads((backup / "manifest.json").read_text())
    paths = {f["path"] for f in manifest["files"]}
    assert manifest["database"]["vendor"] == connection.vendor
    assert manifest["audit_head"]["seq"] > 2000
    assert "core" in manifest["migrations"] and manifest["sinergi_version"]
    assert {"files/secret_key", "files/audit-anchors.jsonl"} <= paths
    assert sum(p.startswith("files/cases/") for p in paths) >= 20  # citizens' documents
    assert any(p.endswith(".parquet") for p in paths)  # dataset versions
    if connection.vendor == "sqlite":
        assert sum(p.startswith("files/attachments/") for p in paths) == 1
    assert not any(p.startswith("files/static/") or "sqlite3" in p for p in paths)

    new = tmp_path / "baru"
    restored = run(new, "restore", str(backup), db_url=target_db)
    if source.missing:  # rows whose files were gone before the backup: named, exit 1
        assert restored.returncode == 1, restored.stdout + restored.stderr
        assert all(m in restored.stderr for m in source.missing), restored.stderr
    else:
        assert restored.returncode == 0, restored.stdout + restored.stderr
        assert "audit chain intact" in restored.stdout
        assert "file rows have their file" in restored.stdout
    for entry in manifest["files"]:
        rel = entry["path"].removeprefix("files/")
        assert (new / rel).read_bytes() == (src / rel).read_bytes(), rel
    assert oct((new / "secret_key").stat().st_mode & 0o777) == "0o600"

    # An occupied target is refused, and says why, in both languages.
    again = run(new, "restore", str(backup), db_url=target_db)
    assert again.returncode == 2
    assert "tidak kosong" in again.stderr and "not empty" in again.stderr

    # audit verify names every file row whose file is gone or altered.
    verified = run(new, "audit", "verify", db_url=target_db)
    assert verified.returncode == (1 if source.missing else 0), verified.stderr
    assert "checked against signed anchors" in verified.stdout
    kept = [
        new / "cases" / name
        for name in CaseDocument.objects.filter(purged_at__isnull=True)
        .order_by("pk")
        .values_list("stored_name", flat=True)
        if (new / "cases" / name).is_file()
    ]
    kept[0].unlink()
    kept[1].write_bytes(b"%PDF-1.4 diganti")
    broken = run(new, "audit", "verify", db_url=target_db)
    assert broken.returncode == 1
    assert "berkas hilang / file missing" in broken.stderr and kept[0].name in broken.stderr
    assert "checksum" in broken.stderr and kept[1].name in broken.stderr
    assert f"{len(source.missing) + 2} of" in broken.stderr


def test_damaged_backup_is_refused_before_anything_changes(source: Source, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the manifest check is the same code on both databases; run once")
    src = source.folder
    backup = tmp_path / "cadangan"
    assert run(src, "backup", str(backup)).returncode == 0
    victim = next((backup / "files" / "cases").iterdir())
    data = bytearray(victim.read_bytes())
    data[-1] ^= 0xFF  # same size, other bytes
    victim.write_bytes(bytes(data))
    (backup / "files" / "secret_key").unlink()
    new = tmp_path / "baru"
    refused = run(new, "restore", str(backup))
    assert refused.returncode == 2
    assert f"checksum berbeda: files/cases/{victim.name}" in refused.stderr
    assert "file missing: files/secret_key" in refused.stderr
    assert "nothing changed" in refused.stderr
    # Nothing was restored: no case documents and an empty database.
    assert not (new / "cases").exists()
    tables = sqlite3.connect(new / "sinergi.sqlite3").execute(
        "select count(*) from sqlite_master where type = 'table'"
    )
    assert tables.fetchone()[0] == 0


def test_every_model_that_names_a_file_is_checked() -> None:
    """A model with a FileField or a stored file name must be registered as a file store,
    or backups would silently leave its files behind."""
    from django.apps import apps

    from sinergi.core.files import file_stores

    covered = {m for store in file_stores() for m in store.models}
    naming: set[str] = set()
    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            kind = field.get_internal_type()
            if kind in {"FileField", "ImageField", "FilePathField"} or field.name in {
                "stored_name",
                "file_name",
                "file_path",
            }:
                naming.add(model._meta.label_lower)
    assert naming, "the walk found no file rows at all"
    assert naming <= covered, naming - covered
    assert covered == {
        "coordination.attachment",
        "cases.casedocument",
        "catalog.datasetversion",
    }
