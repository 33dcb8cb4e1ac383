"""Views of the leader dashboard: /dasbor/ (what needs a decision today, the league table,
the pair heat map, trends), the agency scorecard, the pair view and the rakor report.

Leaders (their region), agency heads (their agency) and platform admins open them; any
other signed-in user gets 403 (the pages exist for them, they may not read them), an
unknown agency 404. Figures come from ``insights.selectors``; rows a leader clicks through
to come from ``insights.dashboard`` and the request list's filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from sinergi.agencies.models import Agency
from sinergi.core.clock import now
from sinergi.core.exceptions import Forbidden, NotFound, ValidationFailed
from sinergi.core.forms import apply_errors
from sinergi.core.views import AuthedRequest, friendly_errors

from . import dashboard as reads
from . import selectors
from .forms import WeekForm, WindowForm, parse_week, week_label
from .report import Pack, Section, pack_pdf, pack_xlsx
from .svg import HeatCell, heat_map, sparkline

MONTHS = ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des")
LEAGUE_LIMIT = 25  # league rows on the dashboard before "show all"
OVERDUE_LIMIT = 10  # agencies in the "overdue requests by agency" card (the league has all)
HEAT_LIMIT = 15  # agencies per axis on the dashboard's heat map (the pair view shows all)
AT_RISK_LIMIT = 50  # programmes listed in the "programmes at risk" card (all are counted)

LEAGUE_SORTS = {
    "name": lambda m: m.name.lower(),
    "received": lambda m: m.received,
    "answered": lambda m: m.answered,
    "on_time": lambda m: -1.0 if m.on_time_rate is None else m.on_time_rate,
    "open_overdue": lambda m: m.open_overdue,
    "median": lambda m: -1.0 if m.median_response_days is None else m.median_response_days,
    "p90": lambda m: -1.0 if m.p90_response_days is None else m.p90_response_days,
    "forwarded": lambda m: m.forwarded,
    "escalations": lambda m: m.escalations,
    "handoffs_late": lambda m: m.handoffs_late,
    "delay": lambda m: m.delay_days_attributed,
}


# --- helpers --------------------------------------------------------------------------


def _scope(request: AuthedRequest) -> reads.Scope:
    scope = reads.scope_of(request.user)
    if not scope.allowed:
        raise Forbidden()
    return scope


def requests_url(**params: Any) -> str:
    """The request list filtered to the rows behind a number."""
    clean = {k: v for k, v in params.items() if v not in (None, "", False)}
    for key, value in list(clean.items()):
        if value is True:
            clean[key] = "on"
        elif isinstance(value, dt.date):
            clean[key] = value.isoformat()
    return _list_path() + ("?" + urlencode(clean) if clean else "")


_LIST_PATHS: dict[tuple[str, Any], str] = {}


def _list_path() -> str:
    """The request list's path, reversed once per script prefix and URLconf: the dashboard
    links thousands of numbers to it and ``reverse`` dominated the page's time."""
    key = (get_script_prefix(), get_urlconf())
    path = _LIST_PATHS.get(key)
    if path is None:
        path = _LIST_PATHS[key] = reverse("coordination:list")
    return path


def _window(request: AuthedRequest, form: WindowForm, at: dt.datetime) -> selectors.Window | None:
    """The window of the query string, or None with the reasons on the form."""
    try:
        return selectors.window_from_params(
            request.GET.get("from") or None, request.GET.get("to") or None, now=at
        )
    except ValidationFailed as exc:
        form.is_valid()  # bind the form so the errors render under their fields
        apply_errors(form, exc)
        return None


def _show_window(form: WindowForm, window: selectors.Window) -> None:
    """Fill empty date inputs with the period shown, so the reader sees and can shift it."""
    shown = {"from": window.date_from.isoformat(), "to": window.date_to.isoformat()}
    if not form.is_bound:
        form.initial = shown
        return
    data = dict(form.data.items())
    for key, value in shown.items():
        if not data.get(key):
            data[key] = value
    form.data = data


def _refused(request: AuthedRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """The page with only its form and the reasons the input was refused (400)."""
    return render(request, template, {**context, "refused": True}, status=400)


def _month_label(month: dt.date) -> str:
    return f"{MONTHS[month.month - 1]} {month.year}"


def _fmt(value: float | None, suffix: str = "", places: int = 1) -> str:
    if value is None:
        return "–"
    return formats.number_format(value, places, use_l10n=True) + suffix


def trend_charts(points: Sequence[selectors.MonthPoint]) -> list[dict[str, Any]]:
    """Sparklines of a monthly trend: received, on-time share, median days, overdue."""
    labels = [_month_label(p.month) for p in points]
    series: list[tuple[str, list[float | None], str, int]] = [
        (_("Requests received"), [float(p.received) for p in points], "", 0),
        (
            _("Answered on time (%)"),
            [100.0 * p.answered_on_time / p.answered if p.answered else None for p in points],
            "%",
            0,
        ),
        (_("Median response (working days)"), [p.median_response_days for p in points], "", 1),
        (
            _("Open and overdue at month end"),
            [float(p.open_overdue_at_month_end) for p in points],
            "",
            0,
        ),
    ]
    charts = []
    for title, values, suffix, places in series:
        last = next((v for v in reversed(values) if v is not None), None)
        charts.append(
            {
                "title": title,
                "last": _fmt(last, suffix, places),
                "svg": sparkline(values, labels=labels, title=title),
            }
        )
    return charts


def _heat(
    pairs: Sequence[selectors.PairMetrics], window: selectors.Window, *, limit: int | None
) -> dict[str, Any]:
    """Rows, columns and the SVG of the pair heat map (the busiest agencies when limited)."""
    weight: dict[str, int] = {}
    names: dict[str, str] = {}
    for p in pairs:
        names[p.from_agency] = p.from_name
        names[p.to_agency] = p.to_name
        w = p.open_overdue * 1000 + p.requests
        weight[p.from_agency] = weight.get(p.from_agency, 0) + w
        weight[p.to_agency] = weight.get(p.to_agency, 0) + w
    keep = sorted(weight, key=lambda s: (-weight[s], names[s]))
    if limit is not None:
        keep = keep[:limit]
    kept = set(keep)
    rows = sorted({p.from_agency for p in pairs if p.from_agency in kept}, key=lambda s: names[s])
    cols = sorted({p.to_agency for p in pairs if p.to_agency in kept}, key=lambda s: names[s])
    cells = [
        HeatCell(
            row=p.from_agency,
            col=p.to_agency,
            requests=p.requests,
            open_overdue=p.open_overdue,
            median_days=p.median_response_days,
            url=requests_url(
                from_agency=p.from_agency,
                to_agency=p.to_agency,
                submitted_from=window.date_from,
                submitted_to=window.date_to,
                overdue=p.open_overdue > 0,
            ),
        )
        for p in pairs
        if p.from_agency in kept and p.to_agency in kept
    ]

    def title(row: str, col: str, cell: HeatCell) -> str:
        return _(
            "%(row)s waits for %(col)s: %(requests)s requests, %(overdue)s open and overdue, "
            "median %(median)s working days"
        ) % {
            "row": row,
            "col": col,
            "requests": cell.requests,
            "overdue": cell.open_overdue,
            "median": _fmt(cell.median_days),
        }

    svg = heat_map(
        rows=[(s, names[s]) for s in rows],
        cols=[(s, names[s]) for s in cols],
        cells=cells,
        title=_("Who waits for whom: rows wait for columns; colour and number: open overdue"),
        cell_title=title,
    )
    return {"svg": svg if cells else "", "shown": len(kept), "total": len(weight)}


def _league_rows(
    metrics: Sequence[selectors.AgencyMetrics], window: selectors.Window
) -> list[dict[str, Any]]:
    rows = []
    # The links of a region's hundreds of rows differ only in the agency: the same strings
    # ``requests_url`` gives, put together from parts encoded once.
    dates = urlencode({"submitted_from": window.date_from, "submitted_to": window.date_to})
    list_path = _list_path()
    card_path = reverse("insights:agency", args=["__slug__"])
    for m in metrics:
        received = f"{list_path}?{urlencode({'to_agency': m.agency})}&{dates}"
        rows.append(
            {
                "m": m,
                "on_time_pct": None if m.on_time_rate is None else 100 * m.on_time_rate,
                "url_scorecard": card_path.replace("__slug__", m.agency),
                "url_received": received,
                "url_answered": received + "&answered=yes",
                "url_on_time": received + "&answered=on_time",
                # Open overdue counts requests of the window still open past due now.
                "url_overdue": received + "&overdue=on",
                "url_forwarded": received,
                "url_escalations": received + "&escalated=on",
            }
        )
    return rows


def _sorted_league(
    metrics: list[selectors.AgencyMetrics], sort: str, direction: str
) -> list[selectors.AgencyMetrics]:
    key = LEAGUE_SORTS.get(sort, LEAGUE_SORTS["open_overdue"])
    default_desc = sort != "name"
    desc = {"asc": False, "desc": True}.get(direction, default_desc)
    return sorted(metrics, key=key, reverse=desc)


def _sort_links(request: AuthedRequest, sort: str, direction: str) -> dict[str, dict[str, str]]:
    """Per column: the link that sorts by it (flipping when already sorted by it)."""
    params = request.GET.copy()
    out = {}
    for key in LEAGUE_SORTS:
        flip = "asc" if (key == sort and direction != "asc") else "desc"
        if key == "name" and key != sort:
            flip = "asc"
        params["sort"] = key
        params["dir"] = flip
        state = ""
        if key == sort:
            state = "ascending" if direction == "asc" else "descending"
        out[key] = {"url": "?" + params.urlencode(), "state": state}
    return out


def _updated() -> dt.datetime | None:
    return selectors.metrics_updated_at()


def _window_text(window: selectors.Window) -> str:
    return _("%(from)s to %(to)s") % {
        "from": formats.date_format(window.date_from, "j M Y"),
        "to": formats.date_format(window.date_to, "j M Y"),
    }


# --- pages ----------------------------------------------------------------------------


@login_required
@require_GET
@friendly_errors
def dashboard(request: AuthedRequest) -> HttpResponse:
    """What needs a decision today, the league table, who waits for whom, and trends."""
    at = now()
    scope = _scope(request)
    form = WindowForm(request.GET or None)
    base = {"form": form, "scope": scope}
    window = _window(request, form, at)
    if window is None:
        return _refused(request, "insights/dasbor.html", {**base, "updated_at": _updated()})
    user = request.user
    metrics = selectors.agency_metrics(user=user, window=window, now=at)
    # Only the pairs between the busiest agencies, chosen from the window sums first.
    heat = selectors.heat_pairs(user=user, window=window, now=at, agencies=HEAT_LIMIT)
    # The programmes at risk (red and amber) only, the first of them; every one counted.
    programs = selectors.program_health_page(
        user=user, now=at, rags=("red", "amber"), limit=AT_RISK_LIMIT
    )
    trend = selectors.monthly_trend(user=user, months=12, now=at)
    sort = request.GET.get("sort", "open_overdue")
    direction = request.GET.get("dir", "")
    if sort not in LEAGUE_SORTS:
        sort = "open_overdue"
    escalations = reads.escalations_for(user, scope, now=at)
    handoffs = reads.late_critical_handoffs(user, scope, now=at)
    overdue_by_agency = sorted(
        (m for m in metrics if m.open_overdue), key=lambda m: (-m.open_overdue, m.name)
    )
    # A region of hundreds of agencies: the first rows of the chosen order, the rest on
    # request (rendering every row was most of the page's time).
    league = _sorted_league(metrics, sort, direction)
    league_shown = len(league) if request.GET.get("league") == "all" else LEAGUE_LIMIT
    league_all_params = request.GET.copy()
    league_all_params["league"] = "all"
    _show_window(form, window)
    context = {
        **base,
        "updated_at": _updated(),
        "window": window,
        "window_text": _window_text(window),
        "window_query": urlencode({"from": window.date_from, "to": window.date_to}),
        "league": _league_rows(league[:league_shown], window),
        "league_total": len(league),
        "league_all_url": "?" + league_all_params.urlencode(),
        "sort": sort,
        "sort_links": _sort_links(request, sort, direction),
        "heat": {
            **_heat(heat.pairs, window, limit=None),
            "shown": heat.shown,
            "total": heat.total,
        },
        "trend": trend_charts(trend),
        "escalations": escalations[:50],
        "escalation_count": len(escalations),
        "handoffs": handoffs[:50],
        "handoff_count": len(handoffs),
        "handoff_checked": handoffs.checked,
        "handoff_programs": handoffs.programs,
        "at_risk": programs.items,
        "at_risk_count": programs.count,
        "rag_counts": programs.rag_counts,
        "overdue_by_agency": [
            {
                "m": m,
                "url": requests_url(
                    to_agency=m.agency,
                    overdue=True,
                    submitted_from=window.date_from,
                    submitted_to=window.date_to,
                ),
            }
            for m in overdue_by_agency[:OVERDUE_LIMIT]
        ],
        "overdue_agency_count": len(overdue_by_agency),
        "overdue_total": sum(m.open_overdue for m in metrics),
        "overdue_all_url": requests_url(
            # An agency head's figures are his agency's incoming requests only; a leader's
            # those owed by agencies of his region (not, say, a provincial office's).
            box="" if scope.is_leader else "incoming",
            to_region=",".join(scope.regions) if scope.is_leader else "",
            overdue=True,
            submitted_from=window.date_from,
            submitted_to=window.date_to,
        ),
        "blood": reads.blood_critical(scope, now=at),
    }
    return render(request, "insights/dasbor.html", context)


@login_required
@require_GET
@friendly_errors
def agency(request: AuthedRequest, slug: str) -> HttpResponse:
    """One agency's figures, its 12-month trend and its backlog to clear."""
    at = now()
    scope = _scope(request)
    obj = Agency.objects.visible_to(request.user).filter(slug=slug[:100]).first()
    if obj is None:
        raise NotFound()
    if not scope.covers(obj):
        raise Forbidden()
    form = WindowForm(request.GET or None)
    base = {"form": form, "agency": obj}
    window = _window(request, form, at)
    if window is None:
        return _refused(
            request, "insights/dasbor_instansi.html", {**base, "updated_at": _updated()}
        )
    user = request.user
    found = selectors.agency_metrics(user=user, window=window, agency=obj.slug, now=at)
    metrics = found[0] if found else None
    trend = selectors.monthly_trend(user=user, agency=obj.slug, months=12, now=at)
    pairs = selectors.pair_metrics(user=user, window=window, agency=obj.slug, now=at)
    handoffs = reads.late_critical_handoffs(user, scope, now=at, agency=obj, critical_only=False)
    league = _league_rows([metrics], window)[0] if metrics else None
    _show_window(form, window)
    context = {
        **base,
        "updated_at": _updated(),
        "window": window,
        "window_text": _window_text(window),
        "m": metrics,
        "row": league,
        "trend": trend_charts(trend),
        "trend_rows": [
            {
                "label": _month_label(p.month),
                "p": p,
                "on_time_pct": 100 * p.answered_on_time / p.answered if p.answered else None,
            }
            for p in reversed(trend)
        ],
        "overdue": reads.overdue_requests(user, scope, now=at, agency=obj, limit=50),
        "overdue_url": requests_url(to_agency=obj.slug, overdue=True),
        "handoffs_owed": [h for h in handoffs if h.from_slug == obj.slug],
        "handoffs_awaited": [h for h in handoffs if h.to_slug == obj.slug],
        "waits_for": _pair_rows([p for p in pairs if p.from_agency == obj.slug], window),
        "waited_by": _pair_rows([p for p in pairs if p.to_agency == obj.slug], window),
    }
    return render(request, "insights/dasbor_instansi.html", context)


def _pair_rows(
    pairs: Sequence[selectors.PairMetrics], window: selectors.Window
) -> list[dict[str, Any]]:
    rows = []
    for p in sorted(pairs, key=lambda p: (-p.open_overdue, -p.requests, p.from_name, p.to_name)):
        base = {
            "from_agency": p.from_agency,
            "to_agency": p.to_agency,
            "submitted_from": window.date_from,
            "submitted_to": window.date_to,
        }
        rows.append(
            {
                "p": p,
                "url_requests": requests_url(**base),
                "url_on_time": requests_url(**base, answered="on_time"),
                "url_overdue": requests_url(**base, overdue=True),
            }
        )
    return rows


@login_required
@require_GET
@friendly_errors
def pairs(request: AuthedRequest) -> HttpResponse:
    """Every pair of agencies: who waits for whom, as a table and a heat map."""
    at = now()
    scope = _scope(request)
    choices = [(a.slug, str(a)) for a in scope.agencies()]
    form = WindowForm(request.GET or None, agencies=choices)
    base: dict[str, Any] = {"form": form}
    window = _window(request, form, at)
    chosen = request.GET.get("agency", "")[:100]
    if chosen and chosen not in {slug for slug, _name in choices}:
        form.is_valid()
        form.add_error("agency", _("Unknown agency, or not one of yours."))
        window = None
    if window is None:
        return _refused(
            request, "insights/dasbor_pasangan.html", {**base, "updated_at": _updated()}
        )
    found = selectors.pair_metrics(user=request.user, window=window, agency=chosen or None, now=at)
    _show_window(form, window)
    context = {
        **base,
        "updated_at": _updated(),
        "window": window,
        "window_text": _window_text(window),
        "chosen": chosen,
        "rows": _pair_rows(found, window),
        "heat": _heat(found, window, limit=None),
    }
    return render(request, "insights/dasbor_pasangan.html", context)


# --- rakor report ---------------------------------------------------------------------


def rakor_pack(user: Any, scope: reads.Scope, *, monday: dt.date, at: dt.datetime) -> Pack:
    """The week's rakor pack: figures of the 90 days up to the week's Sunday, blockers and
    programmes as they stand now, the week's decisions and the action items due by its end."""
    sunday = monday + dt.timedelta(days=6)
    window = selectors.Window(date_from=sunday - dt.timedelta(days=89), date_to=sunday)
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=7)
    metrics = selectors.agency_metrics(user=user, window=window, now=at)
    pairs = selectors.pair_metrics(user=user, window=window, now=at)
    programs = selectors.program_health_page(user=user, now=at, rags=("red", "amber")).items
    requests = reads.overdue_requests(user, scope, now=at, limit=10)
    handoffs = reads.late_critical_handoffs(user, scope, now=at)
    blockers = reads.top_blockers(requests, handoffs, limit=10)
    meetings = reads.meetings_of_week(user, scope, start=start, end=end)
    actions = reads.action_items_due(user, scope, end=end, now=at)
    label = week_label(monday)
    rag = {"red": _("red"), "amber": _("amber"), "green": _("green")}
    # The meeting discusses agencies with something to discuss: idle ones are left out.
    active = [
        m
        for m in metrics
        if m.received or m.open_overdue or m.handoffs_due or m.handoffs_late or m.escalations
    ]
    league = sorted(active, key=lambda m: (-m.open_overdue, -m.received, m.name))
    updated = _updated()
    sections = [
        Section(
            "league",
            _("Agency league table"),
            [
                _("Agency"),
                _("Received"),
                _("Answered"),
                _("On time"),
                _("On time (%)"),
                _("Open overdue"),
                _("Median days"),
                _("P90 days"),
                _("Escalations"),
                _("Late hand-offs"),
                _("Delay days"),
            ],
            [
                [
                    m.name,
                    m.received,
                    m.answered,
                    m.answered_on_time,
                    None if m.on_time_rate is None else round(100 * m.on_time_rate, 1),
                    m.open_overdue,
                    m.median_response_days,
                    m.p90_response_days,
                    m.escalations,
                    m.handoffs_late,
                    m.delay_days_attributed,
                ]
                for m in league
            ],
            _("No agency had requests in this period."),
        ),
        Section(
            "pairs",
            _("Who waits for whom (pairs of agencies)"),
            [
                _("Waiting agency"),
                _("Agency waited on"),
                _("Requests"),
                _("On time"),
                _("Median days"),
                _("Open overdue"),
            ],
            [
                [
                    p.from_name,
                    p.to_name,
                    p.requests,
                    p.answered_on_time,
                    p.median_response_days,
                    p.open_overdue,
                ]
                for p in sorted(pairs, key=lambda p: (-p.open_overdue, -p.requests))
            ],
            _("No requests between agencies in this period."),
        ),
        Section(
            "blockers",
            _("Top 10 blockers"),
            [_("Blocker"), _("Waiting"), _("Waited on"), _("Days late"), _("Due")],
            [[b.title, b.waiting, b.waited_on, b.days_late, b.detail] for b in blockers],
            _("Nothing is blocked."),
        ),
        Section(
            "programs",
            _("Programmes at risk"),
            [
                _("Programme"),
                _("Coordinator"),
                _("Status"),
                _("Slip (working days)"),
                _("Late critical hand-offs"),
            ],
            [
                [
                    f"{p.program} {p.title}",
                    p.coordinator_name,
                    rag.get(p.rag, p.rag),
                    p.slip_days,
                    p.late_critical_handoffs,
                ]
                for p in programs
            ],
            _("No programme is at risk."),
        ),
        Section(
            "decisions",
            _("Decisions of the week"),
            [_("Meeting"), _("Date"), _("No."), _("Decision")],
            [
                [m.title, timezone.localtime(m.starts_at, tz).date(), number, text]
                for m in meetings
                for number, text in m.decisions
            ],
            _("No decision was taken this week."),
        ),
        Section(
            "actions",
            _("Action items due"),
            [_("Action item"), _("Meeting"), _("Owner"), _("Due"), _("Overdue")],
            [
                [
                    f"#{r.pk} {r.subject}",
                    r.meeting.title if r.meeting else "",
                    str(r.to_agency),
                    r.due_date,
                    _("yes") if r.overdue else _("no"),
                ]
                for r in actions
            ],
            _("No action item is due."),
        ),
    ]
    where = _("all regions") if scope.everything else ", ".join(_region_names(scope))
    return Pack(
        title=_("Coordination meeting report, week %(week)s") % {"week": label},
        subtitle=_("%(where)s · figures of %(window)s")
        % {
            "where": where,
            "window": _window_text(window),
        },
        generated=_("Generated %(at)s")
        % {"at": formats.date_format(timezone.localtime(at, tz), "j M Y H:i")},
        updated=_("Metrics updated %(at)s")
        % {
            "at": formats.date_format(timezone.localtime(updated, tz), "j M Y H:i")
            if updated
            else _("never")
        },
        sections=sections,
        filename=f"rakor-{label}",
    )


def _region_names(scope: reads.Scope) -> list[str]:
    from sinergi.regions.models import Region

    names = dict(Region.objects.filter(code__in=scope.regions).values_list("code", "name"))
    out = [names.get(c, c) for c in scope.regions]
    if scope.agency_ids:
        out += [str(a) for a in Agency.objects.filter(pk__in=scope.agency_ids).order_by("name")]
    return out


@login_required
@require_GET
@friendly_errors
def report(request: AuthedRequest) -> HttpResponse:
    """The week's rakor pack as a page, and as XLSX or PDF with ``?format=``."""
    at = now()
    scope = _scope(request)
    form = WeekForm(request.GET or None)
    today = timezone.localdate(at)
    try:
        monday, _sunday = parse_week(request.GET.get("week"), today=today)
    except ValidationFailed as exc:
        form.is_valid()
        apply_errors(form, exc)
        return _refused(request, "insights/laporan.html", {"form": form})
    kind = request.GET.get("format", "")
    if kind not in ("", "html", "xlsx", "pdf"):
        form.is_valid()
        form.add_error(None, _("Choose the format html, xlsx or pdf."))
        return _refused(request, "insights/laporan.html", {"form": form})
    pack = rakor_pack(request.user, scope, monday=monday, at=at)
    label = week_label(monday)
    if kind == "xlsx":
        response = HttpResponse(
            pack_xlsx(pack),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{pack.filename}.xlsx"'
        return response
    if kind == "pdf":
        response = HttpResponse(pack_pdf(pack), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pack.filename}.pdf"'
        return response
    previous = week_label(monday - dt.timedelta(days=7))
    following = week_label(monday + dt.timedelta(days=7))
    context = {
        "form": form,
        "pack": pack,
        "week": label,
        "previous_url": "?" + urlencode({"week": previous}),
        "next_url": "?" + urlencode({"week": following}),
        "xlsx_url": "?" + urlencode({"week": label, "format": "xlsx"}),
        "pdf_url": "?" + urlencode({"week": label, "format": "pdf"}),
    }
    return render(request, "insights/laporan.html", context)
