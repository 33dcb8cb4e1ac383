"""Insights at national scale: long lists come a page at a time, programme health is
ordered and counted in the database, and the figures counted in SQL (hand-offs, delay,
data requests, datasets) equal the plain count over the rows they summarise."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from typing import Any

import pytest
from django.test import Client

from sinergi.accounts.models import User
from sinergi.insights import selectors

WINDOW = "from=2026-08-05&to=2026-11-02"
RAG_ORDER = {"red": 0, "amber": 1, "green": 2}

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _built(db: Any, now: Any) -> None:
    from sinergi.insights.metrics import refresh_facts

    refresh_facts(now=now)


def _body(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    return json.loads(response.content)


@pytest.mark.parametrize("role", ["leader", "admin"])
def test_agency_list_pages_join_up_to_the_whole_list(api_as: Any, role: str) -> None:
    api = api_as(role)
    whole = _body(api.get(f"/api/v1/insights/agencies?{WINDOW}"))
    assert whole["count"] == len(whole["items"]) > 6
    pages = []
    for offset in range(0, whole["count"], 4):
        page = _body(api.get(f"/api/v1/insights/agencies?{WINDOW}&limit=4&offset={offset}"))
        assert page["count"] == whole["count"]
        assert len(page["items"]) <= 4
        pages += page["items"]
    assert [r["agency"] for r in pages] == [r["agency"] for r in whole["items"]]
    beyond = _body(api.get(f"/api/v1/insights/agencies?{WINDOW}&offset={whole['count']}"))
    assert beyond["items"] == [] and beyond["count"] == whole["count"]


@pytest.mark.parametrize(
    "path",
    ["/api/v1/insights/agencies", "/api/v1/insights/programs", "/api/v1/public/scoreboard"],
)
@pytest.mark.parametrize("query", ["limit=0", "limit=501", "offset=-1", "limit=banyak"])
def test_a_bad_page_is_a_clear_error(api_as: Any, path: str, query: str) -> None:
    response = api_as("leader").get(f"{path}?{query}")
    assert response.status_code == 422
    body = json.loads(response.content)
    assert body["code"] == "validation_error" and body["fields"]


def test_scoreboard_api_pages(api_as: Any) -> None:
    anon = api_as(None)
    whole = _body(anon.get(f"/api/v1/public/scoreboard?{WINDOW}"))
    first = _body(anon.get(f"/api/v1/public/scoreboard?{WINDOW}&limit=3"))
    second = _body(anon.get(f"/api/v1/public/scoreboard?{WINDOW}&limit=3&offset=3"))
    assert first["count"] == second["count"] == whole["count"]
    assert first["items"] + second["items"] == whole["items"][:6]


def _health_key(p: Any) -> tuple[int, int, str]:
    return (RAG_ORDER[p.rag], -(p.slip_days or 0), p.program)


@pytest.mark.parametrize("username", ["bupati", "admin", "kadinkes"])
def test_programme_health_pages_and_counts_agree_with_the_whole_list(
    now: Any, username: str
) -> None:
    from sinergi.insights.models import ProgramFact

    # Make some programmes red and amber, with slips, so that the order has work to do.
    facts = list(ProgramFact.objects.order_by("program_id"))
    assert len(facts) >= 3
    for i, f in enumerate(facts):
        f.rag = ("red", "amber", "green")[i % 3]
        f.slip_days = (i * 7) % 11 - 3
        f.save()
    user = User.objects.get(username=username)
    whole = selectors.program_health(user=user, now=now)
    assert whole == sorted(whole, key=_health_key)
    page = selectors.program_health_page(user=user, now=now, limit=2, offset=1)
    assert page.items == whole[1:3]
    assert page.count == len(whole)
    assert page.rag_counts == {rag: sum(p.rag == rag for p in whole) for rag in RAG_ORDER}
    risk = selectors.program_health_page(user=user, now=now, rags=("red", "amber"))
    assert risk.items == [p for p in whole if p.rag != "green"]
    assert risk.count == len(risk.items)


def test_programme_api_pages(api_as: Any) -> None:
    api = api_as("admin")
    whole = _body(api.get("/api/v1/insights/programs"))
    assert whole["count"] == len(whole["items"]) >= 3
    page = _body(api.get("/api/v1/insights/programs?limit=2&offset=1"))
    assert page["count"] == whole["count"]
    assert page["items"] == whole["items"][1:3]


def test_dashboard_lists_the_first_programmes_at_risk_and_counts_all(
    client_as: Any, monkeypatch: Any, now: Any
) -> None:
    from sinergi.insights.models import ProgramFact

    monkeypatch.setattr("sinergi.insights.views.now", lambda: now)
    monkeypatch.setattr("sinergi.insights.views.AT_RISK_LIMIT", 2)
    ProgramFact.objects.update(rag="red", slip_days=12)
    at_risk = ProgramFact.objects.count()
    assert at_risk > 2
    page = client_as("admin").get("/dasbor/").content.decode()
    card = page.split('id="card-programs"', 1)[1].split("</li>\n    <li", 1)[0]
    assert f'href="#risk-list">{at_risk}</a>' in card
    assert len(re.findall(r'<span class="badge insights-red">merah</span>', card)) == 2
    assert f"2 paling berisiko dari {at_risk}" in card


def _plain_figures(ids: set[int] | None, window: selectors.Window, now: dt.datetime) -> Any:
    """The hand-off, delay, data-request and dataset figures per agency, counted row by row
    in Python (the rule the SQL counts must follow)."""
    from sinergi.agencies.models import Agency
    from sinergi.catalog.choices import FREQUENCY_DAYS, Frequency
    from sinergi.catalog.models import DataRequest, Dataset
    from sinergi.insights.models import DelayFact, HandoffFact
    from sinergi.insights.program_facts import handoff_late

    today = now.astimezone(selectors.LOCAL_TZ).date()
    out: dict[str, Counter[str]] = {}
    slug = dict(Agency.objects.values_list("pk", "slug"))

    def add(pk: int, key: str, n: int = 1) -> None:
        if ids is None or pk in ids:
            out.setdefault(slug[pk], Counter())[key] += n

    for h in HandoffFact.objects.all():
        if window.date_from <= h.due_day <= window.date_to:
            add(h.from_agency_id, "handoffs_due")
            add(
                h.from_agency_id,
                "handoffs_on_time",
                h.done_day is not None and h.done_day <= h.due_day,
            )
            add(h.from_agency_id, "handoffs_late", handoff_late(h.due_day, h.done_day, today))
    by_slug = {v: k for k, v in slug.items()}
    for d in DelayFact.objects.all():
        if window.date_from <= d.day <= window.date_to:
            add(by_slug[d.agency_slug], "delay_days_attributed", d.days)
    start = dt.datetime.combine(window.date_from, dt.time(0), tzinfo=selectors.LOCAL_TZ)
    end = dt.datetime.combine(window.date_to, dt.time(0), tzinfo=selectors.LOCAL_TZ)
    end += dt.timedelta(days=1)
    for r in DataRequest.objects.select_related("request"):
        if start <= r.request.submitted_at < end:
            add(r.producer_id, "data_requests_received")
            add(r.producer_id, "data_requests_fulfilled", r.fulfilled_at is not None)
    for ds in Dataset.objects.filter(status="published").prefetch_related("versions"):
        add(ds.publisher_id, "datasets_published")
        latest = max((v.created_at for v in ds.versions.all()), default=None)
        days = FREQUENCY_DAYS.get(Frequency(ds.frequency))
        stale = days is not None and latest is not None and now - latest > dt.timedelta(days=days)
        add(ds.publisher_id, "datasets_stale", stale)
    return out


FIGURES = [
    "handoffs_due",
    "handoffs_on_time",
    "handoffs_late",
    "delay_days_attributed",
    "data_requests_received",
    "data_requests_fulfilled",
    "datasets_published",
    "datasets_stale",
]


@pytest.mark.parametrize("username", ["bupati", "admin", "kadinkes"])
@pytest.mark.parametrize("later_days", [0, 120])
def test_figures_counted_in_sql_equal_the_plain_count(
    now: Any, username: str, later_days: int
) -> None:
    from sinergi.catalog.models import DatasetVersion

    # Age some datasets so that "stale" counts something, on each frequency.
    for i, v in enumerate(DatasetVersion.objects.order_by("pk")[:12]):
        DatasetVersion.objects.filter(pk=v.pk).update(
            created_at=now - dt.timedelta(days=3 + 40 * i)
        )
    at = now + dt.timedelta(days=later_days)
    window = selectors.Window(dt.date(2026, 5, 1), (at + dt.timedelta(days=1)).date())
    user = User.objects.get(username=username)
    rows = selectors.agency_metrics(user=user, window=window, now=at)
    scope_ids = None if user.is_superuser else selectors._scope(user, None, None).agencies
    expected = _plain_figures(scope_ids, window, at)
    got = {r.agency: r for r in rows}
    for slug, counts in expected.items():
        if any(counts.values()):
            assert slug in got, slug
    for slug, row in got.items():
        want = expected.get(slug, Counter())
        assert {f: getattr(row, f) for f in FIGURES} == {f: want[f] for f in FIGURES}, slug
    if username != "kadinkes":
        total = Counter()
        for counts in expected.values():
            total.update(counts)
        assert total["handoffs_due"] and total["datasets_published"] and total["datasets_stale"]


def test_public_scoreboard_page_shows_a_page_of_agencies(monkeypatch: Any) -> None:
    monkeypatch.setattr("sinergi.insights.public_views.PER_PAGE", 3)
    first = Client().get(f"/publik/skor/?{WINDOW}&sort=received&dir=desc").content.decode()
    second = Client().get(f"/publik/skor/?{WINDOW}&sort=received&dir=desc&page=2")
    second_html = second.content.decode()
    assert second.status_code == 200

    def names(html: str) -> list[str]:
        body = html.split('<table id="scoreboard">', 1)[1].split("</table>", 1)[0]
        return re.findall(r"<tr><td>([^<]+)</td>", body)

    assert len(names(first)) == 3 and len(names(second_html)) == 3
    assert not set(names(first)) & set(names(second_html))
    assert 'rel="next"' in first and "sort=received" in first.split('rel="next"')[0][-300:]
    assert "Halaman 2 dari" in second_html


def test_late_handoffs_schedule_a_bounded_number_of_programmes(
    client_as: Any, monkeypatch: Any, now: Any
) -> None:
    from sinergi.insights.dashboard import late_critical_handoffs, scope_of

    admin = User.objects.get(username="admin")
    everything = late_critical_handoffs(admin, scope_of(admin), now=now)
    assert everything and everything.checked == everything.programs >= 2
    monkeypatch.setattr("sinergi.insights.dashboard.MAX_SCHEDULED", 1)
    bounded = late_critical_handoffs(admin, scope_of(admin), now=now)
    assert bounded.checked == 1 and bounded.programs == everything.programs
    # The one programme scheduled is the one the facts show most behind, and its late
    # hand-offs are exactly those of the full answer.
    shown = {h.program_code for h in bounded}
    assert len(shown) == 1
    assert list(bounded) == [h for h in everything if h.program_code in shown]
    assert max(h.days_late for h in bounded) == max(h.days_late for h in everything)
    monkeypatch.setattr("sinergi.insights.views.now", lambda: now)
    page = client_as("admin").get("/dasbor/").content.decode()
    assert f"Dari 1 program yang paling tertinggal, dari {everything.programs}" in page


def test_a_bulk_programme_refresh_renews_the_planner_statistics(monkeypatch: Any, now: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sinergi.insights.models import ProgramFact
    from sinergi.insights.program_facts import refresh_programs

    monkeypatch.setattr("sinergi.insights.program_facts.ANALYZE_AFTER", 1)
    ProgramFact.objects.all().delete()
    with CaptureQueriesContext(connection) as queries:
        assert refresh_programs(now=now)["programs"] >= 1
    analyzed = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("ANALYZE")]
    assert len(analyzed) == 3


def test_agency_rows_are_kept_for_the_minute_and_no_longer(now: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sinergi.catalog.models import Dataset

    admin = User.objects.get(username="admin")
    window = selectors.window_from_params(None, None, now=now)
    first = selectors.agency_metrics(user=admin, window=window, now=now)
    with CaptureQueriesContext(connection) as again:
        same = selectors.agency_metrics(
            user=admin, window=window, now=now + dt.timedelta(seconds=30)
        )
    assert same == first
    assert len(again.captured_queries) <= 3  # the scope and the refresh token only
    # A dataset published meanwhile shows from the next minute on.
    publisher = Dataset.objects.filter(status="published").first()
    assert publisher is not None
    before = {r.agency: r.datasets_published for r in first}
    Dataset.objects.filter(pk=publisher.pk).update(status="draft")
    later = selectors.agency_metrics(user=admin, window=window, now=now + dt.timedelta(minutes=1))
    after = {r.agency: r.datasets_published for r in later}
    slug = publisher.publisher.slug
    assert after.get(slug, 0) == before[slug] - 1
    # Callers may sort or cut their list without touching the kept one.
    kept = list(later)
    later.clear()
    assert (
        selectors.agency_metrics(user=admin, window=window, now=now + dt.timedelta(minutes=1))
        == kept
    )


def test_blood_card_is_kept_until_a_unit_changes(now: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sinergi.agencies.models import Agency
    from sinergi.blood import services
    from sinergi.core.permissions import SYSTEM
    from sinergi.insights.dashboard import blood_critical, scope_of

    bupati = User.objects.get(username="bupati")
    scope = scope_of(bupati)
    first = blood_critical(scope, now=now)
    with CaptureQueriesContext(connection) as again:
        assert blood_critical(scope, now=now + dt.timedelta(seconds=20)) == first
    assert len(again.captured_queries) == 1  # the units and their profiles only
    # A recorded change of a unit's stock is read at once, and equals a fresh reading.
    from sinergi.insights import dashboard

    unit = Agency.objects.get(slug="udd-pmi-sanggau")
    services.stock_set_levels(
        actor=SYSTEM, unit=unit, levels={("PRC", "A", "pos"): 0}, reason="uji", now=now
    )
    with CaptureQueriesContext(connection) as changed:
        after = blood_critical(scope, now=now + dt.timedelta(seconds=30))
    assert len(changed.captured_queries) > 1
    dashboard._BLOOD_KEPT.clear()
    assert blood_critical(scope, now=now + dt.timedelta(seconds=30)) == after


@pytest.mark.parametrize("days_later", [0, 1])
def test_stale_programmes_found_in_sql_follow_the_fact_key(now: Any, days_later: int) -> None:
    from zoneinfo import ZoneInfo

    from sinergi.insights.dashboard import _stale
    from sinergi.insights.models import ProgramFact
    from sinergi.insights.program_facts import fact_key
    from sinergi.programs.models import Program
    from sinergi.programs.scheduling import local_today

    programs = Program.objects.filter(status__in=["planning", "active", "on_hold"])
    first, second, *_rest = list(programs.order_by("pk"))
    Program.objects.filter(pk=first.pk).update(plan_stamp="changed")
    ProgramFact.objects.filter(program_id=second.pk).delete()
    at = now + dt.timedelta(days=days_later)
    keys = dict(ProgramFact.objects.values_list("program_id", "key"))
    expected = {
        p.pk
        for p in programs.select_related("region")
        if keys.get(p.pk) != fact_key(p, local_today(p, at))
    }
    today_in = {
        tz: at.astimezone(ZoneInfo(tz or "Asia/Jakarta")).date()
        for tz in programs.values_list("region__timezone", flat=True).distinct()
    }
    assert _stale(programs, today_in) == expected
    assert {first.pk, second.pk} <= expected
    if days_later:
        assert expected == set(programs.values_list("pk", flat=True))
    # By plan and baseline only (a day turned and the worker has not caught up): the
    # edited and the never computed ones.
    assert _stale(programs, today_in, any_day=True) == {first.pk, second.pk}


def test_only_programmes_changed_since_the_last_refresh_are_checked_for_stale_facts(
    now: Any,
) -> None:
    from zoneinfo import ZoneInfo

    from sinergi.insights import dashboard
    from sinergi.insights.program_facts import programs_current_since, refresh_programs
    from sinergi.programs.models import Program

    refresh_programs(now=now)
    live = Program.objects.filter(status__in=["planning", "active", "on_hold"])
    today_in = {
        tz: now.astimezone(ZoneInfo(tz or "Asia/Jakarta")).date()
        for tz in live.values_list("region__timezone", flat=True).distinct()
    }
    assert programs_current_since(today_in) == now
    # A day turned in one zone since: every programme may be stale.
    tomorrow = {tz: d + dt.timedelta(days=1) for tz, d in today_in.items()}
    assert programs_current_since(tomorrow) is None
    # A plan changed after the refresh is found; the dashboard checks only it.
    edited = live.order_by("pk").first()
    assert edited is not None
    Program.objects.filter(pk=edited.pk).update(
        plan_stamp="edited", updated_at=now + dt.timedelta(minutes=2)
    )
    admin = User.objects.get(username="admin")
    candidates, possible = dashboard._maybe_late(
        dashboard._programs_in_scope(admin, dashboard.scope_of(admin)),
        now=now + dt.timedelta(minutes=3),
        critical_only=True,
    )
    assert edited.pk in {p.pk for p in candidates}
    assert dashboard._stale(live, today_in) == {edited.pk}


def test_handoff_facts_store_their_late_days(now: Any) -> None:
    """The stored late days (read by the dashboard's index) follow the rule row by row."""
    from sinergi.insights.models import HandoffFact

    facts = list(HandoffFact.objects.all())
    assert any(h.late_days for h in facts), "the demo has hand-offs forecast late"
    for h in facts:
        late = h.done_day is None and h.forecast_day > h.due_day
        assert h.late_days == ((h.forecast_day - h.due_day).days if late else None), h


def test_the_migration_fills_late_days_as_the_refresh_writes_them(now: Any) -> None:
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    from sinergi.insights.models import HandoffFact

    written = dict(HandoffFact.objects.values_list("pk", "late_days"))
    HandoffFact.objects.update(late_days=None)
    migration = importlib.import_module("sinergi.insights.migrations.0007_handofffact_late_days")
    # What the migration uses of its schema editor (SQLite's cannot open inside a test's
    # transaction).
    with connection.cursor() as cursor:
        editor = SimpleNamespace(
            connection=connection, quote_name=connection.ops.quote_name, execute=cursor.execute
        )
        migration.fill_late_days(apps, editor)
    assert dict(HandoffFact.objects.values_list("pk", "late_days")) == written


def test_after_midnight_day_old_facts_pick_the_programmes_to_schedule(now: Any) -> None:
    """Until the worker has recomputed every programme for the new day, the dashboard
    schedules only the programmes the day-old facts point at (not every programme of a
    country), and finds the late hand-offs the recomputed facts show."""
    from sinergi.insights.dashboard import late_critical_handoffs, scope_of
    from sinergi.insights.program_facts import refresh_programs
    from sinergi.programs.models import Program

    refresh_programs(now=now)
    admin = User.objects.get(username="admin")
    live = Program.objects.filter(status__in=["planning", "active", "on_hold"]).count()
    at = now + dt.timedelta(days=1)
    turned = late_critical_handoffs(admin, scope_of(admin), now=at)
    assert 0 < turned.checked < live
    refresh_programs(now=at)
    current = late_critical_handoffs(admin, scope_of(admin), now=at)
    assert list(turned) == list(current)


def test_the_tick_recomputes_programmes_within_its_budget(now: Any, monkeypatch: Any) -> None:
    """After midnight every programme is recomputed; a tick does what fits in its budget
    and leaves the rest to the next, and only the call that gets through all of them marks
    the refresh complete and drops the facts of closed programmes."""
    import itertools

    from sinergi.insights import jobs, program_facts
    from sinergi.insights.models import ProgramFact
    from sinergi.insights.program_facts import programs_refreshed_at, refresh_programs
    from sinergi.programs.models import Program

    refresh_programs(now=now)
    live = Program.objects.filter(status__in=["planning", "active", "on_hold"]).order_by("pk")
    assert live.count() >= 3
    closed = live.last()
    assert closed is not None
    Program.objects.filter(pk=closed.pk).update(status="closed")
    at = now + dt.timedelta(days=1)
    ticks = itertools.count()
    monkeypatch.setattr(program_facts, "_clock", lambda: float(next(ticks)))
    part = refresh_programs(now=at, budget=2.5)  # the clock moves a second per programme
    assert part == {"programs": 2, "programs_left": True}
    assert programs_refreshed_at() == now  # not complete: readers still know it
    assert ProgramFact.objects.filter(program_id=closed.pk).exists()
    monkeypatch.setattr(program_facts, "TICK_BUDGET", 10**6)
    rest = jobs.refresh(at)
    assert rest["programs"] == live.count() - 2 and rest["programs_left"] is False
    assert programs_refreshed_at() == at
    assert not ProgramFact.objects.filter(program_id=closed.pk).exists()
