"""Insights API: coordination metrics per agency, per pair, per programme, and the public
scoreboard. Read only; meanings in ``insights/metrics.py``."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any

from ninja import Query, Router, Schema

from sinergi.core.api import READ_ERRORS, ApiRequest, ErrorOut, responses
from sinergi.core.clock import now

from . import selectors
from .schemas import (
    AgencyFilters,
    AgencyListOut,
    InsightsFilters,
    PairFilters,
    PairListOut,
    ProgramFilters,
    ProgramListOut,
    PublicFilters,
    ScoreboardOut,
    SummaryOut,
)

router = Router(tags=["insights"])
public_router = Router(tags=["public"])
PUBLIC_ERRORS: dict[int, type[Schema]] = {400: ErrorOut, 422: ErrorOut}


def _agency_out(row: selectors.AgencyMetrics) -> dict[str, Any]:
    # Shallow copy: ``asdict`` deep-copies every value, which costs more than the rest of
    # the request on a region of 500 agencies.
    out = {f.name: getattr(row, f.name) for f in fields(row)}
    levels = out.pop("escalations_by_level")
    out["escalations_by_level"] = {
        "head": levels.get(1, 0),
        "sekda": levels.get(2, 0),
        "bupati": levels.get(3, 0),
    }
    out["on_time_rate"] = round(row.on_time_rate, 4) if row.on_time_rate is not None else None
    return out


@router.get(
    "/agencies",
    response=responses(AgencyListOut, errors=READ_ERRORS),
    summary="Coordination figures per agency",
)
def agencies(request: ApiRequest, filters: Query[AgencyFilters]) -> Any:
    """Per agency the user may see (leaders: their region; agency staff: their agency):
    requests received in the window, answered, on time, open and overdue now, median and
    p90 response in working days, forwarded, escalations, hand-offs, attributed delay,
    data requests, datasets and, for blood units and hospitals, blood fill rate. Most open
    overdue first; ``limit`` rows from ``offset`` (``count``: all rows)."""
    moment = now()
    window = selectors.window_from_params(filters.from_, filters.to, now=moment)
    rows = selectors.agency_metrics(
        user=request.auth,
        window=window,
        region=filters.region or None,
        agency=filters.agency or None,
        now=moment,
    )
    return {
        "date_from": window.date_from,
        "date_to": window.date_to,
        "updated_at": selectors.metrics_updated_at(),
        "items": [_agency_out(r) for r in rows[filters.offset : filters.offset + filters.limit]],
        "count": len(rows),
    }


@router.get(
    "/pairs",
    response=responses(PairListOut, errors=READ_ERRORS),
    summary="Coordination figures per pair of agencies",
)
def pairs(request: ApiRequest, filters: Query[PairFilters]) -> Any:
    """Requests from one agency to another submitted in the window ("who waits for whom"):
    agency staff see the pairs their agency is part of, leaders those touching their
    region. Most open-overdue first, then most requests; ``limit`` pairs (default 200)."""
    moment = now()
    window = selectors.window_from_params(filters.from_, filters.to, now=moment)
    rows = selectors.pair_metrics(
        user=request.auth,
        window=window,
        region=filters.region or None,
        agency=filters.agency or None,
        now=moment,
        limit=filters.limit,
    )
    return {
        "date_from": window.date_from,
        "date_to": window.date_to,
        "updated_at": selectors.metrics_updated_at(),
        "items": [{f.name: getattr(r, f.name) for f in fields(r)} for r in rows],
        "count": len(rows),
    }


@router.get(
    "/programs",
    response=responses(ProgramListOut, errors=READ_ERRORS),
    summary="Programme health (red/amber/green)",
)
def programs(request: ApiRequest, filters: Query[ProgramFilters]) -> Any:
    """Live programmes the user takes part in or leads, red first: forecast slip against
    the baseline, late critical hand-offs and the agencies holding them. ``limit`` rows
    from ``offset`` (``count``: all rows)."""
    page = selectors.program_health_page(
        user=request.auth,
        region=filters.region or None,
        now=now(),
        limit=filters.limit,
        offset=filters.offset,
    )
    return {
        "items": [{f.name: getattr(r, f.name) for f in fields(r)} for r in page.items],
        "count": page.count,
        "updated_at": selectors.metrics_updated_at(),
    }


@router.get(
    "/summary",
    response=responses(SummaryOut, errors=READ_ERRORS),
    summary="Coordination totals",
)
def summary(request: ApiRequest, filters: Query[InsightsFilters]) -> Any:
    """Totals over the window of what the user may see, with the time of the last update
    of the figures (at most a minute old)."""
    moment = now()
    window = selectors.window_from_params(filters.from_, filters.to, now=moment)
    if filters.agency:
        # The summary is of a region; an agency filter is validated but only narrows
        # the agency list endpoints.
        selectors.agency_metrics(
            user=request.auth, window=window, agency=filters.agency, now=moment
        )
    s = selectors.summary(
        user=request.auth, window=window, region=filters.region or None, now=moment
    )
    out = asdict(s)
    out.pop("window")
    out["date_from"] = window.date_from
    out["date_to"] = window.date_to
    return out


@public_router.get(
    "/scoreboard",
    response=responses(ScoreboardOut, errors=PUBLIC_ERRORS),
    auth=None,
    summary="Public coordination scoreboard",
)
def scoreboard(request: ApiRequest, filters: Query[PublicFilters]) -> Any:
    """Anonymous: per agency, requests received in the window, the share answered on
    time, the median response in working days and how many are open and overdue now.
    Aggregates only: no request, subject or person appears. Most open overdue first;
    ``limit`` rows from ``offset`` (``count``: all rows)."""
    moment = now()
    window = selectors.window_from_params(filters.from_, filters.to, now=moment)
    rows = selectors.public_scoreboard(window=window, region=filters.region or None, now=moment)
    return {
        "date_from": window.date_from,
        "date_to": window.date_to,
        "updated_at": selectors.metrics_updated_at(),
        "items": [
            {
                "agency": r.agency,
                "name": r.name,
                "received": r.received,
                "on_time_rate": round(r.on_time_rate, 4) if r.on_time_rate is not None else None,
                "median_response_days": r.median_response_days,
                "open_overdue": r.open_overdue,
            }
            for r in rows[filters.offset : filters.offset + filters.limit]
        ],
        "count": len(rows),
    }
