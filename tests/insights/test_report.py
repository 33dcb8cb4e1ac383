"""The rakor report: the week's pack as a page, as a workbook (opened with openpyxl) and as
a PDF (text extracted with pypdf), with the same agencies and numbers as the selectors."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from sinergi.accounts.models import User
from sinergi.insights import selectors
from sinergi.insights.report import Pack, Section, cell_text, latin1, pack_pdf, pack_xlsx

pytestmark = pytest.mark.django_db

WEEK = "2026-W45"  # 2–8 November 2026, the demo's week
SUNDAY = dt.date(2026, 11, 8)


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch: Any, now: Any) -> None:
    monkeypatch.setattr("sinergi.insights.views.now", lambda: now)


@pytest.fixture(autouse=True)
def _fresh_metrics(db: Any, now: Any) -> None:
    from sinergi.insights.metrics import refresh_facts

    refresh_facts(now=now)


def _league(now: Any) -> list[selectors.AgencyMetrics]:
    window = selectors.Window(date_from=SUNDAY - dt.timedelta(days=89), date_to=SUNDAY)
    bupati = User.objects.get(username="bupati")
    rows = selectors.agency_metrics(user=bupati, window=window, now=now)
    # Agencies with nothing in the period are left out of the meeting's pack.
    rows = [
        m
        for m in rows
        if m.received or m.open_overdue or m.handoffs_due or m.handoffs_late or m.escalations
    ]
    assert len(rows) >= 5, "the demo gives the Bupati's rakor a league table"
    return rows


def test_preview_page_has_every_section_and_download_links(client_as: Any) -> None:
    response = client_as("leader").get("/dasbor/laporan/")  # the current week by default
    assert response.status_code == 200
    page = response.content.decode()
    for title in (
        "Papan peringkat instansi",
        "Siapa menunggu siapa",
        "10 hambatan teratas",
        "Program berisiko",
        "Keputusan minggu ini",
        "Tindak lanjut jatuh tempo",
    ):
        assert title in page, title
    assert f"?week={WEEK}&amp;format=pdf" in page
    assert f"?week={WEEK}&amp;format=xlsx" in page


def test_xlsx_holds_the_league_table(client_as: Any, now: Any) -> None:
    response = client_as("leader").get(f"/dasbor/laporan/?week={WEEK}&format=xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f'filename="rakor-{WEEK}.xlsx"' in response["Content-Disposition"]
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames[0] == "Rakor"
    league = wb["Papan peringkat instansi"]
    header = [c.value for c in league[1]]
    assert header[:3] == ["Instansi", "Diterima", "Dijawab"]
    rows = {r[0]: r for r in league.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == len(_league(now))
    for m in _league(now):
        assert m.name in rows, m.name
        assert rows[m.name][1] == m.received
        assert rows[m.name][5] == m.open_overdue
    assert "Siapa menunggu siapa (pasangan instansi)"[:28] in "".join(wb.sheetnames)


def test_pdf_text_has_agencies_and_numbers(client_as: Any, now: Any) -> None:
    response = client_as("leader").get(f"/dasbor/laporan/?week={WEEK}&format=pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert f"Laporan rapat koordinasi, minggu {WEEK}" in text
    # A long name wraps inside its cell; the first figure after the whole name is the
    # number of requests received, whatever the line breaks.
    flat = " ".join(text.split())
    for m in sorted(_league(now), key=lambda m: -m.received)[:5]:
        name = " ".join(latin1(m.name).split())
        assert name in flat, m.name
        after = flat.split(name, 1)[1].split()
        assert after and after[0] == str(m.received), (m.name, m.received, after[:5])


def test_kepala_dinas_gets_his_own_pack(client_as: Any) -> None:
    response = client_as("head").get(f"/dasbor/laporan/?week={WEEK}&format=xlsx")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.content))
    names = [r[0] for r in wb["Papan peringkat instansi"].iter_rows(min_row=2, values_only=True)]
    assert names in ([], ["Dinas Kesehatan Kabupaten Sanggau"])


@pytest.mark.parametrize("query", ["week=2026-45", "week=2026-W54", "week=minggu", "format=doc"])
def test_bad_week_or_format_gets_an_indonesian_error(client_as: Any, query: str) -> None:
    response = client_as("leader").get(f"/dasbor/laporan/?{query}")
    assert response.status_code == 400
    page = response.content.decode()
    assert 'role="alert"' in page
    assert any(word in page for word in ("Tulis minggu", "Minggu ini tidak ada", "Pilih format")), (
        page[-2000:]
    )


def test_others_may_not_download_it(client_as: Any) -> None:
    assert client_as("staff").get(f"/dasbor/laporan/?week={WEEK}&format=pdf").status_code == 403
    assert client_as(None).get(f"/dasbor/laporan/?week={WEEK}&format=pdf").status_code == 302


# --- the renderers on plain data -------------------------------------------------------------


def _pack() -> Pack:
    return Pack(
        title="Laporan — minggu 2026-W45",
        subtitle="Kabupaten Sanggau",
        generated="Dibuat 2 Nov 2026",
        updated="Metrik diperbarui 2 Nov 2026",
        filename="rakor-2026-W45",
        sections=[
            Section(
                "league",
                "Papan peringkat instansi",
                ["Instansi", "Diterima", "Median hari"],
                [['=HYPERLINK("x")', 12, 3.5], ["Dinas → Bidang Ṡ", 1_234, None]],
            ),
            Section("empty", "Kosong", ["A"], [], "Tidak ada."),
        ],
    )


def test_xlsx_neutralises_formulas_and_keeps_numbers() -> None:
    wb = load_workbook(io.BytesIO(pack_xlsx(_pack())))
    rows = list(wb["Papan peringkat instansi"].iter_rows(values_only=True))
    assert rows[1][0] == '\'=HYPERLINK("x")'
    assert rows[1][1] == 12 and rows[1][2] == 3.5
    assert rows[2][2] is None
    cover = [c.value for c in wb["Rakor"]["A"]]
    assert cover[:2] == ["Laporan — minggu 2026-W45", "Kabupaten Sanggau"]


def test_pdf_folds_text_the_builtin_font_cannot_draw() -> None:
    text = PdfReader(io.BytesIO(pack_pdf(_pack()))).pages[0].extract_text()
    assert "Laporan - minggu 2026-W45" in text
    assert "Dinas -> Bidang S" in text
    assert "1.234" in text and "3,5" in text
    assert "Tidak ada." in text


def test_cell_text_is_indonesian() -> None:
    assert cell_text(3.5) == "3,5"
    assert cell_text(4.0) == "4"
    assert cell_text(12345) == "12.345"
    assert cell_text(None) == "–"
    assert cell_text(dt.date(2026, 11, 2)) == "2026-11-02"
