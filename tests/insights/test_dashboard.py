"""The leader dashboard, the agency scorecard and the pair view, as the Bupati and as a
Kepala Dinas see them on the demo: the numbers are the selectors' numbers, each number
links to the requests behind it, bad periods get an Indonesian error, others get 403."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from sinergi.accounts.models import User
from sinergi.insights import selectors
from sinergi.insights.dashboard import escalations_for, late_critical_handoffs, scope_of
from sinergi.insights.svg import HeatCell, heat_colour, heat_map, sparkline

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: Any, now: Any) -> None:
    """Pages and the request list they link to read the clock at the demo's moment."""
    monkeypatch.setattr("sinergi.insights.views.now", lambda: now)
    monkeypatch.setattr("sinergi.coordination.views.now", lambda: now)


@pytest.fixture(autouse=True)
def _fresh_metrics(db: Any, now: Any) -> None:
    """The summary tables as the tick leaves them at the demo's moment."""
    from sinergi.insights.metrics import refresh_facts

    refresh_facts(now=now)


def _user(name: str) -> Any:
    return User.objects.get(username=name)


def _row(page: str, slug: str) -> str:
    match = re.search(rf'<tr data-agency="{re.escape(slug)}">(.*?)</tr>', page, re.S)
    assert match, f"no league row for {slug}"
    return match.group(1)


def _metric(row: str, name: str) -> tuple[str, int]:
    match = re.search(rf'<a href="([^"]+)" data-metric="{name}">(\d+)</a>', row)
    assert match, f"no {name} in {row[:300]}"
    return html.unescape(match.group(1)), int(match.group(2))


def _list_count(client: Any, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    match = re.search(r'<p class="count">(\d+)', response.content.decode())
    assert match, url
    return int(match.group(1))


def test_bupati_league_table_matches_the_selectors_and_links_to_the_rows(
    client_as: Any, now: Any
) -> None:
    client = client_as("leader")
    page = client.get("/dasbor/").content.decode()
    window = selectors.window_from_params(None, None, now=now)
    metrics = selectors.agency_metrics(user=_user("bupati"), window=window, now=now)
    assert len(metrics) >= 5, "the demo should give the Bupati a league table"
    assert "Papan peringkat instansi" in page
    for m in metrics:
        row = _row(page, m.agency)
        assert m.name in html.unescape(row)
        url, received = _metric(row, "received")
        assert received == m.received
        _url, on_time = _metric(row, "answered_on_time")
        assert on_time == m.answered_on_time
        overdue_url, overdue = _metric(row, "open_overdue")
        assert overdue == m.open_overdue
    # Follow the numbers of the busiest agencies to the request list: same counts.
    for m in sorted(metrics, key=lambda m: -m.received)[:3]:
        row = _row(page, m.agency)
        url, received = _metric(row, "received")
        query = parse_qs(urlsplit(url).query)
        assert query["to_agency"] == [m.agency]
        assert _list_count(client, url) == received
        url, answered = _metric(row, "answered")
        assert _list_count(client, url) == answered
        url, on_time = _metric(row, "answered_on_time")
        assert _list_count(client, url) == on_time
    worst = max(metrics, key=lambda m: m.open_overdue)
    assert worst.open_overdue > 0, "the demo has overdue requests"
    url, overdue = _metric(_row(page, worst.agency), "open_overdue")
    assert _list_count(client, url) == overdue


def test_heat_map_cells_carry_titles_and_link_to_the_pair(client_as: Any, now: Any) -> None:
    client = client_as("leader")
    page = client.get("/dasbor/").content.decode()
    assert '<svg xmlns="http://www.w3.org/2000/svg" class="insights-heat"' in page
    window = selectors.window_from_params(None, None, now=now)
    pairs = selectors.pair_metrics(user=_user("bupati"), window=window, now=now)
    stuck = max(pairs, key=lambda p: (p.open_overdue, p.requests))
    assert stuck.open_overdue > 0
    links = re.findall(r'<a href="([^"]+)" aria-label="([^"]+)"><title>', page)
    hrefs = [html.unescape(h) for h, _label in links]
    mine = [
        h
        for h in hrefs
        if f"from_agency={stuck.from_agency}&" in h and f"to_agency={stuck.to_agency}&" in h
    ]
    assert mine, "the stuck pair has a cell linking to its requests"
    assert _list_count(client, mine[0]) == stuck.open_overdue
    # The cell's accessible text says who waits for whom, in Indonesian.
    label = next(html.unescape(lbl) for h, lbl in links if html.unescape(h) == mine[0])
    assert "menunggu" in label and str(stuck.open_overdue) in label


def test_what_needs_a_decision_today(client_as: Any, now: Any) -> None:
    bupati = _user("bupati")
    scope = scope_of(bupati)
    assert scope.is_leader
    escalations = escalations_for(bupati, scope, now=now)
    handoffs = late_critical_handoffs(bupati, scope, now=now)
    page = client_as("leader").get("/dasbor/").content.decode()
    assert "Yang perlu diputuskan hari ini" in page
    # Escalations reach the Bupati at the last step only.
    assert escalations and all(r.escalation_level >= 3 for r in escalations)
    for r in escalations:
        assert f'href="/permintaan/{r.pk}/"' in page
    assert handoffs, "the demo has late hand-offs on critical paths"
    for h in handoffs[:3]:
        assert f"{h.pred_wbs} → {h.succ_wbs}" in html.unescape(page)
    programs = selectors.program_health(user=bupati, now=now)
    for p in programs:
        if p.rag in ("red", "amber"):
            assert f'href="/program/{p.program}/"' in page


def test_league_table_sorts_by_any_column(client_as: Any, now: Any) -> None:
    client = client_as("leader")
    page = client.get("/dasbor/?sort=name&dir=asc").content.decode()
    slugs = re.findall(r'<tr data-agency="([^"]+)">', page)
    names = {
        m.agency: m.name.lower()
        for m in selectors.agency_metrics(
            user=_user("bupati"), window=selectors.window_from_params(None, None, now=now), now=now
        )
    }
    assert slugs == sorted(slugs, key=lambda s: names[s])
    assert 'aria-sort="ascending"' in page
    page = client.get("/dasbor/?sort=received").content.decode()
    slugs = re.findall(r'<tr data-agency="([^"]+)">', page)
    counts = [_metric(_row(page, s), "received")[1] for s in slugs]
    assert counts == sorted(counts, reverse=True)
    # An unknown column falls back to the default order rather than failing.
    assert client.get("/dasbor/?sort=%3Cscript%3E&dir=up").status_code == 200


def test_league_table_shows_the_first_rows_and_all_on_request(
    client_as: Any, monkeypatch: Any
) -> None:
    """A region of hundreds of agencies: the first rows of the chosen order, then a link
    that shows every agency (in the same order)."""
    client = client_as("leader")
    everyone = re.findall(r'<tr data-agency="([^"]+)">', client.get("/dasbor/").content.decode())
    assert len(everyone) > 3
    monkeypatch.setattr("sinergi.insights.views.LEAGUE_LIMIT", 3)
    page = client.get("/dasbor/?sort=received").content.decode()
    first = re.findall(r'<tr data-agency="([^"]+)">', page)
    assert len(first) == 3
    assert f"Ditampilkan 3 instansi pertama dari {len(everyone)}." in page
    link = re.search(r'<a href="([^"]+)">Tampilkan semua instansi</a>', page)
    assert link
    page = client.get("/dasbor/" + html.unescape(link.group(1))).content.decode()
    all_rows = re.findall(r'<tr data-agency="([^"]+)">', page)
    assert len(all_rows) == len(everyone) and all_rows[:3] == first
    assert "Tampilkan semua instansi" not in page


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-01&to=2026-10-01", "from"),
        ("from=kemarin", "from"),
        ("to=2026-02-30", "to"),
        ("from=2020-01-01&to=2026-11-01", "to"),
    ],
)
def test_bad_period_gets_an_indonesian_error(client_as: Any, query: str, field: str) -> None:
    for url in ("/dasbor/", "/dasbor/pasangan/", "/dasbor/instansi/dinkes-sanggau/"):
        response = client_as("leader").get(f"{url}?{query}")
        assert response.status_code == 400, url
        page = response.content.decode()
        assert 'class="error" role="alert"' in page
        assert 'lang="id"' in page
        errors = re.findall(r'<span class="error" role="alert">([^<]+)</span>', page)
        english = ("Enter", "must", "Choose", "The ", "three")
        assert errors and not any(w in e for w in english for e in errors), errors


def test_kepala_dinas_sees_his_agency_only(client_as: Any, now: Any) -> None:
    client = client_as("head")
    page = client.get("/dasbor/").content.decode()
    slugs = set(re.findall(r'<tr data-agency="([^"]+)">', page))
    assert slugs == {"dinkes-sanggau"}
    assert 'id="card-blood"' not in page  # blood is the leaders' and the health office's
    assert client.get("/dasbor/instansi/dinkes-sanggau/").status_code == 200
    assert client.get("/dasbor/instansi/kantah-sanggau/").status_code == 403
    assert client.get("/dasbor/instansi/tidak-ada/").status_code == 404
    assert client_as("leader").get("/dasbor/instansi/kantah-sanggau/").status_code == 200
    # His pair view only offers his agency.
    assert client.get("/dasbor/pasangan/?agency=kantah-sanggau").status_code == 400
    assert client.get("/dasbor/pasangan/?agency=dinkes-sanggau").status_code == 200


def test_scorecard_shows_backlog_with_links(client_as: Any, now: Any) -> None:
    client = client_as("leader")
    page = client.get("/dasbor/instansi/kantah-sanggau/").content.decode()
    window = selectors.window_from_params(None, None, now=now)
    m = selectors.agency_metrics(
        user=_user("bupati"), window=window, agency="kantah-sanggau", now=now
    )[0]
    url, received = _metric(page, "received")
    assert received == m.received
    assert _list_count(client, url) == m.received
    url, overdue = _metric(page, "open_overdue")
    assert overdue == m.open_overdue > 0
    # Every overdue request of the backlog is on the page, with its link.
    from sinergi.coordination.models import Request

    for r in Request.objects.overdue(now).filter(to_agency__slug="kantah-sanggau"):
        assert f'href="/permintaan/{r.pk}/"' in page
    assert "Siapa menunggu instansi ini" in page


def test_pair_view_filters_by_agency(client_as: Any, now: Any) -> None:
    client = client_as("leader")
    page = client.get("/dasbor/pasangan/?agency=kantah-sanggau").content.decode()
    rows = re.findall(r'data-pair="([^"]+)"', page)
    assert rows and all("kantah-sanggau" in r.split(":") for r in rows)
    window = selectors.window_from_params(None, None, now=now)
    pairs = selectors.pair_metrics(
        user=_user("bupati"), window=window, agency="kantah-sanggau", now=now
    )
    assert len(rows) == len(pairs)


def test_navigation_and_home_lead_leaders_to_the_dashboard(client_as: Any) -> None:
    for role in ("leader", "head", "admin"):
        page = client_as(role).get("/").content.decode()
        assert 'href="/dasbor/"' in page, role
    for role in ("staff", "other_staff", "viewer"):
        page = client_as(role).get("/").content.decode()
        assert 'href="/dasbor/"' not in page, role
        assert client_as(role).get("/dasbor/").status_code == 403


def test_metrics_update_time_is_shown(client_as: Any) -> None:
    page = client_as("leader").get("/dasbor/").content.decode()
    assert "Metrik diperbarui" in page


# --- the SVG drawings -------------------------------------------------------------------


def test_heat_map_escapes_names_and_titles_every_cell() -> None:
    cells = [
        HeatCell("a", "b", requests=3, open_overdue=2, median_days=4.5, url="/x?a=1&b=2"),
        HeatCell("b", "a", requests=0, open_overdue=0, median_days=None),
    ]
    svg = heat_map(
        rows=[("a", "<Dinas & A>"), ("b", "B")],
        cols=[("a", "<Dinas & A>"), ("b", "B")],
        cells=cells,
        title="t",
        cell_title=lambda r, c, cell: f"{r} menunggu {c}: {cell.open_overdue}",
    )
    assert "<Dinas" not in svg and "&lt;Dinas &amp; A&gt;" in svg
    assert svg.count("<title>") == 3  # the chart and the two pairs
    assert 'href="/x?a=1&amp;b=2"' in svg
    assert heat_colour(0, 0) != heat_colour(0, 3) != heat_colour(9, 9)


def test_sparkline_leaves_gaps_for_months_without_a_value() -> None:
    svg = sparkline([1.0, None, 3.0, 4.0], labels=["Jan", "Feb", "Mar", "Apr"], title="x")
    assert svg.count("<polyline") == 2
    assert svg.count("<circle") == 3
    assert "Apr: 4" in svg


@pytest.mark.parametrize("role", ["leader", "head"])
def test_overdue_total_links_to_as_many_requests(client_as: Any, role: str) -> None:
    client = client_as(role)
    page = client.get("/dasbor/").content.decode()
    card = page.split('id="card-overdue"')[1].split("</li>")[0]
    match = re.search(r'<a class="insights-big" href="([^"]+)">(\d+)</a>', card)
    assert match
    assert _list_count(client, html.unescape(match.group(1))) == int(match.group(2))


def test_escalations_wait_for_whoever_each_step_reached(now: Any) -> None:
    """The Kepala Dinas sees every escalated request to his agency; the Sekda sees those at
    level 2 or more in his region; each as the escalation notified them."""
    from sinergi.coordination.models import Request

    kadinkes = _user("kadinkes")
    mine = {r.pk for r in escalations_for(kadinkes, scope_of(kadinkes), now=now)}
    expected = set(
        Request.objects.open()
        .filter(escalation_level__gt=0, to_agency__slug="dinkes-sanggau")
        .values_list("pk", flat=True)
    )
    assert mine == expected
    sekda = _user("sekda")
    rows = escalations_for(sekda, scope_of(sekda), now=now)
    assert rows and all(r.escalation_level >= 2 for r in rows)
    region = {
        r.pk
        for r in Request.objects.open().filter(
            escalation_level__gte=2, to_agency__region__code__startswith="61.03"
        )
    }
    assert {r.pk for r in rows} == region


def test_escalation_reach_agrees_with_the_escalation_routing(now: Any) -> None:
    """The dashboard's shortcut decides exactly as ``step_recipients`` notifies."""
    from sinergi.coordination.models import Request
    from sinergi.coordination.services import step_recipients
    from sinergi.insights.dashboard import _StepReach

    requests = list(Request.objects.open().filter(escalation_level__gt=0))
    assert requests
    for name in ("bupati", "sekda", "kabappeda", "kadinkes", "dinkes", "pertanahan"):
        user = _user(name)
        reach = _StepReach(user, requests)
        for req in requests:
            for step in ("head", "sekda", "bupati"):
                assert reach(req, step) == (user in step_recipients(req, step)), (name, step)
