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


def test_gantt_and_program_page_on_a_phone(
    phone_page: Any, sign_in: Any, problems: Any, shots: Path
) -> None:
    page = phone_page
    sign_in(page, "pertanahan")
    page.goto(f"{SPAM}/gantt/?zoom=week")
    chart = page.locator(".gantt-wrap")
    expect(chart.locator("svg rect.bar.critical").first).to_be_attached()
    assert page.evaluate(NO_PAGE_SCROLL), "the Gantt page scrolls sideways at 360 px"
    # The chart itself scrolls sideways inside its frame.
    assert chart.evaluate("el => el.scrollWidth > el.clientWidth")
    chart.evaluate("el => { el.scrollLeft = el.scrollWidth; }")
    assert chart.evaluate("el => el.scrollLeft > 0")
    page.screenshot(path=str(shots / "programs-gantt-360.png"))
    page.goto(f"{SPAM}/")
    expect(page.locator("#critical-path")).to_contain_text("5.1")
    assert page.evaluate(NO_PAGE_SCROLL), "the program page scrolls sideways at 360 px"
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
    form.locator("input[name=predecessor]").fill("5.8")
    form.locator("input[name=successor]").fill("6.4")
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
