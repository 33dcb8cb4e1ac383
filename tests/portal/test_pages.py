"""The public portal as a visitor sees it: anonymous, in Indonesian, with the live numbers,
nothing internal, and light enough for a slow rural connection."""

from __future__ import annotations

import html as htmllib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

PAGES = ["/publik/", "/publik/instansi/", "/publik/instansi/dinkes-sanggau/", "/publik/darah/"]
BUDGET_BYTES = 100 * 1024


@pytest.fixture(autouse=True)
def _demo_clock(monkeypatch: Any, now: Any) -> None:
    """Views read the clock at the edge; pin it to the demo's moment."""
    monkeypatch.setattr("sinergi.portal.views.now", lambda: now)


def _text(response: Any) -> str:
    html = response.content.decode()
    return htmllib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


@pytest.mark.parametrize("url", PAGES)
def test_pages_answer_anonymous_visitors_in_indonesian(db: Any, url: str) -> None:
    response = Client().get(url)
    assert response.status_code == 200
    assert '<html lang="id">' in response.content.decode()
    assert "Masuk" in _text(response)  # the header offers to sign in, nothing more


def test_front_page_numbers_are_the_public_ones(db: Any) -> None:
    from sinergi.agencies.models import Agency
    from sinergi.catalog.choices import AccessLevel, DatasetStatus
    from sinergi.catalog.models import Dataset
    from sinergi.programs.models import Program

    programs = Program.objects.filter(visibility="public").count()
    datasets = Dataset.objects.filter(
        status=DatasetStatus.PUBLISHED, access_level=AccessLevel.PUBLIC
    ).count()
    agencies = Agency.objects.filter(is_active=True).count()
    assert Program.objects.exclude(visibility="public").exists()  # something to hide
    text = _text(Client().get("/publik/"))
    assert f"{programs} program lintas sektor publik" in text
    assert f"{datasets} dataset terbuka" in text
    assert f"{agencies} instansi terlibat" in text


def test_front_page_carries_the_blood_ticker_in_its_public_form(db: Any, now: Any) -> None:
    from sinergi.blood.selectors import blood_units, unit_summary

    sanggau = blood_units().get(slug="udd-pmi-sanggau")
    groups = {g.abo: g.red_cells for g in unit_summary(sanggau, now=now)}
    text = _text(Client().get("/publik/"))
    line = (
        "JUMLAH KETERSEDIAAN DARAH PMI SANGGAU >>> GOLONGAN DARAH "
        f"A: {groups['A']} B: {groups['B']} O: {groups['O']} AB: {groups['AB']}"
    )
    assert line in text
    assert "Diperbarui" in text


def test_front_page_links_everything_public(db: Any) -> None:
    html = Client().get("/publik/").content.decode()
    for href in ("/publik/program/", "/publik/data/", "/publik/darah/", "/publik/instansi/"):
        assert f'href="{href}"' in html


def test_front_page_links_the_scoreboard_only_when_it_is_served(db: Any) -> None:
    from django.urls import Resolver404, resolve

    html = Client().get("/publik/").content.decode()
    try:
        resolve("/publik/skor/")
    except Resolver404:
        assert 'href="/publik/skor/"' not in html
    else:
        assert 'href="/publik/skor/"' in html


def test_nothing_internal_on_the_public_pages(db: Any) -> None:
    from sinergi.coordination.models import Request
    from sinergi.programs.models import Program

    internal = [p.title for p in Program.objects.exclude(visibility="public")]
    subjects = list(Request.objects.values_list("subject", flat=True))
    assert internal and subjects
    for url in PAGES + ["/publik/instansi/bappeda-sanggau/"]:
        html = Client().get(url).content.decode()
        for title in internal:
            assert title not in html, (url, title)
        for subject in subjects:
            assert subject not in html, (url, subject)
        assert "@demo.sinergi.invalid" not in html  # no person's address


def test_directory_groups_by_kind_and_searches(db: Any) -> None:
    text = _text(Client().get("/publik/instansi/"))
    assert "Perangkat daerah (OPD)" in text or "OPD" in text
    assert "Dinas Kesehatan" in text
    found = _text(Client().get("/publik/instansi/?q=pertanahan"))
    assert "Kantor Pertanahan" in found
    assert "Dinas Kesehatan Kabupaten Sanggau" not in found
    only = _text(Client().get("/publik/instansi/?kind=hospital"))
    assert "RSUD" in only and "Bappeda" not in only


def test_directory_shows_mandates(db: Any) -> None:
    from sinergi.agencies.models import Agency

    kantah = Agency.objects.get(slug="kantah-sanggau")
    text = _text(Client().get("/publik/instansi/?q=pertanahan"))
    assert " ".join(kantah.mandate.split()[:10]) in text


def test_bad_filter_input_gets_a_page_not_an_error(db: Any) -> None:
    response = Client().get("/publik/instansi/?kind=nonsense&page=zzz&q=" + "x" * 500)
    assert response.status_code == 200


def test_agency_page_lists_its_public_programmes_and_datasets(db: Any) -> None:
    from sinergi.catalog.models import Dataset
    from sinergi.programs.models import Program

    text = _text(Client().get("/publik/instansi/dpupr-sanggau/"))
    spam = Program.objects.get(code="SPAM-SANGGAU-2026")
    assert spam.title in text
    roads = Dataset.objects.get(slug="kondisi-jalan-kabupaten")
    assert roads.title in text
    assert "Tugas dan fungsi" in text or "tugas dan fungsi" in text


def test_inactive_or_unknown_agency_is_not_found(db: Any, now: Any) -> None:
    from sinergi.agencies.models import Agency
    from sinergi.agencies.services import agency_set_active
    from sinergi.core.permissions import SYSTEM

    assert Client().get("/publik/instansi/tidak-ada/").status_code == 404
    agency_set_active(
        actor=SYSTEM, agency=Agency.objects.get(slug="pkm-entikong"), active=False, now=now
    )
    assert Client().get("/publik/instansi/pkm-entikong/").status_code == 404


def test_blood_page_shows_each_unit_by_group_and_product(db: Any, now: Any) -> None:
    from sinergi.blood.selectors import blood_units, stock_cells

    response = Client().get("/publik/darah/")
    text = _text(response)
    for unit in blood_units():
        assert unit.name in text
    sanggau = blood_units().get(slug="udd-pmi-sanggau")
    cells = stock_cells(sanggau)
    prc_o = cells.get(("PRC", "O", "pos"), 0) + cells.get(("PRC", "O", "neg"), 0)
    html = response.content.decode()
    row = re.search(r"<tr><th scope=\"row\">PRC .*?</tr>", html)
    assert row is not None
    cellvals = re.findall(r"<td>(\d+)", row.group(0))
    assert int(cellvals[2]) == prc_o  # columns A, B, O, AB: O is the third
    assert "JUMLAH KETERSEDIAAN DARAH PMI SANGGAU &gt;&gt;&gt; GOLONGAN DARAH" in html


def test_blood_page_shows_units_a_page_at_a_time_by_province(db: Any, now: Any) -> None:
    """At national scale (500 units) the page lists 20 units a page, with a province
    filter once the units span several provinces; the demo's units all show on page 1."""
    from sinergi.agencies.models import Agency
    from sinergi.blood import ticker
    from sinergi.blood.selectors import blood_units
    from sinergi.regions.models import Region

    demo = [u.name for u in blood_units()]
    demo_html = Client().get("/publik/darah/").content.decode()
    assert 'name="wilayah"' not in demo_html  # one province: no filter, as before
    assert demo_html.count('<section class="blood-unit"') == len(demo)

    aceh = Region.objects.filter(code__startswith="11.").order_by("code").first()
    assert aceh is not None
    Agency.objects.bulk_create(
        Agency(
            slug=f"udd-uji-{i:02d}",
            name=f"UDD Uji {i:02d}",
            kind="blood_unit",
            region=aceh,
            created_at=now,
            updated_at=now,
        )
        for i in range(25)
    )
    ticker.forget()
    total = len(demo) + 25
    first = Client().get("/publik/darah/")
    html = first.content.decode()
    assert html.count('<section class="blood-unit"') == 20
    assert 'name="wilayah"' in html and ">Aceh</option>" in html
    assert f"Halaman 1 dari {-(-total // 20)}" in _text(first)
    assert len(first.content) < 100 * 1024

    kalbar = _text(Client().get("/publik/darah/?wilayah=61"))
    for name in demo:
        assert name in kalbar
    assert "UDD Uji" not in kalbar
    aceh_p2 = Client().get("/publik/darah/?wilayah=11&page=2").content.decode()
    assert aceh_p2.count('<section class="blood-unit"') == 5
    assert all(name not in aceh_p2 for name in demo)
    # An unknown province is ignored (every unit), never an error.
    unknown = Client().get("/publik/darah/?wilayah=99%27")
    assert unknown.status_code == 200
    assert unknown.content.decode().count('<section class="blood-unit"') == 20


def test_stale_flag_shows_when_the_figures_are_old(db: Any, now: Any, monkeypatch: Any) -> None:
    import datetime as dt

    from sinergi.blood import ticker

    later = now + dt.timedelta(days=3)
    monkeypatch.setattr("sinergi.portal.views.now", lambda: later)
    ticker.forget()
    text = _text(Client().get("/publik/darah/"))
    assert text.count("Belum diperbarui") >= 3 or "mungkin sudah tidak terkini" in text


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"] or "")
        if tag == "link" and a.get("rel") in ("stylesheet", "icon") and a.get("href"):
            self.urls.append(a["href"] or "")


@pytest.mark.parametrize("url", PAGES)
def test_first_load_stays_under_100_kb(db: Any, url: str) -> None:
    """HTML plus every stylesheet, script and icon it loads, uncompressed."""
    from django.conf import settings

    html = Client().get(url).content
    parser = _Assets()
    parser.feed(html.decode())
    total = len(html)
    assert parser.urls
    for asset in parser.urls:
        assert asset.startswith(settings.STATIC_URL), asset  # nothing from another host
        found = finders.find(asset[len(settings.STATIC_URL) :])
        assert found, asset
        total += Path(str(found)).stat().st_size
    assert total <= BUDGET_BYTES, f"{url}: {total} bytes"
