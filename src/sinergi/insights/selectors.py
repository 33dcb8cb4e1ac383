"""Read side of insights: the figures the dashboard, the report and the API show.

Every function takes the viewing ``user`` and answers only what that user may see: platform
admins everything, leaders their region, agency staff their own agency (and, for pairs, the
pairs that involve it). Figures come from the summary tables kept by the tick job
(``metrics.refresh_facts``); they are at most a minute behind, see ``metrics_updated_at``
(and, for a slow read just after a tick, one background rebuild more: ``kept.py``).
The meaning of every figure is defined once in ``metrics.py``.
"""

from __future__ import annotations

import bisect
import datetime as dt
import heapq
from collections import defaultdict
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.utils.translation import gettext as _

from sinergi.core.exceptions import NotFound, ValidationFailed

from . import metrics
from .kept import kept
from .models import (
    RESPONSE_BUCKETS,
    AgencyPeriod,
    DelayFact,
    HandoffFact,
    PairPeriod,
    RequestFact,
)
from .program_health import (  # noqa: F401 - the public names of programme health live on here
    ProgramHealth,
    ProgramHealthPage,
    _programs,
    program_health,
    program_health_page,
    region_q,
)

DEFAULT_WINDOW_DAYS = 90
MAX_WINDOW_DAYS = 3 * 366


@dataclass(frozen=True)
class Window:
    """A closed range of calendar days [date_from, date_to] in the region's time zone."""

    date_from: dt.date
    date_to: dt.date


def window_from_params(
    from_: dt.date | str | None, to: dt.date | str | None, *, now: dt.datetime
) -> Window:
    """The window asked for by ``from``/``to`` (dates or ISO strings), default the last 90
    days ending today. Raises ``ValidationFailed`` (Indonesian/English message per field)
    for a bad date, ``from`` after ``to`` or a span longer than three years."""
    return _window(from_, to, now=now)


@dataclass(frozen=True)
class AgencyMetrics:
    """The figures of one agency over a window (meanings in ``metrics.py``)."""

    agency: str  # slug
    name: str
    short_name: str
    region: str  # Kemendagri code of the agency's region
    kind: str
    received: int
    answered: int
    answered_on_time: int
    open_overdue: int
    median_response_days: float | None
    p90_response_days: float | None
    forwarded: int
    days_to_forward: float | None  # median working days from receipt to forwarding
    escalations: int
    escalations_by_level: dict[int, int]
    handoffs_due: int
    handoffs_on_time: int
    handoffs_late: int
    delay_days_attributed: int
    data_requests_received: int
    data_requests_fulfilled: int
    datasets_published: int
    datasets_stale: int
    # Blood units (PMI) and hospitals only, else None.
    blood_fill_rate: float | None = None
    blood_hours_to_fulfil: float | None = None

    @property
    def on_time_rate(self) -> float | None:
        """Share of the answered requests answered on time (None when none answered)."""
        return self.answered_on_time / self.answered if self.answered else None


@dataclass(frozen=True)
class PairMetrics:
    """Requests from one agency to another over a window ("who waits for whom")."""

    from_agency: str  # slug
    from_name: str
    to_agency: str  # slug
    to_name: str
    requests: int
    answered: int
    answered_on_time: int
    median_response_days: float | None
    open_overdue: int


@dataclass(frozen=True)
class MonthPoint:
    """One calendar month of an agency's (or the region's) trend."""

    month: dt.date  # first day of the month
    received: int
    answered: int
    answered_on_time: int
    median_response_days: float | None
    open_overdue_at_month_end: int


@dataclass(frozen=True)
class Summary:
    """Totals over a window for what the user may see."""

    window: Window
    region: str | None
    agencies: int
    received: int
    answered: int
    answered_on_time: int
    open_overdue: int
    median_response_days: float | None
    forwarded: int
    escalations: int
    handoffs_late: int
    programs_red: int
    programs_amber: int
    programs_green: int
    updated_at: dt.datetime | None


def agency_metrics(
    *,
    user: Any,
    window: Window,
    region: str | None = None,
    agency: str | None = None,
    now: dt.datetime,
) -> list[AgencyMetrics]:
    """One row per visible agency with requests, hand-offs, data or blood activity, worst
    open-overdue first. ``region`` (Kemendagri code, includes sub-regions) and ``agency``
    (slug) narrow it; an unknown or invisible one raises ``NotFound``."""
    return _agency_rows(user=user, window=window, region=region, agency=agency, now=now)[0]


def pair_metrics(
    *,
    user: Any,
    window: Window,
    region: str | None = None,
    agency: str | None = None,
    now: dt.datetime,
    limit: int | None = None,
) -> list[PairMetrics]:
    """One row per (from, to) pair with requests in the window, most open-overdue first,
    then most requests; with ``agency`` only the pairs where it is either side; ``limit``
    keeps the first so many (a region of hundreds of agencies has thousands of pairs)."""
    metrics.ensure_built(now=now)
    scope = _scope(user, region, agency)
    return list(
        kept(
            ("pairs", _scope_key(scope), window, limit),
            token=_cache_token(),
            now=now,
            build=lambda: _pair_rows(
                user=user, window=window, region=region, agency=agency, now=now, limit=limit
            ),
        )
    )


@dataclass
class HeatPairs:
    """The pairs among the busiest agencies, for the dashboard's heat map."""

    pairs: list[PairMetrics]
    shown: int  # agencies kept on the axes
    total: int  # agencies with any pair in the window


def heat_pairs(*, user: Any, window: Window, now: dt.datetime, agencies: int) -> HeatPairs:
    """The ``agencies`` busiest agencies (open overdue weighs a thousand requests, both
    sides of a pair count) chosen from the window sums first, and only the pairs between
    them built: a region of 500 agencies has ~8,000 pairs, of which the map shows ~200."""
    metrics.ensure_built(now=now)
    found: HeatPairs = kept(
        ("heat", _scope_key(_scope(user, None, None)), window, agencies),
        token=_cache_token(),
        now=now,
        build=lambda: _pair_rows_heat(user=user, window=window, now=now, agencies=agencies),
    )
    return HeatPairs(pairs=list(found.pairs), shown=found.shown, total=found.total)


def monthly_trend(
    *,
    user: Any,
    agency: str | None = None,
    region: str | None = None,
    months: int = 12,
    now: dt.datetime,
) -> list[MonthPoint]:
    """The last ``months`` calendar months, oldest first, including the current one."""
    metrics.ensure_built(now=now)
    scope = _scope(user, region, agency)
    return list(
        kept(
            ("trend", _scope_key(scope), months),
            token=_cache_token(),
            now=now,
            build=lambda: _trend(user=user, agency=agency, region=region, months=months, now=now),
        )
    )


def summary(*, user: Any, window: Window, region: str | None = None, now: dt.datetime) -> Summary:
    """Totals of ``agency_metrics`` and ``program_health`` for the user."""
    return _summary(user=user, window=window, region=region, now=now)


def metrics_updated_at() -> dt.datetime | None:
    """When the summary tables were last brought up to date (None: never)."""
    return metrics.updated_at()


# --- implementation -------------------------------------------------------------------

LOCAL_TZ = ZoneInfo("Asia/Jakarta")
# Django writes ``flag=True`` as a bare column on SQLite, which no index serves;
# ``flag IN (1)`` lets the (flag, date) indexes work on every database.
INDEXED_TRUE = [True]
INDEXED_FALSE = [False]


def _parse_day(value: dt.date | str | None, name: str) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    try:
        day = dt.date.fromisoformat(str(value))
    except ValueError:
        day = None
    # Far-off years are refused too: the window arithmetic must not overflow.
    if day is None or not 2000 <= day.year <= 2100:
        raise ValidationFailed(
            _("Some fields are not valid."),
            fields={name: [_("Enter a date as YYYY-MM-DD.")]},
        )
    return day


def _window(from_: dt.date | str | None, to: dt.date | str | None, *, now: dt.datetime) -> Window:
    date_from = _parse_day(from_, "from")
    date_to = _parse_day(to, "to")
    today = now.astimezone(LOCAL_TZ).date()
    if date_to is None:
        date_to = (
            today
            if date_from is None
            else min(today, date_from + dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1))
        )
        date_to = max(date_to, date_from or date_to)
    if date_from is None:
        date_from = date_to - dt.timedelta(days=DEFAULT_WINDOW_DAYS - 1)
    if date_from > date_to:
        raise ValidationFailed(
            _("The start of the period is after its end."),
            fields={"from": [_("The start of the period must not be after its end.")]},
        )
    if (date_to - date_from).days > MAX_WINDOW_DAYS:
        raise ValidationFailed(
            _("The period is too long."),
            fields={"to": [_("Choose a period of at most three years.")]},
        )
    return Window(date_from, date_to)


@dataclass
class _Scope:
    """Which agencies the user sees figures of (None: all) and whose pairs."""

    agencies: set[int] | None
    own: set[int]
    focus: int | None  # the agency asked for with ``agency=``
    led: list[str] | None = None  # regions the user leads (None: a platform admin)
    region: str | None = None  # the region asked for with ``region=``

    def rows_q(self, agency_field: str, region_field: str) -> Q:
        """Rows of the visible agencies, told by the region code stored on summary rows
        (no list of hundreds of ids for a leader's region)."""
        if self.focus is not None:
            return Q(**{agency_field: self.focus})
        cond = Q()
        if self.led is not None:
            cond = Q(**{f"{agency_field}__in": sorted(self.own)})
            for code in self.led:
                cond |= _region_q(region_field, code)
        if self.region:
            cond &= _region_q(region_field, self.region)
        return cond


_region_q = region_q


def _scope(user: Any, region: str | None, agency: str | None) -> _Scope:
    from sinergi.agencies.models import Agency
    from sinergi.agencies.selectors import leader_region_codes, user_memberships
    from sinergi.regions.models import Region

    if region and not Region.objects.filter(code=region).exists():
        raise ValidationFailed(
            _("Unknown region."),
            fields={"region": [_("No region has the code %(code)s.") % {"code": region[:20]}]},
        )
    focus = None
    if agency:
        found = Agency.objects.filter(slug=agency).values_list("pk", flat=True).first()
        if found is None:
            raise ValidationFailed(
                _("Unknown agency."),
                fields={"agency": [_("No agency has the code %(slug)s.") % {"slug": agency[:100]}]},
            )
        focus = found
    visible: set[int] | None
    own: set[int] = set()
    codes: list[str] | None = None
    if user.is_superuser:
        visible = None
    else:
        own = {m.agency_id for m in user_memberships(user)}
        visible = set(own)
        codes = leader_region_codes(user)
        if codes:
            cond = Q(pk__in=[])
            for code in codes:
                cond |= _region_q("region__code", code)
            visible |= set(Agency.objects.filter(cond).values_list("pk", flat=True))
    if region:
        in_region = set(
            Agency.objects.filter(_region_q("region__code", region)).values_list("pk", flat=True)
        )
        visible = in_region if visible is None else visible & in_region
    if focus is not None:
        if visible is not None and focus not in visible:
            raise NotFound(_("Agency not found."))
        visible = {focus}
    return _Scope(visible, own, focus, codes, region)


def _periods_q(window: Window) -> list[Q]:
    """Month rows for the months wholly inside the window, day rows for the rest: one
    condition per part, each an index range (summed separately, then added up)."""
    first_full = metrics._month(window.date_from)
    if first_full < window.date_from:
        first_full = metrics._next_month(first_full)
    months = []
    m = first_full
    while metrics._next_month(m) - dt.timedelta(days=1) <= window.date_to:
        months.append(m)
        m = metrics._next_month(m)
    if not months:
        return [
            Q(monthly__in=INDEXED_FALSE, period__gte=window.date_from, period__lte=window.date_to)
        ]
    end_full = metrics._next_month(months[-1])
    parts = [Q(monthly__in=INDEXED_TRUE, period__gte=months[0], period__lte=months[-1])]
    if window.date_from < months[0]:
        parts.append(
            Q(monthly__in=INDEXED_FALSE, period__gte=window.date_from, period__lt=months[0])
        )
    if end_full <= window.date_to:
        parts.append(Q(monthly__in=INDEXED_FALSE, period__gte=end_full, period__lte=window.date_to))
    return parts


_SUM_FIELDS = [
    "received",
    "answered",
    "answered_on_time",
    "forwarded",
    "forward_days_sum",
    "forward_days_n",
    "esc_head",
    "esc_sekda",
    "esc_bupati",
] + [f"r{i}" for i in range(RESPONSE_BUCKETS)]


# Window sums per process, keyed by the refresh token and the exact rows asked for (the
# SQL of the filter): the summary tables change only when the tick runs, which draws a new
# token, so an entry is never stale. The dashboard, the scoreboard and the API ask for the
# same window many times between ticks; summing ~2,000 rows of 41 columns (and Django
# building that query) is the bulk of their time.
_SUMS_CACHE: dict[Any, dict[Any, dict[str, Any]]] = {}
_SUMS_CACHE_TOKEN: list[str] = [""]
_SUMS_CACHE_MAX = 256


def _cache_token() -> str:
    """The refresh token; every per-process cache of summary reads is dropped when it
    changes (empty: the tables were never built, nothing is cached)."""
    token = metrics.refresh_token()
    if token != _SUMS_CACHE_TOKEN[0]:
        _SUMS_CACHE.clear()
        _DUES_CACHE.clear()
        _SUMS_CACHE_TOKEN[0] = token
    return token


def _sums(qs: Any, keys: list[str], parts: list[Q] | None = None) -> dict[Any, dict[str, Any]]:
    """Sums of every aggregate column per key, over each part of the window added up."""
    token = _cache_token()
    cache_key = None
    if token:
        where = [qs.filter(part).values(*keys).query.sql_with_params() for part in parts or [Q()]]
        cache_key = (connections[qs.db].alias, tuple(keys), repr(where))
        found_all = _SUMS_CACHE.get(cache_key)
        if found_all is not None:
            return found_all
    out = _sums_uncached(qs, keys, parts)
    if cache_key is not None:
        if len(_SUMS_CACHE) >= _SUMS_CACHE_MAX:
            _SUMS_CACHE.clear()
        _SUMS_CACHE[cache_key] = out
    return out


def _sums_uncached(
    qs: Any, keys: list[str], parts: list[Q] | None = None
) -> dict[Any, dict[str, Any]]:
    out: dict[Any, dict[str, Any]] = {}
    for part in parts or [Q()]:
        query = (
            qs.filter(part)
            .values(*keys)
            .annotate(**{f"s_{f}": Sum(f) for f in _SUM_FIELDS})
            .order_by()
        )
        # Read with a plain cursor: Django's per-value converters cost more than the
        # query itself on a thousand rows of 41 sums.
        sql, params = query.query.sql_with_params()
        with connections[query.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        n = len(keys)
        for row in rows:
            key = tuple(row[:n]) if n > 1 else row[0]
            found = out.get(key)
            values: dict[str, Any] = {
                f: int(v or 0) for f, v in zip(_SUM_FIELDS, row[n:], strict=True)
            }
            if found is None:
                out[key] = values
            else:
                for f, v in values.items():
                    found[f] += v
    # Histogram, median and p90 once per key here (so once per tick with the cache),
    # not per request: a region's thousands of pairs each need one.
    for values in out.values():
        hist = [values[f] for f in _BUCKET_FIELDS]
        values["hist"] = hist
        values["median"] = metrics.hist_median(hist)
        values["p90"] = metrics.hist_p90(hist)
    return out


# The due moments of the open facts, per group, cached like the sums (same token): facts
# change only when the tick refreshes them, so "open and overdue now" is the number of
# those moments before now — counted by bisection at every read, exact to the moment,
# without scanning the open facts again.
_DUES_CACHE: dict[Any, dict[Any, list[dt.datetime]]] = {}


def _open_dues(open_facts: Any, keys: list[str]) -> dict[Any, list[dt.datetime]]:
    """The sorted ``due_at`` of the open facts per key (a value, or a tuple of values)."""
    token = _cache_token()
    query = open_facts.values_list(*keys, "due_at").order_by()
    sql, params = query.query.sql_with_params()
    cache_key = (query.db, sql, repr(params))
    found = _DUES_CACHE.get(cache_key) if token else None
    if found is not None:
        return found
    with connections[query.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n = len(keys)
    out: dict[Any, list[dt.datetime]] = defaultdict(list)
    for row in rows:
        due = row[n]
        if not isinstance(due, dt.datetime):  # SQLite: UTC text
            due = dt.datetime.fromisoformat(due)
        if due.tzinfo is None:  # SQLite stores naive UTC
            due = due.replace(tzinfo=dt.UTC)
        out[row[0] if n == 1 else tuple(row[:n])].append(due)
    for dues in out.values():
        dues.sort()
    result = dict(out)
    if token:
        if len(_DUES_CACHE) >= _SUMS_CACHE_MAX:
            _DUES_CACHE.clear()
        _DUES_CACHE[cache_key] = result
    return result


def _overdue(dues: dict[Any, list[dt.datetime]], now: dt.datetime) -> dict[Any, int]:
    """Per key, how many of the due moments are before now (open and overdue now)."""
    out = {}
    for key, moments in dues.items():
        if moments[0] < now:
            out[key] = bisect.bisect_left(moments, now)
    return out


_BUCKET_FIELDS = [f"r{i}" for i in range(RESPONSE_BUCKETS)]


def _window_facts(window: Window) -> Q:
    return Q(submitted_day__gte=window.date_from, submitted_day__lte=window.date_to)


def _agency_rows(
    *, user: Any, window: Window, region: str | None, agency: str | None, now: dt.datetime
) -> tuple[list[AgencyMetrics], list[int]]:
    metrics.ensure_built(now=now)
    scope = _scope(user, region, agency)
    found = kept(
        ("agency_rows", _scope_key(scope), window),
        token=_cache_token(),
        now=now,
        build=lambda: _agency_rows_uncached(scope, window, now),
    )
    # Callers may sort or cut their lists without touching the kept ones.
    return list(found[0]), list(found[1])


def _scope_key(scope: _Scope) -> tuple[Any, ...]:
    """What the figures of a scope depend on, as a key of the kept copies."""
    return (
        None if scope.agencies is None else tuple(sorted(scope.agencies)),
        tuple(sorted(scope.own)),
        scope.focus,
        tuple(scope.led) if scope.led is not None else None,
        scope.region,
    )


def _agency_rows_uncached(
    scope: _Scope, window: Window, now: dt.datetime
) -> tuple[list[AgencyMetrics], list[int]]:
    from sinergi.agencies.models import Agency

    ids = scope.agencies
    periods = AgencyPeriod.objects.filter(scope.rows_q("agency_id", "region_code"))
    open_facts = RequestFact.objects.filter(
        _window_facts(window),
        scope.rows_q("to_agency_id", "region_code"),
        is_open__in=INDEXED_TRUE,
    )
    sums = _sums(periods, ["agency_id"], _periods_q(window))
    overdue_by = _overdue(_open_dues(open_facts, ["to_agency_id"]), now)
    today = now.astimezone(LOCAL_TZ).date()
    handoffs = _handoff_counts(ids, window, today)
    delays = _delay_days(ids, window)
    extra = _catalog_and_blood(ids, window, now)
    wanted = set(sums) | set(overdue_by) | set(handoffs) | set(extra)
    slugs_with_delay = set(delays)
    info_qs = Agency.objects.all()
    if ids is not None:
        info_qs = info_qs.filter(Q(pk__in=sorted(wanted)) | Q(slug__in=sorted(slugs_with_delay)))
    # Every agency at once for the whole country (an IN list of 20,000 ids costs more to
    # build than the rows); the rows without figures are skipped below.
    info = info_qs.values_list("pk", "slug", "name", "short_name", "kind", "region__code")
    rows = []
    total_hist = [0] * RESPONSE_BUCKETS
    for pk, slug, name, short, kind, code in info:
        if (ids is not None and pk not in ids) or (pk not in wanted and slug not in delays):
            continue
        s = sums.get(pk, {})
        hist = s.get("hist")
        if hist is not None:
            total_hist = [a + b for a, b in zip(total_hist, hist, strict=True)]
        h = handoffs.get(pk, [0, 0, 0])
        x = extra.get(pk, {})
        fwd_n = s.get("forward_days_n", 0)
        rows.append(
            AgencyMetrics(
                agency=slug,
                name=name,
                short_name=short or name,
                region=code,
                kind=kind,
                received=s.get("received", 0),
                answered=s.get("answered", 0),
                answered_on_time=s.get("answered_on_time", 0),
                open_overdue=overdue_by.get(pk, 0),
                median_response_days=s.get("median"),
                p90_response_days=s.get("p90"),
                forwarded=s.get("forwarded", 0),
                days_to_forward=(round(s.get("forward_days_sum", 0) / fwd_n, 1) if fwd_n else None),
                escalations=s.get("esc_head", 0) + s.get("esc_sekda", 0) + s.get("esc_bupati", 0),
                escalations_by_level={
                    1: s.get("esc_head", 0),
                    2: s.get("esc_sekda", 0),
                    3: s.get("esc_bupati", 0),
                },
                handoffs_due=h[0],
                handoffs_on_time=h[1],
                handoffs_late=h[2],
                delay_days_attributed=int(delays.get(slug, 0) or 0),
                data_requests_received=x.get("dr_received", 0),
                data_requests_fulfilled=x.get("dr_fulfilled", 0),
                datasets_published=x.get("ds_published", 0),
                datasets_stale=x.get("ds_stale", 0),
                blood_fill_rate=x.get("fill_rate"),
                blood_hours_to_fulfil=x.get("hours"),
            )
        )
    rows.sort(key=lambda r: (-r.open_overdue, -r.received, r.name))
    return rows, total_hist


def _handoff_counts(ids: set[int] | None, window: Window, today: dt.date) -> dict[int, list[int]]:
    """Per agency owing hand-offs due in the window: [due, done on time, late], counted in
    the database (a country holds millions of hand-off facts) with the rule of
    ``program_facts.handoff_late``."""
    qs = HandoffFact.objects.filter(due_day__gte=window.date_from, due_day__lte=window.date_to)
    if ids is not None:
        qs = qs.filter(from_agency_id__in=sorted(ids))
    late = Q(done_day__gt=F("due_day")) | Q(done_day__isnull=True, due_day__lt=today)
    grouped = (
        qs.values_list("from_agency_id")
        .annotate(
            n=Count("pk"),
            on_time=Count("pk", filter=Q(done_day__lte=F("due_day"))),
            late=Count("pk", filter=late),
        )
        .order_by()
    )
    return {owner: [n, on_time, n_late] for owner, n, on_time, n_late in grouped}


def _delay_days(ids: set[int] | None, window: Window) -> dict[str, int]:
    """Working days of programme delay attributed per agency slug in the window."""
    from sinergi.agencies.models import Agency

    qs = DelayFact.objects.filter(day__gte=window.date_from, day__lte=window.date_to)
    if ids is not None:
        qs = qs.filter(agency_slug__in=Agency.objects.filter(pk__in=sorted(ids)).values("slug"))
    return {
        slug: int(days or 0)
        for slug, days in qs.values_list("agency_slug").annotate(d=Sum("days")).order_by()
    }


def _catalog_and_blood(
    ids: set[int] | None, window: Window, now: dt.datetime
) -> dict[int, dict[str, Any]]:
    """Data requests, datasets and blood figures per agency, read live and counted in the
    database for the agencies in scope (a country holds 100,000 datasets)."""
    from sinergi.blood.models import BloodRequest
    from sinergi.catalog.choices import FREQUENCY_DAYS, Frequency
    from sinergi.catalog.models import DataRequest, Dataset, DatasetVersion

    out: dict[int, dict[str, Any]] = defaultdict(dict)
    start = dt.datetime.combine(window.date_from, dt.time(0), tzinfo=LOCAL_TZ)
    end = dt.datetime.combine(window.date_to + dt.timedelta(days=1), dt.time(0), tzinfo=LOCAL_TZ)
    in_scope = sorted(ids) if ids is not None else None
    drs = DataRequest.objects.filter(
        request__submitted_at__gte=start, request__submitted_at__lt=end
    )
    datasets = Dataset.objects.filter(status="published")
    blood = BloodRequest.objects.filter(created_at__gte=start, created_at__lt=end)
    if in_scope is not None:
        drs = drs.filter(producer_id__in=in_scope)
        datasets = datasets.filter(publisher_id__in=in_scope)
        blood = blood.filter(Q(unit_id__in=in_scope) | Q(hospital_id__in=in_scope))
    for producer, n, fulfilled in (
        drs.values_list("producer_id")
        .annotate(n=Count("pk"), done=Count("pk", filter=Q(fulfilled_at__isnull=False)))
        .order_by()
    ):
        out[producer]["dr_received"] = n
        if fulfilled:
            out[producer]["dr_fulfilled"] = fulfilled
    # A dataset is stale when its latest version is older than its frequency allows: one
    # count per frequency, each a condition on the latest version's time.
    stale = Q(pk__in=[])
    for freq in Frequency:
        days = FREQUENCY_DAYS.get(freq)
        if days is not None:
            stale |= Q(frequency=freq.value, latest__lt=now - dt.timedelta(days=days))
    latest = DatasetVersion.objects.filter(dataset_id=OuterRef("pk")).order_by("-created_at")
    for publisher, n, n_stale in (
        datasets.annotate(latest=Subquery(latest.values("created_at")[:1]))
        .values_list("publisher_id")
        .annotate(n=Count("pk"), stale=Count("pk", filter=stale))
        .order_by()
    ):
        out[publisher]["ds_published"] = n
        if n_stale:
            out[publisher]["ds_stale"] = n_stale
    per: dict[int, list[float]] = defaultdict(lambda: [0, 0, 0.0, 0])
    for unit, hospital, qty, alloc, status, created, closed in blood.values_list(
        "unit_id",
        "hospital_id",
        "quantity",
        "quantity_allocated",
        "status",
        "created_at",
        "closed_at",
    ):
        for who in (unit, hospital):
            p = per[who]
            p[0] += qty
            p[1] += alloc
            if status == "fulfilled" and closed is not None:
                p[2] += (closed - created).total_seconds() / 3600
                p[3] += 1
    for who, (asked, given, hours, n) in per.items():
        if ids is not None and who not in ids:
            continue
        out[who]["fill_rate"] = round(100 * given / asked, 1) if asked else None
        out[who]["hours"] = round(hours / n, 1) if n else None
    return dict(out)


def _pair_scope(
    *, user: Any, window: Window, region: str | None, agency: str | None, now: dt.datetime
) -> tuple[Any, Any]:
    """The pair sums rows and the open facts of the window in scope."""
    metrics.ensure_built(now=now)
    scope = _scope(user, region, agency)
    ids = scope.agencies
    periods = PairPeriod.objects.all()
    open_facts = RequestFact.objects.filter(_window_facts(window), is_open__in=INDEXED_TRUE)
    if ids is not None:
        # The handling side by its region code; the asking side by id.
        cond = scope.rows_q("to_agency_id", "region_code") | Q(from_agency_id__in=sorted(ids))
        periods = periods.filter(cond)
        open_facts = open_facts.filter(cond)
    return periods, open_facts


def _counted(facts: Any, *keys: str) -> dict[Any, int]:
    """Facts counted per key (or key tuple), read with a plain cursor (Django's per-value
    converters cost more than the query on thousands of integer rows)."""
    grouped = facts.values_list(*keys).annotate(n=Count("pk"))
    sql, params = grouped.order_by().query.sql_with_params()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if len(keys) == 1:
        return {row[0]: row[1] for row in rows}
    return {tuple(row[:-1]): row[-1] for row in rows}


def _pair_sums(
    *, user: Any, window: Window, region: str | None, agency: str | None, now: dt.datetime
) -> tuple[dict[Any, dict[str, Any]], dict[tuple[int, int], int]]:
    """Window sums and open-overdue counts per (from, to) agency id pair."""
    periods, open_facts = _pair_scope(
        user=user, window=window, region=region, agency=agency, now=now
    )
    sums = _sums(periods, ["from_agency_id", "to_agency_id"], _periods_q(window))
    return sums, _overdue(_open_dues(open_facts, ["from_agency_id", "to_agency_id"]), now)


def _pair_rows_heat(*, user: Any, window: Window, now: dt.datetime, agencies: int) -> HeatPairs:
    from sinergi.agencies.models import Agency

    periods, open_facts = _pair_scope(user=user, window=window, region=None, agency=None, now=now)
    parts = _periods_q(window)
    # Each agency weighs its requests received and sent and, a thousand times more, its
    # open overdue ones on either side. The sums are read per agency (a few hundred rows),
    # never over every pair of the region: tens of thousands at a million requests, whose
    # 41 sums cost seconds to read after each tick.
    weight: dict[int, int] = {}
    for key in ("from_agency_id", "to_agency_id"):
        for a, values in _sums(periods, [key], parts).items():
            weight[a] = weight.get(a, 0) + values["received"]
    # Open overdue per pair from the due moments cached per tick, counted at this moment.
    overdue_all = _overdue(_open_dues(open_facts, ["from_agency_id", "to_agency_id"]), now)
    for (f, t), n in overdue_all.items():
        weight[f] = weight.get(f, 0) + n * 1000
        weight[t] = weight.get(t, 0) + n * 1000
    # Names only of the agencies that can make the cut: those weighing at least the
    # ``agencies``-th heaviest (ties on the boundary are broken by name).
    heaviest = heapq.nlargest(agencies, weight.values())
    bar = heaviest[-1] if heaviest else 0
    contenders = [a for a, w in weight.items() if w >= bar]
    names = {
        pk: short or name
        for pk, name, short in Agency.objects.filter(pk__in=contenders).values_list(
            "pk", "name", "short_name"
        )
    }
    kept = sorted(contenders, key=lambda a: (-weight[a], names[a]))[:agencies]
    among = Q(from_agency_id__in=kept, to_agency_id__in=kept)
    sums = _sums(periods.filter(among), ["from_agency_id", "to_agency_id"], parts)
    overdue_by = {(f, t): overdue_all[(f, t)] for f in kept for t in kept if (f, t) in overdue_all}
    rows = _pair_metric_rows(
        [(f, t) for f in kept for t in kept if (f, t) in sums or (f, t) in overdue_by],
        sums,
        overdue_by,
    )
    return HeatPairs(pairs=rows, shown=len(kept), total=len(weight))


def _pair_rows(
    *,
    user: Any,
    window: Window,
    region: str | None,
    agency: str | None,
    now: dt.datetime,
    limit: int | None = None,
) -> list[PairMetrics]:
    sums, overdue_by = _pair_sums(user=user, window=window, region=region, agency=agency, now=now)
    if limit is not None:
        keys = _top_pairs(sums, overdue_by, limit)
    else:
        keys = list(set(sums) | set(overdue_by))
    return _pair_metric_rows(keys, sums, overdue_by)


def _pair_order(
    keys: list[tuple[int, int]],
    sums: dict[Any, dict[str, Any]],
    overdue_by: dict[tuple[int, int], int],
) -> list[tuple[int, int]]:
    """Most open overdue first, then most received, then by ids."""
    return sorted(
        keys, key=lambda k: (-overdue_by.get(k, 0), -sums.get(k, {}).get("received", 0), k)
    )


def _top_pairs(
    sums: dict[Any, dict[str, Any]], overdue_by: dict[tuple[int, int], int], limit: int
) -> list[tuple[int, int]]:
    """The first ``limit`` pairs of ``_pair_order`` over every pair of the sums and the
    overdue counts, without sorting a region's tens of thousands of pairs: pairs with open
    overdue requests come first, then the rest by requests received."""
    empty: dict[str, Any] = {}
    first = heapq.nsmallest(
        limit,
        ((-n, -sums.get(k, empty).get("received", 0), k) for k, n in overdue_by.items()),
    )
    out = [k for _n, _r, k in first]
    if len(out) < limit:
        rest = heapq.nsmallest(
            limit - len(out),
            ((-v["received"], k) for k, v in sums.items() if k not in overdue_by),
        )
        out += [k for _r, k in rest]
    return out


def _pair_metric_rows(
    keys: list[tuple[int, int]],
    sums: dict[Any, dict[str, Any]],
    overdue_by: dict[tuple[int, int], int],
) -> list[PairMetrics]:
    from sinergi.agencies.models import Agency

    keys = _pair_order(keys, sums, overdue_by)
    agency_ids = {k for pair in keys for k in pair}
    names = {
        pk: (slug, short or name)
        for pk, slug, name, short in Agency.objects.filter(pk__in=agency_ids).values_list(
            "pk", "slug", "name", "short_name"
        )
    }
    rows = []
    for f, t in keys:
        s = sums.get((f, t), {})
        rows.append(
            PairMetrics(
                from_agency=names[f][0],
                from_name=names[f][1],
                to_agency=names[t][0],
                to_name=names[t][1],
                requests=s.get("received", 0),
                answered=s.get("answered", 0),
                answered_on_time=s.get("answered_on_time", 0),
                median_response_days=s.get("median"),
                open_overdue=overdue_by.get((f, t), 0),
            )
        )
    return rows


def _trend(
    *, user: Any, agency: str | None, region: str | None, months: int, now: dt.datetime
) -> list[MonthPoint]:
    metrics.ensure_built(now=now)
    scope = _scope(user, region, agency)
    months = max(1, min(months, 36))
    current = metrics._month(now.astimezone(LOCAL_TZ).date())
    starts = [current]
    while len(starts) < months:
        starts.insert(0, metrics._month(starts[0] - dt.timedelta(days=1)))
    qs = AgencyPeriod.objects.filter(monthly__in=INDEXED_TRUE, period__in=starts)
    open_facts = RequestFact.objects.filter(
        is_open__in=INDEXED_TRUE, submitted_day__gte=starts[0]
    ).filter(scope.rows_q("to_agency_id", "region_code"))
    qs = qs.filter(scope.rows_q("agency_id", "region_code"))
    sums = {metrics._as_date(k): v for k, v in _sums(qs, ["period"]).items()}
    # Per day of submission, folded into months here (SQLite's month truncation is a
    # Python function called once per open fact).
    late: dict[dt.date, int] = defaultdict(int)
    for day, n in _overdue(_open_dues(open_facts, ["submitted_day"]), now).items():
        late[metrics._month(metrics._as_date(day))] += n
    out = []
    for m in starts:
        s = sums.get(m, {})
        out.append(
            MonthPoint(
                month=m,
                received=s.get("received", 0),
                answered=s.get("answered", 0),
                answered_on_time=s.get("answered_on_time", 0),
                median_response_days=s.get("median"),
                open_overdue_at_month_end=late.get(m, 0),
            )
        )
    return out


def _summary(*, user: Any, window: Window, region: str | None, now: dt.datetime) -> Summary:
    rows, hist = _agency_rows(user=user, window=window, region=region, agency=None, now=now)
    progs = _programs(user=user, region=region, now=now, limit=0).rag_counts
    return Summary(
        window=window,
        region=region,
        agencies=sum(1 for r in rows if r.received),
        received=sum(r.received for r in rows),
        answered=sum(r.answered for r in rows),
        answered_on_time=sum(r.answered_on_time for r in rows),
        open_overdue=sum(r.open_overdue for r in rows),
        median_response_days=metrics.hist_median(hist),
        forwarded=sum(r.forwarded for r in rows),
        escalations=sum(r.escalations for r in rows),
        handoffs_late=sum(r.handoffs_late for r in rows),
        programs_red=progs["red"],
        programs_amber=progs["amber"],
        programs_green=progs["green"],
        updated_at=metrics.updated_at(),
    )


def public_scoreboard(
    *, window: Window, region: str | None = None, now: dt.datetime
) -> list[AgencyMetrics]:
    """Every agency that received requests in the window, for the anonymous scoreboard
    (aggregates only; callers show received, on-time rate, median response, open overdue)."""
    from sinergi.core.permissions import SYSTEM

    rows, _hist_total = _agency_rows(
        user=SYSTEM, window=window, region=region, agency=None, now=now
    )
    return [r for r in rows if r.received]
