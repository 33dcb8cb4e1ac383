"""Benchmark of the daily digest tick: the per-minute tick when no zone has reached the
digest hour, when every digest of the day is already sent, and when a batch of users is
due, for the old rule (every user loaded and placed in Python at every tick, kept below
for comparison) and the new one (due users selected in SQL, at most ``DIGEST_BATCH`` a
tick).

Bulk-creates the Kemendagri regions (their four stored zones: Asia/Jakarta,
Asia/Pontianak, Asia/Makassar, Asia/Jayapura), an agency in each regency and city, ``--users``
users with one to three memberships each (two on average, as 400,000 for 200,000
nationally) and ``--days`` days of past digests, in a temporary SQLite database, or in
the empty PostgreSQL database named by ``SINERGI_DATABASE_URL`` (analysed after each bulk
change, as autovacuum would). There are no requests, so every digest is built (the
coordination and notification sections queried) but empty: recorded, not emailed.

    .venv/bin/python bench/digest.py --users 20000
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def old_send_digests(*, now: dt.datetime, hour: int) -> dict[str, int]:
    """``send_digests`` as it was before the due users were selected in SQL."""
    from django.db import IntegrityError, transaction

    from sinergi.accounts.models import User
    from sinergi.notifications.digest import digest_sections, digest_text, user_place
    from sinergi.notifications.models import DigestSent
    from sinergi.notifications.outbox import build_email, queue

    users = (
        User.objects.filter(is_active=True, memberships__isnull=False)
        .exclude(email="")
        .exclude(notification_preference__daily_digest=False)
        .prefetch_related("memberships__agency__region")
        .distinct()
    )
    recent = now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    sent_before = set(DigestSent.objects.filter(date__gte=recent).values_list("user_id", "date"))
    sent = empty = 0
    for user in users:
        _ids, tz, _code = user_place(user)
        local = now.astimezone(tz)
        if local.hour < hour or (user.pk, local.date()) in sent_before:
            continue
        try:
            with transaction.atomic():
                row = DigestSent.objects.create(user=user, date=local.date(), created_at=now)
                sections = digest_sections(user=user, now=now)
                row.items = sum(len(s.lines) for s in sections if s.counts)
                row.save(update_fields=["items"])
                if not row.items:
                    empty += 1
                    continue
                subject, body = digest_text(local.date(), sections)
                queue([build_email(to=user.email, subject=subject, body=body)], now=now)
                sent += 1
        except IntegrityError:
            continue
    return {"sent": sent, "empty": empty}


def seed(*, users: int, days: int, today: dt.date, now: dt.datetime) -> list[int]:
    """Regions, agencies, users with memberships and past digests; the user ids."""
    from django.contrib.auth.hashers import make_password

    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency, Membership
    from sinergi.notifications.models import DigestSent
    from sinergi.regions import services as regions
    from sinergi.regions.models import Region

    path = Path(regions.__file__).parent / "data" / regions.REFERENCE_FILE
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    Region.objects.bulk_create(
        Region(code=r["code"], name=r["name"], level=r["level"], timezone=r["timezone"])
        for r in rows
    )
    # One agency per regency and city: Django 5.2 prefetches the old rule's agencies in an
    # OR chain that SQLite refuses past 1,000 of them ("Expression tree is too large").
    regencies = list(Region.objects.filter(level__in=("regency", "city")).order_by("code"))
    Agency.objects.bulk_create(
        Agency(
            slug=f"bench-{i}",
            name=f"Dinas {i}",
            kind="opd",
            region=regencies[i % len(regencies)],
            created_at=now,
            updated_at=now,
        )
        for i in range(len(regencies))
    )
    agencies = list(Agency.objects.values_list("pk", flat=True))
    rng = random.Random(17)
    unusable = make_password(None)
    User.objects.bulk_create(
        (
            User(username=f"u{i}", email=f"u{i}@bench.invalid", password=unusable)
            for i in range(users)
        ),
        batch_size=2000,
    )
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    Membership.objects.bulk_create(
        (
            Membership(user_id=pk, agency_id=a, role="staff", created_at=now, updated_at=now)
            for pk in ids
            for a in rng.sample(agencies, rng.choice((1, 2, 3)))
        ),
        batch_size=5000,
    )
    DigestSent.objects.bulk_create(
        (
            DigestSent(user_id=pk, date=today - dt.timedelta(days=d), created_at=now)
            for d in range(1, days + 1)
            for pk in ids
        ),
        batch_size=5000,
    )
    return ids


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, int, Any]:
    """Median milliseconds of ``repeat`` runs, queries of the last run and its result."""
    from django.db import connection

    took: list[float] = []
    result: Any = None
    queries = 0

    def count(execute: Any, *args: Any) -> Any:
        nonlocal queries
        queries += 1
        return execute(*args)

    for _ in range(repeat):
        queries = 0
        with connection.execute_wrapper(count):
            t = time.perf_counter()
            result = fn()
            took.append((time.perf_counter() - t) * 1000)
    return statistics.median(took), queries, result


def analyze() -> None:
    """Planner statistics after a bulk change, as autovacuum would gather them."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--days", type=int, default=7, help="past days of digests per user")
    parser.add_argument("--repeat", type=int, default=5, help="runs of the quick ticks")
    args = parser.parse_args()
    os.environ["SINERGI_DATA_DIR"] = tempfile.mkdtemp(prefix="sinergi-bench-digest-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    os.environ.setdefault("SINERGI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", "--no-input", "-v", "0")
    from sinergi.notifications.digest import DIGEST_BATCH, send_digests
    from sinergi.notifications.models import DigestSent

    hour = settings.SINERGI_DIGEST_HOUR
    today = dt.date(2026, 12, 14)
    # 20:00 UTC: 03:00 in Jakarta, 04:00 in Makassar, 05:00 in Jayapura.
    quiet = dt.datetime(2026, 12, 13, 20, 0, tzinfo=dt.UTC)
    # 10:00 UTC: 17:00 to 19:00 local, every zone past the hour, all on 14 Dec.
    busy = dt.datetime(2026, 12, 14, 10, 0, tzinfo=dt.UTC)
    t = time.perf_counter()
    ids = seed(users=args.users, days=args.days, today=today, now=quiet)
    analyze()
    print(
        f"{connection.vendor}: {len(ids)} users, {DigestSent.objects.count()} past digests, "
        f"seeded in {time.perf_counter() - t:.1f} s"
    )

    def today_sent(except_every: int = 0) -> None:
        """Today's digests for every user but every ``except_every``-th one."""
        DigestSent.objects.filter(date=today).delete()
        DigestSent.objects.bulk_create(
            (
                DigestSent(user_id=pk, date=today, created_at=busy)
                for i, pk in enumerate(ids)
                if not except_every or i % except_every
            ),
            batch_size=5000,
        )
        analyze()

    def run(label: str, fn: Callable[[], Any], repeat: int) -> None:
        ms, queries, result = timed(fn, repeat)
        print(f"  {label}: {ms:,.1f} ms, {queries} queries, {result}")

    for name, tick in (
        ("old", lambda now: old_send_digests(now=now, hour=hour)),
        ("new", lambda now: send_digests(now=now, hour=hour)),
    ):
        print(f"{name}:")
        run("no zone at the digest hour", lambda tick=tick: tick(quiet), args.repeat)
        today_sent()
        run("every digest already sent", lambda tick=tick: tick(busy), args.repeat)
        # One user in every len(ids) / DIGEST_BATCH without today's digest: a batch is due.
        today_sent(except_every=max(1, len(ids) // DIGEST_BATCH))
        due = len(ids) - DigestSent.objects.filter(date=today).count()
        run(f"{due} users due", lambda tick=tick: tick(busy), 1)
    print("new, everybody due (the first tick after 07:00 in every zone at once):")
    DigestSent.objects.filter(date=today).delete()
    analyze()
    run(f"{len(ids)} users due", lambda: send_digests(now=busy, hour=hour), 1)
    left = len(ids) - DigestSent.objects.filter(date=today).count()
    print(f"  left for the next ticks: {left}")


if __name__ == "__main__":
    main()
