"""Blood flows in the browser: a news site embeds the ticker with one line; the UDD
officer records a collection; the ticker shows it on reload."""

from __future__ import annotations

import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


@pytest.fixture
def news_site(live_server: Any) -> Iterator[str]:
    """A plain HTML page on another origin (127.0.0.1, the live server is localhost) that
    embeds the ticker with one line. Served for real: chromium refuses requests from a page
    of unknown address into the loopback network."""
    html = (
        "<!DOCTYPE html><html><head><title>Berita</title></head><body><h1>Berita Sanggau</h1>"
        f'<script src="{live_server.url}/darah/embed.js" data-unit="udd-pmi-sanggau" async>'
        "</script></body></html>"
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/berita/"
    server.shutdown()
    server.server_close()


def test_news_site_ticker_changes_after_a_collection(
    browser: Any,
    page: Any,
    live_server: Any,
    news_site: str,
    sign_in: Any,
    problems: Any,
    shots: Path,
) -> None:
    page.goto(news_site)
    ticker = page.frame_locator("iframe").locator("body")
    expect(ticker).to_contain_text("JUMLAH KETERSEDIAAN DARAH PMI SANGGAU >>> GOLONGAN DARAH")
    before = int(re.search(r"O: (\d+)", ticker.inner_text()).group(1))  # type: ignore[union-attr]

    officer = browser.new_context(base_url=live_server.url, viewport={"width": 360, "height": 740})
    desk = officer.new_page()
    sign_in(desk, "pmi")
    desk.goto("/darah/udd/udd-pmi-sanggau/mutasi/?kind=collected")
    desk.select_option("#id_product", "PRC")
    desk.select_option("#id_abo", "O")
    desk.select_option("#id_rh", "pos")
    desk.fill("#id_quantity", "10")
    with desk.expect_navigation():
        desk.locator("main form button[type=submit]").click()
    assert desk.url.endswith("/darah/udd/udd-pmi-sanggau/")
    desk.screenshot(path=str(shots / "blood-officer.png"), full_page=True)
    officer.close()

    # Browsers may keep the framed ticker for its max-age (5 s): reload until it changes.
    wanted = f"O: {before + 10}"
    for _ in range(16):
        page.reload()
        ticker = page.frame_locator("iframe").locator("body")
        expect(ticker).to_contain_text("GOLONGAN DARAH")
        if wanted in ticker.inner_text():
            break
        page.wait_for_timeout(500)
    expect(ticker).to_contain_text(wanted)
    page.screenshot(path=str(shots / "blood-news-ticker.png"))
    assert not problems.console_errors, problems.console_errors
