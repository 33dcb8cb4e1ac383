"""The unit officer's page (issue 18): rows counted per bag are read-only and say why,
saving unchanged counts says so and records nothing, CITO requests come first."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

UNIT = "/darah/udd/udd-pmi-sanggau/"

pytestmark = pytest.mark.django_db


def test_rows_counted_per_bag_are_read_only_with_the_reason(client_as: Any, sanggau: Any) -> None:
    from sinergi.blood.selectors import tracked_products

    tracked = {p.code for p in tracked_products(sanggau)}
    assert "WB" in tracked, "the demo tracks whole blood by bag"
    page = client_as("pmi").get(UNIT).content.decode()
    grid = page.split('class="blood-grid"')[1].split("</table>")[0]
    assert 'name="c-WB-A-pos"' not in grid and 'name="c-PRC-A-pos"' in grid
    wb_row = grid.split('class="blood-grid-tracked"')[1].split("</tr>")[0]
    assert "<input" not in wb_row and "dicatat per kantong" in wb_row
    assert 'class="blood-grid-readonly"' in wb_row
    assert 'id="grid-tracked-note"' in page


def test_saving_unchanged_counts_says_so_and_writes_nothing(client_as: Any, sanggau: Any) -> None:
    from sinergi.blood.models import Movement
    from sinergi.blood.selectors import stock_cells
    from sinergi.core.models import AuditEntry

    cells = stock_cells(sanggau)
    form = {
        f"c-PRC-{abo}-{rh}": str(cells.get(("PRC", abo, rh), 0))
        for abo in ("A", "B", "O", "AB")
        for rh in ("pos", "neg")
    }
    seq = AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first()
    moves = Movement.objects.count()
    pmi = client_as("pmi")
    r = pmi.post(f"{UNIT}isian/", {**form, "reason": ""}, follow=True)
    assert r.status_code == 200
    assert "Tidak ada perubahan" in r.content.decode()
    assert Movement.objects.count() == moves
    assert AuditEntry.objects.order_by("-seq").values_list("seq", flat=True).first() == seq
    # A real change still needs its reason and is recorded.
    changed = {**form, "c-PRC-A-pos": str(int(form["c-PRC-A-pos"]) + 1)}
    assert pmi.post(f"{UNIT}isian/", {**changed, "reason": ""}).status_code == 422
    assert pmi.post(f"{UNIT}isian/", {**changed, "reason": "Opname"}).status_code == 302
    assert Movement.objects.count() == moves + 1


def test_cito_requests_come_first_on_the_unit_page(
    client_as: Any, sanggau: Any, prc: Any, rsud: Any, now: dt.datetime
) -> None:
    from sinergi.agencies.models import Agency
    from sinergi.blood import services

    hospital = Agency.objects.get(slug="rsud-sanggau")
    made = {}
    for urgency, hours in (("routine", 4), ("urgent", 6), ("cito", 8)):
        made[urgency] = services.request_create(
            actor=rsud,
            hospital=hospital,
            unit=sanggau,
            product=prc,
            abo="A",
            rh="pos",
            quantity=1,
            urgency=urgency,
            needed_by=now + dt.timedelta(hours=hours),
            case_number=f"RM-{urgency}",
            now=now,
        )
    page = client_as("pmi").get(UNIT).content.decode()
    section = page.split('id="open-req-h"')[1].split("</section>")[0]
    order = [section.index(f"#{made[u].pk}<") for u in ("cito", "urgent", "routine")]
    assert order == sorted(order)
    cito = section.split('class="blood-req-cito"')[1].split("</li>")[0]
    assert 'class="badge blood-cito"' in cito and f"#{made['cito'].pk}<" in cito
