"""Programme figures of insights: hand-offs between agencies, delay attributed to
agencies, and each programme's red/amber/green health.

Definitions (also in docs/modules/insights.md):

- a **hand-off** is a dependency between work items owned by different agencies; the
  predecessor's agency owes it to the successor's agency on the predecessor's baseline
  finish (its deadline, else its forecast finish, when the programme has no baseline);
  it is **due** in a window when that day is in the window, **on time** when the
  predecessor finished on or before it, **late** when it finished after it or is still
  unfinished after it (as of today);
- **delay days attributed** are the working days of forecast-finish movement the engine's
  windows analysis (``schedule.attribution``) lays on an agency, counted in the status
  period whose closing data date falls in the window;
- a programme is **red** when its forecast finish slips more than ``RED_SLIP_DAYS``
  working days behind the baseline or a critical hand-off is late, **amber** when it slips
  at all or any hand-off is late, **green** otherwise.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from typing import Any

from django.db import connection, transaction

from .models import DelayFact, HandoffFact, ProgramFact, RefreshState

logger = logging.getLogger(__name__)

RED_SLIP_DAYS = 10
LIVE_STATUSES = ("planning", "active", "on_hold")
#: Programmes recomputed in one refresh from which the planner's statistics are renewed.
ANALYZE_AFTER = 1000
#: Seconds of programme recomputing per tick; the rest waits for the next tick. After
#: each local midnight every programme of a country is recomputed (50,000: about twelve
#: minutes), and the tick's other jobs (escalations, reminders, stock status) must not
#: wait behind it.
TICK_BUDGET = 15.0
_clock = time.monotonic  # the budget's clock (a test turns it)


def handoff_late(due: dt.date, done: dt.date | None, today: dt.date) -> bool:
    """Finished after the day it was owed, or still unfinished after it."""
    return done > due if done is not None else today > due


def rag(slip_days: int | None, late_critical: int, late_any: int) -> str:
    """The programme's health from its slip and its late hand-offs."""
    slip = slip_days or 0
    if slip > RED_SLIP_DAYS or late_critical:
        return "red"
    if slip > 0 or late_any:
        return "amber"
    return "green"


def fact_key(program: Any, today: dt.date) -> str:
    """What a programme's facts were computed for: its plan, its baseline and the day."""
    return f"{program.plan_stamp}:{program.baseline_id}:{today.isoformat()}"[:120]


def refresh_programs(*, now: dt.datetime, budget: float | None = None) -> dict[str, Any]:
    """Recompute the programmes whose plan, baseline or local day changed, for at most
    ``budget`` seconds (None: all of them); ``programs_left`` says whether some wait for
    the next call. Only a call that got through every programme marks the refresh
    complete (``programs_current_since``) and drops the facts of closed programmes."""
    from sinergi.programs.models import Program
    from sinergi.programs.scheduling import local_today

    done = 0
    started = _clock()
    stored = dict(ProgramFact.objects.values_list("program_id", "key"))
    live = Program.objects.filter(status__in=LIVE_STATUSES).select_related("region")
    seen: set[int] = set()
    for program in live.order_by("pk").iterator(chunk_size=2000):
        if budget is not None and _clock() - started > budget:
            _analyze_after(done)
            return {"programs": done, "programs_left": True}
        seen.add(program.pk)
        today = local_today(program, now)
        key = fact_key(program, today)
        if stored.get(program.pk) == key:
            continue
        try:
            _refresh_one(program, key=key, today=today, now=now)
        except Exception:  # one broken plan must not stop the others
            logger.exception("insights: programme %s not computed", program.pk)
            continue
        done += 1
    gone = set(stored) - seen
    if gone:
        ProgramFact.objects.filter(program_id__in=gone).delete()
        HandoffFact.objects.filter(program_id__in=gone).delete()
        DelayFact.objects.filter(program_id__in=gone).delete()
    # Every live programme's facts are now those of its plan, baseline and day as of
    # ``now``: a reader need only check the programmes changed since
    # (``programs_current_since``).
    RefreshState.objects.update_or_create(name="programs", defaults={"updated_at": now})
    _analyze_after(done)
    return {"programs": done, "programs_left": False}


def _analyze_after(done: int) -> None:
    """Renew the planner's statistics of the fact tables after a bulk fill."""
    if done < ANALYZE_AFTER:
        return
    # A bulk fill (the first refresh, or every programme's new day) leaves the planner
    # statistics behind (PostgreSQL until autovacuum catches up, SQLite until someone
    # runs ANALYZE): the dashboard's hand-off reads chose a scan of 2,000,000 facts
    # (PostgreSQL 110 ms, SQLite 185 ms) over the small partial index (under 1 ms).
    # SQLite samples (``analysis_limit``): a few milliseconds instead of a full scan.
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit=1000")
        for model in (ProgramFact, HandoffFact, DelayFact):
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")


def programs_current_since(today_in: dict[str, dt.date]) -> dt.datetime | None:
    """When the last complete programme refresh started, if it ran on today's date in
    every time zone given (``{zone: today}``): every programme not changed since then has
    current facts. None when a programme's day has turned since (or it never ran)."""
    from zoneinfo import ZoneInfo

    at = programs_refreshed_at()
    if at is None:
        return None
    for tz, today in today_in.items():
        if at.astimezone(ZoneInfo(tz or "Asia/Jakarta")).date() != today:
            return None
    return at


def programs_refreshed_at() -> dt.datetime | None:
    """When the last complete programme refresh started, whatever day it was (None: it
    never ran)."""
    return RefreshState.objects.filter(name="programs").values_list("updated_at", flat=True).first()


def _refresh_one(program: Any, *, key: str, today: dt.date, now: dt.datetime) -> None:
    from sinergi.programs.scheduling import program_attribution, program_schedule

    ps = program_schedule(program, now=now)
    code = program.region.code
    by_id = {i.id: i for i in ps.items}
    handoffs = []
    late_critical = 0
    late_any = 0
    holding: set[str] = set()
    for ln in ps.links:
        if not ln.handoff or ln.pred not in by_id or ln.succ not in by_id:
            continue
        p, s = by_id[ln.pred], by_id[ln.succ]
        due = p.baseline_finish or p.deadline or p.finish
        critical = p.critical and s.critical
        handoffs.append(
            HandoffFact(
                program_id=program.pk,
                region_code=code,
                from_agency_id=p.owner_id,
                to_agency_id=s.owner_id,
                due_day=due,
                done_day=p.actual_finish,
                forecast_day=p.finish,
                critical=critical,
                late_days=(
                    (p.finish - due).days if p.actual_finish is None and p.finish > due else None
                ),
            )
        )
        if handoff_late(due, p.actual_finish, today) and not s.actual_finish:
            late_any += 1
            if critical:
                late_critical += 1
                holding.add(p.owner_slug)
    delays = []
    att = program_attribution(program)
    if att.analysis is not None:
        for w in att.analysis.windows:
            for slug, days in w.by_agency.items():
                if days:
                    delays.append(
                        DelayFact(
                            program_id=program.pk,
                            region_code=code,
                            agency_slug=slug,
                            day=w.data_date_to,
                            days=days,
                        )
                    )
    slip = ps.project_slip
    with transaction.atomic():
        HandoffFact.objects.filter(program_id=program.pk).delete()
        HandoffFact.objects.bulk_create(handoffs)
        DelayFact.objects.filter(program_id=program.pk).delete()
        DelayFact.objects.bulk_create(delays)
        ProgramFact.objects.update_or_create(
            program_id=program.pk,
            defaults={
                "region_code": code,
                "key": key,
                "rag": rag(slip, late_critical, late_any),
                "slip_days": slip,
                "late_critical_handoffs": late_critical,
                "holding_agencies": sorted(holding),
            },
        )
