"""Concurrent issues and allocations never take a cell below zero nor a tracked bag twice
(real threads, real transactions, on SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.models import Sum

from sinergi.core.exceptions import ValidationFailed

THREADS = 12


def _run_parallel(work: Callable[[int], Any]) -> list[str]:
    """Run ``work(i)`` in THREADS threads released together; each outcome as a word."""
    barrier = threading.Barrier(THREADS)
    outcomes: list[str] = [""] * THREADS

    def run(i: int) -> None:
        try:
            barrier.wait()
            # SQLite's shared in-memory test database reports a busy writer at once instead
            # of waiting (the file database waits); a client would retry, for up to 20 s.
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline:
                try:
                    work(i)
                except OperationalError:
                    time.sleep(0.01)
                    continue
                outcomes[i] = "ok"
                return
            outcomes[i] = "busy"
        except ValidationFailed:
            outcomes[i] = "refused"
        except Exception as exc:  # report anything else in the assertion
            outcomes[i] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_parallel_issues_and_allocations_never_go_below_zero(demo: Any) -> None:
    from sinergi.accounts.models import User
    from sinergi.agencies.models import Agency
    from sinergi.blood import services
    from sinergi.blood.models import BloodRequest, Movement, Product, Stock
    from sinergi.core.permissions import SYSTEM

    now = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
    unit = Agency.objects.get(slug="udd-pmi-sanggau")
    prc = Product.objects.get(code="PRC")
    services.stock_set_levels(
        actor=SYSTEM,
        unit=unit,
        levels={("PRC", "B", "neg"): 5, ("PRC", "AB", "neg"): 4},
        reason="test",
        now=now,
    )

    def issue(_i: int) -> None:
        services.stock_record_movement(
            actor=User.objects.get(username="pmi"),
            unit=Agency.objects.get(pk=unit.pk),
            product=prc,
            abo="B",
            rh="neg",
            kind="issued",
            quantity=1,
            now=now,
        )

    outcomes = _run_parallel(issue)
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * (THREADS - 5), outcomes
    cell = Stock.objects.get(unit=unit, product=prc, abo="B", rh="neg")
    assert cell.quantity == 0
    issued = Movement.objects.filter(unit=unit, product=prc, abo="B", rh="neg", kind="issued")
    assert issued.filter(occurred_at=now).count() == 5

    # Many requests compete for 4 bags of AB−: each wants 2.
    hospital = Agency.objects.get(slug="rsud-sanggau")
    reqs = [
        services.request_create(
            actor=SYSTEM,
            hospital=hospital,
            unit=unit,
            product=prc,
            abo="AB",
            rh="neg",
            quantity=2,
            urgency="cito",
            needed_by=now + dt.timedelta(hours=1),
            case_number=f"RM-C-{i}",
            now=now,
        )
        for i in range(THREADS)
    ]

    def allocate(i: int) -> None:
        services.request_allocate(
            actor=User.objects.get(username="pmi"),
            request=BloodRequest.objects.get(pk=reqs[i].pk),
            lines=[("AB", "neg", 2)],
            now=now,
        )

    outcomes = _run_parallel(allocate)
    assert sorted(outcomes) == ["ok"] * 2 + ["refused"] * (THREADS - 2), outcomes
    assert Stock.objects.get(unit=unit, product=prc, abo="AB", rh="neg").quantity == 0
    given = BloodRequest.objects.filter(pk__in=[r.pk for r in reqs]).aggregate(
        n=Sum("quantity_allocated")
    )["n"]
    assert given == 4
    total = Movement.objects.filter(unit=unit, product=prc, abo="AB", rh="neg").aggregate(
        t=Sum("delta")
    )["t"]
    assert total == 0

    # Tracked bags (Sanggau tracks WB): 5 bags of WB AB−, 12 requests of one bag each and
    # 12 plain issues race for them; every bag goes exactly once, first expiry first.
    from sinergi.blood.models import Bag

    wb = Product.objects.get(code="WB")
    services.stock_record_movement(
        actor=SYSTEM,
        unit=unit,
        product=wb,
        abo="AB",
        rh="neg",
        kind="collected",
        quantity=5,
        donation_numbers=[f"RACE-{i}" for i in range(5)],
        now=now,
    )
    bag_reqs = [
        services.request_create(
            actor=SYSTEM,
            hospital=hospital,
            unit=unit,
            product=wb,
            abo="AB",
            rh="neg",
            quantity=1,
            urgency="cito",
            needed_by=now + dt.timedelta(hours=1),
            case_number=f"RM-B-{i}",
            now=now,
        )
        for i in range(THREADS)
    ]

    def take_bag(i: int) -> None:
        if i % 2:
            services.request_allocate(
                actor=User.objects.get(username="pmi"),
                request=BloodRequest.objects.get(pk=bag_reqs[i].pk),
                lines=[("AB", "neg", 1)],
                now=now,
            )
        else:
            services.stock_record_movement(
                actor=User.objects.get(username="pmi"),
                unit=Agency.objects.get(pk=unit.pk),
                product=wb,
                abo="AB",
                rh="neg",
                kind="issued",
                quantity=1,
                now=now,
            )

    outcomes = _run_parallel(take_bag)
    assert sorted(outcomes) == ["ok"] * 5 + ["refused"] * (THREADS - 5), outcomes
    race = Bag.objects.filter(donation_number__startswith="RACE-")
    assert race.filter(status="available").count() == 0
    assert Stock.objects.get(unit=unit, product=wb, abo="AB", rh="neg").quantity == 0
    outs = list(race.values_list("out_movement_id", flat=True))
    assert None not in outs and len(set(outs)) == 5  # one movement per bag, none shared
    for bag in race.select_related("out_movement"):
        assert bag.out_movement is not None and bag.out_movement.delta == -1
        assert (bag.request_id is not None) == (bag.status == "allocated")
