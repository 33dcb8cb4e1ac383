"""How long audited writers wait on the audit chain head: one chain versus several.

    SINERGI_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/audit_lock \\
        PYTHONPATH=src .venv/bin/python bench/audit_lock.py [--threads 40] [--seconds 10]
        [--hold-ms 20] [--regions 10]

Migrates the (PostgreSQL) database, then runs ``--threads`` threads, each in a loop:
open a transaction, ``audit_record`` one entry, keep the transaction open ``--hold-ms``
(the rest of a service's work: its other rows, its events) and commit. First with every
writer in one kabupaten (one chain: what every write in the country did before the
chains were per region), then with the writers spread over ``--regions`` kabupaten. The
hold is a sleep, so the figures measure waiting on the head row, not CPU: with one chain
the rate cannot exceed 1000 / hold-ms transactions/s whatever the number of writers.
Prints transactions/s and ends with ``audit_verify``.
"""

from __future__ import annotations

import argparse
import os
import threading
import time

import django


def main() -> None:
    """Migrate, run both modes, verify."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=40)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--hold-ms", type=float, default=20)
    parser.add_argument("--regions", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from sinergi.core.audit import audit_record, audit_verify
    from sinergi.core.clock import now
    from sinergi.core.permissions import SYSTEM

    call_command("migrate", verbosity=0)
    regions = [f"61.{k:02d}.01" for k in range(1, args.regions + 1)]

    def run(spread: bool) -> float:
        done = [0]
        lock = threading.Lock()
        deadline = time.monotonic() + args.seconds

        def writer(i: int) -> None:
            region = regions[i % len(regions)] if spread else regions[0]
            n = 0
            while time.monotonic() < deadline:
                with transaction.atomic():
                    audit_record(
                        actor=SYSTEM,
                        action="bench.lock",
                        object_type="bench",
                        region=region,
                        object_id=f"{i}-{n}",
                        now=now(),
                    )
                    time.sleep(args.hold_ms / 1000)
                n += 1
            with lock:
                done[0] += n
            connection.close()

        threads = [threading.Thread(target=writer, args=(i,)) for i in range(args.threads)]
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        return done[0] / (time.monotonic() - began)

    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"{args.threads} writers, {args.hold_ms:g} ms held per transaction, load {load}")
    one = run(False)
    print(f"one chain:            {one:7.1f} transactions/s")
    many = run(True)
    print(f"{args.regions} chains:            {many:7.1f} transactions/s")
    t = time.perf_counter()
    result = audit_verify(anchors=False)
    print(
        f"audit_verify: ok={result.ok}, {len(result.chains)} chains, {result.checked} entries, "
        f"{time.perf_counter() - t:.1f} s"
    )


if __name__ == "__main__":
    main()
