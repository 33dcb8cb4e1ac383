"""Several machines on one PostgreSQL: two ``sinergi serve`` and two ``sinergi worker``
processes, 200 concurrent API writers for ~20 s.

    PYTHONPATH=src .venv/bin/python bench/multi.py [--db ops_multi] [--writers 200]
        [--seconds 20] [--regions 10] [--reuse]

Creates (or, with ``--reuse``, keeps) the PostgreSQL database ``--db`` on
``postgresql://postgres@127.0.0.1:5432``, loads the demo into it, makes an API token for
each of three demo staff users and, with ``--regions N`` (default 10), for a staff user
of a new agency in each of N further kabupaten/kota (each asking a second new agency of
its own kabupaten, so each writes to its kabupaten's audit chain), starts two
``sinergi serve --no-worker --workers 1`` on two ports and two
``sinergi worker --interval 2`` (each with its own data folder, as separate machines would
have), then runs ``--writers`` threads that each POST new
requests (``POST /api/v1/requests``, a service write with its audit entry) round-robin
to the two servers for ``--seconds``. It prints writes/s, latency p50/p95, the error
count by status, then checks that ``sinergi audit verify`` finds the chain intact, that no
periodic job ran twice for one period (``core_tickrun`` per job and period, and the
workers' tick count) and that the request rows match the 201 answers. The reference in
the same run: one writer thread alone (the single-connection rate of the same write).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

PG = "postgresql://postgres@127.0.0.1:5432"
USERS = [
    ("dinkes", "dinkes-sanggau", "dpupr-sanggau"),
    ("pupr", "dpupr-sanggau", "dinkes-sanggau"),
    ("pertanahan", "kantah-sanggau", "dpupr-sanggau"),
]


# Run inside ``sinergi manage shell`` with the code under test: two OPD in each of N
# kabupaten/kota other than Sanggau, a staff user in the first, an API token; prints
# "token|from|to" lines. Uses only services that exist before and after the per-region
# audit chains, so the same setup runs against both.
SETUP = """
import datetime as dt, sys
from sinergi.accounts.services import token_create, user_create
from sinergi.agencies.services import agency_create, membership_add
from sinergi.core.clock import now
from sinergi.core.permissions import SYSTEM
from sinergi.regions.models import Region
t = now()
codes = list(Region.objects.filter(level__in=["regency", "city"]).exclude(code="61.03")
             .order_by("code").values_list("code", flat=True)[:N])
for code in codes:
    key = code.replace(".", "")
    a = agency_create(actor=SYSTEM, slug=f"bench-a-{key}-{STAMP}", name=f"Bench A {code}",
                      kind="opd", region=code, now=t)
    b = agency_create(actor=SYSTEM, slug=f"bench-b-{key}-{STAMP}", name=f"Bench B {code}",
                      kind="opd", region=code, now=t)
    u = user_create(actor=SYSTEM, username=f"bench{key}{STAMP}", now=t)
    membership_add(actor=SYSTEM, agency=a, user=u, role="staff", now=t, is_primary=True)
    _, secret = token_create(actor=SYSTEM, user=u, name="bench", now=t,
                             expires_at=t + dt.timedelta(days=1))
    print(f"{secret}|{a.slug}|{b.slug}")
"""


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(db: str, data_dir: Path) -> dict[str, str]:
    """The environment of one 'machine': same database and secret, its own data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env.update(
        SINERGI_DATABASE_URL=f"{PG}/{db}",
        SINERGI_DATA_DIR=str(data_dir),
        SINERGI_SECRET_KEY="bench-multi-" + "x" * 50,
        SINERGI_ALLOWED_HOSTS="127.0.0.1,localhost",
        SINERGI_SSL_REDIRECT="0",
        SINERGI_MODE="production",
        SINERGI_TOTP_REQUIRED_ROLES="",
    )
    return env


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``sinergi ARGS`` and return what it printed."""
    return subprocess.run(  # noqa: S603 - fixed argv
        [sys.executable, "-m", "sinergi.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def psql(db: str, sql: str) -> str:
    """One SQL statement through psql, unaligned output."""
    out = subprocess.run(  # noqa: S603 - fixed argv
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", db, "-AtXc", sql],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip()


def wait_up(port: int, timeout: float = 300) -> None:
    """Until the server on ``port`` answers /healthz (any status: the database is up)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    raise SystemExit(f"no server on port {port}")


def post(port: int, token: str, body: dict[str, str]) -> int:
    """POST a new request; the HTTP status (0 when the connection failed)."""
    req = urllib.request.Request(  # noqa: S310 - http://127.0.0.1
        f"http://127.0.0.1:{port}/api/v1/requests",
        data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(req, timeout=60) as r:  # noqa: S310
            r.read()
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)
    except (urllib.error.URLError, OSError):
        return 0


def hammer(
    ports: list[int], tokens: list[tuple[str, str, str]], writers: int, seconds: float
) -> dict[str, object]:
    """``writers`` threads posting for ``seconds``: statuses and latencies."""
    statuses: dict[int, int] = {}
    latencies: list[float] = []
    lock = threading.Lock()
    start = threading.Event()
    deadline = [0.0]

    def run(i: int) -> None:
        token, src, dst = tokens[i % len(tokens)]
        port = ports[i % len(ports)]
        start.wait()
        n = 0
        while time.monotonic() < deadline[0]:
            n += 1
            body = {
                "from_agency": src,
                "to_agency": dst,
                "kind": "information",
                "subject": f"bench multi {i}-{n}",
                "body": "Mohon data untuk uji beban.",
            }
            t = time.perf_counter()
            code = post(port, token, body)
            ms = (time.perf_counter() - t) * 1000
            with lock:
                statuses[code] = statuses.get(code, 0) + 1
                if code == 201:
                    latencies.append(ms)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(writers)]
    for t in threads:
        t.start()
    began = time.monotonic()
    deadline[0] = began + seconds
    start.set()
    for t in threads:
        t.join(timeout=seconds + 120)
    elapsed = time.monotonic() - began
    latencies.sort()
    ok = statuses.get(201, 0)
    return {
        "writers": writers,
        "elapsed": elapsed,
        "ok": ok,
        "rate": ok / elapsed,
        "errors": {k: v for k, v in statuses.items() if k != 201},
        "p50": statistics.median(latencies) if latencies else 0.0,
        "p95": latencies[max(0, -(-95 * len(latencies) // 100) - 1)] if latencies else 0.0,
    }


def main() -> None:
    """Set up, hammer, check, print."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default="ops_multi")
    parser.add_argument("--writers", type=int, default=200)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--regions", type=int, default=10, help="further kabupaten writing")
    parser.add_argument("--reuse", action="store_true", help="keep the database and its data")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.default_int_handler)
    root = Path(tempfile.mkdtemp(prefix="sinergi-multi-"))
    machines = [root / "a", root / "b"]
    for m in machines:
        m.mkdir()
    env_a = env_for(args.db, machines[0])
    if not args.reuse:
        psql("postgres", f"DROP DATABASE IF EXISTS {args.db}")
        psql("postgres", f"CREATE DATABASE {args.db}")
        t = time.perf_counter()
        seeded = cli({**env_a, "SINERGI_MODE": "demo"}, "demo", "--no-serve")
        if seeded.returncode:
            raise SystemExit(seeded.stderr[-3000:])
        print(f"demo loaded into {args.db} in {time.perf_counter() - t:.0f} s")
    tokens = []
    for username, src, dst in USERS:
        made = cli(env_a, "token", "create", username, "--name", f"bench-{time.time_ns()}")
        if made.returncode:
            raise SystemExit(made.stderr)
        tokens.append((made.stdout.strip(), src, dst))
    if args.regions:
        code = SETUP.replace("N]", f"{args.regions}]").replace("STAMP", str(time.time_ns()))
        made = cli(env_a, "manage", "shell", "-c", code)
        if made.returncode:
            raise SystemExit(made.stderr[-3000:])
        for line in made.stdout.splitlines():
            if line.count("|") == 2:
                secret, src, dst = line.split("|")
                tokens.append((secret, src, dst))
        print(f"writers' agencies: Sanggau and {len(tokens) - len(USERS)} further kabupaten/kota")
    before_requests = int(psql(args.db, "select count(*) from coordination_request"))
    before_audit = int(psql(args.db, "select count(*) from core_auditentry"))
    ports = [free_port(), free_port()]
    procs: list[subprocess.Popen[bytes]] = []
    logs = []
    try:
        for machine, port in zip(machines, ports, strict=True):
            env = env_for(args.db, machine)
            for argv in (
                ["serve", "--no-worker", "--workers", "1", "--port", str(port)],
                ["worker", "--interval", "2"],
            ):
                log = (machine / f"{argv[0]}.log").open("wb")
                logs.append(log)
                procs.append(
                    subprocess.Popen(  # noqa: S603 - fixed argv
                        [sys.executable, "-m", "sinergi.cli", *argv],
                        env=env,
                        stdout=log,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        for port in ports:
            wait_up(port)
        load = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} cores, load average before the run "
            f"{' '.join(f'{x:.2f}' for x in load)}; PostgreSQL on the same machine"
        )
        one = hammer(ports[:1], tokens[:1], 1, min(5.0, args.seconds))
        samples: list[tuple[int, int, int]] = []
        done = threading.Event()

        def sample() -> None:
            # Backends of this database running a statement, and those of them waiting on
            # a row or transaction lock (the audit head's SELECT … FOR UPDATE among them).
            sql = (
                "select count(*) filter (where state = 'active'), count(*) filter (where "
                "state = 'active' and wait_event_type = 'Lock'), count(*) filter (where "
                "state = 'active' and wait_event_type = 'Lock' and query like "
                "'%core_audithead%') from pg_stat_activity "
                "where datname = current_database() and pid <> pg_backend_pid()"
            )
            while not done.wait(0.5):
                active, waiting, head = psql(args.db, sql).split("|")
                samples.append((int(active), int(waiting), int(head)))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        many = hammer(ports, tokens, args.writers, args.seconds)
        done.set()
        sampler.join()
        load = os.getloadavg()
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        for log in logs:
            log.close()
    print(f"load average after: {' '.join(f'{x:.2f}' for x in load)}")
    for name, r in (("1 writer, 1 server", one), (f"{args.writers} writers, 2 servers", many)):
        print(
            f"{name:>24}: {r['ok']:6} writes in {r['elapsed']:.1f} s = {r['rate']:7.1f} "
            f"writes/s, p50 {r['p50']:.0f} ms, p95 {r['p95']:.0f} ms, errors {r['errors'] or 0}"
        )
    if samples:
        active = statistics.mean(a for a, _, _ in samples)
        waiting = statistics.mean(w for _, w, _ in samples)
        head = statistics.mean(h for _, _, h in samples)
        print(
            f"PostgreSQL backends during the run (mean of {len(samples)} samples): "
            f"{active:.1f} running a statement, {waiting:.1f} of them waiting on a lock, "
            f"{head:.1f} of those on the audit head (core_audithead)"
        )
    rows = int(psql(args.db, "select count(*) from coordination_request")) - before_requests
    audit = int(psql(args.db, "select count(*) from core_auditentry")) - before_audit
    ok = int(one["ok"]) + int(many["ok"])  # type: ignore[call-overload]
    print(f"request rows added {rows} for {ok} answers 201; audit entries added {audit}")
    t = time.perf_counter()
    verify = cli(env_a, "audit", "verify")
    took = time.perf_counter() - t
    chain = [
        x
        for x in (verify.stdout + verify.stderr).splitlines()
        if "Audit chain" in x or "Audit log" in x or "BROKEN" in x
    ]
    # The file check of `audit verify` looks in this run's data folders: with --reuse the
    # files of the first run's demo are elsewhere, so only the chain's verdict is shown.
    print(f"audit verify ({took:.1f} s): " + (" | ".join(chain) or verify.stderr.strip()[:500]))
    chains = psql(args.db, "select count(*) from core_audithead")
    print(f"audit head rows: {chains}")
    doubled = psql(
        args.db,
        "select count(*) from (select job, period from core_tickrun "
        "group by job, period having count(*) > 1) d",
    )
    jobs = psql(args.db, "select count(*), count(distinct job) from core_tickrun")
    print(f"tick runs (rows, jobs): {jobs}; (job, period) recorded twice: {doubled}")
    steps = psql(
        args.db,
        "select count(*), count(distinct (request_id, clock_cycle, step)) "
        "from coordination_requestevent where step <> ''",
    )
    escalations = psql(
        args.db,
        "select count(*) from core_auditentry where action = 'request.escalate'",
    )
    print(
        f"escalation step events (all, distinct request/cycle/step): {steps}; "
        f"request.escalate audit entries: {escalations}"
    )
    tracebacks = {
        f"{m.name}/{log}": (m / log).read_text(errors="replace").count("Traceback")
        for m in machines
        for log in ("serve.log", "worker.log")
    }
    print(f"tracebacks in the logs: {tracebacks}")
    print(f"logs: {root}")


if __name__ == "__main__":
    main()
