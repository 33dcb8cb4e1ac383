"""The leader dashboard in the browser, as the Bupati and as a Kepala Dinas, on a desktop
(1280 px) and on a phone (360 px): the league table and the heat map are there, the page
does not scroll sideways, and a number opens the requests behind it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


@pytest.fixture(autouse=True)
def _metrics_ticked(demo: None) -> None:
    """The summary tables as the worker's tick keeps them, so the first page view does not
    build them inside the browser's timeout on a busy machine."""
    from sinergi.core.clock import now
    from sinergi.insights.metrics import refresh_facts

    refresh_facts(now=now())


def _click_number_and_count(page: Any, link: Any) -> None:
    """Click a number of the dashboard; the request list shows as many requests."""
    number = int(link.inner_text().strip())
    with page.expect_navigation():
        link.click()
    assert "/permintaan/daftar/" in page.url
    count = page.locator("#results p.count")
    expect(count).to_be_visible()
    shown = int(re.match(r"\d+", count.inner_text()).group(0))  # type: ignore[union-attr]
    assert shown == number, (page.url, shown, number)
    rows = page.locator("#results tbody tr")
    if number:
        expect(rows.first).to_be_visible()
        assert min(number, 30) == rows.count()


def _open_dashboard(page: Any) -> None:
    page.goto("/dasbor/")
    expect(page.locator("h1")).to_have_text("Dasbor pimpinan")
    expect(page.locator("#league")).to_be_visible()


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_bupati_dashboard(
    viewport: str,
    page: Any,
    phone_page: Any,
    sign_in: Any,
    shots: Path,
    problems: Any,
) -> None:
    """The Bupati sees what needs a decision, the league table of the region and the heat
    map; an overdue number opens exactly those requests."""
    tab = page if viewport == "desktop" else phone_page
    sign_in(tab, "bupati")
    tab.goto("/")
    with tab.expect_navigation():
        tab.locator(".main-nav a[href='/dasbor/']").click()
    expect(tab.locator("h1")).to_have_text("Dasbor pimpinan")
    expect(tab.locator("#card-escalations")).to_be_visible()
    league = tab.locator("#league tbody tr[data-agency]")
    assert league.count() >= 5
    heat = tab.locator("#heatmap svg")
    expect(heat).to_be_visible()
    assert tab.locator("#heatmap svg a").count() > 0
    assert tab.evaluate(NO_PAGE_SCROLL), "the dashboard scrolls sideways"
    tab.screenshot(path=str(shots / f"60-dashboard-bupati-{viewport}.png"), full_page=True)
    overdue = tab.locator("#league a[data-metric=open_overdue]").filter(has_not_text="0").first
    _click_number_and_count(tab, overdue)
    assert tab.evaluate(NO_PAGE_SCROLL), "the request list scrolls sideways"
    # Back on the dashboard, a heat map cell opens the pair's requests.
    _open_dashboard(tab)
    cell = tab.locator("#heatmap svg a").first
    href = cell.get_attribute("href")
    assert href and "from_agency=" in href and "to_agency=" in href
    tab.goto(href)
    expect(tab.locator("#results p.count")).to_be_visible()
    assert problems.console_errors == []


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_kepala_dinas_dashboard(
    viewport: str, page: Any, phone_page: Any, sign_in: Any, shots: Path, problems: Any
) -> None:
    """The Kepala Dinas Kesehatan sees his agency's row and clears its backlog from the
    scorecard; the requests behind his "received" number are the ones listed."""
    tab = page if viewport == "desktop" else phone_page
    sign_in(tab, "kadinkes")
    _open_dashboard(tab)
    rows = tab.locator("#league tbody tr[data-agency]")
    expect(rows).to_have_count(1)
    assert rows.first.get_attribute("data-agency") == "dinkes-sanggau"
    assert tab.evaluate(NO_PAGE_SCROLL), "the dashboard scrolls sideways"
    tab.screenshot(path=str(shots / f"61-dashboard-kadinkes-{viewport}.png"), full_page=True)
    with tab.expect_navigation():
        rows.first.locator("th a").click()
    expect(tab.locator("h1")).to_contain_text("Dinas Kesehatan")
    expect(tab.locator("#backlog")).to_be_visible()
    assert tab.evaluate(NO_PAGE_SCROLL), "the scorecard scrolls sideways"
    _click_number_and_count(tab, tab.locator("a[data-metric=received]"))
    assert problems.console_errors == []
