"""The flows a person goes through in Sinergi, in Debian's chromium against the live server.

Assertions use roles, names, ids, URLs and the demo data (agency names, usernames), not UI
words, because the Indonesian translations are still being written.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

DINKES = "Dinas Kesehatan Kabupaten Sanggau"
NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def _count(page: Any) -> int:
    """The number in the directory's result count ("12 instansi")."""
    match = re.search(r"\d+", page.locator("#results p.count").inner_text())
    assert match, "the directory shows no result count"
    return int(match.group())


def _logout(page: Any) -> None:
    page.locator("details.account-menu > summary").click()
    logout = page.locator("details.account-menu form[action='/keluar/'] button[type=submit]")
    expect(logout).to_be_visible()
    with page.expect_navigation():
        logout.click()


def _get_json(url: str, token: str | None) -> tuple[int, Any]:
    """GET with nothing but the bearer token: no cookies, so only the token can authenticate."""
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 -- the live server's http URL
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 -- same
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def test_login_logout_and_wrong_password(page: Any, login: Any, shots: Path) -> None:
    """kadinkes signs in, sees their agency on home, signs out; a wrong password is refused."""
    login(page, "kadinkes")
    assert urlsplit(page.url).path == "/"
    expect(page.locator("main")).to_contain_text(DINKES)
    expect(page.locator("main a[href='/instansi/dinkes-sanggau/']")).to_be_visible()
    page.screenshot(path=str(shots / "01-home-1280.png"), full_page=True)

    _logout(page)
    assert urlsplit(page.url).path == "/masuk/"
    expect(page.locator("details.account-menu")).to_have_count(0)
    expect(page.locator("main .messages .message")).to_have_count(1)  # "you have logged out"
    page.goto("/")  # home needs a session again
    assert urlsplit(page.url).path == "/masuk/"

    page.locator("input[name=username]").fill("kadinkes")
    page.locator("input[name=password]").fill(PASSWORD + "-salah")
    with page.expect_navigation() as nav:
        page.locator("main form button[type=submit]").click()
    assert nav.value.status == 400
    assert urlsplit(page.url).path == "/masuk/"
    expect(page.locator("main .form-errors[role=alert]")).to_be_visible()
    expect(page.locator("input[name=username]")).to_have_value("kadinkes")
    expect(page.locator("details.account-menu")).to_have_count(0)
    page.screenshot(path=str(shots / "01-wrong-password.png"), full_page=True)


def test_directory_search_updates_without_reload(
    page: Any, sign_in: Any, shots: Path, problems: Any
) -> None:
    """Typing in the directory's search box swaps the results in place (htmx); kind filters."""
    sign_in(page, "kadinkes")
    page.goto("/instansi/")
    total = _count(page)
    assert total > 1
    page.evaluate("window.__sameDocument = true")  # gone if the browser loads a new page

    with page.expect_response(
        lambda r: "q=kesehatan" in r.url and r.request.headers.get("hx-request") == "true"
    ) as swap:
        page.locator("input[name=q]").press_sequentially("kesehatan", delay=20)
    assert swap.value.status == 200
    results = page.locator("#results")
    expect(results.get_by_role("link", name=DINKES)).to_be_visible()
    expect(page).to_have_url(re.compile(r"/instansi/\?.*q=kesehatan"))  # hx-push-url
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    found = _count(page)
    assert 1 <= found < total
    assert results.locator("li.card").count() == found

    page.locator("select[name=kind]").select_option("opd")
    expect(page).to_have_url(re.compile(r"kind=opd"))  # pushed after the swap
    expect(results.get_by_role("link", name=DINKES)).to_be_visible()
    cards = results.locator("li.card")
    assert cards.count() == _count(page) >= 1
    assert cards.locator(".badge:not(.kind-opd)").count() == 0, "a non-OPD agency is listed"
    page.screenshot(path=str(shots / "02-directory-search.png"), full_page=True)

    page.locator("input[name=q]").fill("")
    expect(page).not_to_have_url(re.compile(r"q=kesehatan"))
    page.locator("select[name=kind]").select_option("hospital")
    expect(page).to_have_url(re.compile(r"kind=hospital"))
    expect(results.get_by_role("link", name="RSUD M. Th. Djaman Sanggau")).to_be_visible()
    expect(results.get_by_role("link", name=DINKES)).to_have_count(0)
    assert cards.count() == _count(page) >= 1
    assert cards.locator(".badge:not(.kind-hospital)").count() == 0, "a non-hospital is listed"
    assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
    assert problems.console_errors == []


def test_back_after_search_shows_the_whole_directory(page: Any, sign_in: Any, shots: Path) -> None:
    """Search, open an agency, press Back: the directory page comes back whole."""
    sign_in(page, "kadinkes")
    page.goto("/instansi/")
    with page.expect_response(lambda r: "q=kesehatan" in r.url):
        page.locator("input[name=q]").press_sequentially("kesehatan", delay=20)
    expect(page).to_have_url(re.compile(r"q=kesehatan"))
    page.locator("#results").get_by_role("link", name=DINKES).click()
    page.wait_for_url("**/instansi/dinkes-sanggau/")
    page.go_back()
    page.wait_for_load_state()
    expect(page).to_have_url(re.compile(r"/instansi/\?.*q=kesehatan"))
    page.screenshot(path=str(shots / "02-back-after-search.png"))
    assert page.locator("header.site-header").count() == 1, "Back shows a bare fragment"
    expect(page.locator("form.filters input[name=q]")).to_have_value("kesehatan")
    expect(page.locator("#results").get_by_role("link", name=DINKES)).to_be_visible()


def test_head_edits_phone_and_leader_sees_audit(page: Any, login: Any, shots: Path) -> None:
    """The head changes the agency's phone; the page shows it; the Bupati finds the audit entry."""
    phone = "(0564) 21 777"
    page.goto("/instansi/dinkes-sanggau/")  # a link from an email: log in, then land there
    assert urlsplit(page.url).path == "/masuk/"
    page.locator("input[name=username]").fill("kadinkes")
    page.locator("input[name=password]").fill(PASSWORD)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    assert urlsplit(page.url).path == "/instansi/dinkes-sanggau/"
    expect(page.locator("section[aria-labelledby=contact-h]")).not_to_contain_text(phone)
    page.locator("main a[href='/instansi/dinkes-sanggau/ubah/']").click()
    page.wait_for_url("**/instansi/dinkes-sanggau/ubah/")
    page.locator("input[name=phone]").fill(phone)
    with page.expect_navigation():
        page.locator("main form.wide-form button[type=submit]").click()
    assert urlsplit(page.url).path == "/instansi/dinkes-sanggau/"
    expect(page.locator("section[aria-labelledby=contact-h] dl.facts")).to_contain_text(phone)
    page.screenshot(path=str(shots / "03-agency-edited.png"), full_page=True)

    _logout(page)
    login(page, "bupati")
    page.goto("/audit/")
    page.locator("input[name=actor]").fill("kadinkes")
    with page.expect_navigation():
        page.locator("main form.filters button[type=submit]").click()
    row = page.locator("main tbody tr").filter(has=page.locator("code", has_text="agency.update"))
    expect(row).to_have_count(1)
    expect(row).to_contain_text("kadinkes")
    expect(row).to_contain_text("dinkes-sanggau")
    expect(row).to_contain_text(phone)
    page.screenshot(path=str(shots / "03-audit.png"), full_page=True)


def test_head_adds_member(page: Any, sign_in: Any, shots: Path) -> None:
    """The head adds pengamat as a viewer; the people table lists them with their position."""
    sign_in(page, "kadinkes")
    page.goto("/instansi/dinkes-sanggau/")
    people = page.locator("section[aria-labelledby=people-h] table tbody")
    expect(people).not_to_contain_text("@pengamat")
    form = page.locator("form[action='/instansi/dinkes-sanggau/anggota/']")
    form.locator("input[name=username]").fill("pengamat")
    form.locator("select[name=role]").select_option("viewer")
    form.locator("input[name=position_title]").fill("Analis Data Kesehatan")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert urlsplit(page.url).path == "/instansi/dinkes-sanggau/"
    row = people.locator("tr").filter(has_text="@pengamat")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Analis Data Kesehatan")
    page.screenshot(path=str(shots / "04-member-added.png"), full_page=True)


def test_api_token_works_with_the_api(
    page: Any, sign_in: Any, live_server: Any, shots: Path
) -> None:
    """A token created on the tokens page authenticates /api/v1/me as its owner."""
    sign_in(page, "kadinkes")
    page.goto("/akun/token/")
    page.locator("main form input[name=name]").fill("integrasi-simpus")
    with page.expect_navigation():
        page.locator("main form.token-form button[type=submit]").click()
    secret = page.locator("code#new-token").inner_text().strip()
    assert secret.startswith("sng_")
    expect(page.locator("main table tbody")).to_contain_text("integrasi-simpus")
    page.screenshot(path=str(shots / "05-token.png"), full_page=True)

    status, body = _get_json(f"{live_server.url}/api/v1/me", secret)
    assert status == 200, body
    assert body["username"] == "kadinkes"
    assert "dinkes-sanggau" in {m["agency"] for m in body["memberships"]}
    assert _get_json(f"{live_server.url}/api/v1/me", None)[0] == 401
    assert _get_json(f"{live_server.url}/api/v1/me", secret[:-2] + "xx")[0] == 401

    revoke = page.locator("main table tbody tr", has_text="integrasi-simpus").locator(
        "button.danger"
    )
    dialogs: list[str] = []

    def refuse(dialog: Any) -> None:  # "are you sure?" -> no
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", refuse)
    revoke.click()
    assert dialogs == ["confirm"]
    page.wait_for_timeout(200)
    expect(revoke).to_have_count(1)
    assert _get_json(f"{live_server.url}/api/v1/me", secret)[0] == 200, "revoked without consent"
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_navigation():
        revoke.click()
    expect(page.locator("main table tbody tr", has_text="integrasi-simpus")).to_have_count(1)
    expect(revoke).to_have_count(0)
    assert _get_json(f"{live_server.url}/api/v1/me", secret)[0] == 401


def test_language_switch(page: Any, sign_in: Any, shots: Path) -> None:
    """The footer switch turns the page English and back, staying on the same page."""
    sign_in(page, "kadinkes")
    page.goto("/instansi/dinkes-sanggau/")
    expect(page.locator("html")).to_have_attribute("lang", "id")

    def switch(code: str) -> None:
        form = page.locator("footer form.language-form")
        form.locator("select#language-select").select_option(code)
        with page.expect_navigation():
            form.locator("button[type=submit]").click()

    switch("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert urlsplit(page.url).path == "/instansi/dinkes-sanggau/"
    expect(page.locator("select#language-select")).to_have_value("en")
    page.goto("/")  # the choice sticks for the next page
    expect(page.locator("html")).to_have_attribute("lang", "en")
    page.screenshot(path=str(shots / "06-english.png"), full_page=True)

    switch("id")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    assert urlsplit(page.url).path == "/"
    page.goto("/instansi/")
    expect(page.locator("html")).to_have_attribute("lang", "id")


def test_phone_layout(phone_page: Any, sign_in: Any, shots: Path) -> None:
    """At 360 px the pages do not scroll sideways and every main menu item can be reached."""
    page = phone_page
    sign_in(page, "kadinkes")
    page.goto("/")
    assert page.evaluate("window.innerWidth") == 360
    assert page.evaluate(NO_PAGE_SCROLL), "the home page scrolls sideways at 360 px"
    expect(page.locator("main")).to_contain_text(DINKES)
    page.screenshot(path=str(shots / "07-home-360.png"))

    nav = page.locator("nav.main-nav")
    links = nav.locator("a")
    assert links.count() >= 5
    for i in range(links.count()):
        link = links.nth(i)
        link.scroll_into_view_if_needed()
        box = link.bounding_box()
        assert box is not None and box["width"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360 + 1, link.get_attribute("href")
    assert page.evaluate(NO_PAGE_SCROLL), "scrolling the menu made the page scroll sideways"
    with page.expect_navigation():
        nav.locator("a[href='/instansi/']").tap()
    assert urlsplit(page.url).path == "/instansi/"
    expect(nav.locator("a[href='/instansi/']")).to_have_attribute("aria-current", "page")
    assert page.evaluate(NO_PAGE_SCROLL), "the directory scrolls sideways at 360 px"
    page.screenshot(path=str(shots / "07-directory-360.png"))

    page.goto("/instansi/dinkes-sanggau/")
    assert page.evaluate(NO_PAGE_SCROLL), "the agency page scrolls sideways at 360 px"
    page.screenshot(path=str(shots / "07-agency-360.png"))


def test_first_tab_focuses_skip_link(page: Any, sign_in: Any, shots: Path) -> None:
    """The first Tab lands on a visible skip link that moves focus to the main content."""
    sign_in(page, "kadinkes")
    for path in ("/", "/instansi/"):
        page.goto(path)
        page.keyboard.press("Tab")
        focused = page.locator(":focus")
        expect(focused).to_have_attribute("href", "#main")
        expect(focused).to_have_class(re.compile(r"\bskip-link\b"))
        box = focused.bounding_box()
        assert box is not None and box["x"] >= 0 and box["y"] >= 0, "skip link is off screen"
    page.screenshot(path=str(shots / "08-skip-link.png"))
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"


def test_api_docs_are_served_locally(page: Any, live_server: Any, problems: Any, shots: Path):
    """The API documentation (Redoc) loads from the app itself, with no request to another
    host, in Indonesian; the test waits for Redoc to say it has drawn, not for a time."""
    page.goto("/api/v1/docs")
    expect(page.locator("html[data-docs-ready]")).to_have_attribute(
        "data-docs-ready", "true", timeout=60_000
    )
    expect(page.locator("#api-docs h1").first).to_contain_text("API Sinergi")
    expect(page.locator("#api-docs").get_by_text("Darah", exact=True).first).to_be_attached()
    expect(page.locator("#api-docs").get_by_text("/api/v1/me").first).to_be_attached()
    page.wait_for_load_state("networkidle")
    origins = {
        f"{u.scheme}://{u.netloc}"
        for u in map(urlsplit, problems.requests)
        if u.scheme not in {"data", "blob"}
    }
    assert origins == {live_server.url}, problems.requests
    assert any(r.endswith("/api/v1/openapi.json") for r in problems.requests)
    assert problems.console_errors == []
    page.screenshot(path=str(shots / "09-api-docs.png"))


MAIN_PAGES = [
    "/",
    "/instansi/dinkes-sanggau/",
    "/instansi/dinkes-sanggau/ubah/",
    "/akun/",
    "/akun/sandi/",
    "/akun/token/",
    "/audit/",
    "/program/",
    "/instansi/",  # keep last: the test then searches here (the docs page has its own test)
]


def test_no_console_errors_or_csp_violations(page: Any, sign_in: Any, problems: Any, shots: Path):
    """The main pages load without console errors or Content-Security-Policy refusals."""
    for path in ("/masuk/", "/publik/"):  # before signing in
        page.goto(path)
    sign_in(page, "bupati")
    for path in MAIN_PAGES:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
    with page.expect_response(lambda r: "q=rumah" in r.url):
        page.locator("input[name=q]").fill("rumah")
    expect(page).to_have_url(re.compile(r"q=rumah"))  # pushed once htmx has swapped
    page.screenshot(path=str(shots / "10-last-page.png"), full_page=True)
    assert problems.failed == []
    assert problems.console_errors == []
