"""Add national-scale blood units and agencies to a kabupaten bench database, to time the
blood pages and the agency pickers near national scale without the 12-minute national seed.

``sinergi bench seed --scale kabupaten`` has one blood unit and 40 agencies; national has
500 and 20,000. This adds ``--units`` blood units (default 499) in kabupaten/kota across
the provinces, each with a profile, a stock balance for every cell and ``--days`` days of
ledger (4 movements a day, as the seed writes), and ``--agencies`` plain agencies (default
0), bulk inserted. Then time the pages with ``bench/pages.py``:

    sinergi bench seed --scale kabupaten --data-dir /tmp/kab
    SINERGI_DATA_DIR=/tmp/kab .venv/bin/python bench/national_like.py --units 499
    SINERGI_DATA_DIR=/tmp/kab .venv/bin/python bench/pages.py --no-tick --no-api --only blood
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from typing import Any


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=499, help="blood units to add")
    parser.add_argument("--days", type=int, default=60, help="days of ledger per unit")
    parser.add_argument("--agencies", type=int, default=0, help="plain agencies (OPD) to add")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "sinergi.settings")
    import django

    django.setup()
    from django.db import transaction

    from sinergi.agencies.models import Agency
    from sinergi.blood.models import Movement, Product, Stock, UnitProfile
    from sinergi.core.clock import now as clock_now
    from sinergi.regions.models import Region

    t0 = time.perf_counter()
    now = clock_now()
    rnd = random.Random(17)
    kabs = list(Region.objects.filter(level__in=["regency", "city"]).order_by("code"))
    rnd.shuffle(kabs)
    if args.agencies and not Agency.objects.filter(slug__startswith="opd-bench-").exists():
        Agency.objects.bulk_create(
            (
                Agency(
                    slug=f"opd-bench-{i:05d}",
                    name=f"Dinas Bench {i:05d}",
                    kind="opd",
                    region=kabs[i % len(kabs)],
                    created_at=now,
                    updated_at=now,
                )
                for i in range(args.agencies)
            ),
            batch_size=2000,
        )
        print(f"added {args.agencies} agencies", file=sys.stderr)
    done = Agency.objects.filter(slug__startswith="udd-bench-").count()
    if done or not args.units:
        print(f"{done} bench blood units already there; none added", file=sys.stderr)
        return 0
    products = list(Product.objects.filter(is_active=True).values_list("id", flat=True))
    cells = [(p, a, r) for p in products for a in ("A", "B", "O", "AB") for r in ("pos", "neg")]
    with transaction.atomic():
        units = Agency.objects.bulk_create(
            Agency(
                slug=f"udd-bench-{i:03d}",
                name=f"UDD PMI Bench {i:03d}",
                kind="blood_unit",
                region=kabs[i % len(kabs)],
                created_at=now,
                updated_at=now,
            )
            for i in range(args.units)
        )
        profiles: list[Any] = []
        stock: list[Any] = []
        moves: list[Any] = []
        start = now - dt.timedelta(days=args.days)
        for unit in units:
            balance = dict.fromkeys(cells, 0)
            last = start
            for day in range(args.days):
                base = start + dt.timedelta(days=day, hours=7)
                for k in range(4):
                    cell = cells[rnd.randrange(len(cells))]
                    at = base + dt.timedelta(hours=2 * k, minutes=rnd.randrange(60))
                    if k % 2 == 0 or balance[cell] == 0:
                        kind, delta = "collected", rnd.randint(1, 12)
                    else:
                        kind, delta = "issued", -rnd.randint(1, balance[cell])
                    balance[cell] += delta
                    moves.append(
                        Movement(
                            unit=unit,
                            region_code=unit.region.code,
                            product_id=cell[0],
                            abo=cell[1],
                            rh=cell[2],
                            kind=kind,
                            delta=delta,
                            balance_after=balance[cell],
                            occurred_at=at,
                            recorded_at=at,
                        )
                    )
                    last = at
            profiles.append(
                UnitProfile(
                    unit=unit, ticker_name=f"PMI BENCH {unit.slug[-3:]}", last_change_at=last
                )
            )
            stock.extend(
                Stock(unit=unit, product_id=p, abo=a, rh=r, quantity=q, updated_at=last)
                for (p, a, r), q in balance.items()
            )
        UnitProfile.objects.bulk_create(profiles)
        Stock.objects.bulk_create(stock, batch_size=5000)
        Movement.objects.bulk_create(moves, batch_size=5000)
    total = Agency.objects.filter(kind="blood_unit", is_active=True).count()
    print(
        f"added {len(units)} blood units ({len(stock)} stock cells, {len(moves)} movements) "
        f"in {time.perf_counter() - t0:.1f} s; {total} active blood units",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
