"""Reads of the public portal: only what everyone may see, whoever asks.

Every figure here is computed from the domain apps' public selectors (public programmes,
published public datasets, active agencies, the blood ticker), never from what a signed-in
visitor could see: the portal shows the same page to a journalist and to the Bupati.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.urls import Resolver404, resolve

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agencies_search
from sinergi.blood.selectors import blood_units, products, stock_cells_of
from sinergi.blood.ticker import ticker_data
from sinergi.catalog.models import Dataset
from sinergi.catalog.selectors import datasets_search
from sinergi.programs.models import Program
from sinergi.programs.selectors import public_programs

GROUPS = ("A", "B", "O", "AB")

#: Kinds in the order the directory groups them: government first, then partners.
KIND_ORDER = Case(
    *[When(kind=value, then=Value(i)) for i, value in enumerate(AgencyKind.values)],
    default=Value(len(AgencyKind.values)),
    output_field=IntegerField(),
)


def route_exists(path: str) -> bool:
    """Whether a page is served at this path (a module of another team may not be
    installed yet); the front page links only pages that answer."""
    try:
        resolve(path)
    except Resolver404:
        return False
    return True


@dataclass
class BloodLine:
    """One blood unit as the public sees it: the ticker line, its time and stale flag."""

    slug: str
    name: str
    ticker_name: str
    groups: dict[str, dict[str, Any]]
    updated_at: dt.datetime | None  # in the unit's region time zone
    stale: bool
    status: str

    @property
    def ticker_text(self) -> str:
        """``JUMLAH KETERSEDIAAN DARAH PMI SANGGAU >>> GOLONGAN DARAH A: 12 B: 8 O: 3 AB: 5``
        (red cells, WB + PRC, the figure the public knows)."""
        counts = " ".join(f"{abo}: {self.groups[abo]['red_cells']}" for abo in GROUPS)
        return f"JUMLAH KETERSEDIAAN DARAH {self.ticker_name} >>> GOLONGAN DARAH {counts}"


def _blood_line(u: dict[str, Any], zone: str) -> BloodLine:
    updated = None
    if u["updated_at"]:
        moment = dt.datetime.fromisoformat(u["updated_at"].replace("Z", "+00:00"))
        updated = moment.astimezone(ZoneInfo(zone))
    return BloodLine(
        slug=u["unit"],
        name=u["name"],
        ticker_name=u["ticker_name"],
        groups=u["groups"],
        updated_at=updated,
        stale=u["stale"],
        status=u["status"],
    )


def blood_lines(*, now: dt.datetime) -> list[BloodLine]:
    """Every active blood unit's ticker line, from the blood ticker's cached data."""
    zones = {u.slug: u.region.timezone or settings.TIME_ZONE for u in blood_units()}
    return [
        _blood_line(u, zones.get(u["unit"], settings.TIME_ZONE)) for u in ticker_data(now=now).units
    ]


def blood_stock_tables(*, now: dt.datetime, units: Any = None) -> list[dict[str, Any]]:
    """Per unit (``units``, default every active one): its ticker line and the stock by
    product and ABO group (Rh+ and Rh− added, Rh− shown apart), for ``/publik/darah/``.

    The stock of all the units comes from one query and the lines from the ticker's
    cached data, so a page of units costs the same few queries whatever its length."""
    unit_list = list(blood_units() if units is None else units)
    lines = {u["unit"]: u for u in ticker_data(now=now).units}
    product_list = products()
    all_cells = stock_cells_of(u.pk for u in unit_list if u.slug in lines)
    tables = []
    for unit in unit_list:
        data = lines.get(unit.slug)
        if data is None:
            continue
        line = _blood_line(data, unit.region.timezone or settings.TIME_ZONE)
        cells = all_cells[unit.pk]
        rows = []
        for p in product_list:
            counts: list[dict[str, Any]] = []
            total = 0
            for abo in GROUPS:
                pos = cells.get((p.code, abo, "pos"), 0)
                neg = cells.get((p.code, abo, "neg"), 0)
                counts.append({"abo": abo, "total": pos + neg, "neg": neg})
                total += pos + neg
            rows.append({"product": p, "counts": counts, "total": total})
        tables.append({"line": line, "rows": rows})
    return tables


def public_program_count() -> int:
    """Programmes published to everyone."""
    return public_programs().count()


def public_datasets() -> QuerySet[Dataset]:
    """Published datasets with public access."""
    return datasets_search(user=None, public_only=True)


def front_page_figures(*, now: dt.datetime) -> dict[str, Any]:
    """The headline numbers of ``/publik/``."""
    return {
        "programs": public_program_count(),
        "datasets": public_datasets().count(),
        "agencies": Agency.objects.public().count(),
        "blood": blood_lines(now=now),
    }


def directory(*, q: str = "", kind: str = "", sector: str = "", affair: str = "") -> Any:
    """The public agency directory, ordered by kind (for grouping) then name."""
    return (
        agencies_search(user=None, q=q, kind=kind, sector=sector, affair=affair, public_only=True)
        .prefetch_related("sectors")
        .order_by(KIND_ORDER, "name", "pk")
    )


def agency_programs(agency: Agency) -> QuerySet[Program]:
    """Public programmes the agency coordinates or takes part in."""
    return (
        public_programs()
        .filter(Q(coordinator=agency) | Q(partnerships__agency=agency))
        .distinct()
        .order_by("code")
    )


def agency_datasets(agency: Agency) -> QuerySet[Dataset]:
    """Published public datasets of the agency."""
    return public_datasets().filter(publisher=agency).order_by("title")
