"""The public front page in the browser, as a visitor on a phone and on a desktop sees it:
no sign-in, nothing wider than the screen, the blood ticker and the links in place."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def test_front_page_fits_phone_and_desktop(
    page: Any, phone_page: Any, problems: Any, shots: Path
) -> None:
    for name, tab in (("desktop", page), ("phone", phone_page)):
        for url in ("/publik/", "/publik/instansi/", "/publik/darah/"):
            tab.goto(url)
            expect(tab.locator("main h1")).to_be_visible()
            assert "/masuk/" not in tab.url
            assert tab.evaluate(OVERFLOW) <= 0, f"{name} {url} scrolls sideways"
        tab.goto("/publik/")
        expect(tab.locator(".portal-ticker").first).to_contain_text(
            "JUMLAH KETERSEDIAAN DARAH PMI SANGGAU >>> GOLONGAN DARAH"
        )
        expect(tab.locator(".portal-figures a")).to_have_count(3)
        tab.screenshot(path=str(shots / f"portal-{name}.png"), full_page=True)
        tab.get_by_role("link", name="Direktori instansi").click()
        expect(tab.locator("main h1")).to_have_text("Direktori instansi")
        tab.locator("main input[name=q]").fill("pertanahan")
        with tab.expect_navigation():
            tab.locator("main form button[type=submit]").click()
        expect(tab.locator("main")).to_contain_text("Kantor Pertanahan")
    assert not problems.console_errors, problems.console_errors
    assert not problems.failed, problems.failed
