"""Lists at scale: the request list (first and last page) and an agency's inbox as the
Bupati, who leads the region every generated agency sits in, p50/p95 and queries per page;
next to the query shape used before (``pk IN`` over an OR across joins, counted in full,
the last page by OFFSET) timed on the same database in the same run.

    PYTHONPATH=src .venv/bin/python bench/lists.py [--requests N] [--agencies N] [--runs K]
    PYTHONPATH=src .venv/bin/python bench/lists.py --reuse DATA_DIR   # an earlier SQLite run

Seeds like ``bench/insights.py`` (bulk insert, not the services), whose data directory can
be reused here. SQLite in a temporary data directory by default; PostgreSQL with
``SINERGI_DATABASE_URL=postgresql://…/db`` (the database is emptied and migrated unless
``--reuse`` is given, with any value). Targets: p95 ≤ 150 ms on PostgreSQL, ≤ 300 ms on
SQLite. Run it with another checkout's ``src`` on ``PYTHONPATH`` to time that code's
pages (the reference rows need nothing new).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _timing import timed

NOW_DEMO = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)


def seed(requests: int, agencies: int) -> None:
    """The demo, ``agencies`` agencies in Sanggau and ``requests`` requests among them."""
    import random

    from sinergi.agencies.models import Agency
    from sinergi.coordination.models import Request
    from sinergi.demo import load_demo
    from sinergi.regions.models import Region

    t = time.perf_counter()
    load_demo(now=NOW_DEMO)
    region = Region.objects.get(code="61.03")
    have = Agency.objects.filter(region=region).count()
    Agency.objects.bulk_create(
        [
            Agency(
                slug=f"bench-opd-{i:04d}",
                name=f"Instansi Uji {i:04d}",
                short_name=f"Uji {i:04d}",
                kind="opd",
                region=region,
                created_at=NOW_DEMO,
                updated_at=NOW_DEMO,
            )
            for i in range(max(0, agencies - have))
        ],
        batch_size=1000,
    )
    ids = list(Agency.objects.filter(region=region).values_list("pk", flat=True))[:agencies]
    rng = random.Random(2026)
    real_now = dt.datetime.now(dt.UTC)
    start = real_now - dt.timedelta(days=3 * 365)
    span = int((real_now - start).total_seconds())
    made = 0
    while made < requests:
        rows = []
        for k in range(min(20_000, requests - made)):
            to_id = rng.choice(ids)
            from_id = rng.choice(ids)
            submitted = start + dt.timedelta(seconds=rng.randrange(span))
            due = submitted + dt.timedelta(days=14)
            answered = rng.random() < 0.93 and due < real_now
            rows.append(
                Request(
                    region_id=region.pk,
                    from_agency_id=from_id,
                    to_agency_id=to_id,
                    kind="information",
                    subject=f"Permintaan uji {made + k}",
                    body="-",
                    status="answered" if answered else "submitted",
                    sla_days=10,
                    clock_started_at=submitted,
                    due_date=due.date(),
                    due_at=due,
                    submitted_at=submitted,
                    answered_at=due - dt.timedelta(days=3) if answered else None,
                    created_at=submitted,
                    updated_at=submitted,
                )
            )
        Request.objects.bulk_create(rows, batch_size=2000)
        made += len(rows)
    print(f"seeded {requests:,} requests, {len(ids)} agencies in {time.perf_counter() - t:.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100_000)
    parser.add_argument("--agencies", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--reuse", metavar="DATA_DIR", help="an earlier run's data (no seeding)")
    parser.add_argument(
        "--last",
        default="last",
        help="page parameter of the last page (code before bounded pages: 99999, which "
        "Django's get_page turns into the last page)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="sinergi-bench-lists-"))
    os.environ["SINERGI_DATA_DIR"] = args.reuse or str(work / "data")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    os.environ.setdefault("SINERGI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    if not os.environ.get("PYTHONPATH"):
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.core.paginator import Paginator
    from django.db import connection
    from django.db.models import Q
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "postgresql" and not args.reuse:
        call_command("flush", "--no-input", "-v", "0")
    call_command("migrate", "--no-input", "-v", "0")
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.agencies.selectors import leader_region_codes, user_memberships
    from sinergi.coordination.models import Request

    if not args.reuse:
        seed(args.requests, args.agencies)
    import sinergi

    print(
        f"database: {connection.vendor}, {Request.objects.count():,} requests; "
        f"code: {Path(sinergi.__file__).parents[1]}"
    )
    bupati = User.objects.get(username="bupati")
    busy = Agency.objects.filter(slug__startswith="bench-opd-").order_by(
        "slug"
    ).first() or Agency.objects.get(slug="dinkes-sanggau")
    client = Client()
    client.force_login(bupati)
    settings.DEBUG = False

    def page(url: str) -> Callable[[], Any]:
        def call() -> None:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return call

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        return len(ctx.captured_queries)

    # The query shape before "Lists at scale", rebuilt here as a reference.
    def old_visible() -> Any:
        ids = [m.agency_id for m in user_memberships(bupati)]
        cond = Q(from_agency_id__in=ids) | Q(to_agency_id__in=ids) | Q(previous_handlers__in=ids)
        for code in leader_region_codes(bupati):
            for side in ("from_agency__region__code", "to_agency__region__code"):
                cond |= Q(**{side: code}) | Q(**{f"{side}__startswith": code + "."})
        qs = Request.objects.filter(pk__in=Request.objects.filter(cond).values("pk"))
        return qs.select_related("from_agency", "to_agency", "region").order_by("due_at", "pk")

    def old_page(last: bool) -> Callable[[], Any]:
        def call() -> None:
            p = Paginator(old_visible(), 30)
            list(p.page(p.num_pages if last else 1))

        return call

    def new_page(number: Any) -> Callable[[], Any]:
        def call() -> None:
            from sinergi.coordination.selectors import Filters, requests_search
            from sinergi.core.paging import bounded_page

            qs = requests_search(user=bupati, filters=Filters(), now=dt.datetime.now(dt.UTC))
            list(bounded_page(qs, number, 30))

        return call

    cases: list[tuple[str, Callable[[], Any], str | None]] = [
        ("GET /permintaan/daftar/ (Bupati, first page)", page("/permintaan/daftar/"), None),
        (
            f"GET /permintaan/daftar/?page={args.last} (Bupati)",
            page(f"/permintaan/daftar/?page={args.last}"),
            None,
        ),
        (
            f"GET /permintaan/?agency={busy.slug} (inbox)",
            page(f"/permintaan/?agency={busy.slug}"),
            None,
        ),
        ("GET /permintaan/ (Bupati's own inbox)", page("/permintaan/"), None),
        ("reference: old query, count + first page", old_page(False), "old"),
        ("reference: old query, count + last page (OFFSET)", old_page(True), "old"),
        ("query now: bounded count + first page", new_page(1), "new"),
        ("query now: bounded count + last page (reversed)", new_page("last"), "new"),
    ]
    print(f"\n{'operation':<56} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  ({args.runs} runs)")
    for label, fn, kind in cases:
        try:
            p50, p95 = timed(fn, args.runs)
        except (AssertionError, ImportError) as exc:
            print(f"{label:<56} skipped: {str(exc)[:100]}")
            continue
        n = "" if kind else str(queries(label.split(" ")[1]))
        print(f"{label:<56} {p50:8.1f} {p95:8.1f} {n:>8}")


if __name__ == "__main__":
    main()
