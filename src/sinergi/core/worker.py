"""The worker process: the periodic tick, and a ``db_worker`` child kept alive.

A supervisor thread waits on the child (so a dead child is reaped at once, never left a
zombie), restarts it with exponential backoff, and gives up (the worker exits non-zero for
systemd or another supervisor to act) when it dies too often. The same thread writes the
heartbeat read by ``/healthz``.

``sinergi demo`` (and ``sinergi serve``) exec into this process with ``server_argv``: it then
also starts the web server (granian) as its child and ends with it, so the command a user
started is the worker itself rather than a parent that holds Django only to wait. The demo
runs the tasks worker in a thread (``TasksThread``) instead of a ``db_worker`` child: one
Django process (about 100 MB) fewer where isolating tasks from the tick buys nothing.
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


class TasksThread:
    """The django-tasks database worker run in a thread of this process, with the parts of
    the ``Popen`` interface the supervisor uses (``terminate`` ends it after the running
    task, within the poll interval)."""

    def __init__(self, interval: float = 2.0) -> None:
        from django.utils.crypto import get_random_string
        from django_tasks_db.compat import DEFAULT_TASK_BACKEND_ALIAS, DEFAULT_TASK_QUEUE_NAME
        from django_tasks_db.management.commands.db_worker import Worker

        self.worker = Worker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME],
            interval=interval,
            batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS,
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        self.pid = os.getpid()
        self.returncode: int | None = None
        self.thread = threading.Thread(target=self._run, name="sinergi-tasks", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        from django.db import connections

        try:
            self.worker.run()
            self.returncode = 0
        except Exception:
            logger.exception("the tasks thread failed")
            self.returncode = 1
        finally:
            connections.close_all()

    def poll(self) -> int | None:
        """The exit code once the thread has ended, else None."""
        return None if self.thread.is_alive() else (self.returncode or 0)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the thread to end; ``subprocess.TimeoutExpired`` when it does not."""
        self.thread.join(timeout)
        if self.thread.is_alive():
            raise subprocess.TimeoutExpired("tasks thread", timeout or 0)
        return self.returncode or 0

    def terminate(self) -> None:
        """Ask the loop to end after the task it runs."""
        self.worker.running = False

    kill = terminate  # a thread cannot be killed; the worker is a daemon thread


class Supervisor(threading.Thread):
    """Keeps one ``db_worker`` child (or a ``TasksThread``) running and writes the heartbeat."""

    def __init__(
        self, stop: threading.Event, argv: list[str] | None = None, *, in_thread: bool = False
    ) -> None:
        super().__init__(name="sinergi-supervisor", daemon=True)
        self.stop = stop
        self.argv = argv or tasks_argv()
        self.in_thread = in_thread
        self.child: subprocess.Popen[bytes] | TasksThread | None = None
        self.started_at = 0.0
        self.restarts = 0
        self.failed = False
        self.last_tick_at: str | None = None
        self._recent: collections.deque[float] = collections.deque()
        self._lock = threading.Lock()

    def _spawn(self) -> None:
        if self.in_thread:
            self.child = TasksThread()
        else:
            self.child = subprocess.Popen(self.argv, env=dict(os.environ))  # noqa: S603
        self.started_at = time.monotonic()
        logger.info("tasks worker started (pid %s)", self.child.pid)

    def beat(self) -> None:
        """Write the heartbeat now."""
        child = self.child
        data: dict[str, Any] = {
            "pid": os.getpid(),
            "child_pid": child.pid if child is not None else None,
            "child_alive": child is not None and child.poll() is None,
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


def _die_with_parent() -> None:
    """In the server child before exec: SIGTERM when this process dies, even by SIGKILL
    (Linux ``PR_SET_PDEATHSIG``), so a server in its own process group is never orphaned."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1 = PR_SET_PDEATHSIG


def run_worker(
    *, interval: int, server_argv: list[str] | None = None, tasks_in_thread: bool = False
) -> int:
    """Run the tick every ``interval`` seconds while a supervisor keeps the tasks worker
    alive; 0 after SIGTERM or Ctrl+C, 1 when the tasks worker kept dying.

    With ``server_argv`` the web server runs as a child too: when it exits the worker stops
    and returns its exit code; when the worker stops (signal, tasks worker given up) it stops
    the server first and waits for it, so no process of the tree is left behind."""
    from .tick import run_tick

    stop = threading.Event()
    supervisor = Supervisor(stop, in_thread=tasks_in_thread)
    server: subprocess.Popen[bytes] | None = None

    def on_signal(*_: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    if server_argv:
        # In a process group of its own: a terminal's Ctrl+C reaches this process only,
        # which then stops the server with one SIGTERM. Granian's main process, signalled
        # twice (SIGINT from the terminal, SIGTERM from here), quit without its worker.
        server = subprocess.Popen(  # noqa: S603 - fixed argv
            server_argv, env=dict(os.environ), process_group=0, preexec_fn=_die_with_parent
        )

        def watch_server(server: subprocess.Popen[bytes]) -> None:
            server.wait()
            stop.set()

        threading.Thread(
            target=watch_server, args=(server,), name="sinergi-server", daemon=True
        ).start()
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
        if server is not None and server.poll() is None:
            server.terminate()
        supervisor.join(timeout=5)
        supervisor.shutdown()
        if server is not None:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    logger.info("worker stopped")
    if supervisor.failed:
        if server is not None:
            print("sinergi: the tasks worker kept failing; stopping", file=sys.stderr)
        return 1
    if server is not None and server.returncode not in (None, 0, -signal.SIGTERM):
        return server.returncode
    return 0
