"""A citizen at 360 px: file a building approval, track it, send the document a step asks
for, and rate the service when it is finished."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

NO_PAGE_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"
PDF = {"name": "dokumen.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}


def _advance(code: str, action: str) -> None:
    """What the officers do meanwhile, through the services."""
    from sinergi.cases import services
    from sinergi.cases.models import Case
    from sinergi.core.permissions import SYSTEM

    moment = dt.datetime.now(dt.UTC)
    case = Case.objects.get(code=code)
    if action == "ask":
        services.case_verify(actor=SYSTEM, case=case, now=moment)
        step = case.steps.get(agency__slug="dlh-sanggau")
        services.step_act(
            actor=SYSTEM,
            step=step,
            action="clarify",
            body="Unggah SPPL yang ditandatangani.",
            now=moment,
        )
    else:
        for step in case.steps.all():
            services.step_act(actor=SYSTEM, step=step, action="answer", body="Ok", now=moment)
        services.case_issue(
            actor=SYSTEM,
            case=case,
            now=moment,
            upload=services.Upload("produk", "pbg.pdf", PDF["buffer"]),
        )


def test_citizen_files_tracks_answers_and_rates(
    phone_page: Any, shots: Path, problems: Any
) -> None:
    page = phone_page
    page.goto("/layanan/")
    expect(page.locator("h1")).to_have_text("Layanan")
    page.locator("a[href='/layanan/pbg/ajukan/']").click()
    page.wait_for_load_state()
    page.locator("input[name=applicant_name]").fill("Maria Lestari")
    page.locator("input[name=nik]").fill("6103014509900012")
    page.locator("input[name=phone]").fill("0812 3456 7890")
    page.locator("input[name=field_lokasi]").fill("Jl. Sudirman 10, Sanggau")
    page.locator("input[name=field_fungsi]").fill("Hunian")
    for code in ("bukti_tanah", "gambar", "sppl"):
        page.locator(f"input[name=doc_{code}]").set_input_files(PDF)
    assert page.evaluate(NO_PAGE_SCROLL)
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Permohonan Anda sudah diterima")
    code = page.locator("#tracking-code").inner_text()
    page.screenshot(path=str(shots / "60-case-receipt.png"), full_page=True)

    _advance(code, "ask")
    page.context.clear_cookies()
    page.goto("/layanan/lacak/")
    page.locator("input[name=code]").fill(code.lower())
    page.locator("input[name=factor]").fill("7890")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").click()
    expect(page.locator("#case-status")).to_have_text("Menunggu dokumen dari pemohon")
    expect(page.locator("#steps")).to_contain_text("Unggah SPPL yang ditandatangani.")
    assert page.evaluate(NO_PAGE_SCROLL)
    page.screenshot(path=str(shots / "61-case-asked.png"), full_page=True)
    page.locator("input[name=file]").set_input_files(PDF)
    with page.expect_navigation():
        page.locator("form[action='/layanan/lacak/dokumen/'] button").click()
    expect(page.locator("#case-status")).to_have_text("Diproses oleh instansi")

    _advance(code, "finish")
    page.reload()
    expect(page.locator("#case-status")).to_have_text("Selesai: produk sudah terbit")
    expect(page.locator("a[href='/layanan/lacak/produk/']")).to_be_visible()
    form = page.locator("#rating-form")
    for element in range(1, 10):
        form.locator(f"input[name=u{element}][value='4']").check()
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    expect(page.locator("#rated")).to_be_visible()
    assert page.evaluate(NO_PAGE_SCROLL)
    page.screenshot(path=str(shots / "62-case-rated.png"), full_page=True)
    assert not problems.console_errors, problems.console_errors
