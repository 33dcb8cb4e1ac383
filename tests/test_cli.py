"""The ``sinergi`` command as a new user runs it: a real process on a fresh data folder."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


def run(data_dir: Path, *args: str, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env["SINERGI_DATA_DIR"] = str(data_dir)
    return subprocess.run(  # noqa: S603
        [sys.executable, "-m", "sinergi.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("sinergi-data")
    result = run(data, "demo", "--data-dir", str(data), "--no-serve")
    assert result.returncode == 0, result.stderr
    assert "bupati" in result.stdout and "sanggau-demo-2026" in result.stdout
    return data


def test_demo_is_idempotent(demo_dir: Path) -> None:
    db = sqlite3.connect(demo_dir / "sinergi.sqlite3")
    counts = [
        db.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608 - fixed names
        for table in ("agencies_agency", "accounts_user", "core_auditentry")
    ]
    again = run(demo_dir, "demo", "--no-serve")
    assert again.returncode == 0, again.stderr
    assert "0 agencies, 0 users added" in again.stdout
    assert counts[0] >= 46
    assert [
        db.execute(f"select count(*) from {table}").fetchone()[0]  # noqa: S608 - fixed names
        for table in ("agencies_agency", "accounts_user", "core_auditentry")
    ] == counts
    assert (
        db.execute(
            "select count(*) from regions_region where parent_id = "
            "(select id from regions_region where code = '61.03')"
        ).fetchone()[0]
        == 15
    )


def test_user_add_and_token_create(demo_dir: Path) -> None:
    added = run(
        demo_dir,
        "user",
        "add",
        "sri",
        "--agency",
        "dinkes-sanggau",
        "--role",
        "staff",
        "--password",
        "sri-password-2026",
        "--full-name",
        "Sri Wahyuni",
    )
    assert added.returncode == 0, added.stderr
    again = run(demo_dir, "user", "add", "sri", "--agency", "dinkes-sanggau", "--email", "s@x.id")
    assert again.returncode == 2 and "username" in again.stderr
    no_way_in = run(demo_dir, "user", "add", "tono")
    assert no_way_in.returncode == 2 and "--email" in no_way_in.stderr
    by_mail = run(demo_dir, "user", "add", "tini", "--email", "tini@example.org")
    assert by_mail.returncode == 0 and "Lupa kata sandi" in by_mail.stdout
    bad_agency = run(demo_dir, "user", "add", "joko", "--agency", "nowhere", "--email", "j@x.id")
    assert bad_agency.returncode == 2 and "nowhere" in bad_agency.stderr
    weak = run(demo_dir, "user", "add", "budi", "--password", "123")
    assert weak.returncode == 2 and "password" in weak.stderr
    token = run(demo_dir, "token", "create", "sri", "--name", "SIMRS")
    assert token.returncode == 0
    secret = token.stdout.strip()
    assert secret.startswith("sng_")
    db = sqlite3.connect(demo_dir / "sinergi.sqlite3")
    hashes = [r[0] for r in db.execute("select token_hash from accounts_apitoken")]
    assert secret not in hashes and len(hashes) == 1
    assert run(demo_dir, "token", "create", "nobody").returncode == 2


def test_tick(demo_dir: Path) -> None:
    ok = run(demo_dir, "tick", "--now", "2026-12-01T08:00:00+07:00")
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["now"].startswith("2026-12-01T08:00:00")
    bad = run(demo_dir, "tick", "--now", "kemarin")
    assert bad.returncode == 2 and "ISO-8601" in bad.stderr and "Traceback" not in bad.stderr


def test_worker_once(demo_dir: Path) -> None:
    assert run(demo_dir, "worker", "--once").returncode == 0


def test_audit_verify_catches_a_tampered_row(demo_dir: Path) -> None:
    ok = run(demo_dir, "audit", "verify")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stdout
    db = sqlite3.connect(demo_dir / "sinergi.sqlite3")
    chain, position = db.execute(
        "select chain, chain_seq from core_auditentry where seq = 12"
    ).fetchone()
    db.execute("update core_auditentry set actor_username = 'mallory' where seq = 12")
    db.commit()
    broken = run(demo_dir, "audit", "verify")
    assert broken.returncode == 1
    name = chain or "platform"
    assert f"Audit chain {name} BROKEN at entry {position}" in broken.stderr
    assert "(#12, id 12)" in broken.stderr


def test_manage_passes_through(demo_dir: Path) -> None:
    result = run(demo_dir, "manage", "showmigrations", "core")
    assert result.returncode == 0 and "[X] 0002_audit_guard" in result.stdout


def test_commands_on_a_missing_database_explain_themselves(tmp_path: Path) -> None:
    result = run(tmp_path, "audit", "verify")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "sinergi demo" in result.stderr or "migrate" in result.stderr
