"""The coordination metrics, defined once here (and in docs/modules/insights.md).

**Which requests count.** A request counts for its *current* handling agency
(``to_agency``) and for the pair (``from_agency`` → ``to_agency``) when its ``submitted_at``
falls in the window, read as a calendar date in the time zone of the handling agency's
region (``submitted_day``). A request forwarded after the window was read moves to its new
handler; one submitted before the window never counts in it.

**Per request** (one ``RequestFact`` row):

- ``answered``: ``answered_at`` is set (a reopened request is unanswered again);
- ``on_time``: answered and not ``answered_late``, i.e. ``answered_at <= due_at``; an
  answer at any moment of the due date is on time (``due_at`` is the end of that day);
- ``open_overdue`` (computed when asked, it changes with time): the status is open and
  ``due_at`` is before now — the request API's ``overdue``;
- ``response_days``: working days of the handling agency's region calendar (weekends,
  national holidays, cuti bersama and local holidays off) from the local day of submission
  (day 0) to the local day of the *first* answer, less the working days the clock stood
  still waiting for the requester's clarification — the SLA clock's own counting
  (``coordination.sla``). Answered the same day: 0; the next working day: 1;
- ``forwarded``: how many times it was forwarded as "bukan wewenang" (not our competence);
  ``days_to_forward``: working days from submission to the first forward;
- escalations: the head / Sekda / Bupati steps taken while the current agency handled it.

**Per agency or pair over a window**: sums of the above; the median and 90th percentile of
``response_days`` over the answered requests (median of an even count: the mean of the two
middle values; p90: the smallest value with at least 90 % of answers at or below it).

The tick job keeps ``RequestFact`` and the daily and monthly sums (``AgencyPeriod``,
``PairPeriod``) up to date with the requests changed since its last run, so the figures
are at most a minute behind (``metrics_updated_at``).
"""

from __future__ import annotations

import datetime as dt
import logging
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django.db.models import Case, Count, IntegerField, Max, Q, Sum, When
from django.db.models.functions import TruncMonth

from sinergi.core.bulk import BulkWriter
from sinergi.schedule import Calendar

from .models import (
    RESPONSE_BUCKETS,
    AgencyPeriod,
    PairPeriod,
    RefreshState,
    RequestFact,
)

logger = logging.getLogger(__name__)

BATCH = 5000
OPEN_STATUSES = ("submitted", "acknowledged", "in_progress", "reopened")
STEP_FIELDS = {"head": "esc_head", "sekda": "esc_sekda", "bupati": "esc_bupati"}
STEP_LEVELS = {"head": 1, "sekda": 2, "bupati": 3}
ONE = dt.timedelta(days=1)


# --- definitions on one request -------------------------------------------------------


class _CountsDays(Protocol):
    def working_days_between(self, start: dt.date, end: dt.date) -> int: ...


def working_days(cal: _CountsDays, start_day: dt.date, end_day: dt.date) -> int:
    """Working days after ``start_day`` up to and including ``end_day`` (0 when the same
    day or earlier): the SLA clock's counting, the day of arrival being day 0."""
    if end_day <= start_day:
        return 0
    return cal.working_days_between(start_day + ONE, end_day + ONE)


def response_days(
    cal: _CountsDays,
    tz: ZoneInfo,
    submitted_at: dt.datetime,
    first_answer_at: dt.datetime,
    pauses: Sequence[tuple[dt.datetime, dt.datetime]] = (),
) -> int:
    """Working days from submission to the first answer, less the working days paused
    (each pause counts like ``coordination.services.paused_working_days``)."""
    total = working_days(
        cal, submitted_at.astimezone(tz).date(), first_answer_at.astimezone(tz).date()
    )
    paused = sum(
        working_days(cal, a.astimezone(tz).date(), b.astimezone(tz).date())
        for a, b in pauses
        if a < first_answer_at
    )
    return max(0, total - paused)


def median(values: Sequence[float]) -> float | None:
    """The median (mean of the two middle values for an even count); None when empty."""
    if not values:
        return None
    s = sorted(values)
    n = len(s)
    mid = n // 2
    return float(s[mid]) if n % 2 else (s[mid - 1] + s[mid]) / 2


def p90(values: Sequence[float]) -> float | None:
    """The smallest value with at least 90 % of the values at or below it."""
    if not values:
        return None
    s = sorted(values)
    return float(s[max(0, math.ceil(0.9 * len(s)) - 1)])


def hist_median(hist: Sequence[int]) -> float | None:
    """``median`` of the values a response-days histogram counts."""
    n = sum(hist)
    if not n:
        return None

    def nth(k: int) -> int:  # the k-th smallest value, 0-based
        seen = 0
        for value, count in enumerate(hist):
            seen += count
            if seen > k:
                return value
        return len(hist) - 1

    mid = n // 2
    return float(nth(mid)) if n % 2 else (nth(mid - 1) + nth(mid)) / 2


def hist_p90(hist: Sequence[int]) -> float | None:
    """``p90`` of the values a response-days histogram counts."""
    n = sum(hist)
    if not n:
        return None
    k = max(0, math.ceil(0.9 * n) - 1)
    seen = 0
    for value, count in enumerate(hist):
        seen += count
        if seen > k:
            return float(value)
    return float(len(hist) - 1)


def bucket(days: int) -> int:
    """The histogram column of a response time."""
    return min(days, RESPONSE_BUCKETS - 1)


# --- building the facts ---------------------------------------------------------------


class _Counting:
    """A region calendar's working-day count, remembered: a refresh asks the same few
    thousand (start, end) pairs of days again and again."""

    def __init__(self, cal: Calendar) -> None:
        self.cal = cal
        self.memo: dict[tuple[dt.date, dt.date], int] = {}

    def working_days_between(self, start: dt.date, end: dt.date) -> int:
        key = (start, end)
        found = self.memo.get(key)
        if found is None:
            found = self.memo[key] = self.cal.working_days_between(start, end)
        return found


class _Calendars:
    """Calendars and time zones per region, built once per refresh."""

    def __init__(self) -> None:
        self.cals: dict[tuple[str, int], _Counting] = {}
        self.tzs: dict[str, ZoneInfo] = {}

    def cal(self, code: str, day: dt.date) -> _Counting:
        from sinergi.coordination.calendars import calendar_for_region

        key = (code, day.year)
        if key not in self.cals:
            self.cals[key] = _Counting(calendar_for_region(code, day))
        return self.cals[key]

    def tz(self, code: str, name: str) -> ZoneInfo:
        if code not in self.tzs:
            self.tzs[code] = ZoneInfo(name or "Asia/Jakarta")
        return self.tzs[code]


#: The columns of a fact row, in the order ``fact_rows`` gives them.
FACT_COLUMNS = (
    "request_id",
    "region_code",
    "from_agency_id",
    "to_agency_id",
    "submitted_at",
    "submitted_day",
    "is_open",
    "due_at",
    "answered",
    "on_time",
    "response_days",
    "forwarded",
    "days_to_forward",
    "esc_head",
    "esc_sekda",
    "esc_bupati",
    "source_updated_at",
)


def fact_rows(
    ids: Sequence[int], cals: _Calendars | None = None, *, every: bool = False
) -> list[tuple[Any, ...]]:
    """The fact rows of these requests (tuples in ``FACT_COLUMNS`` order), from the
    requests and their timelines. ``every``: the ids are sorted and every request between
    the first and the last is wanted (a full build), read by key range, not an IN list."""
    from sinergi.coordination.models import Request, RequestEvent

    cals = cals or _Calendars()
    if not ids:
        return []
    if every:
        pick, pick_events = (
            Q(pk__gte=ids[0], pk__lte=ids[-1]),
            Q(request_id__gte=ids[0], request_id__lte=ids[-1]),
        )
    else:
        pick, pick_events = Q(pk__in=ids), Q(request_id__in=ids)
    rows = Request.objects.filter(pick).values_list(
        "pk",
        "region__code",
        "region__timezone",
        "from_agency_id",
        "to_agency_id",
        "status",
        "submitted_at",
        "due_at",
        "answered_at",
        "updated_at",
    )
    events: dict[int, list[tuple[str, dt.datetime, str, int | None]]] = defaultdict(list)
    for ev in (
        RequestEvent.objects.filter(
            pick_events,
            kind__in=["answered", "forwarded", "escalated", "clarification_asked", "clarified"],
        )
        .order_by("at", "pk")
        .values_list("request_id", "kind", "at", "step", "agency_id")
    ):
        events[ev[0]].append((ev[1], ev[2], ev[3], ev[4]))
    out = []
    for pk, code, tzname, from_id, to_id, status, submitted, due_at, answered_at, upd in rows:
        tz = cals.tz(code, tzname)
        day = submitted.astimezone(tz).date()
        cal = cals.cal(code, day)
        first_answer = None
        first_forward = None
        forwarded = 0
        pauses: list[tuple[dt.datetime, dt.datetime]] = []
        paused_at = None
        steps: set[str] = set()
        for kind, at, step, agency_id in events.get(pk, ()):
            if kind == "answered" and first_answer is None:
                first_answer = at
            elif kind == "forwarded":
                forwarded += 1
                first_forward = first_forward or at
            elif kind == "clarification_asked":
                paused_at = at
            elif kind == "clarified" and paused_at is not None:
                pauses.append((paused_at, at))
                paused_at = None
            elif kind == "escalated" and step in STEP_FIELDS and agency_id == to_id:
                steps.add(step)
        if answered_at is not None and first_answer is None:
            first_answer = answered_at  # imported history without a timeline
        out.append(
            (
                pk,
                code,
                from_id,
                to_id,
                submitted,
                day,
                status in OPEN_STATUSES,
                due_at,
                answered_at is not None,
                (answered_at <= due_at) if answered_at is not None else None,
                (
                    response_days(cal, tz, submitted, first_answer, pauses)
                    if answered_at is not None and first_answer is not None
                    else None
                ),
                forwarded,
                (
                    working_days(cal, day, first_forward.astimezone(tz).date())
                    if first_forward is not None
                    else None
                ),
                "head" in steps,
                "sekda" in steps,
                "bupati" in steps,
                upd,
            )
        )
    return out


def build_facts(ids: Sequence[int], cals: _Calendars | None = None) -> list[RequestFact]:
    """The fact rows of these requests as (unsaved) model instances."""
    return [
        RequestFact(**dict(zip(FACT_COLUMNS, row, strict=True))) for row in fact_rows(ids, cals)
    ]


def _write_facts(writer: BulkWriter, rows: list[tuple[Any, ...]]) -> None:
    """Insert fact rows in one COPY (PostgreSQL) or batched ``executemany`` (SQLite)."""
    ts, day = writer.ts, dt.date.isoformat
    if writer.vendor != "postgresql":
        rows = [
            r[:4] + (ts(r[4]), day(r[5]), r[6], ts(r[7])) + r[8:16] + (ts(r[16]),) for r in rows
        ]
    writer.write(RequestFact, FACT_COLUMNS, rows)


# --- the aggregates -------------------------------------------------------------------


def _sums() -> dict[str, Any]:
    """The aggregate expressions shared by agency and pair periods."""

    def count_if(cond: Q) -> Sum:
        return Sum(Case(When(cond, then=1), default=0, output_field=IntegerField()))

    out: dict[str, Any] = {
        "received": Count("pk"),
        "answered": count_if(Q(answered=True)),
        "answered_on_time": count_if(Q(on_time=True)),
        "forwarded": Sum("forwarded"),
        "forward_days_sum": Sum("days_to_forward"),
        "forward_days_n": Count("days_to_forward"),
        "esc_head": count_if(Q(esc_head=True)),
        "esc_sekda": count_if(Q(esc_sekda=True)),
        "esc_bupati": count_if(Q(esc_bupati=True)),
    }
    for i in range(RESPONSE_BUCKETS - 1):
        out[f"r{i}"] = count_if(Q(response_days=i))
    out[f"r{RESPONSE_BUCKETS - 1}"] = count_if(Q(response_days__gte=RESPONSE_BUCKETS - 1))
    return out


def _month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def _next_month(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)


def _rebuild_groups(
    agency_ids: Iterable[int] | None,
    pair_keys: Iterable[tuple[int, int]] | None,
    days: Iterable[dt.date] | None,
) -> None:
    """Recompute the daily and monthly rows of these agencies/pairs on these days (all of
    them when None) from the facts."""
    day_list = sorted(set(days)) if days is not None else None
    months = sorted({_month(d) for d in day_list}) if day_list is not None else None
    sums = _sums()

    def facts_for(monthly: bool) -> Any:
        qs = RequestFact.objects.all()
        if day_list is not None:
            if monthly:
                cond = Q()
                for m in months or ():
                    cond |= Q(submitted_day__gte=m, submitted_day__lt=_next_month(m))
                qs = qs.filter(cond)
            else:
                qs = qs.filter(submitted_day__in=day_list)
        return qs

    for monthly in (False, True):
        period_vals = months if monthly else day_list
        # Agencies
        if agency_ids is None or (ids := sorted(set(agency_ids))):
            qs = facts_for(monthly)
            # ``IN`` rather than a bare boolean, which no SQLite index serves.
            old = AgencyPeriod.objects.filter(monthly__in=[monthly])
            if agency_ids is not None:
                qs = qs.filter(to_agency_id__in=ids)
                old = old.filter(agency_id__in=ids)
            if period_vals is not None:
                old = old.filter(period__in=period_vals)
            if monthly:
                rows = (
                    qs.annotate(p=TruncMonth("submitted_day"))
                    .values("to_agency_id", "region_code", "p")
                    .annotate(**sums)
                    .order_by()
                )
            else:
                rows = (
                    qs.values("to_agency_id", "region_code", "submitted_day")
                    .annotate(**sums)
                    .order_by()
                )
            old.delete()
            _insert_sums(
                AgencyPeriod,
                rows,
                {
                    "agency_id": "to_agency_id",
                    "region_code": "region_code",
                    "period": "p" if monthly else "submitted_day",
                },
                monthly,
            )
        # Pairs
        if pair_keys is None or (keys := sorted(set(pair_keys))):
            qs = facts_for(monthly)
            old_p = PairPeriod.objects.filter(monthly__in=[monthly])
            if pair_keys is not None:
                froms = sorted({f for f, _t in keys})
                tos = sorted({t for _f, t in keys})
                qs = qs.filter(from_agency_id__in=froms, to_agency_id__in=tos)
                old_p = old_p.filter(from_agency_id__in=froms, to_agency_id__in=tos)
            if period_vals is not None:
                old_p = old_p.filter(period__in=period_vals)
            if monthly:
                prows = (
                    qs.annotate(p=TruncMonth("submitted_day"))
                    .values("from_agency_id", "to_agency_id", "region_code", "p")
                    .annotate(**sums)
                    .order_by()
                )
            else:
                prows = (
                    qs.values("from_agency_id", "to_agency_id", "region_code", "submitted_day")
                    .annotate(**sums)
                    .order_by()
                )
            old_p.delete()
            _insert_sums(
                PairPeriod,
                prows,
                {
                    "from_agency_id": "from_agency_id",
                    "to_agency_id": "to_agency_id",
                    "region_code": "region_code",
                    "period": "p" if monthly else "submitted_day",
                },
                monthly,
            )


def _insert_sums(
    model: type[AgencyPeriod] | type[PairPeriod],
    grouped: Any,
    keys: dict[str, str],
    monthly: bool,
) -> None:
    """Insert the rows of a grouped fact query into a sums table inside the database
    (``INSERT … SELECT``): a full build writes about one row per request, which through
    model instances cost minutes at a million requests."""
    sql, params = grouped.query.sql_with_params()
    qn = connection.ops.quote_name
    names = list(_sums())
    target = [*keys, "monthly", *names]
    source = [f"sub.{qn(col)}" for col in keys.values()]
    source += ["%s"] + [f"COALESCE(sub.{qn(n)}, 0)" for n in names]
    statement = (
        f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(c) for c in target)}) "  # noqa: S608 - names from the model
        f"SELECT {', '.join(source)} FROM ({sql}) sub"
    )
    with connection.cursor() as cursor:
        cursor.execute(statement, [monthly, *params])


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        return dt.date.fromisoformat(value[:10])
    return value


# --- the refresh ----------------------------------------------------------------------


def refresh_facts(
    *, now: dt.datetime, full: bool = False, program_budget: float | None = None
) -> dict[str, Any]:
    """Bring the facts and sums up to date with the requests changed since the last run
    (``updated_at`` at or after the high-water mark, or a primary key above the last one
    seen); ``full`` rebuilds everything. Idempotent. Also refreshes programme figures, for
    at most ``program_budget`` seconds (None: all; the tick passes its budget)."""
    from sinergi.coordination.models import Request

    state, _created = RefreshState.objects.get_or_create(name="requests")
    qs = Request.objects.all()
    full = full or state.updated_at is None
    if not full:
        cond = Q(pk__gt=state.last_pk)
        if state.high_water is not None:
            cond |= Q(updated_at__gte=state.high_water)
        qs = qs.filter(cond)
    marks = qs.aggregate(hw=Max("updated_at"), pk=Max("pk"))
    # Sorted here: an ORDER BY makes SQLite walk the primary key instead of the two indexes.
    ids = sorted(qs.order_by().values_list("pk", flat=True))
    cals = _Calendars()
    agency_ids: set[int] = set()
    pair_keys: set[tuple[int, int]] = set()
    days: set[dt.date] = set()
    with transaction.atomic():
        if full:
            RequestFact.objects.all().delete()
        writer = BulkWriter()
        for start in range(0, len(ids), BATCH):
            batch = ids[start : start + BATCH]
            facts = fact_rows(batch, cals, every=full)
            if not full:
                for f, t, d in RequestFact.objects.filter(request_id__in=batch).values_list(
                    "from_agency_id", "to_agency_id", "submitted_day"
                ):
                    agency_ids.add(t)
                    pair_keys.add((f, t))
                    days.add(d)
                RequestFact.objects.filter(request_id__in=batch).delete()
                for row in facts:
                    agency_ids.add(row[3])
                    pair_keys.add((row[2], row[3]))
                    days.add(row[5])
            _write_facts(writer, facts)
        if full:
            AgencyPeriod.objects.all().delete()
            PairPeriod.objects.all().delete()
            _rebuild_groups(None, None, None)
        elif ids:
            _rebuild_groups(agency_ids, pair_keys, days)
        if marks["hw"] is not None:
            state.high_water = max(marks["hw"], state.high_water or marks["hw"])
        state.last_pk = max(marks["pk"] or 0, state.last_pk)
        state.updated_at = now
        if full or ids or not state.token:
            # Readers' caches of sums and due moments live until the facts change: a tick
            # that found nothing to do keeps them.
            state.token = uuid.uuid4().hex
        state.save()
    programs = refresh_programs(now=now, budget=None if full else program_budget)
    return {"requests": len(ids), "full": full, **programs}


def rebuild(*, now: dt.datetime) -> dict[str, Any]:
    """Rebuild every summary table from scratch."""
    return refresh_facts(now=now, full=True)


def refresh_programs(*, now: dt.datetime, budget: float | None = None) -> dict[str, Any]:
    """Hand-offs, attributed delay and health of the programmes whose plan, baseline or
    day changed since they were last computed (filled in by ``programs_facts``), for at
    most ``budget`` seconds."""
    from .program_facts import refresh_programs as run

    return run(now=now, budget=budget)


def updated_at() -> dt.datetime | None:
    """When the summary tables were last brought up to date."""
    state = RefreshState.objects.filter(name="requests").first()
    return state.updated_at if state else None


def refresh_token() -> str:
    """A value that changes whenever the summary tables change (empty: never built)."""
    token = RefreshState.objects.filter(name="requests").values_list("token", flat=True).first()
    return token or ""


#: Up to this many requests a page builds never-built summary tables itself (a few
#: seconds); beyond, the worker's tick does it and pages say the figures are not ready.
INLINE_BUILD_LIMIT = 20_000


def ensure_built(*, now: dt.datetime) -> None:
    """Build the tables when they were never built (a fresh database before the first
    tick), unless the database is too large to do it on a page's request path."""
    from sinergi.coordination.models import Request

    if updated_at() is None and Request.objects.all()[: INLINE_BUILD_LIMIT + 1].count() <= (
        INLINE_BUILD_LIMIT
    ):
        refresh_facts(now=now)
