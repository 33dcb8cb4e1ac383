"""The worker process: the periodic tick, and a ``db_worker`` child kept alive.

A supervisor thread waits on the child (so a dead child is reaped at once, never left a
zombie), restarts it with exponential backoff, and gives up (the worker exits non-zero for
systemd or another supervisor to act) when it dies too often. The same thread writes the
heartbeat read by ``/healthz``.
"""

from __future__ import annotations

import collections
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from typing import Any

from . import clock
from .health import heartbeat_write

logger = logging.getLogger("sinergi.worker")

HEARTBEAT_SECONDS = 15
MAX_RESTARTS = 5  # within RESTART_WINDOW seconds, then the worker gives up
RESTART_WINDOW = 300
BACKOFF_MAX = 60
STABLE_AFTER = 60  # a child that lived this long starts the backoff from 1 s again


def tasks_argv() -> list[str]:
    """The command line of the django-tasks database worker."""
    return [sys.executable, "-m", "django", "db_worker", "--interval", "2"]


class Supervisor(threading.Thread):
    """Keeps one ``db_worker`` child running and writes the heartbeat."""

    def __init__(self, stop: threading.Event, argv: list[str] | None = None) -> None:
        super().__init__(name="sinergi-supervisor", daemon=True)
        self.stop = stop
        self.argv = argv or tasks_argv()
        self.child: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0
        self.restarts = 0
        self.failed = False
        self.last_tick_at: str | None = None
        self._recent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def _spawn(self) -> None:
        self.child = subprocess.Popen(self.argv, env=dict(os.environ))  # noqa: S603 - fixed argv
        self.started_at = time.monotonic()
        logger.info("tasks worker started (pid %s)", self.child.pid)

    def beat(self) -> None:
        """Write the heartbeat now."""
        child = self.child
        data: dict[str, Any] = {
            "pid": os.getpid(),
            "child_pid": child.pid if child is not None else None,
            "child_alive": child is not None and child.returncode is None,
            "restarts": self.restarts,
            "last_tick_at": self.last_tick_at,
        }
        try:
            heartbeat_write(data, now=clock.now())
        except OSError:
            logger.warning("cannot write the worker heartbeat", exc_info=True)

    def run(self) -> None:
        """Start the child, restart it when it dies, beat every few seconds."""
        self._spawn()
        self.beat()
        next_beat = time.monotonic() + HEARTBEAT_SECONDS
        failures = 0
        while not self.stop.is_set():
            assert self.child is not None  # noqa: S101 - set by _spawn
            try:
                code = self.child.wait(timeout=0.5)  # reaps the child when it has exited
            except subprocess.TimeoutExpired:
                code = None
            if code is not None and not self.stop.is_set():
                lived = time.monotonic() - self.started_at
                failures = 1 if lived >= STABLE_AFTER else failures + 1
                now = time.monotonic()
                self._recent.append(now)
                while self._recent and now - self._recent[0] > RESTART_WINDOW:
                    self._recent.popleft()
                logger.error("tasks worker (pid %s) exited with %s", self.child.pid, code)
                self.beat()
                if len(self._recent) > MAX_RESTARTS:
                    logger.critical(
                        "tasks worker died %s times in %s s: giving up",
                        len(self._recent),
                        RESTART_WINDOW,
                    )
                    self.failed = True
                    self.stop.set()
                    break
                delay = min(BACKOFF_MAX, 2 ** (failures - 1))
                if self.stop.wait(delay):
                    break
                self.restarts += 1
                self._spawn()
                self.beat()
            if time.monotonic() >= next_beat:
                self.beat()
                next_beat = time.monotonic() + HEARTBEAT_SECONDS

    def shutdown(self) -> None:
        """Stop the child (SIGTERM, then SIGKILL after 10 s) and reap it."""
        child = self.child
        if child is None:
            return
        if child.poll() is None:
            child.terminate()
            try:
                child.wait(timeout=10)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def run_worker(*, interval: int) -> int:
    """Run the tick every ``interval`` seconds while a supervisor keeps the tasks worker
    alive; 0 after SIGTERM or Ctrl+C, 1 when the tasks worker kept dying."""
    from .tick import run_tick

    stop = threading.Event()
    supervisor = Supervisor(stop)

    def on_signal(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    supervisor.start()
    try:
        while not stop.is_set():
            moment = clock.now()
            run_tick(moment)
            supervisor.last_tick_at = moment.isoformat()
            stop.wait(interval)
    except KeyboardInterrupt:
        stop.set()
    finally:
        stop.set()
        supervisor.join(timeout=5)
        supervisor.shutdown()
    logger.info("worker stopped")
    return 1 if supervisor.failed else 0
