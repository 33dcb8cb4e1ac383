"""The public coordination scoreboard at /publik/skor/: anonymous, small, sortable, with
the time of the last update, and no request's content."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

PERIOD = "from=2026-08-05&to=2026-11-02"


@pytest.fixture(autouse=True)
def _built(db: Any, now: Any) -> None:
    from sinergi.insights.metrics import refresh_facts

    refresh_facts(now=now)


def _rows(html: str) -> list[list[str]]:
    body = html.split('<table id="scoreboard">', 1)[1].split("</table>", 1)[0]
    tbody = body.split("<tbody>", 1)[1]
    return [
        [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", tbody, re.S)
    ]


def test_anonymous_reads_the_scoreboard_in_indonesian() -> None:
    response = Client().get(f"/publik/skor/?{PERIOD}")
    assert response.status_code == 200
    html = response.content.decode()
    assert len(response.content) <= 100_000
    assert "Papan skor koordinasi" in html
    assert "Angka diperbarui" in html
    rows = _rows(html)
    assert len(rows) >= 8
    names = [r[0] for r in rows]
    assert "Kantor Pertanahan Kabupaten Sanggau" in names
    # Aggregates only: no request subject appears.
    from sinergi.coordination.models import Request

    for subject in Request.objects.values_list("subject", flat=True)[:50]:
        assert subject not in html


def test_columns_sort_with_links() -> None:
    html = Client().get(f"/publik/skor/?{PERIOD}&sort=received&dir=desc").content.decode()
    received = [int(r[1]) for r in _rows(html)]
    assert received == sorted(received, reverse=True)
    html = Client().get(f"/publik/skor/?{PERIOD}&sort=name&dir=asc").content.decode()
    names = [r[0].lower() for r in _rows(html)]
    assert names == sorted(names)
    assert 'aria-sort="ascending"' in html
    assert "sort=overdue" in html and "sort=median" in html


def test_a_bad_period_is_explained_not_an_error() -> None:
    response = Client().get("/publik/skor/?from=2026-11-02&to=2026-01-01&sort=nonsense")
    assert response.status_code == 200
    assert "Awal periode" in response.content.decode()


def test_scoreboard_api_matches_the_page(api_as: Any) -> None:
    import json

    body = json.loads(api_as(None).get(f"/api/v1/public/scoreboard?{PERIOD}").content)
    html = Client().get(f"/publik/skor/?{PERIOD}&sort=name&dir=asc").content.decode()
    page = {r[0]: int(r[1]) for r in _rows(html)}
    assert {i["name"]: i["received"] for i in body["items"]} == page
