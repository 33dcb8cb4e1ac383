"""Programs in the browser: the Gantt on a phone, and a coordinator and a partner working on
the demo SPAM program. Assertions use ids, URLs and demo data, not UI words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SPAM = "/program/SPAM-SANGGAU-2026"
NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
PAGE_WIDTH = "document.documentElement.scrollWidth"


def test_gantt_and_program_page_on_a_phone(
    phone_page: Any, sign_in: Any, problems: Any, shots: Path
) -> None:
    page = phone_page
    sign_in(page, "pertanahan")
    page.goto(f"{SPAM}/gantt/?zoom=week")
    chart = page.locator(".gantt-wrap[data-ready=true]")
    expect(chart.locator("svg rect.bar.critical").first).to_be_attached()
    # The page itself is 360 px wide (a mobile browser zooms out rather than pan, so the
    # width is compared with 360, not with the zoomed-out viewport).
    assert page.evaluate(PAGE_WIDTH) <= 360, "the Gantt page is wider than a 360 px phone"
    # The chart opens around today: the today line is inside the visible part of the chart.
    box = chart.bounding_box()
    labels = page.locator(".gantt-labels").bounding_box()
    today = page.locator(".gantt-wrap svg line.today").bounding_box()
    assert box and labels and today
    assert labels["x"] + labels["width"] <= today["x"] <= box["x"] + box["width"]
    expect(page.locator(".gantt-frame.more-right")).to_be_attached()
    # Scrolled to the end, the row labels are still in view at the frame's left edge.
    chart.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    expect(page.locator(".gantt-frame.more-left")).to_be_attached()
    after = page.locator(".gantt-labels").bounding_box()
    assert after and abs(after["x"] - labels["x"]) < 1
    expect(page.locator(".gantt-labels li").first).to_be_visible()
    page.screenshot(path=str(shots / "programs-gantt-360.png"))
    page.goto(f"{SPAM}/")
    expect(page.locator("#critical-path")).to_contain_text("5.1")
    assert page.evaluate(PAGE_WIDTH) <= 360, "the program page is wider than a 360 px phone"
    page.screenshot(path=str(shots / "programs-detail-360.png"), full_page=False)
    assert not problems.console_errors, problems.console_errors


def test_coordinator_adds_a_handoff_and_partner_reports(
    page: Any, sign_in: Any, problems: Any, shots: Path
) -> None:
    from sinergi.programs.models import WorkItem

    sign_in(page, "pupr")
    page.goto(f"{SPAM}/")
    form = page.locator(f"form[action='{SPAM}/kegiatan/']")
    form.locator("xpath=..").locator("summary").click()
    form.locator("input[name=wbs]").fill("5.8")
    form.locator("input[name=title]").fill("Rekomendasi galian jalan")
    form.locator("select[name=owner]").select_option("dlh-sanggau")
    form.locator("input[name=duration]").fill("90")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    form = page.locator(f"form[action='{SPAM}/ketergantungan/']")
    form.locator("xpath=..").locator("summary").click()
    # In words: 6.4 starts after 5.8 finishes, 5.8 found by typing in the list's filter box.
    form.locator("select[name=successor]").select_option("6.4")
    form.locator("input[type=search]").fill("galian")
    expect(form.locator("select[name=predecessor] option:not([hidden])")).to_have_count(1)
    form.locator("select[name=predecessor]").select_option("5.8")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#critical-path")).to_contain_text("5.8")
    page.goto(f"{SPAM}/gantt/")
    expect(page.locator("svg rect.bar.critical[data-wbs='5.8']")).to_be_attached()
    expect(page.locator("svg path.handoff[data-from='5.8'][data-to='6.4']")).to_be_attached()
    page.screenshot(path=str(shots / "programs-gantt-handoff.png"))

    page.context.clear_cookies()
    sign_in(page, "pertanahan")
    item = WorkItem.objects.get(program__code="SPAM-SANGGAU-2026", wbs="2.4")
    page.goto(f"{SPAM}/kegiatan/{item.pk}/progres/")
    page.locator("input[name=percent_complete]").fill("80")
    page.locator("input[name=blocker]").fill("Menunggu tanda tangan")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert page.url.endswith(f"{SPAM}/")
    item.refresh_from_db()
    assert item.percent_complete == 80 and item.blocker == "Menunggu tanda tangan"
    assert not problems.console_errors, problems.console_errors


def test_public_program_page_on_a_phone_and_a_partner_proposal(
    phone_page: Any, page: Any, sign_in: Any, problems: Any, shots: Path
) -> None:
    from sinergi.programs.models import PlanProposal, WorkItem

    phone_page.goto("/publik/program/SPAM-SANGGAU-2026/")
    expect(phone_page.locator("#public-progress")).to_be_visible()
    expect(phone_page.locator(".gantt-wrap svg rect.bar.critical").first).to_be_attached()
    assert phone_page.evaluate(NO_PAGE_SCROLL), "the public page scrolls sideways at 360 px"
    phone_page.screenshot(path=str(shots / "programs-public-360.png"))

    sign_in(page, "pertanahan")
    page.goto(f"{SPAM}/usulan/")
    page.locator("select[name=kind]").select_option("change_item")
    page.locator("input[name=wbs]").fill("2.4")
    page.locator("input[name=duration]").fill("40")
    page.locator("textarea[name=reason]").fill("Pengukuran ulang batas bidang")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    proposal = PlanProposal.objects.get(program__code="SPAM-SANGGAU-2026")
    page.context.clear_cookies()
    sign_in(page, "pupr")
    page.goto(f"{SPAM}/")
    form = page.locator(f"form[action='{SPAM}/usulan/{proposal.pk}/terima/']")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert WorkItem.objects.get(program__code="SPAM-SANGGAU-2026", wbs="2.4").duration == 40
    page.screenshot(path=str(shots / "programs-proposal-accepted.png"))
    assert not problems.console_errors, problems.console_errors
