"""Programme health for insights: red/amber/green per live programme the user takes part
in or leads, read from the facts the tick keeps (``program_facts``), ordered, paged and
counted in the database. ``selectors`` re-exports the public names."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import connections
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from sinergi.core.exceptions import ValidationFailed

from . import metrics
from .models import ProgramFact


@dataclass(frozen=True)
class ProgramHealth:
    """Whether a programme is on track: red/amber/green and why."""

    program: str  # code
    title: str
    coordinator: str  # agency slug
    coordinator_name: str
    region: str
    rag: str  # "red" | "amber" | "green"
    slip_days: int | None  # forecast finish minus baseline finish, working days
    late_critical_handoffs: int
    holding_agencies: list[str] = field(default_factory=list)  # slugs holding them


@dataclass(frozen=True)
class ProgramHealthPage:
    """Some programmes' health, of ``count`` in the list, and every programme counted by
    health (``rag_counts``: red, amber, green)."""

    items: list[ProgramHealth]
    count: int
    rag_counts: dict[str, int]


def program_health(
    *, user: Any, region: str | None = None, now: dt.datetime
) -> list[ProgramHealth]:
    """Every visible active programme, red first."""
    return _programs(user=user, region=region, now=now).items


def program_health_page(
    *,
    user: Any,
    region: str | None = None,
    now: dt.datetime,
    rags: tuple[str, ...] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> ProgramHealthPage:
    """A page of ``program_health`` (only the ``rags`` given, e.g. red and amber), with the
    number of programmes it is a page of and the count per health of all of them."""
    return _programs(user=user, region=region, now=now, rags=rags, limit=limit, offset=offset)


def region_q(field_name: str, code: str) -> Q:
    """Rows whose region code is ``code`` or one below it."""
    return Q(**{field_name: code}) | Q(**{f"{field_name}__startswith": code + "."})


def _program_scope(user: Any, region: str | None, now: dt.datetime) -> Any:
    """The live programmes the user takes part in or leads (a queryset)."""
    from sinergi.programs.models import Program
    from sinergi.regions.models import Region

    metrics.ensure_built(now=now)
    if region and not Region.objects.filter(code=region).exists():
        raise ValidationFailed(
            _("Unknown region."),
            fields={"region": [_("No region has the code %(code)s.") % {"code": region[:20]}]},
        )
    programs = Program.objects.visible_to(user).filter(status__in=["planning", "active", "on_hold"])
    if not user.is_superuser:
        # Public programmes of other regions are not this user's business here. Each part
        # is read first by its index and bound as ids (no ``pk IN`` over an OR of joins,
        # docs/decisions/bounded-list-counts.md).
        from sinergi.agencies.selectors import leader_region_codes, user_memberships
        from sinergi.core.paging import bound_ids
        from sinergi.programs.models import WorkItem

        own = sorted({m.agency_id for m in user_memberships(user)})
        items = WorkItem.objects.filter(owner_id__in=own).order_by()
        owning = items.values_list("program_id", flat=True)
        cond = Q(coordinator_id__in=own) | Q(pk__in=bound_ids(owning.distinct()))
        led = Q(pk__in=[])
        for code in leader_region_codes(user):
            led |= region_q("code", code)
        regions = Region.objects.filter(led).order_by().values_list("pk", flat=True)
        cond |= Q(region_id__in=bound_ids(regions))
        programs = programs.filter(cond)
    if region:
        programs = programs.filter(region_q("region__code", region))
    return programs


def _health_order(
    programs: Any, rags: tuple[str, ...] | None, limit: int | None, offset: int
) -> list[int]:
    """The ids of a page of ``programs`` in health order (red, amber, green; the biggest
    slip first; by code), joined with their facts in one query: a correlated subquery per
    programme made sorting a country's 50,000 programmes take a second."""
    from sinergi.programs.models import Program

    if limit == 0:
        return []
    scope_sql, scope_params = programs.order_by().values("pk").query.sql_with_params()
    quote = connections[programs.db].ops.quote_name
    rag = "COALESCE(f.rag, 'green')"
    params: list[Any] = list(scope_params)
    # Codes in code-point order on every database (PostgreSQL's locale order skips hyphens).
    collate = ' COLLATE "C"' if connections[programs.db].vendor == "postgresql" else ""
    where = ""
    if rags is not None:
        where = f" AND {rag} IN ({', '.join(['%s'] * len(rags))})"
        params += list(rags)
    sql = (
        f"SELECT p.id FROM {quote(Program._meta.db_table)} p "  # noqa: S608 - names quoted
        f"LEFT JOIN {quote(ProgramFact._meta.db_table)} f ON f.program_id = p.id "
        f"WHERE p.id IN ({scope_sql}){where} "
        f"ORDER BY CASE {rag} WHEN 'red' THEN 0 WHEN 'amber' THEN 1 ELSE 2 END, "
        f"COALESCE(f.slip_days, 0) DESC, p.code{collate} LIMIT %s OFFSET %s"
    )
    params += [limit if limit is not None else 2**62, offset]
    with connections[programs.db].cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def _programs(
    *,
    user: Any,
    region: str | None,
    now: dt.datetime,
    rags: tuple[str, ...] | None = None,
    limit: int | None = None,
    offset: int = 0,
) -> ProgramHealthPage:
    """Programme health read from the facts the tick keeps, ordered and counted in the
    database: a country has 50,000 live programmes, a page shows a few dozen."""
    from sinergi.programs.models import Program

    programs = _program_scope(user, region, now)
    in_scope = ProgramFact.objects.filter(program_id__in=programs.order_by().values("pk"))
    by_rag = dict(in_scope.values_list("rag").annotate(n=Count("pk")).order_by())
    total = programs.count()
    counts = {"red": by_rag.get("red", 0), "amber": by_rag.get("amber", 0)}
    # A programme without facts yet (added since the last tick) counts as green.
    counts["green"] = max(total - counts["red"] - counts["amber"], 0)
    count = total if rags is None else sum(counts.get(r, 0) for r in rags)
    ids = _health_order(programs, rags, limit, offset)
    found = Program.objects.select_related("coordinator", "region").in_bulk(ids)
    page = [found[pk] for pk in ids]
    facts = ProgramFact.objects.in_bulk([p.pk for p in page])
    items = []
    for p in page:
        f = facts.get(p.pk)
        items.append(
            ProgramHealth(
                program=p.code,
                title=p.title,
                coordinator=p.coordinator.slug,
                coordinator_name=p.coordinator.short_name or p.coordinator.name,
                region=p.region.code,
                rag=f.rag if f else "green",
                slip_days=f.slip_days if f else None,
                late_critical_handoffs=f.late_critical_handoffs if f else 0,
                holding_agencies=list(f.holding_agencies) if f else [],
            )
        )
    return ProgramHealthPage(items=items, count=count, rag_counts=counts)
