"""Benchmark of the programs module on a 10,000-item program stored in the database.

Builds a fresh SQLite database in a temporary data directory (regions, agencies and demo
users from ``sinergi.demo``), adds one program with N work items owned by six agencies,
about three links per item of all four types (lags -2..5), progress on the first tenth
and two status dates, then times through Django's test client with a bearer token:

- the schedule endpoint cold (engine run + baseline comparison + JSON), warm (cached by
  plan version) and right after a plan change (PATCH of one work item, recomputed);
- the work-item table endpoint (first page, filtered to critical items);
- the Gantt SVG (400 rows drawn) and the delay attribution over the status dates;
- MSPDI export of the whole program and import into an empty program;
- XLSX export, and XLSX import as a background job (the task function run directly);
- the HTML programme page and Gantt page with a browser session (cold and warm), for the
  generated programme and for the demo's biggest one.

    .venv/bin/python bench/programs.py                 # 10,000 items
    .venv/bin/python bench/programs.py --items 2000    # quick
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any


def timed(fn: Callable[[], Any], runs: int = 1) -> tuple[float, list[float], Any]:
    """Best wall time in seconds over ``runs`` calls, all times, and the last result."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), times, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=4)
    args = parser.parse_args()
    data_dir = tempfile.mkdtemp(prefix="bench-programs-")
    os.environ["SINERGI_DATA_DIR"] = data_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    call_command("migrate", verbosity=0)
    from sinergi.accounts.models import User
    from sinergi.accounts.services import token_create
    from sinergi.agencies.models import Agency
    from sinergi.core.permissions import SYSTEM
    from sinergi.demo import load_demo
    from sinergi.programs import exchange, services
    from sinergi.programs.models import Dependency, ProgressUpdate, WorkItem
    from sinergi.programs.scheduling import CALENDAR, clear_caches

    now = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    load_demo(now=now)
    print(f"demo data loaded in {time.perf_counter() - t0:.1f} s ({data_dir})")
    rng = random.Random(args.seed)
    n = args.items
    slugs = [
        "dpupr-sanggau",
        "kantah-sanggau",
        "dlh-sanggau",
        "dpmptsp-sanggau",
        "perumda-air-minum-sanggau",
        "bappeda-sanggau",
    ]
    agencies = [Agency.objects.get(slug=s) for s in slugs]
    today = now.date()
    start = today - dt.timedelta(days=120)
    t0 = time.perf_counter()
    with transaction.atomic():
        program = services.program_create(
            actor=SYSTEM,
            code="BENCH-10K",
            title="Benchmark program",
            coordinator=agencies[0],
            planned_start=start,
            visibility="public",
            now=now,
        )
        for a in agencies[1:]:
            services.program_add_partner(
                actor=SYSTEM, program=program, agency=a, mode="multi_sectoral", role="", now=now
            )
        items = WorkItem.objects.bulk_create(
            [
                WorkItem(
                    program=program,
                    wbs=f"{i // 100 + 1}.{i % 100 + 1}",
                    title=f"Work item {i}",
                    owner=agencies[rng.randrange(len(agencies))],
                    duration=rng.randint(0, 20),
                )
                for i in range(n)
            ],
            batch_size=2000,
        )
        for w in items:
            w.milestone = w.duration == 0
        ids = list(
            WorkItem.objects.filter(program=program).order_by("pk").values_list("pk", flat=True)
        )
        layer = max(n // 50, 1)  # 50 layers; links go from an earlier layer to a later one
        links = set()
        for i in range(layer, n):
            first_of_layer = i // layer * layer
            for _ in range(3):
                j = rng.randrange(0, first_of_layer)
                links.add((ids[j], ids[i]))
        Dependency.objects.bulk_create(
            [
                Dependency(
                    program=program,
                    predecessor_id=a,
                    successor_id=b,
                    type=rng.choice(["FS", "FS", "SS", "FF", "SF"]),
                    lag=rng.randint(-2, 5),
                )
                for a, b in links
            ],
            batch_size=5000,
        )
    print(
        f"built {n:,} work items and {len(links):,} dependencies "
        f"in {time.perf_counter() - t0:.1f} s"
    )
    program.refresh_from_db()
    best, _, baseline = timed(
        lambda: services.baseline_take(
            actor=SYSTEM, program=program, name="Baseline", data_date=start, now=now
        )
    )
    print(f"baseline taken (engine run + snapshot of {n:,} items) in {best:.3f} s")
    # Progress on the first tenth at two status dates, a little late.
    first = WorkItem.objects.filter(program=program).order_by("pk")[: n // 10]
    d1, d2 = CALENDAR.date_at(start, 20), CALENDAR.date_at(start, 40)
    rows = []
    for w in first:
        rows.append(
            ProgressUpdate(
                program=program,
                work_item=w,
                data_date=d1,
                percent_complete=40,
                actual_start=start,
                created_at=now,
            )
        )
        rows.append(
            ProgressUpdate(
                program=program,
                work_item=w,
                data_date=d2,
                percent_complete=100,
                actual_start=start,
                actual_finish=d2 - dt.timedelta(days=1),
                created_at=now,
            )
        )
    ProgressUpdate.objects.bulk_create(rows, batch_size=5000)
    WorkItem.objects.filter(pk__in=[w.pk for w in first]).update(
        percent_complete=100,
        actual_start=start,
        actual_finish=d2 - dt.timedelta(days=1),
        status="completed",
    )
    services.bump_plan(program, now)

    user = User.objects.get(username="pupr")
    _tok, secret = token_create(actor=SYSTEM, user=user, name="bench", now=now)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    base = "/api/v1/programs/BENCH-10K"

    def get(url: str) -> Any:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.content[:300])
        return r

    first, _, _ = timed(lambda: get("/api/v1/programs"))
    print(f"first API request of the process (URL, Ninja and auth set-up): {first:.3f} s")
    cold, _, r = timed(lambda: get(f"{base}/schedule"))
    print(f"schedule endpoint right after the progress import: {cold:.3f} s")
    clear_caches()
    cold, _, r = timed(lambda: get(f"{base}/schedule"))
    body = r.json()
    print(
        f"schedule endpoint, caches cleared (baseline rescheduled from its snapshot, engine, "
        f"comparison, JSON of {len(r.content) / 1e6:.1f} MB): {cold:.3f} s; "
        f"finish {body['finish_date']}, "
        f"slip {body['project_slip']}, critical path {len(body['critical_path'])} items"
    )
    warm, runs, _ = timed(lambda: get(f"{base}/schedule"), runs=5)
    print(
        f"schedule endpoint, warm (cached by plan version): best {warm * 1000:.1f} ms, "
        f"median {statistics.median(runs) * 1000:.1f} ms"
    )
    item = WorkItem.objects.filter(program=program).order_by("-pk").first()
    assert item is not None

    def change_then_get() -> Any:
        r = client.patch(
            f"{base}/work-items/{item.pk}",
            data={"duration": rng.randint(1, 30)},
            content_type="application/json",
        )
        assert r.status_code == 200, r.content[:300]
        return get(f"{base}/schedule")

    changed, runs, _ = timed(change_then_get, runs=3)
    print(
        f"PATCH one work item (recomputes) + schedule endpoint: best {changed:.3f} s "
        f"(runs {', '.join(f'{t:.3f}' for t in runs)})"
    )
    table, _, _ = timed(lambda: get(f"{base}/work-items?critical=true&limit=50"), runs=3)
    print(f"work-item table, critical filter, first page (cached schedule): {table * 1000:.1f} ms")
    gantt, _, r = timed(lambda: get(f"{base}/gantt?zoom=month"), runs=3)
    print(f"Gantt SVG (400 rows drawn): {gantt * 1000:.1f} ms, {len(r.content) / 1e3:.0f} kB")
    html_pages(program.code, clear_caches)
    clear_caches()
    attr, _, r = timed(lambda: get(f"{base}/attribution"))
    print(f"delay attribution over {len(r.json()['windows'])} status periods (cold): {attr:.3f} s")
    exp, _, xml = timed(lambda: exchange.export_mspdi(program, now=now))
    print(f"MSPDI export: {exp:.3f} s, {len(xml) / 1e6:.1f} MB")
    target = services.program_create(
        actor=SYSTEM,
        code="BENCH-IMPORT",
        title="Import",
        coordinator=agencies[0],
        planned_start=start,
        now=now,
    )
    for a in agencies[1:]:
        services.program_add_partner(
            actor=SYSTEM, program=target, agency=a, mode="multi_sectoral", role="", now=now
        )
    imp, _, counts = timed(
        lambda: exchange.schedule_import(
            actor=SYSTEM, program=target, data=xml, fmt="mspdi", now=now
        )
    )
    print(
        f"MSPDI import into an empty program: {imp:.3f} s "
        f"({counts['work_items']:,} items, {counts['dependencies']:,} links)"
    )
    from sinergi.programs import xlsx

    xexp, _, book = timed(lambda: xlsx.export_xlsx(program, now=now))
    print(f"XLSX export: {xexp:.3f} s, {len(book) / 1e6:.1f} MB")
    target2 = services.program_create(
        actor=SYSTEM,
        code="BENCH-XLSX",
        title="Import XLSX",
        coordinator=agencies[0],
        planned_start=start,
        now=now,
    )
    for a in agencies[1:]:
        services.program_add_partner(
            actor=SYSTEM, program=target2, agency=a, mode="multi_sectoral", role="", now=now
        )
    job = exchange.import_start(
        actor=SYSTEM, program=target2, data=book, fmt="xlsx", filename="bench.xlsx", now=now
    )
    ximp, _, done = timed(lambda: exchange.import_run(job_id=job.pk, now=now))
    print(
        f"XLSX import as a background job (read with progress, check, write): {ximp:.3f} s "
        f"({done.state}, {done.counts.get('work_items', 0):,} items, "
        f"{done.counts.get('dependencies', 0):,} links)"
    )
    del baseline
    print(
        "python",
        sys.version.split()[0],
        "| database: SQLite (WAL) in",
        data_dir,
        "| load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg()),
    )


def html_pages(code: str, clear_caches: Callable[[], None]) -> None:
    """The programme page and its Gantt page as a partner opens them in the browser (Django
    test client with a session: middleware, permission checks, schedule, templates), for the
    generated programme and for the demo's biggest one; cold = schedule cache cleared."""
    from django.db.models import Count
    from django.test import Client

    from sinergi.accounts.models import User
    from sinergi.programs.models import Program

    browser = Client()
    browser.force_login(User.objects.get(username="pupr"))
    demo_biggest = (
        Program.objects.exclude(code__startswith="BENCH")
        .annotate(n=Count("work_items"))
        .order_by("-n")
        .first()
    )
    targets = [(code, Program.objects.get(code=code).work_items.count())]
    if demo_biggest is not None:
        targets.append((demo_biggest.code, demo_biggest.n))  # type: ignore[attr-defined]
    for prog, n in targets:
        for label, url in (
            ("page", f"/program/{prog}/"),
            ("Gantt page", f"/program/{prog}/gantt/"),
        ):

            def page(url: str = url) -> Any:
                r = browser.get(url)
                assert r.status_code == 200, (url, r.status_code)
                return r

            clear_caches()
            cold, _, r = timed(page)
            warm, runs, _ = timed(page, runs=7)
            print(
                f"HTML programme {label} {prog} ({n:,} items, {len(r.content) / 1e3:.0f} kB): "
                f"cold {cold * 1000:.0f} ms, warm best {warm * 1000:.1f} ms, "
                f"median {statistics.median(runs) * 1000:.1f} ms"
            )


if __name__ == "__main__":
    main()
