"""Insights benchmark: 1,000,000 requests between 500 agencies (bulk inserted, not through
the services), the summary tables built from them, then p50/p95 of every insights
endpoint and of the leader dashboard page (Django test client, signed in as the Bupati,
who leads the region all 500 agencies sit in), next to the plain aggregate SQL over the
raw request table in the same run.

    .venv/bin/python bench/insights.py [--requests N] [--agencies N] [--runs K]

SQLite in a temporary data directory by default; PostgreSQL with
``SINERGI_DATABASE_URL=postgresql://…/db`` (the database is emptied and migrated).
Targets: p95 ≤ 150 ms on PostgreSQL, ≤ 300 ms on SQLite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

NOW_DEMO = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def pct(times: list[float]) -> tuple[float, float]:
    """p50 and p95 of a list of milliseconds."""
    times = sorted(times)
    return statistics.median(times), times[max(0, int(np.ceil(0.95 * len(times))) - 1)]


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, float, float, float]:
    """p50 and p95 in milliseconds of ``runs`` calls (after one warm-up call), wall clock
    and this process's CPU time (on a loaded machine the CPU time is the steadier figure;
    with PostgreSQL it leaves out the server's share)."""
    fn()
    times = []
    cpu = []
    for _ in range(runs):
        t = time.perf_counter()
        c = time.process_time()
        fn()
        cpu.append((time.process_time() - c) * 1000)
        times.append((time.perf_counter() - t) * 1000)
    return (*pct(times), *pct(cpu))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument(
        "--regions",
        type=int,
        default=1,
        help="spread the agencies over this many regencies and cities (Sanggau first; "
        "national scale: --agencies 20000 --regions 514)",
    )
    parser.add_argument(
        "--user", default="bupati", help="who reads (bupati: Sanggau; admin: everything)"
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument(
        "--dashboard-only",
        action="store_true",
        help="time only /dasbor/, warm and first read after a tick (a loaded machine)",
    )
    parser.add_argument(
        "--reuse",
        metavar="DATA_DIR",
        help="time again against the SQLite data directory of an earlier run (no seeding)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sinergi-bench-insights-"))
    os.environ["SINERGI_DATA_DIR"] = args.reuse or str(work / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    os.environ.setdefault("SINERGI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.db.models import Q
    from django.test import Client

    engine = connection.vendor
    if engine == "postgresql" and not args.reuse:
        call_command("flush", "--no-input", "-v", "0")
    call_command("migrate", "--no-input", "-v", "0")
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.coordination.models import Request
    from sinergi.core.bulk import BulkWriter
    from sinergi.demo import load_demo
    from sinergi.insights import metrics
    from sinergi.regions.models import Region

    real_now = dt.datetime.now(dt.UTC)
    region = Region.objects.get(code="61.03") if args.reuse else None
    if args.reuse:
        ids = np.array(
            list(
                Agency.objects.filter(Q(region=region) | Q(slug__startswith="bench-opd-"))
                .order_by("pk")
                .values_list("pk", flat=True)
            )
        )
        t = time.perf_counter()
        result = metrics.refresh_facts(now=real_now)
        print(
            f"database: {engine} (reused, {Request.objects.count():,} requests); "
            f"incremental refresh {(time.perf_counter() - t) * 1000:.0f} ms"
        )
    else:
        t = time.perf_counter()
        load_demo(now=NOW_DEMO)
        print(f"database: {engine}; demo loaded in {time.perf_counter() - t:.1f} s")

        # --- agencies -------------------------------------------------------------------
        region = Region.objects.get(code="61.03")
        regions = [region] + list(
            Region.objects.filter(level__in=["regency", "city"])
            .exclude(pk=region.pk)
            .order_by("code")[: max(0, args.regions - 1)]
        )
        existing = list(Agency.objects.filter(region=region).values_list("pk", flat=True))
        need = max(0, args.agencies - len(existing))
        Agency.objects.bulk_create(
            [
                Agency(
                    slug=f"bench-opd-{i:05d}",
                    name=f"Instansi Uji {i:05d}",
                    short_name=f"Uji {i:05d}",
                    kind="opd",
                    region=regions[i % len(regions)],
                    created_at=NOW_DEMO,
                    updated_at=NOW_DEMO,
                )
                for i in range(need)
            ],
            batch_size=1000,
        )
        in_regions = Agency.objects.filter(region__in=regions).order_by("pk")
        ids = np.array(list(in_regions.values_list("pk", flat=True))[: args.agencies])
        code_of = dict(in_regions.values_list("pk", "region_id"))
        print(f"agencies: {len(ids)} in {len(regions)} regions")

        # --- requests -------------------------------------------------------------------
        rng = np.random.default_rng(2026)
        start = real_now - dt.timedelta(days=3 * 365)
        span = int((real_now - start).total_seconds())
        # Some agencies are fast, some chronically late: a per-agency speed factor.
        speed = rng.gamma(2.0, 2.0, len(ids)) + 0.5
        t = time.perf_counter()
        made = 0
        batch = 20_000
        # COPY on PostgreSQL, batched executemany on SQLite: what a migration of history
        # into Sinergi would use, not the services (no events: imported history).
        writer = BulkWriter()
        ts = writer.ts
        columns = [
            "region_id",
            "from_agency_id",
            "to_agency_id",
            "kind",
            "subject",
            "body",
            "status",
            "sla_days",
            "clock_started_at",
            "due_date",
            "due_at",
            "submitted_at",
            "answered_at",
            "created_at",
            "updated_at",
        ]
        while made < args.requests:
            n = min(batch, args.requests - made)
            to_ix = rng.integers(0, len(ids), n)
            from_ix = (to_ix + rng.integers(1, len(ids), n)) % len(ids)
            offs = rng.integers(0, span, n)
            resp_hours = rng.exponential(24 * 7 * speed[to_ix])
            answered = rng.random(n) < 0.93
            rows = []
            for k in range(n):
                submitted = start + dt.timedelta(seconds=int(offs[k]))
                due = submitted + dt.timedelta(days=14)
                ans = submitted + dt.timedelta(hours=float(resp_hours[k]))
                is_answered = bool(answered[k]) and ans < real_now
                rows.append(
                    (
                        code_of[int(ids[to_ix[k]])],
                        int(ids[from_ix[k]]),
                        int(ids[to_ix[k]]),
                        "information",
                        f"Permintaan uji {made + k}",
                        "-",
                        "answered" if is_answered else "submitted",
                        10,
                        ts(submitted),
                        due.date().isoformat(),
                        ts(due),
                        ts(submitted),
                        ts(ans) if is_answered else None,
                        ts(submitted),
                        ts(ans) if is_answered else ts(submitted),
                    )
                )
            with transaction.atomic():
                writer.write(Request, columns, rows)
            made += n
        print(
            f"requests inserted: {Request.objects.count():,} "
            f"in {time.perf_counter() - t:.1f} s (bulk insert)"
        )

        t = time.perf_counter()
        result = metrics.refresh_facts(now=real_now, full=True)
        print(f"summary tables built in {time.perf_counter() - t:.1f} s: {result}")
        # After a bulk load the planner needs statistics, as autovacuum (PostgreSQL) or
        # ``PRAGMA optimize`` (SQLite) would give it within minutes in production.
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        print(f"ANALYZE in {time.perf_counter() - t:.1f} s")
        t = time.perf_counter()
        result = metrics.refresh_facts(now=real_now)
        print(
            f"incremental refresh with nothing changed: {(time.perf_counter() - t) * 1000:.0f} ms"
        )
        one = Request.objects.order_by("-pk").first()
        assert one is not None
        Request.objects.filter(pk=one.pk).update(
            status="answered", answered_at=real_now, updated_at=real_now
        )
        t = time.perf_counter()
        result = metrics.refresh_facts(now=real_now)
        print(
            f"incremental refresh after one request changed: "
            f"{(time.perf_counter() - t) * 1000:.0f} ms ({result['requests']} re-read)"
        )

    # --- timings --------------------------------------------------------------------
    client = Client()
    client.force_login(User.objects.get(username=args.user))
    settings.DEBUG = False

    def get(url: str) -> Callable[[], Any]:
        def call() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.content[:300])

        return call

    w_from = (real_now - dt.timedelta(days=89)).date().isoformat()
    w_to = real_now.date().isoformat()
    first = real_now - dt.timedelta(days=90)

    def raw(sql: str, params: list[Any]) -> Callable[[], Any]:
        def call() -> None:
            with connection.cursor() as cur:
                cur.execute(sql, params)
                cur.fetchall()

        return call

    agency_sql = (
        "SELECT to_agency_id, COUNT(*), SUM(CASE WHEN answered_at IS NOT NULL THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN answered_at <= due_at THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN status IN ('submitted','acknowledged','in_progress','reopened')"
        " AND due_at < %s THEN 1 ELSE 0 END)"
        " FROM coordination_request WHERE submitted_at >= %s AND submitted_at < %s"
        " GROUP BY to_agency_id"
    )
    pair_sql = (
        "SELECT from_agency_id, to_agency_id, COUNT(*),"
        " SUM(CASE WHEN answered_at <= due_at THEN 1 ELSE 0 END)"
        " FROM coordination_request WHERE submitted_at >= %s AND submitted_at < %s"
        " GROUP BY from_agency_id, to_agency_id"
    )
    cases: list[tuple[str, Callable[[], Any]]] = [
        ("GET /api/v1/insights/agencies", get("/api/v1/insights/agencies")),
        ("GET /api/v1/insights/pairs", get("/api/v1/insights/pairs")),
        ("GET /api/v1/insights/programs", get("/api/v1/insights/programs")),
        ("GET /api/v1/insights/summary", get("/api/v1/insights/summary")),
        (
            "GET /api/v1/insights/agencies?agency=… (one agency)",
            get(f"/api/v1/insights/agencies?agency={Agency.objects.get(pk=int(ids[7])).slug}"),
        ),
        (
            "GET /api/v1/insights/agencies (365 days)",
            get(
                "/api/v1/insights/agencies?from="
                + (real_now - dt.timedelta(days=364)).date().isoformat()
            ),
        ),
        (
            "GET /api/v1/public/scoreboard (anonymous)",
            lambda: Client().get("/api/v1/public/scoreboard"),
        ),
        ("GET /publik/skor/ (anonymous)", lambda: Client().get("/publik/skor/")),
        (f"GET /dasbor/ ({args.user})", get("/dasbor/")),
        (
            "raw SQL: per-agency aggregate over the request table (90 days)",
            raw(agency_sql, [real_now, first, real_now]),
        ),
        (
            "raw SQL: per-pair aggregate over the request table (90 days)",
            raw(pair_sql, [first, real_now]),
        ),
    ]
    del w_from, w_to
    if args.dashboard_only:
        cases = [c for c in cases if c[0].startswith("GET /dasbor/")]

    def after_a_change() -> Callable[[], Any]:
        """The first dashboard read after the tick refreshed a changed request: every
        per-process cache of sums and due moments is cold (the refresh is not timed)."""
        victim = Request.objects.order_by("-pk").values_list("pk", flat=True)[5]
        dash = get("/dasbor/")

        def call() -> None:
            moment = dt.datetime.now(dt.UTC)
            Request.objects.filter(pk=victim).update(updated_at=moment)
            t = time.perf_counter()
            metrics.refresh_facts(now=moment)
            ticks.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            c = time.process_time()
            dash()
            cold_cpu.append((time.process_time() - c) * 1000)
            cold.append((time.perf_counter() - t) * 1000)

        return call

    cold: list[float] = []
    cold_cpu: list[float] = []
    ticks: list[float] = []
    print(
        f"\n{'operation':<66} {'p50 ms':>8} {'p95 ms':>8} {'cpu p50':>8} {'cpu p95':>8}"
        f"  ({args.runs} runs)"
    )
    for label, fn in cases:
        try:
            p50, p95, c50, c95 = timed(fn, args.runs)
        except AssertionError as exc:
            print(f"{label:<66} failed: {str(exc)[:120]}")
            continue
        print(f"{label:<66} {p50:8.1f} {p95:8.1f} {c50:8.1f} {c95:8.1f}")
    after_a_change()()  # warm-up
    cold.clear()
    cold_cpu.clear()
    ticks.clear()
    fn = after_a_change()
    for _ in range(max(5, args.runs // 4)):
        fn()
    label = f"GET /dasbor/ ({args.user}), first read after a tick changed data"
    p50, p95 = pct(cold)
    c50, c95 = pct(cold_cpu)
    print(f"{label:<66} {p50:8.1f} {p95:8.1f} {c50:8.1f} {c95:8.1f}  ({len(cold)} runs)")
    p50, p95 = pct(ticks)
    label = "the tick itself (refresh after one request changed, window figures)"
    print(f"{label:<66} {p50:8.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
