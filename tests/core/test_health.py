"""``GET /healthz`` and the worker that keeps its tasks child alive.

The worker test runs the real ``sinergi worker`` on a copy of the session's database,
kills its ``db_worker`` child with SIGKILL and reads /proc: a new child must appear and
the dead one must have been reaped (no zombie)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from sinergi.core.health import heartbeat_read, heartbeat_write
from sinergi.core.models import AuditEntry
from tests.core.sqlite_copy import copy_test_database

pytestmark = pytest.mark.django_db

T = TypeVar("T")


def wait_for(what: Callable[[], T], timeout: float = 90) -> T:
    """Poll until ``what`` answers something true (a readiness wait, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = what()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"gave up waiting after {timeout} s")


def test_healthz_reports_database_worker_queue_and_audit_head(
    settings: Any, tmp_path: Path
) -> None:
    settings.DATA_DIR = tmp_path
    client = Client()
    fresh = client.get("/healthz")
    assert fresh.status_code == 200
    body = fresh.json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["audit_head"] == AuditEntry.objects.order_by("-seq")[0].seq > 0
    assert body["queue"] == DBTaskResult.objects.ready().count()
    assert body["worker"]["heartbeat_age_seconds"] is None  # no worker in dev mode: fine
    assert fresh["Cache-Control"] == "no-store"
    assert "key" not in fresh.content.decode().lower()

    heartbeat_write({"child_alive": True, "restarts": 0}, now=timezone.now())
    alive = client.get("/healthz").json()
    assert alive["worker"]["heartbeat_age_seconds"] < 60
    assert alive["worker"]["tasks_child"] == "running"

    heartbeat_write(
        {"child_alive": True, "restarts": 2}, now=timezone.now() - dt.timedelta(minutes=10)
    )
    stale = client.get("/healthz")
    assert stale.status_code == 503
    assert stale.json()["status"] == "error" and stale.json()["worker"]["restarts"] == 2

    (tmp_path / "run" / "worker.json").unlink()
    settings.PRODUCTION = True  # in production a missing worker is an error
    assert client.get("/healthz").status_code == 503


def test_healthz_answers_503_when_the_database_is_down(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env |= {
        "SINERGI_DATA_DIR": str(tmp_path),
        "SINERGI_DATABASE_URL": "postgresql://sinergi@127.0.0.1:9/tidak_ada",
        "DJANGO_SETTINGS_MODULE": "sinergi.settings",
    }
    code = (
        "import django; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz'); print(r.status_code, r.content.decode())"
    )
    out = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.stdout.startswith("503 "), out.stdout + out.stderr
    assert '"database": "down"' in out.stdout
    assert "tidak_ada" not in out.stdout and "sinergi@" not in out.stdout  # no secrets


def children(ppid: int) -> dict[int, str]:
    """Child processes of ``ppid`` and their state letter, read from /proc."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == ppid:
            found[int(entry.name)] = fields[0]
    return found


def test_worker_restarts_a_killed_child_and_leaves_no_zombie(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("process supervision does not depend on the database; run once")
    data = tmp_path / "data"
    data.mkdir()
    copy_test_database(data / "sinergi.sqlite3")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env["SINERGI_DATA_DIR"] = str(data)
    log = (tmp_path / "worker.log").open("w")
    worker = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "sinergi.cli", "worker", "--interval", "3600"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        first = wait_for(lambda: [p for p, s in children(worker.pid).items() if s != "Z"])[0]
        os.kill(first, signal.SIGKILL)
        second = wait_for(
            lambda: [p for p, s in children(worker.pid).items() if p != first and s != "Z"]
        )[0]
        assert first not in children(worker.pid)  # reaped, not a zombie
        assert not any(s == "Z" for s in children(worker.pid).values())
        assert worker.poll() is None
        beat = wait_for(
            lambda: (b := heartbeat_read_at(data)) and b.get("child_pid") == second and b
        )
        assert beat["restarts"] == 1 and beat["child_alive"] and beat["pid"] == worker.pid
    finally:
        worker.send_signal(signal.SIGTERM)
        code = worker.wait(timeout=120)
        log.close()
    assert code == 0, (tmp_path / "worker.log").read_text()[-3000:]
    assert not Path(f"/proc/{second}").exists() or children(worker.pid) == {}


def heartbeat_read_at(data: Path) -> dict[str, Any] | None:
    from django.test import override_settings

    with override_settings(DATA_DIR=data):
        return heartbeat_read()
