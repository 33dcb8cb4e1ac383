"""Public pages served by insights: the coordination scoreboard at /publik/skor/.

The scoreboard lives here rather than in the ``portal`` app because the portal may not
import insights (docs/decisions/scoreboard-in-insights.md)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from sinergi.core.clock import now
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.views import paginate_request

from . import selectors

SORTS: dict[str, Any] = {
    "name": lambda r: (r.name.lower(),),
    "received": lambda r: (r.received, r.name.lower()),
    "on_time": lambda r: (
        r.on_time_rate if r.on_time_rate is not None else -1.0,
        r.name.lower(),
    ),
    "median": lambda r: (
        r.median_response_days if r.median_response_days is not None else 1e9,
        r.name.lower(),
    ),
    "overdue": lambda r: (r.open_overdue, r.name.lower()),
}
PER_PAGE = 100  # agencies per page of the scoreboard

#: The order a column sorts in when first clicked: best or biggest first.
DEFAULT_DESC = {"name": False, "received": True, "on_time": True, "median": False, "overdue": True}


@require_GET
def scoreboard(request: HttpRequest) -> HttpResponse:
    """The coordination scoreboard: per agency, requests received in the window, the share
    answered on time, the median response in working days and the open overdue ones.
    Anonymous, aggregates only; sortable by column with links."""
    moment = now()
    errors: list[str] = []
    try:
        window = selectors.window_from_params(
            request.GET.get("from"), request.GET.get("to"), now=moment
        )
    except ValidationFailed as exc:
        errors = [m for msgs in exc.fields.values() for m in msgs] or [exc.message]
        window = selectors.window_from_params(None, None, now=moment)
    sort = request.GET.get("sort", "overdue")
    if sort not in SORTS:
        sort = "overdue"
    direction = request.GET.get("dir", "desc" if DEFAULT_DESC[sort] else "asc")
    descending = direction == "desc"
    rows = selectors.public_scoreboard(window=window, now=moment)
    rows.sort(key=SORTS[sort], reverse=descending)
    # A country has thousands of agencies with requests: a page of them at a time.
    paging = paginate_request(request, rows, per_page=PER_PAGE)
    columns = []
    for key in ("name", "received", "on_time", "median", "overdue"):
        if key == sort:
            next_dir = "asc" if descending else "desc"
        else:
            next_dir = "desc" if DEFAULT_DESC[key] else "asc"
        columns.append(
            {
                "key": key,
                "dir": next_dir,
                "current": key == sort,
                "aria": ("descending" if descending else "ascending") if key == sort else "none",
            }
        )
    return render(
        request,
        "insights/public_scoreboard.html",
        {
            "rows": [
                {
                    "name": r.name,
                    "received": r.received,
                    "on_time_pct": (
                        round(100 * r.on_time_rate) if r.on_time_rate is not None else None
                    ),
                    "median": r.median_response_days,
                    "overdue": r.open_overdue,
                }
                for r in paging["page_obj"].object_list
            ],
            **paging,
            "columns": {c["key"]: c for c in columns},
            "window": window,
            "updated_at": selectors.metrics_updated_at(),
            "errors": errors,
            "period": f"from={window.date_from.isoformat()}&to={window.date_to.isoformat()}",
        },
    )
