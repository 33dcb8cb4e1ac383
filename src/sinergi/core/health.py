"""The worker's heartbeat and what ``GET /healthz`` reports.

The worker writes ``DATA_DIR/run/worker.json`` every few seconds (a file, not a row: no
write lock on SQLite, no migration); web processes read it. Web and worker share the data
folder anyway (attachments and dataset files live there).
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connection


def heartbeat_path() -> Path:
    """Where the worker writes its heartbeat."""
    return Path(settings.DATA_DIR) / "run" / "worker.json"


def heartbeat_write(data: dict[str, Any], *, now: dt.datetime) -> None:
    """Replace the heartbeat file atomically with ``data`` and the time."""
    path = heartbeat_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".worker.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({**data, "at": now.astimezone(dt.UTC).isoformat()}))
    os.replace(tmp, path)


def heartbeat_read() -> dict[str, Any] | None:
    """The last heartbeat, or None when no worker has written one."""
    try:
        data = json.loads(heartbeat_path().read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def max_heartbeat_age() -> int:
    """Seconds after which a silent worker makes ``/healthz`` answer 503."""
    return int(getattr(settings, "SINERGI_HEALTHZ_MAX_HEARTBEAT_AGE", 120))


def health(*, now: dt.datetime) -> tuple[bool, dict[str, Any]]:
    """Whether the installation is healthy, and the report (no secrets, no error texts)."""
    report: dict[str, Any] = {"status": "ok", "database": "ok"}
    ok = True
    try:
        from django.db.models import Max
        from django_tasks_db.models import DBTaskResult

        from .models import AuditEntry

        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        report["queue"] = DBTaskResult.objects.ready().count()
        # The number of the newest entry across every chain (one index read).
        report["audit_head"] = AuditEntry.objects.aggregate(m=Max("seq"))["m"] or 0
    except DatabaseError:
        ok = False
        report["database"] = "down"
    beat = heartbeat_read()
    limit = max_heartbeat_age()
    worker: dict[str, Any] = {"heartbeat_age_seconds": None, "max_age_seconds": limit}
    if beat is not None:
        try:
            at = dt.datetime.fromisoformat(str(beat["at"]))
        except (KeyError, ValueError):
            at = None
        if at is not None:
            age = max(0.0, (now - at).total_seconds())
            worker["heartbeat_age_seconds"] = round(age, 1)
            worker["tasks_child"] = "running" if beat.get("child_alive") else "down"
            worker["restarts"] = int(beat.get("restarts", 0))
            if age > limit:
                ok = False
    elif getattr(settings, "PRODUCTION", False):
        ok = False  # in production a worker must run; in demo and dev it may not
    report["worker"] = worker
    if not ok:
        report["status"] = "error"
    return ok, report
