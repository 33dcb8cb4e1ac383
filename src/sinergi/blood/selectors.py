"""Reads of the blood app: who acts for which agency, stock grids, days of supply, safe
levels, history, neighbours and the health office's figures."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Sum, Value, When
from django.db.models.functions import TruncDate

from sinergi.agencies.choices import GOVERNMENT_KINDS, AgencyKind
from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import leader_region_codes, user_memberships
from sinergi.core.permissions import can, is_platform_admin
from sinergi.regions.models import Region

from .choices import (
    OPEN_REQUEST,
    BloodUrgency,
    Component,
    DonorCallStatus,
    MovementKind,
    StockStatus,
)
from .models import DonorCall, Movement, Product, Stock, TravelTime, UnitProfile

GROUPS = ("A", "B", "O", "AB")
RHS = ("pos", "neg")
HEALTH_AFFAIR = "1.02"  # urusan kesehatan (UU 23/2014)
_IDS_ATTR = "_sinergi_blood_agency_ids"
_HEALTH_ATTR = "_sinergi_blood_health_regions"


def acting_agency_ids(user: Any) -> set[int]:
    """Agencies the user acts for: their memberships and every agency below them."""
    cached = getattr(user, _IDS_ATTR, None)
    if cached is not None:
        return set(cached)
    ids = {m.agency_id for m in user_memberships(user)}
    frontier = set(ids)
    while frontier:
        children = set(Agency.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = children - ids
        ids |= frontier
    setattr(user, _IDS_ATTR, frozenset(ids))
    return ids


def health_office_region_codes(user: Any) -> list[str]:
    """Regions whose health office (an OPD holding the health affair directly under a
    government) the user works in."""
    cached = getattr(user, _HEALTH_ATTR, None)
    if cached is not None:
        return list(cached)
    offices = Agency.objects.filter(
        pk__in=[m.agency_id for m in user_memberships(user)],
        kind=AgencyKind.OPD,
        affairs__code=HEALTH_AFFAIR,
        parent__kind__in=list(GOVERNMENT_KINDS),
    ).select_related("region")
    codes = sorted({a.region.code for a in offices if can(user, "blood.health_office", a)})
    setattr(user, _HEALTH_ATTR, tuple(codes))
    return codes


def oversight_region_codes(user: Any) -> list[str]:
    """Regions whose blood coordination the user oversees: as leader or health office."""
    if user is None or not user.is_authenticated:
        return []
    return sorted(set(leader_region_codes(user)) | set(health_office_region_codes(user)))


def oversees(user: Any) -> bool:
    """Whether the user oversees blood coordination anywhere."""
    return bool(oversight_region_codes(user))


def blood_units() -> QuerySet[Agency]:
    """Active blood units, with region and profile."""
    return (
        Agency.objects.filter(kind=AgencyKind.BLOOD_UNIT, is_active=True)
        .select_related("region", "blood_profile")
        .order_by("name")
    )


def blood_provinces() -> list[tuple[str, str]]:
    """Provinces with at least one active blood unit, as (code, name) by name: the
    region filter of ``/publik/darah/``."""
    codes = {
        code.split(".")[0]
        for code in blood_units().order_by().values_list("region__code", flat=True).distinct()
    }
    return list(Region.objects.filter(code__in=codes).order_by("name").values_list("code", "name"))


def blood_units_in(province: str = "") -> QuerySet[Agency]:
    """Active blood units, by name; those of one province (code) when given."""
    units = blood_units()
    if province:
        units = units.filter(Q(region__code=province) | Q(region__code__startswith=province + "."))
    return units


def hospitals_of(user: Any) -> list[Agency]:
    """Hospitals the user may request blood for."""
    hospitals = Agency.objects.filter(kind=AgencyKind.HOSPITAL, is_active=True)
    return [h for h in hospitals if can(user, "blood.request", h)]


def units_of(user: Any) -> list[Agency]:
    """Blood units the user works for."""
    ids = acting_agency_ids(user)
    return list(blood_units().filter(pk__in=ids))


def products() -> list[Product]:
    """Active products in display order."""
    return list(Product.objects.filter(is_active=True))


def profile_of(unit: Agency) -> UnitProfile:
    """The unit's profile, or unsaved defaults when it has none yet."""
    try:
        return unit.blood_profile
    except UnitProfile.DoesNotExist:
        return UnitProfile(unit=unit)


def stock_cells(unit: Agency) -> dict[tuple[str, str, str], int]:
    """Current balance per (product code, ABO, RhD) of a unit (missing cells are 0)."""
    return {
        (code, abo, rh): qty
        for code, abo, rh, qty in Stock.objects.filter(unit=unit).values_list(
            "product__code", "abo", "rh", "quantity"
        )
    }


def stock_cells_of(unit_ids: Iterable[int]) -> dict[int, dict[tuple[str, str, str], int]]:
    """``stock_cells`` of many units in one query, by unit id (a unit without stock maps
    to an empty dictionary)."""
    ids = list(unit_ids)
    out: dict[int, dict[tuple[str, str, str], int]] = {pk: {} for pk in ids}
    if not ids:
        return out
    for unit_id, code, abo, rh, qty in Stock.objects.filter(unit_id__in=ids).values_list(
        "unit_id", "product__code", "abo", "rh", "quantity"
    ):
        out[unit_id][(code, abo, rh)] = qty
    return out


def daily_issue_rates(unit: Agency, *, now: dt.datetime) -> dict[tuple[str, str], float]:
    """Average bags issued per day per (component family, ABO) over the unit's window.

    Issues to hospitals and dropping sent out both count as use; the family of WB and PRC
    is ``red_cells``."""
    return daily_issue_rates_of([unit], now=now)[unit.pk]


def daily_issue_rates_of(
    units: Iterable[Agency], *, now: dt.datetime
) -> dict[int, dict[tuple[str, str], float]]:
    """``daily_issue_rates`` of many units, by unit id: one grouped query per distinct rate
    window among them (usually one), never one per unit."""
    by_window: dict[int, list[int]] = defaultdict(list)
    for unit in units:
        by_window[max(int(profile_of(unit).rate_window_days), 1)].append(unit.pk)
    rates: dict[int, dict[tuple[str, str], float]] = {
        pk: defaultdict(float) for ids in by_window.values() for pk in ids
    }
    for window, ids in by_window.items():
        since = now - dt.timedelta(days=window)
        rows = (
            Movement.objects.filter(
                unit_id__in=ids,
                kind__in=[MovementKind.ISSUED, MovementKind.SENT_DROPPING],
                occurred_at__gte=since,
                occurred_at__lte=now,
            )
            .order_by()
            .values_list("unit_id", "product__component", "abo")
            .annotate(total=Sum("delta"))
        )
        for unit_id, component, abo, total in rows:
            rates[unit_id][(family(component), abo)] += -int(total or 0) / window
    return {pk: dict(r) for pk, r in rates.items()}


def family(component: str) -> str:
    """The ticker's family of a component: red cells (WB + PRC), platelets or plasma."""
    return "red_cells" if component in (Component.WHOLE_BLOOD, Component.RED_CELLS) else component


def level_status(
    quantity: int, rate: float, *, safe_days: Decimal, critical_days: Decimal
) -> tuple[str, float | None]:
    """Status and days of supply for a stock level and a daily use rate."""
    if quantity <= 0:
        return StockStatus.CRITICAL, 0.0
    if rate <= 0:
        return StockStatus.SAFE, None
    days = quantity / rate
    if days < float(critical_days):
        return StockStatus.CRITICAL, round(days, 1)
    if days < float(safe_days):
        return StockStatus.ALERT, round(days, 1)
    return StockStatus.SAFE, round(days, 1)


@dataclass
class GroupSummary:
    """Totals of one ABO group of a unit, as the ticker and the pages show them."""

    abo: str
    red_cells: int
    red_cells_rh_neg: int
    platelets: int
    plasma: int
    days_of_supply: float | None
    status: str


def unit_summary(unit: Agency, *, now: dt.datetime) -> list[GroupSummary]:
    """Per ABO group: red cells (WB + PRC) with RhD− apart, platelets, plasma, days of
    supply of red cells and the safe-level status."""
    return unit_summaries([unit], now=now)[unit.pk]


def unit_summaries(units: Iterable[Agency], *, now: dt.datetime) -> dict[int, list[GroupSummary]]:
    """``unit_summary`` of many units, by unit id, in a fixed number of queries (products,
    stock, issue rates): a page listing 500 units runs as many queries as one listing 1.
    The units should come with their profile (``blood_units()`` selects it)."""
    unit_list = list(units)
    if not unit_list:
        return {}
    components = dict(Product.objects.values_list("code", "component"))
    cells = stock_cells_of(u.pk for u in unit_list)
    all_rates = daily_issue_rates_of(unit_list, now=now)
    out: dict[int, list[GroupSummary]] = {}
    for unit in unit_list:
        profile = profile_of(unit)
        totals: dict[tuple[str, str], int] = defaultdict(int)
        neg: dict[str, int] = defaultdict(int)
        for (code, abo, rh), qty in cells[unit.pk].items():
            fam = family(components.get(code, ""))
            totals[(fam, abo)] += qty
            if fam == "red_cells" and rh == "neg":
                neg[abo] += qty
        rates = all_rates.get(unit.pk, {})
        groups = []
        for abo in GROUPS:
            red = totals[("red_cells", abo)]
            status, days = level_status(
                red,
                rates.get(("red_cells", abo), 0.0),
                safe_days=profile.safe_days,
                critical_days=profile.critical_days,
            )
            groups.append(
                GroupSummary(
                    abo=abo,
                    red_cells=red,
                    red_cells_rh_neg=neg[abo],
                    platelets=totals[("platelets", abo)],
                    plasma=totals[("plasma", abo)],
                    days_of_supply=days,
                    status=status,
                )
            )
        out[unit.pk] = groups
    return out


def is_stale(profile: UnitProfile, *, now: dt.datetime) -> bool:
    """Whether the unit's stock is older than its stale limit (or was never updated)."""
    if profile.last_change_at is None:
        return True
    return now - profile.last_change_at > dt.timedelta(minutes=profile.stale_after_minutes)


def stock_history(unit: Agency, *, now: dt.datetime, days: int = 30) -> list[dict[str, Any]]:
    """Red-cell stock per ABO group at the end of each of the last ``days`` days, derived
    backwards from the current balance and the ledger."""
    components = dict(Product.objects.values_list("pk", "component"))
    red_ids = [pk for pk, c in components.items() if family(c) == "red_cells"]
    current: dict[str, int] = defaultdict(int)
    for abo, qty in Stock.objects.filter(unit=unit, product_id__in=red_ids).values_list(
        "abo", "quantity"
    ):
        current[abo] += qty
    today = now.date()
    start = today - dt.timedelta(days=days - 1)
    since = dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC)
    per_day: dict[tuple[dt.date, str], int] = defaultdict(int)
    for day, abo, total in (
        Movement.objects.filter(unit=unit, product_id__in=red_ids, occurred_at__gte=since)
        .annotate(day=TruncDate("occurred_at", tzinfo=dt.UTC))
        .values_list("day", "abo")
        .annotate(total=Sum("delta"))
    ):
        per_day[(day, abo)] += int(total or 0)
    series = []
    level = dict(current)
    for offset in range(days):
        day = today - dt.timedelta(days=offset)
        series.append({"day": day, **{g: level.get(g, 0) for g in GROUPS}})
        for g in GROUPS:
            level[g] = level.get(g, 0) - per_day.get((day, g), 0)
    series.reverse()
    return series


@dataclass
class Neighbour:
    """A blood unit that holds stock a request could use."""

    unit: Agency
    cells: list[tuple[str, str, int]]  # (ABO, RhD, bags) in the order offered
    total: int
    minutes: int | None


def neighbours_with_stock(
    unit: Agency, *, product: Product, cells: Iterable[tuple[str, str]], needed: int
) -> list[Neighbour]:
    """Other blood units holding any of the cells, those that cover the need first, then
    by travel time, then by stock."""
    wanted = list(cells)
    if not wanted:
        return []
    cond = Q(pk__in=[])
    for abo, rh in wanted:
        cond |= Q(abo=abo, rh=rh)
    held: dict[int, dict[tuple[str, str], int]] = defaultdict(dict)
    for unit_id, abo, rh, qty in (
        Stock.objects.filter(cond, product=product, quantity__gt=0, unit__is_active=True)
        .exclude(unit=unit)
        .values_list("unit_id", "abo", "rh", "quantity")
    ):
        held[unit_id][(abo, rh)] = qty
    minutes = dict(
        TravelTime.objects.filter(from_unit=unit, to_unit_id__in=held).values_list(
            "to_unit_id", "minutes"
        )
    )
    agencies = {a.pk: a for a in Agency.objects.filter(pk__in=held)}
    out = []
    for unit_id, by_cell in held.items():
        listed = [(a, r, by_cell[(a, r)]) for a, r in wanted if by_cell.get((a, r), 0) > 0]
        total = sum(q for _a, _r, q in listed)
        out.append(Neighbour(agencies[unit_id], listed, total, minutes.get(unit_id)))
    out.sort(
        key=lambda n: (n.total < needed, n.minutes if n.minutes is not None else 10**6, -n.total)
    )
    return out


def requests_for(user: Any) -> QuerySet[Any]:
    """Blood requests the user may see, newest first."""
    from .models import BloodRequest

    return BloodRequest.objects.visible_to(user).select_related("hospital", "unit", "product")


def open_requests_to(user: Any, unit: Agency, limit: int = 30) -> list[Any]:
    """Open hospital requests to a unit that the user may see: CITO first, then urgent, then
    routine; within each, the soonest needed first."""
    from .models import BloodRequest

    rank = Case(
        When(urgency=BloodUrgency.CITO, then=Value(0)),
        When(urgency=BloodUrgency.URGENT, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return list(
        BloodRequest.objects.visible_to(user)
        .filter(unit=unit, status__in=OPEN_REQUEST)
        .select_related("hospital", "product")
        .annotate(urgency_rank=rank)
        .order_by("urgency_rank", "needed_by", "pk")[:limit]
    )


def droppings_for(user: Any) -> QuerySet[Any]:
    """Dropping requests the user may see, newest first."""
    from .models import Dropping

    return Dropping.objects.visible_to(user).select_related("from_unit", "to_unit", "product")


def dashboard_figures(user: Any, *, now: dt.datetime, days: int = 30) -> dict[str, Any]:
    """The health office's figures over the last ``days``: fill rate, time to fulfil by
    urgency, expiry and wastage, and days of supply per unit."""
    from .choices import BloodRequestStatus, BloodUrgency
    from .models import BloodRequest

    since = now - dt.timedelta(days=days)
    reqs = list(
        BloodRequest.objects.visible_to(user).filter(created_at__gte=since, created_at__lte=now)
    )
    asked = sum(r.quantity for r in reqs)
    given = sum(r.quantity_allocated for r in reqs)
    by_urgency = []
    for urgency in BloodUrgency:
        done = [
            (r.closed_at - r.created_at).total_seconds() / 3600
            for r in reqs
            if r.urgency == urgency and r.status == BloodRequestStatus.FULFILLED and r.closed_at
        ]
        by_urgency.append(
            {
                "urgency": urgency.label,
                "count": len([r for r in reqs if r.urgency == urgency]),
                "fulfilled": len(done),
                "hours": round(sum(done) / len(done), 1) if done else None,
            }
        )
    codes = oversight_region_codes(user)
    units = blood_units()
    if not is_platform_admin(user):
        cond = Q(pk__in=[])
        for code in codes:
            cond |= Q(region__code=code) | Q(region__code__startswith=code + ".")
        # Neighbouring units supply dropping to the region: show them as well.
        units = units.filter(cond | Q(blood_droppings_received__region_code__in=codes)).distinct()
    unit_list = list(units)
    summaries = unit_summaries(unit_list, now=now)
    unit_rows = []
    for unit in unit_list:
        totals = dict(
            Movement.objects.filter(unit=unit, occurred_at__gte=since, occurred_at__lte=now)
            .values_list("kind")
            .annotate(total=Sum("delta"))
        )
        received = int(totals.get(MovementKind.COLLECTED, 0)) + int(
            totals.get(MovementKind.RECEIVED_DROPPING, 0)
        )
        wasted = -int(totals.get(MovementKind.EXPIRED, 0)) - int(
            totals.get(MovementKind.DISCARDED, 0)
        )
        unit_rows.append(
            {
                "unit": unit,
                "collected": received,
                "issued": -int(totals.get(MovementKind.ISSUED, 0)),
                "wasted": wasted,
                "wastage_pct": round(100 * wasted / received, 1) if received else None,
                "groups": summaries[unit.pk],
                "stale": is_stale(profile_of(unit), now=now),
            }
        )
    return {
        "days": days,
        "requests": len(reqs),
        "bags_asked": asked,
        "bags_given": given,
        "fill_rate": round(100 * given / asked, 1) if asked else None,
        "by_urgency": by_urgency,
        "units": unit_rows,
    }


def health_offices_of(region_code: str) -> list[Agency]:
    """The health office(s) of a region: OPDs holding the health affair directly under a
    government of that region (or of the regency the code falls under)."""
    codes = {region_code}
    parts = region_code.split(".")
    if len(parts) > 2:
        codes.add(".".join(parts[:2]))
    return list(
        Agency.objects.filter(
            kind=AgencyKind.OPD,
            is_active=True,
            affairs__code=HEALTH_AFFAIR,
            parent__kind__in=list(GOVERNMENT_KINDS),
            region__code__in=codes,
        ).distinct()
    )


def bags_for(user: Any) -> QuerySet[Any]:
    """Tracked bags the user may see, first expiry first."""
    from .models import Bag

    return Bag.objects.visible_to(user).select_related("unit", "product", "counterpart")


def tracked_products(unit: Agency) -> list[Product]:
    """Products the unit tracks by bag."""
    through = UnitProfile.bag_products.through
    ids = through.objects.filter(unitprofile__unit_id=unit.pk).values("product_id")
    return list(Product.objects.filter(pk__in=ids))


def _local_day(moment: dt.datetime) -> dt.date:
    return moment.astimezone(ZoneInfo(settings.TIME_ZONE)).date()


def supply_series(units: Iterable[Agency], *, now: dt.datetime, days: int = 30) -> dict[str, Any]:
    """Days of supply of red cells (WB + PRC) per unit and ABO group at the end of each of
    the last ``days`` days, from the ledger alone: the level that evening divided by the
    daily use (issues and dropping sent) over the unit's rate window before it. ``None``
    where nothing was used (no rate). Also the region's total per day (all units' bags over
    all units' use)."""
    zone = ZoneInfo(settings.TIME_ZONE)
    red_ids = [
        pk for pk, c in Product.objects.values_list("pk", "component") if family(c) == "red_cells"
    ]
    today = _local_day(now)
    first = today - dt.timedelta(days=days - 1)
    out_units = []
    region_level: dict[dt.date, int] = defaultdict(int)
    region_rate: dict[dt.date, float] = defaultdict(float)
    for unit in units:
        profile = profile_of(unit)
        window = max(int(profile.rate_window_days), 1)
        since = dt.datetime.combine(first - dt.timedelta(days=window), dt.time.min, tzinfo=zone)
        current: dict[str, int] = defaultdict(int)
        for abo, qty in Stock.objects.filter(unit=unit, product_id__in=red_ids).values_list(
            "abo", "quantity"
        ):
            current[abo] += qty
        net: dict[tuple[dt.date, str], int] = defaultdict(int)
        use: dict[tuple[dt.date, str], int] = defaultdict(int)
        for day, abo, kind, total in (
            Movement.objects.filter(unit=unit, product_id__in=red_ids, occurred_at__gte=since)
            .annotate(day=TruncDate("occurred_at", tzinfo=zone))
            .values_list("day", "abo", "kind")
            .annotate(total=Sum("delta"))
        ):
            net[(day, abo)] += int(total or 0)
            if kind in (MovementKind.ISSUED, MovementKind.SENT_DROPPING):
                use[(day, abo)] += -int(total or 0)
        groups: dict[str, list[float | None]] = {}
        for g in GROUPS:
            # Level at the end of each day, walking back from today's balance.
            level = current.get(g, 0) - sum(q for (d, a), q in net.items() if a == g and d > today)
            levels: dict[dt.date, int] = {}
            for offset in range(days):
                day = today - dt.timedelta(days=offset)
                levels[day] = level
                level -= net.get((day, g), 0)
            values: list[float | None] = []
            for offset in range(days - 1, -1, -1):
                day = today - dt.timedelta(days=offset)
                used = sum(use.get((day - dt.timedelta(days=k), g), 0) for k in range(window))
                rate = used / window
                region_level[day] += levels[day]
                region_rate[day] += rate
                values.append(round(levels[day] / rate, 1) if rate > 0 else None)
            groups[g] = values
        out_units.append(
            {
                "unit": unit,
                "groups": groups,
                "safe_days": float(profile.safe_days),
                "critical_days": float(profile.critical_days),
            }
        )
    all_days = [first + dt.timedelta(days=i) for i in range(days)]
    region = [
        round(region_level[d] / region_rate[d], 1) if region_rate[d] > 0 else None for d in all_days
    ]
    return {"days": all_days, "units": out_units, "region": region}


def donor_calls_for(user: Any, unit: Agency) -> QuerySet[DonorCall]:
    """A unit's donor calls the user may see: drafts only for the unit's officers."""
    qs = DonorCall.objects.filter(unit=unit).select_related("unit", "product")
    if can(user, "blood.record", unit):
        return qs
    return qs.exclude(status=DonorCallStatus.DRAFT)
