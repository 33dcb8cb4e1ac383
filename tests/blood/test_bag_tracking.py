"""Switching tracking by bag on and off per product: the service, the settings page and
the API. The ledger stays the stock throughout; bags stay as history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sinergi.blood import services
from sinergi.blood.models import Bag, Movement, Product, Stock
from sinergi.core.exceptions import Forbidden, ValidationFailed
from sinergi.core.permissions import SYSTEM

from .conftest import balance
from .test_bags import assert_bags_agree

PAGE = "/darah/udd/udd-pmi-sanggau/pelacakan-kantong/"


def _records(unit: Any, code: str, day: dt.date, prefix: str) -> list[str]:
    """Lines of the settings form: a bag per bag in stock of the product."""
    lines = []
    for s in Stock.objects.filter(unit=unit, product__code=code, quantity__gt=0):
        sign = "+" if s.rh == "pos" else "-"
        lines += [f"{prefix}-{s.abo}{s.rh}-{i} {s.abo}{sign} {day}" for i in range(s.quantity)]
    return lines


def test_switching_off_keeps_the_stock_and_the_bags_as_history(
    sanggau: Any, pmi: Any, now: Any
) -> None:
    wb = Product.objects.get(code="WB")
    issued = services.stock_record_movement(
        actor=SYSTEM,
        unit=sanggau,
        product=wb,
        abo="A",
        rh="pos",
        kind="issued",
        quantity=1,
        now=now,
    )
    stock = {(s.abo, s.rh): s.quantity for s in Stock.objects.filter(unit=sanggau, product=wb)}
    in_stock = Bag.objects.filter(unit=sanggau, product=wb, status="available").count()
    movements = Movement.objects.count()
    with pytest.raises(Forbidden):  # staff record, managers configure
        services.unit_untrack_bags(actor=pmi, unit=sanggau, product=wb, now=now)
    assert services.unit_untrack_bags(actor=SYSTEM, unit=sanggau, product=wb, now=now) == in_stock
    assert not services.is_tracked(sanggau, wb)
    assert Movement.objects.count() == movements  # the ledger does not change
    assert {
        (s.abo, s.rh): s.quantity for s in Stock.objects.filter(unit=sanggau, product=wb)
    } == stock
    assert not Bag.objects.filter(unit=sanggau, product=wb, status="available").exists()
    assert Bag.objects.filter(unit=sanggau, product=wb, status="untracked").count() == in_stock
    assert Bag.objects.get(out_movement=issued).status == "issued"  # history stays
    with pytest.raises(ValidationFailed):  # already off
        services.unit_untrack_bags(actor=SYSTEM, unit=sanggau, product=wb, now=now)
    # Counted again: a count may change it, a movement needs no donation number, the
    # expiry run leaves its former bags alone.
    before = balance(sanggau, "WB", "O", "pos")
    services.stock_set_levels(
        actor=SYSTEM,
        unit=sanggau,
        levels={("WB", "O", "pos"): before + 2},
        reason="Opname",
        now=now,
    )
    services.stock_record_movement(
        actor=SYSTEM,
        unit=sanggau,
        product=wb,
        abo="O",
        rh="pos",
        kind="issued",
        quantity=1,
        now=now,
    )
    assert balance(sanggau, "WB", "O", "pos") == before + 1
    assert services.bags_expire_due(now=now + dt.timedelta(days=400))["bags"] >= 0
    assert Bag.objects.filter(unit=sanggau, product=wb, status="untracked").count() == in_stock
    assert_bags_agree()  # FFP is still tracked and agrees


def test_switching_on_again_may_label_the_former_bags(sanggau: Any, now: Any) -> None:
    ffp = Product.objects.get(code="FFP")
    services.unit_untrack_bags(actor=SYSTEM, unit=sanggau, product=ffp, now=now)
    former = list(Bag.objects.filter(unit=sanggau, product=ffp, status="untracked"))
    assert former
    # The same bags are still in the fridge: their numbers may be used again.
    records = [
        services.BagRecord(b.donation_number, b.abo, b.rh, b.collected_at, b.expires_at)
        for b in former
    ]
    count = services.unit_track_bags(actor=SYSTEM, unit=sanggau, product=ffp, bags=records, now=now)
    assert count == len(former)
    assert not Bag.objects.filter(unit=sanggau, product=ffp, status="untracked").exists()
    assert_bags_agree()
    # A number of a bag that left the unit is still taken.
    gone = Bag.objects.filter(unit=sanggau).exclude(status__in=["available", "untracked"]).first()
    if gone is not None:
        tc = Product.objects.get(code="TC")
        with pytest.raises(ValidationFailed):
            services.unit_track_bags(
                actor=SYSTEM,
                unit=sanggau,
                product=tc,
                bags=[services.BagRecord(gone.donation_number, "A", "pos", now)],
                now=now,
            )


def test_settings_page_switches_on_and_off(client_as: Any, sanggau: Any, now: Any) -> None:
    unit_page = client_as("pmi").get("/darah/udd/udd-pmi-sanggau/")
    assert PAGE.encode() in unit_page.content
    staff_view = client_as("pmi").get(PAGE)
    assert staff_view.status_code == 200 and b'name="action"' not in staff_view.content
    assert client_as("pmi").post(PAGE, {"action": "untrack", "product": "WB"}).status_code == 403

    admin = client_as("admin")
    page = admin.get(PAGE)
    assert page.status_code == 200
    assert b'value="untrack"' in page.content and b'value="track"' in page.content
    # Off needs the confirmation.
    r = admin.post(PAGE, {"action": "untrack", "product": "WB"})
    assert r.status_code == 422
    r = admin.post(PAGE, {"action": "untrack", "product": "WB", "confirm": "on"})
    assert r.status_code == 302
    assert "WB" not in {p.code for p in sanggau.blood_profile.bag_products.all()}

    # On: a bag short is refused, nothing recorded; bad lines are named.
    day = (now - dt.timedelta(days=1)).date()
    lines = _records(sanggau, "TC", day, "UITC")
    assert lines
    r = admin.post(PAGE, {"action": "track", "product": "TC", "bags": "\n".join(lines[1:])})
    assert r.status_code == 422 and not Bag.objects.filter(product__code="TC").exists()
    r = admin.post(PAGE, {"action": "track", "product": "TC", "bags": "nonsense"})
    assert r.status_code == 422
    r = admin.post(PAGE, {"action": "track", "product": "TC", "bags": "\n".join(lines)})
    assert r.status_code == 302, r.content.decode()[:2000]
    assert Bag.objects.filter(unit=sanggau, product__code="TC").count() == len(lines)
    assert_bags_agree()


def test_api_switches_on_and_off(api_as: Any, sanggau: Any, now: Any) -> None:
    url = "/api/v1/blood/units/udd-pmi-sanggau/bags"
    assert api_as("pmi").post(f"{url}/untrack", {"product": "FFP"}).status_code == 403
    admin = api_as("admin")
    in_stock = Bag.objects.filter(unit=sanggau, product__code="FFP", status="available").count()
    off = admin.post(f"{url}/untrack", {"product": "FFP"})
    assert off.status_code == 200, off.content
    assert off.json() == {"product": "FFP", "bags_in_stock": in_stock}
    again = admin.post(f"{url}/untrack", {"product": "FFP"})
    assert again.status_code == 422 and "product" in again.json()["fields"]
    assert admin.post(f"{url}/untrack", {"product": "NOPE"}).status_code == 422
    listed = admin.get(f"{url}?product=FFP&status=untracked").json()
    assert listed["count"] == in_stock
    bags = [
        {
            "donation_number": b["donation_number"],
            "abo": b["abo"],
            "rh": b["rh"],
            "collected_at": b["collected_at"],
        }
        for b in admin.get(f"{url}?product=FFP&status=untracked&page_size=100").json()["items"]
    ]
    on = admin.post(f"{url}/track", {"product": "FFP", "bags": bags})
    assert on.status_code == 201, on.content
    assert on.json() == {"product": "FFP", "bags": in_stock}
    assert_bags_agree()
