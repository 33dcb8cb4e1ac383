"""Demo data of the blood module: UDD PMI Sanggau and two neighbouring units (Sekadau,
Kota Pontianak) with 60 days of history, RSUD M. Th. Djaman and RSUD Sekadau as
requesters, group O going critical in Sanggau and Pontianak's figures gone stale.

Everything is written through the services, as ``SYSTEM``, at the historical moments, so
the ledger, the audit chain and the dashboard agree. Safe to run again: nothing is added
twice."""

from __future__ import annotations

import datetime as dt
import importlib
import random
from typing import Any

from django.apps import apps as django_apps
from django.db import transaction

from sinergi.accounts.models import User
from sinergi.accounts.services import user_create
from sinergi.agencies.models import Agency, Membership
from sinergi.agencies.services import agency_create, membership_add
from sinergi.core.permissions import SYSTEM

from . import services
from .choices import BloodUrgency, MovementKind
from .models import Product, TravelTime, UnitProfile
from .selectors import stock_cells

SANGGAU = "udd-pmi-sanggau"
SEKADAU = "udd-pmi-sekadau"
PONTIANAK = "udd-pmi-pontianak"
RSUD = "rsud-sanggau"
RSUD_SEKADAU = "rsud-sekadau"

NEW_AGENCIES: list[dict[str, Any]] = [
    {
        "slug": SEKADAU,
        "name": "Unit Donor Darah PMI Kabupaten Sekadau",
        "short_name": "UDD PMI Sekadau",
        "kind": "blood_unit",
        "region": "61.09",
        "address": "Sekadau, Kalimantan Barat",
    },
    {
        "slug": PONTIANAK,
        "name": "Unit Donor Darah PMI Kota Pontianak",
        "short_name": "UDD PMI Kota Pontianak",
        "kind": "blood_unit",
        "region": "61.71",
        "address": "Pontianak, Kalimantan Barat",
    },
    {
        "slug": RSUD_SEKADAU,
        "name": "RSUD Sekadau",
        "short_name": "RSUD Sekadau",
        "kind": "hospital",
        "region": "61.09",
        "address": "Sekadau, Kalimantan Barat",
    },
]
TICKER_NAMES = {SANGGAU: "PMI SANGGAU", SEKADAU: "PMI SEKADAU", PONTIANAK: "PMI KOTA PONTIANAK"}
TRAVEL = [(SANGGAU, SEKADAU, 75), (SANGGAU, PONTIANAK, 270), (SEKADAU, PONTIANAK, 330)]
DEMO_USER = ("pmisekadau", "Petugas UDD PMI Sekadau (demo)", SEKADAU)
CELLS = [(abo, rh) for abo in ("A", "B", "O", "AB") for rh in ("pos", "neg")]

# Bags of PRC used per day by group (RhD+), roughly in the proportions of the population.
DAILY_USE = {
    SANGGAU: {"A": 2.0, "B": 1.5, "O": 3.0, "AB": 0.5},
    SEKADAU: {"A": 0.8, "B": 0.6, "O": 1.2, "AB": 0.2},
    PONTIANAK: {"A": 6.0, "B": 5.0, "O": 8.0, "AB": 1.5},
}
# Final counted stock (stok opname) per product and cell.
FINAL: dict[str, dict[str, dict[tuple[str, str], int]]] = {
    SANGGAU: {
        "PRC": {
            ("A", "pos"): 18,
            ("A", "neg"): 1,
            ("B", "pos"): 4,
            ("B", "neg"): 0,
            ("O", "pos"): 3,
            ("O", "neg"): 2,
            ("AB", "pos"): 6,
            ("AB", "neg"): 0,
        },
        "WB": {("A", "pos"): 2, ("B", "pos"): 1, ("O", "pos"): 1, ("AB", "pos"): 0},
        "TC": {("A", "pos"): 4, ("B", "pos"): 2, ("O", "pos"): 5, ("AB", "pos"): 1},
        "FFP": {("A", "pos"): 12, ("B", "pos"): 9, ("O", "pos"): 15, ("AB", "pos"): 6},
    },
    SEKADAU: {
        "PRC": {
            ("A", "pos"): 9,
            ("A", "neg"): 0,
            ("B", "pos"): 6,
            ("B", "neg"): 1,
            ("O", "pos"): 10,
            ("O", "neg"): 3,
            ("AB", "pos"): 2,
            ("AB", "neg"): 0,
        },
        "FFP": {("A", "pos"): 4, ("B", "pos"): 3, ("O", "pos"): 5, ("AB", "pos"): 2},
    },
    PONTIANAK: {
        "PRC": {
            ("A", "pos"): 60,
            ("A", "neg"): 4,
            ("B", "pos"): 45,
            ("B", "neg"): 2,
            ("O", "pos"): 80,
            ("O", "neg"): 6,
            ("AB", "pos"): 15,
            ("AB", "neg"): 1,
        },
        "TC": {("A", "pos"): 10, ("B", "pos"): 8, ("O", "pos"): 12, ("AB", "pos"): 3},
        "FFP": {("A", "pos"): 40, ("B", "pos"): 30, ("O", "pos"): 50, ("AB", "pos"): 15},
    },
}


def _ensure_agencies(now: dt.datetime) -> int:
    created = 0
    for spec in NEW_AGENCIES:
        if Agency.objects.filter(slug=spec["slug"]).exists():
            continue
        agency_create(actor=SYSTEM, sectors=["kesehatan"], now=now, **spec)
        created += 1
    username, full_name, unit_slug = DEMO_USER
    user = User.objects.filter(username=username).first()
    if user is None:
        from sinergi.demo import DEMO_PASSWORD

        user = user_create(
            actor=SYSTEM,
            username=username,
            password=DEMO_PASSWORD,
            full_name=full_name,
            email=f"{username}@demo.sinergi.invalid",
            now=now,
        )
    unit = Agency.objects.get(slug=unit_slug)
    if not Membership.objects.filter(user=user, agency=unit).exists():
        membership_add(
            actor=SYSTEM,
            agency=unit,
            user=user,
            role="staff",
            position_title="Petugas Stok Darah",
            now=now,
        )
    for a, b, minutes in TRAVEL:
        ua, ub = Agency.objects.get(slug=a), Agency.objects.get(slug=b)
        for x, y in ((ua, ub), (ub, ua)):
            TravelTime.objects.get_or_create(from_unit=x, to_unit=y, defaults={"minutes": minutes})
    return created


def _history(unit: Agency, hospital: Agency, prc: Product, *, now: dt.datetime) -> int:
    """60 days of collections and issues with RhD+ PRC (in batches for the neighbours)."""
    rng = random.Random(unit.slug)  # noqa: S311 - demo data, not security
    use = DAILY_USE[unit.slug]
    step = {SANGGAU: 1, PONTIANAK: 3, SEKADAU: 7}[unit.slug]
    count = 0
    balance = {abo: int(rate * 6) for abo, rate in use.items()}
    start = now - dt.timedelta(days=60)
    services.stock_set_levels(
        actor=SYSTEM,
        unit=unit,
        levels={("PRC", abo, "pos"): q for abo, q in balance.items()},
        reason="Stok awal (demo)",
        now=start,
        source="demo",
    )
    for day in range(0, 60, step):
        moment = start + dt.timedelta(days=day, hours=1)
        for abo, rate in use.items():
            own_requests = unit.slug == SANGGAU and day >= 30
            if (day % 2 == 0 or step > 1) and not own_requests:
                got = max(round(rate * 2 * step * rng.uniform(0.8, 1.3)), 1)
                services.stock_record_movement(
                    actor=SYSTEM,
                    unit=unit,
                    product=prc,
                    abo=abo,
                    rh="pos",
                    kind=MovementKind.COLLECTED,
                    quantity=got,
                    now=moment,
                    source="demo",
                )
                balance[abo] += got
            # The last 30 days of Sanggau go through hospital requests (below).
            if own_requests:
                continue
            used = min(round(rate * step * rng.uniform(0.7, 1.3)), balance[abo])
            if used > 0:
                services.stock_record_movement(
                    actor=SYSTEM,
                    unit=unit,
                    product=prc,
                    abo=abo,
                    rh="pos",
                    kind=MovementKind.ISSUED,
                    quantity=used,
                    counterpart=hospital,
                    now=moment + dt.timedelta(hours=6),
                    source="demo",
                )
                balance[abo] -= used
            count += 2
    return count


def _requests(unit: Agency, hospitals: list[Agency], prc: Product, *, now: dt.datetime) -> int:
    """The last 30 days of Sanggau's issues as hospital requests, most fulfilled quickly,
    a few partial or declined, one AB request served with A (substitute)."""
    rng = random.Random("requests")  # noqa: S311 - demo data, not security
    hours = {
        BloodUrgency.CITO: (0.3, 1.0),
        BloodUrgency.URGENT: (1.0, 3.0),
        BloodUrgency.ROUTINE: (3.0, 12.0),
    }
    made = 0
    for day in range(30, 0, -1):
        for abo, rate in DAILY_USE[SANGGAU].items():
            want = round(rate * rng.uniform(0.6, 1.4))
            if want <= 0:
                continue
            created = now - dt.timedelta(days=day, hours=-3 - rng.randint(0, 8))
            urgency = rng.choices(list(hours), weights=[1, 3, 6])[0]
            hospital = hospitals[0] if rng.random() < 0.85 else hospitals[-1]
            req = services.request_create(
                actor=SYSTEM,
                hospital=hospital,
                unit=unit,
                product=prc,
                abo=abo,
                rh="pos",
                quantity=want,
                urgency=urgency,
                needed_by=created + dt.timedelta(hours=6),
                case_number=f"RM-{created:%y%m%d}-{made + 1:03d}",
                now=created,
            )
            made += 1
            lo, hi = hours[urgency]
            done = created + dt.timedelta(hours=rng.uniform(lo, hi))
            services.request_accept(actor=SYSTEM, request=req, now=done - dt.timedelta(minutes=10))
            held = {(a, r): q for a, r, q in services.request_substitutes(req) if q > 0}
            give = min(want, held.get((abo, "pos"), 0))
            lines = [(abo, "pos", give)] if give else []
            if give < want and abo == "AB" and held.get(("A", "pos"), 0) >= want - give:
                lines.append(("A", "pos", want - give))
            if lines:
                services.request_allocate(actor=SYSTEM, request=req, lines=lines, now=done)
                req.refresh_from_db()
            if req.outstanding:
                services.request_decline(
                    actor=SYSTEM, request=req, reason="Stok tidak cukup", now=done
                )
            # Keep the unit supplied: collections follow use.
            services.stock_record_movement(
                actor=SYSTEM,
                unit=unit,
                product=prc,
                abo=abo,
                rh="pos",
                kind=MovementKind.COLLECTED,
                quantity=want,
                now=done + dt.timedelta(hours=2),
                source="demo",
            )
    return made


@transaction.atomic
def load_demo(*, now: dt.datetime) -> dict[str, int]:
    """Neighbouring units, a second hospital, 60 days of history and the current stock."""
    # The default products come with a migration; a flushed test database lost them.
    importlib.import_module("sinergi.blood.migrations.0002_default_products").add_products(
        django_apps, None
    )
    counts = {"agencies": _ensure_agencies(now), "movements": 0, "requests": 0}
    units = {slug: Agency.objects.get(slug=slug) for slug in TICKER_NAMES}
    if UnitProfile.objects.filter(unit=units[SANGGAU], version__gt=0).exists():
        return counts
    start = now - dt.timedelta(days=61)
    for slug, unit in units.items():
        services.unit_configure(actor=SYSTEM, unit=unit, ticker_name=TICKER_NAMES[slug], now=start)
    prc = Product.objects.get(code="PRC")
    rsud = Agency.objects.get(slug=RSUD)
    rsud_sekadau = Agency.objects.get(slug=RSUD_SEKADAU)
    for slug, unit in units.items():
        hospital = rsud_sekadau if slug == SEKADAU else rsud
        counts["movements"] += _history(unit, hospital, prc, now=now)
    counts["requests"] = _requests(units[SANGGAU], [rsud, rsud_sekadau], prc, now=now)
    # Platelets keep five days: some expire; a bag failed screening.
    tc = Product.objects.get(code="TC")
    services.stock_set_levels(
        actor=SYSTEM,
        unit=units[SANGGAU],
        levels={("TC", "O", "pos"): 6},
        reason="Stok opname",
        now=now - dt.timedelta(days=8),
        source="demo",
    )
    services.stock_record_movement(
        actor=SYSTEM,
        unit=units[SANGGAU],
        product=tc,
        abo="O",
        rh="pos",
        kind=MovementKind.EXPIRED,
        quantity=3,
        now=now - dt.timedelta(days=3),
        source="demo",
    )
    services.stock_record_movement(
        actor=SYSTEM,
        unit=units[SANGGAU],
        product=prc,
        abo="A",
        rh="pos",
        kind=MovementKind.DISCARDED,
        quantity=1,
        reason="Reaktif pada uji saring IMLTD",
        now=now - dt.timedelta(days=2),
        source="demo",
    )
    # Today's stock count (stok opname); Pontianak last counted 30 hours ago, so it is stale.
    for slug, unit in units.items():
        levels = {
            (code, abo, rh): by_cell.get((abo, rh), 0)
            for code, by_cell in FINAL[slug].items()
            for abo, rh in CELLS
        }
        when = now - (dt.timedelta(hours=30) if slug == PONTIANAK else dt.timedelta(hours=1))
        services.stock_set_levels(
            actor=SYSTEM,
            unit=unit,
            levels=levels,
            reason="Stok opname harian",
            now=when,
            source="demo",
        )
    counts["bags"] = _track_bags(units[SANGGAU], now=now)
    return counts


# Sanggau labels its whole blood and plasma by bag (red cells and platelets stay counted):
# days since collection of each bag in stock, per product; a few close to their expiry.
BAG_AGES = {"WB": [34, 33, 12, 5], "FFP": [362, 360, 300, 240, 180, 120, 90, 60, 30, 14, 7, 3]}


def _track_bags(unit: Agency, *, now: dt.datetime) -> int:
    """Record a donation number for every WB and FFP bag Sanggau holds (after the count),
    so its bags agree with its ledger; the oldest bags expire within days."""
    made = 0
    cells = stock_cells(unit)
    when = now - dt.timedelta(minutes=30)
    for code, ages in BAG_AGES.items():
        product = Product.objects.get(code=code)
        records = []
        seq = 0
        for (c, abo, rh), qty in sorted(cells.items()):
            if c != code:
                continue
            for _i in range(qty):
                seq += 1
                age = ages[(seq - 1) % len(ages)]
                collected = (now - dt.timedelta(days=age)).replace(minute=0, second=0)
                records.append(
                    services.BagRecord(
                        donation_number=f"SGU{collected:%y%m%d}{seq:04d}",
                        abo=abo,
                        rh=rh,
                        collected_at=collected,
                    )
                )
        made += services.unit_track_bags(
            actor=SYSTEM, unit=unit, product=product, bags=records, now=when
        )
    return made
