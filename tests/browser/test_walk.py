"""A walk over the main pages of every module as each kind of user sees them, on a 360 px
phone and a 1280 px desktop: nothing wider than the screen, no serious or critical
accessibility violation (axe-core), the account menu's name readable, no console error and
no missing asset.

One test per kind of user, one browser context per viewport, one live server and one demo
load for the whole module (the ``walk_site`` fixture), so the walk stays cheap.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.a11y import axe_violations, focus_is_visible
from tests.browser.conftest import DESKTOP, PHONE, TIMEOUT_MS, PageProblems

pytestmark = [pytest.mark.browser, pytest.mark.django_db]

# (path, link to follow from that page for a detail page, or None)
LEADER_PAGES = [
    ("/", None),
    ("/program/", r"^/program/[A-Z0-9][^/]*/$"),
    ("/permintaan/daftar/", r"^/permintaan/\d+/$"),
    ("/rapat/", r"^/rapat/\d+/$"),
    ("/data/", r"^/data/(?!baru/|permintaan/|kesehatan-data/)[\w-]+/$"),
    ("/darah/", None),
    ("/dasbor/", r"^/dasbor/instansi/[\w-]+/"),
    ("/instansi/", r"^/instansi/[\w-]+/$"),
    ("/layanan/kasus/", None),
    ("/notifikasi/", None),
    ("/akun/", None),
]
STAFF_PAGES = [
    ("/", None),
    ("/program/", r"^/program/[A-Z0-9][^/]*/$"),
    ("/program/kerja-saya/", None),
    ("/permintaan/", r"^/permintaan/\d+/$"),
    ("/rapat/", None),
    ("/data/", None),
    ("/instansi/dpupr-sanggau/", None),
]
PMI_PAGES = [
    ("/", None),
    ("/darah/", r"^/darah/udd/[\w-]+/$"),
    ("/darah/permintaan/", r"^/darah/permintaan/\d+/$"),
    ("/permintaan/", None),
]
MPP_PAGES = [
    ("/", None),
    ("/layanan/kasus/", r"^/layanan/kasus/\d+/$"),
    ("/layanan/", r"^/layanan/(?!kasus/|lacak/|tanda-terima/|standar/)[\w-]+/$"),
]
PUBLIC_PAGES = [
    ("/publik/", None),
    ("/publik/instansi/", r"^/publik/instansi/[\w-]+/$"),
    ("/publik/darah/", r"^/darah/stok/[\w-]+/$"),
    ("/publik/data/", r"^/publik/data/[\w-]+/$"),
    ("/publik/program/", None),
    ("/publik/skor/", None),
    ("/publik/layanan/", None),
    ("/layanan/lacak/", None),
    ("/masuk/", None),
]

# A phone context widens its layout viewport to the content (innerWidth follows), so the
# page is measured against the width the test asked for.
OVERFLOW = """(width) => {
  if (document.documentElement.scrollWidth <= width && window.innerWidth <= width) return [];
  const clipped = (el) => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== "visible") return true;
    }
    return false;
  };
  const wide = [];
  for (const el of document.querySelectorAll("body *")) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0 && !clipped(el)) {
      const cls = typeof el.className === "string" ? el.className.trim() : "";
      const name = el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") +
        (cls ? "." + cls.split(/\\s+/).join(".") : "");
      wide.push(name + " " + Math.round(box.right));
    }
    if (wide.length > 8) break;
  }
  return [Math.max(document.documentElement.scrollWidth, window.innerWidth)].concat(wide);
}"""

NAME_VISIBLE = """(width) => {
  const summary = document.querySelector("details.account-menu > summary");
  if (!summary) return "no account menu";
  const box = summary.getBoundingClientRect();
  if (box.width < 24 || box.right > width || box.left < 0) return "menu off screen";
  const style = getComputedStyle(summary);
  const header = getComputedStyle(document.querySelector(".site-header"));
  if (style.color === header.backgroundColor) return "name drawn in the header's colour";
  return "";
}"""


USERS = ("bupati", "pupr", "pmi", "mpp")


@pytest.fixture(scope="module")
def walk_site(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[str, dict]]:
    """A live server of this module over the session's demo, and a session cookie per user.

    The tests are marked ``django_db`` (not transactional), so pytest-django runs them with
    the other database tests, before any browser test empties the database: the demo that
    the session loaded is still there and is not loaded again. The server is started here
    rather than through the ``live_server`` fixture, which turns every test naming it into a
    transactional one (the database emptied after each). The sessions are stored here,
    outside the tests' transactions, so a server thread with its own connection (PostgreSQL)
    sees them too."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from pytest_django.live_server_helper import LiveServer

    from sinergi.accounts.models import User

    with django_db_blocker.unblock():
        server = LiveServer("localhost")
        server._live_server_modified_settings.enable()
        stores = {}
        for user in User.objects.filter(username__in=USERS):
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            stores[user.username] = store
        try:
            yield server.url, {name: store.session_key for name, store in stores.items()}
        finally:
            server._live_server_modified_settings.disable()
            server.stop()
            for store in stores.values():
                store.delete()


def _walk(
    browser: Any, site: tuple[str, dict], shots: Path, who: str, username: str | None, pages: list
) -> None:
    """Visit ``pages`` at both widths and fail with every problem found, page by page."""
    from django.conf import settings

    base, cookies = site
    found: list[str] = []
    for label, viewport in (("360", PHONE), ("1280", DESKTOP)):
        phone = viewport is PHONE
        context = browser.new_context(
            viewport=viewport,
            locale="id-ID",
            base_url=base,
            is_mobile=phone,
            has_touch=phone,
        )
        # A first page on a cold server on a busy 2-core machine may take more than 10 s.
        context.set_default_timeout(3 * TIMEOUT_MS)
        if username:
            cookie = {"name": settings.SESSION_COOKIE_NAME, "value": cookies[username]}
            context.add_cookies([{**cookie, "url": base}])
        page = context.new_page()
        problems = PageProblems()
        problems.attach(page)
        missing: list[str] = []
        page.on(
            "response",
            lambda r, missing=missing: (
                missing.append(f"{r.status} {r.url}") if r.status >= 400 else None
            ),
        )
        todo = list(pages)
        seen: set[str] = set()
        while todo:
            path, follow = todo.pop(0)
            if path in seen:
                continue
            seen.add(path)
            response = page.goto(path)
            where = f"{who} {label}px {path}"
            if response is None or response.status != 200:
                found.append(f"{where}: status {response.status if response else None}")
                continue
            page.wait_for_load_state("load")
            wide = page.evaluate(OVERFLOW, viewport["width"])
            if wide:
                found.append(f"{where}: {wide[0]} px wide: {wide[1:]}")
            # axe on every page on the phone (where boxes scroll); on the desktop on the
            # first page only (the shell's colours): axe is most of the walk's time.
            if phone or len(seen) == 1:
                found.extend(f"{where}: axe {v}" for v in axe_violations(page))
            if username:
                name = page.evaluate(NAME_VISIBLE, viewport["width"])
                if name:
                    found.append(f"{where}: {name}")
            if follow:
                hrefs = page.eval_on_selector_all(
                    "main a[href]", "els => els.map(a => a.getAttribute('href'))"
                )
                detail = next((h for h in hrefs if re.match(follow, h.split("?")[0])), None)
                if detail is None:
                    found.append(f"{where}: no link matching {follow}")
                else:
                    todo.insert(0, (detail, None))
            if phone or len(seen) == 1:
                slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
                shot = shots / f"walk-{who}-{label}-{slug}.png"
                page.screenshot(path=str(shot), full_page=phone)
        if not focus_is_visible(page):
            found.append(f"{who} {label}px: the first Tab stop has no visible focus")
        found.extend(f"{who} {label}px: {e}" for e in problems.console_errors)
        found.extend(f"{who} {label}px: failed {e}" for e in problems.failed)
        found.extend(f"{who} {label}px: {m}" for m in missing)
        context.close()
    assert not found, "\n".join(found)


def test_walk_leader(browser: Any, walk_site: tuple[str, dict], shots: Path) -> None:
    _walk(browser, walk_site, shots, "bupati", "bupati", LEADER_PAGES)


def test_walk_agency_staff(browser: Any, walk_site: tuple[str, dict], shots: Path) -> None:
    _walk(browser, walk_site, shots, "pupr", "pupr", STAFF_PAGES)


def test_walk_blood_bank(browser: Any, walk_site: tuple[str, dict], shots: Path) -> None:
    _walk(browser, walk_site, shots, "pmi", "pmi", PMI_PAGES)


def test_walk_front_desk(browser: Any, walk_site: tuple[str, dict], shots: Path) -> None:
    _walk(browser, walk_site, shots, "mpp", "mpp", MPP_PAGES)


def test_walk_public(browser: Any, walk_site: tuple[str, dict], shots: Path) -> None:
    _walk(browser, walk_site, shots, "public", None, PUBLIC_PAGES)


# Words that give away the other language in the UI's own text (menus, headings, labels,
# column heads, buttons), never in data such as agency or programme names.
ENGLISH_WORDS = re.compile(
    r"\b(Home|Programs|Requests|Agencies|Meetings|Blood|Dashboard|Notifications|Save|Search|"
    r"Submit|Add|New|Change|Language|Log out|Overdue|Due|Open|Agency|Title|Date|Actions|"
    r"the|and|of|with|for)\b"
)
INDONESIAN_WORDS = re.compile(
    r"\b(Beranda|Permintaan|Instansi|Rapat|Darah|Dasbor|Layanan|Simpan|Cari|Tambah|Ubah|"
    r"Ganti|Bahasa|Keluar|Judul|Tanggal|Tenggat|Terlambat|Semua|dan|yang|untuk|dengan|dari)\b"
)
# Page titles, not section headings: those name units and programmes (data).
UI_TEXT = """() => Array.from(document.querySelectorAll(
  "nav.main-nav a, main h1, main label, main caption, thead th, main button, " +
  ".site-footer label, .site-footer button, .account-menu summary .visually-hidden"
)).map(el => el.innerText.trim()).filter(Boolean)"""
LANGUAGE_PAGES = [
    "/",
    "/program/",
    "/permintaan/",
    "/rapat/",
    "/data/",
    "/darah/",
    "/dasbor/",
    "/instansi/",
    "/layanan/kasus/",
    "/notifikasi/",
    "/akun/",
]


def _switch_language(page: Any, code: str) -> None:
    """Choose a language in the footer's form, as a person would."""
    page.locator("#language-select").select_option(code)
    with page.expect_navigation():
        page.locator("form.language-form button[type=submit]").click()
    assert page.evaluate("document.documentElement.lang") == code


def test_both_languages_complete(browser: Any, walk_site: tuple[str, dict], shots: Path) -> None:
    """The leader switches to English: no Indonesian word in the UI's text of the main pages;
    back in Indonesian, no English word. The public front page likewise for a visitor."""
    from django.conf import settings

    base, cookies = walk_site
    found: list[str] = []
    context = browser.new_context(viewport=DESKTOP, locale="id-ID", base_url=base)
    context.set_default_timeout(3 * TIMEOUT_MS)
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookies["bupati"], "url": base}]
    )
    page = context.new_page()
    page.goto("/")
    try:
        for code, words in (("en", INDONESIAN_WORDS), ("id", ENGLISH_WORDS)):
            _switch_language(page, code)
            for path in LANGUAGE_PAGES:
                page.goto(path)
                for text in page.evaluate(UI_TEXT):
                    if hit := words.search(text):
                        found.append(f"{code} {path}: {hit.group()!r} in {text[:80]!r}")
            page.screenshot(path=str(shots / f"language-{code}.png"))
    finally:
        _switch_language(page, "id")  # the profile is saved: leave it as the demo had it
    context.close()
    context = browser.new_context(viewport=DESKTOP, locale="id-ID", base_url=base)
    page = context.new_page()
    for code, words in (("en", INDONESIAN_WORDS), ("id", ENGLISH_WORDS)):
        page.goto("/publik/")
        _switch_language(page, code)
        for path in ("/publik/", "/publik/instansi/", "/publik/darah/", "/masuk/"):
            page.goto(path)
            for text in page.evaluate(UI_TEXT):
                if hit := words.search(text):
                    found.append(f"visitor {code} {path}: {hit.group()!r} in {text[:80]!r}")
    context.close()
    assert not found, "\n".join(found)


def test_embedded_ticker_shows_every_unit(
    browser: Any, walk_site: tuple[str, dict], shots: Path
) -> None:
    """A news site embeds the ticker of every unit with one line: the frame grows to show
    one line per unit (the ticker posts its height), and nothing is cut off."""
    import http.server
    import threading

    base, _cookies = walk_site
    html = (
        "<!DOCTYPE html><html lang='id'><head><title>Berita</title></head><body>"
        f'<h1>Berita</h1><script src="{base}/darah/embed.js" async></script></body></html>'
    ).encode()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(html)))
            self.end_headers()
            self.wfile.write(html)

        def log_message(self, *args: Any) -> None:
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    context = browser.new_context(viewport=PHONE, locale="id-ID")
    context.set_default_timeout(3 * TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/berita/")
        rows = page.frame_locator("iframe").locator("a.ticker-row")
        rows.first.wait_for()
        count = rows.count()
        assert count >= 2, "the demo has several units"
        ticker = next(f for f in page.frames if "/darah/ticker" in f.url)
        needed = ticker.evaluate("document.documentElement.scrollHeight")
        assert needed >= 30 * count, "one line per unit"
        # The frame's height follows the ticker's message: wait until every line is inside.
        page.wait_for_function(
            "(h) => document.querySelector('iframe').getBoundingClientRect().height >= h",
            arg=needed,
        )
        page.screenshot(path=str(shots / "ticker-embed-every-unit.png"))
    finally:
        context.close()
        server.shutdown()
        server.server_close()
