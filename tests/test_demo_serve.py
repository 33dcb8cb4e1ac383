"""``sinergi demo`` serving: the process a user started is itself at work (no parent that
holds Django only to wait), and SIGTERM stops the whole tree.

The demo loads its data, then execs into the worker, which runs the tick and the tasks in
threads and the granian server as its child (docs/performance.md, "Memory of the demo").
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from tests.core.sqlite_copy import copy_test_database


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> dict[int, str]:
    """``pid`` and its descendants → command line."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = {}, [pid]
    while todo:
        p = todo.pop()
        try:
            found[p] = Path(f"/proc/{p}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        todo.extend(parents.get(p, []))
    return found


def _healthz(port: int) -> dict[str, Any] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:  # noqa: S310
            return json.loads(r.read()) if r.status == 200 else None
    except (urllib.error.URLError, OSError, ValueError):
        return None


def test_demo_process_serves_and_works_itself_and_stops_on_sigterm(db: Any, tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the demo runs on SQLite")
    data = tmp_path / "data"
    data.mkdir()
    copy_test_database(data / "sinergi.sqlite3")  # the demo finds its data loaded
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    port = _free_port()
    log = (tmp_path / "demo.log").open("w")
    demo = subprocess.Popen(  # noqa: S603
        [sys.executable, "-m", "sinergi.cli", "demo", "--data-dir", str(data), "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    tree: dict[int, str] = {}
    try:
        deadline = time.monotonic() + 240
        report = None
        while report is None and time.monotonic() < deadline and demo.poll() is None:
            time.sleep(0.5)
            report = _healthz(port)
        assert report is not None, (tmp_path / "demo.log").read_text()[-3000:]
        assert report["worker"]["tasks_child"] == "running"
        tree = _tree(demo.pid)
        # The started process became the worker that runs the server: nothing idles.
        assert "sinergi.cli worker --serve" in tree[demo.pid], tree
        assert "--tasks-in-thread" in tree[demo.pid]
        assert not any("sinergi.cli demo" in cmd for cmd in tree.values()), tree
        assert not any("db_worker" in cmd for cmd in tree.values()), tree
        servers = [p for p, cmd in tree.items() if "granian" in cmd]
        assert len(servers) == 2, tree  # granian's main process and its one worker
        assert len(tree) == 3, tree
    finally:
        demo.send_signal(signal.SIGTERM)
        try:
            code = demo.wait(timeout=60)
        finally:
            log.close()
            for pid in tree:  # leave nothing behind, whatever the assertions said
                if pid != demo.pid and Path(f"/proc/{pid}").exists():
                    os.kill(pid, signal.SIGKILL)
    assert code == 0, (tmp_path / "demo.log").read_text()[-3000:]
    time.sleep(0.5)
    assert [pid for pid in tree if _tree(pid)] == [], "processes left after SIGTERM"
