"""Benchmark of the coordination tick: the per-minute no-op tick and the tick that applies
escalation steps to many overdue requests; the daily digest (first run at 07:00 and the
per-minute no-op after it) and the navigation badge's COUNT query (SQLite in a temporary
data directory).

    .venv/bin/python bench/coordination_tick.py --requests 2000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    os.environ["SINERGI_DATA_DIR"] = tempfile.mkdtemp(prefix="sinergi-bench-coord-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    os.environ.setdefault("SINERGI_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", "--no-input", "-v", "0")
    from sinergi.accounts.models import User
    from sinergi.coordination import services
    from sinergi.coordination.models import Request, RequestEvent
    from sinergi.demo import load_demo

    now = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)
    t = time.perf_counter()
    load_demo(now=now)
    print(f"demo load (core + coordination replay): {time.perf_counter() - t:.2f} s")
    pupr = User.objects.get(username="pupr")
    start = now + dt.timedelta(days=1)
    t = time.perf_counter()
    for i in range(args.requests):
        services.request_submit(
            actor=pupr,
            from_agency="dpupr-sanggau",
            to_agency="kantah-sanggau" if i % 2 else "dinkes-sanggau",
            kind="data",
            subject=f"Bench {i}",
            body="Mohon data.",
            now=start,
        )
    took = time.perf_counter() - t
    print(
        f"submit: {args.requests} requests in {took:.2f} s "
        f"({took / args.requests * 1000:.1f} ms each)"
    )
    quiet = start + dt.timedelta(days=3)
    t = time.perf_counter()
    for _ in range(20):
        services.escalate_due(now=quiet)
    print(f"tick with nothing due: {(time.perf_counter() - t) / 20 * 1000:.2f} ms")
    late = start + dt.timedelta(days=40)
    t = time.perf_counter()
    result = services.escalate_due(now=late)
    took = time.perf_counter() - t
    print(f"tick applying {result['steps']} steps on {result['requests']} requests: {took:.2f} s")
    t = time.perf_counter()
    again = services.escalate_due(now=late)
    print(f"same tick again: {again['steps']} steps, {(time.perf_counter() - t) * 1000:.1f} ms")
    print(f"requests: {Request.objects.count()}, events: {RequestEvent.objects.count()}")

    from sinergi.coordination.context_processors import badge_counts
    from sinergi.notifications.digest import send_digests

    seven = dt.datetime(2026, 12, 14, 0, 0, tzinfo=dt.UTC)  # Monday 07:00 in Sanggau
    t = time.perf_counter()
    first = send_digests(now=seven)
    print(f"digest at 07:00: {first} in {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    for _ in range(20):
        send_digests(now=seven + dt.timedelta(minutes=1))
    print(f"digest tick after they were sent: {(time.perf_counter() - t) / 20 * 1000:.2f} ms")
    who = User.objects.get(username="pertanahan")
    timings = []
    for _ in range(50):
        t = time.perf_counter()
        counts = badge_counts(who)
        timings.append(time.perf_counter() - t)
    timings.sort()
    print(f"nav badge {counts}: median {timings[25] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
