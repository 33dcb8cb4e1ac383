"""Requests between agencies in the browser: write with routing help, acknowledge, answer,
close; the inbox and the request page at 360 px."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_request_from_pupr_to_the_land_office(
    page: Any, sign_in: Any, shots: Path, problems: Any
) -> None:
    """Dinas PUPR asks the Kantor Pertanahan; the form suggests the competent agency as one
    types; the Kantor Pertanahan acknowledges and answers; Dinas PUPR closes."""
    sign_in(page, "pupr")
    page.goto("/permintaan/baru/")
    page.locator("select[name=from_agency]").select_option("dpupr-sanggau")
    with page.expect_response(
        lambda r: "/permintaan/saran/" in r.url and r.request.headers.get("hx-request") == "true"
    ):
        page.locator("input[name=subject]").press_sequentially(
            "Status tanah sertipikat lokasi IPA", delay=10
        )
    expect(page.locator("#suggestions")).to_contain_text("kantah-sanggau")
    page.locator("textarea[name=body]").fill("Mohon data status tanah bidang lokasi IPA.")
    page.locator("select[name=to_agency]").select_option("kantah-sanggau")
    page.locator("select[name=kind]").select_option("data")
    with page.expect_navigation():
        page.locator("main form.wide-form button[type=submit]").click()
    match = re.fullmatch(r"/permintaan/(\d+)/", urlsplit(page.url).path)
    assert match, page.url
    url = page.url
    expect(page.locator("main")).to_contain_text("Kantor Pertanahan Kabupaten Sanggau")
    page.screenshot(path=str(shots / "20-request-submitted.png"), full_page=True)

    page.context.clear_cookies()
    sign_in(page, "pertanahan")
    page.goto("/permintaan/")
    expect(page.locator(f"main a[href='/permintaan/{match.group(1)}/']").first).to_be_visible()
    # The navigation shows how many requests wait for the Kantor Pertanahan.
    expect(page.locator(".main-nav a[href='/permintaan/'] .badge")).to_be_visible()
    page.goto(url)
    with page.expect_navigation():
        page.locator("form[action$='/aksi/acknowledge/'] button").click()
    answer = page.locator("details:has(form[action$='/aksi/answer/'])")
    answer.locator("summary").click()
    answer.locator("textarea[name=body]").fill("Bidang 12: tanah negara.")
    with page.expect_navigation():
        answer.locator("button[type=submit]").click()
    expect(page.locator("ol.coord-timeline li")).to_have_count(3)
    expect(page.locator("ol.coord-timeline")).to_contain_text("Bidang 12: tanah negara.")

    page.context.clear_cookies()
    sign_in(page, "pupr")
    page.goto(url)
    with page.expect_navigation():
        page.locator("form[action$='/aksi/close/'] button").click()
    expect(page.locator("ol.coord-timeline li")).to_have_count(4)
    page.screenshot(path=str(shots / "21-request-closed.png"), full_page=True)
    assert problems.console_errors == []

    page.context.clear_cookies()
    sign_in(page, "dinkes")
    response = page.goto(url)
    assert response is not None and response.status == 404


def test_inbox_and_request_at_360px(phone_page: Any, sign_in: Any, shots: Path) -> None:
    """The inbox, the list and a request page do not scroll sideways on a phone."""
    page = phone_page
    sign_in(page, "bupati")
    for path in (
        "/permintaan/",
        "/permintaan/daftar/?overdue=on",
        "/rapat/",
        "/permintaan/webhook/",
        "/permintaan/preferensi/",
    ):
        page.goto(path)
        assert page.evaluate(NO_PAGE_SCROLL), f"{path} scrolls sideways at 360 px"
    page.goto("/permintaan/daftar/?escalated=on")
    page.locator("#results table a").first.click()
    page.wait_for_load_state()
    assert re.fullmatch(r"/permintaan/\d+/", urlsplit(page.url).path)
    assert page.evaluate(NO_PAGE_SCROLL), "the request page scrolls sideways at 360 px"
    page.screenshot(path=str(shots / "22-request-360.png"), full_page=True)
