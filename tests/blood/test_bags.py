"""Bags: donation numbers, first expiry first out, the expiry run, and the rule that the
available bags of a tracked cell always number the ledger's balance."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db.models import Count, Q

from sinergi.blood import services
from sinergi.blood.models import Bag, Movement, Product, Stock, UnitProfile
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import SYSTEM

from .conftest import balance


def assert_bags_agree() -> None:
    """For every tracked (unit, product): available bags per cell == the cell's balance."""
    through = UnitProfile.bag_products.through
    tracked = {
        (t.unitprofile.unit_id, t.product_id) for t in through.objects.select_related("unitprofile")
    }
    assert tracked
    available = {
        (r["unit"], r["product"], r["abo"], r["rh"]): r["n"]
        for r in Bag.objects.filter(status="available")
        .values("unit", "product", "abo", "rh")
        .annotate(n=Count("pk"))
    }
    for cell in Stock.objects.all():
        if (cell.unit_id, cell.product_id) in tracked:
            key = (cell.unit_id, cell.product_id, cell.abo, cell.rh)
            assert available.get(key, 0) == cell.quantity, key


@pytest.fixture
def wb(db: Any) -> Product:
    return Product.objects.get(code="WB")


def _collect(unit: Any, product: Any, abo: str, rh: str, numbers: list[str], now: Any) -> Any:
    return services.stock_record_movement(
        actor=SYSTEM,
        unit=unit,
        product=product,
        abo=abo,
        rh=rh,
        kind="collected",
        quantity=len(numbers),
        donation_numbers=numbers,
        now=now,
    )


def test_demo_tracks_part_of_sanggau_and_agrees_with_the_ledger(sanggau: Any, now: Any) -> None:
    tracked = set(sanggau.blood_profile.bag_products.values_list("code", flat=True))
    assert tracked == {"WB", "FFP"}  # PRC and TC stay counted per cell
    assert_bags_agree()
    soon = Bag.objects.filter(
        unit=sanggau, status="available", expires_at__lte=now + dt.timedelta(days=5)
    )
    assert 2 <= soon.count() <= 12  # a few near expiry
    assert not Bag.objects.filter(unit__slug="udd-pmi-sekadau").exists()


def test_collection_needs_one_donation_number_per_bag(sanggau: Any, wb: Any, now: Any) -> None:
    before = balance(sanggau, "WB", "O", "neg")
    for numbers, quantity in ((["SGU-T-1"], 2), ([], 1), (["bad number!"], 1)):
        with pytest.raises(ValidationFailed) as exc:
            services.stock_record_movement(
                actor=SYSTEM,
                unit=sanggau,
                product=wb,
                abo="O",
                rh="neg",
                kind="collected",
                quantity=quantity,
                donation_numbers=numbers,
                now=now,
            )
        assert "donation_numbers" in exc.value.fields
    m = _collect(sanggau, wb, "O", "neg", ["sgu-t-1", "SGU-T-2"], now)
    assert balance(sanggau, "WB", "O", "neg") == before + 2
    bags = list(Bag.objects.filter(in_movement=m).order_by("donation_number"))
    assert [b.donation_number for b in bags] == ["SGU-T-1", "SGU-T-2"]
    assert bags[0].expires_at == now + dt.timedelta(days=35)  # WB shelf life
    # Unique per unit.
    with pytest.raises(ValidationFailed):
        _collect(sanggau, wb, "O", "neg", ["SGU-T-2"], now)
    # A product the unit counts per cell takes no numbers.
    with pytest.raises(ValidationFailed) as exc:
        _collect(sanggau, Product.objects.get(code="PRC"), "O", "neg", ["SGU-T-3"], now)
    assert exc.value.fields["donation_numbers"][0].startswith("PRC")
    assert_bags_agree()


def test_issue_takes_the_bag_that_expires_first(sanggau: Any, wb: Any, now: Any) -> None:
    _collect(sanggau, wb, "B", "neg", ["FEFO-NEW"], now)
    _collect(sanggau, wb, "B", "neg", ["FEFO-OLD"], now - dt.timedelta(days=20))
    Bag.objects.filter(donation_number="FEFO-OLD").update(
        collected_at=now - dt.timedelta(days=20), expires_at=now + dt.timedelta(days=15)
    )
    m = services.stock_record_movement(
        actor=SYSTEM,
        unit=sanggau,
        product=wb,
        abo="B",
        rh="neg",
        kind="issued",
        quantity=1,
        now=now,
    )
    assert list(m.bags_out.values_list("donation_number", "status")) == [("FEFO-OLD", "issued")]
    # A named bag goes even if another expires first; an unknown one is refused.
    _collect(sanggau, wb, "B", "neg", ["FEFO-THIRD"], now)
    with pytest.raises(ValidationFailed):
        services.stock_record_movement(
            actor=SYSTEM,
            unit=sanggau,
            product=wb,
            abo="B",
            rh="neg",
            kind="issued",
            quantity=1,
            donation_numbers=["NOPE-1"],
            now=now,
        )
    m = services.stock_record_movement(
        actor=SYSTEM,
        unit=sanggau,
        product=wb,
        abo="B",
        rh="neg",
        kind="issued",
        quantity=1,
        donation_numbers=["FEFO-THIRD"],
        now=now,
    )
    assert list(m.bags_out.values_list("donation_number", flat=True)) == ["FEFO-THIRD"]
    # Discarding names its bags.
    with pytest.raises(ValidationFailed):
        services.stock_record_movement(
            actor=SYSTEM,
            unit=sanggau,
            product=wb,
            abo="B",
            rh="neg",
            kind="discarded",
            quantity=1,
            now=now,
        )
    assert_bags_agree()


def test_expired_bags_are_never_issued(sanggau: Any, wb: Any, now: Any) -> None:
    # Sanggau's two WB A+ bags expire about a day from now.
    later = now + dt.timedelta(days=3)
    with pytest.raises(ValidationFailed):
        services.stock_record_movement(
            actor=SYSTEM,
            unit=sanggau,
            product=wb,
            abo="A",
            rh="pos",
            kind="issued",
            quantity=1,
            now=later,
        )


def test_counted_levels_cannot_change_a_tracked_cell(sanggau: Any, now: Any) -> None:
    current = balance(sanggau, "WB", "A", "pos")
    with pytest.raises(ValidationFailed) as exc:
        services.stock_set_levels(
            actor=SYSTEM,
            unit=sanggau,
            levels={("WB", "A", "pos"): current + 3},
            reason="Stok opname",
            now=now,
        )
    assert "WB.A.pos" in exc.value.fields
    result = services.stock_set_levels(
        actor=SYSTEM,
        unit=sanggau,
        levels={("WB", "A", "pos"): current, ("PRC", "A", "pos"): 40},
        reason="Stok opname",
        now=now,
    )
    assert (result.adjustments, result.unchanged) == (1, 1)


def test_expiry_run_is_idempotent_and_leaves_counted_units_alone(
    sanggau: Any, wb: Any, now: Any
) -> None:
    from sinergi.core.tick import run_tick

    later = now + dt.timedelta(days=2, hours=1)
    due = Bag.objects.filter(status="available", expires_at__lte=later)
    expected = due.count()
    assert expected >= 2
    cells_before = dict(Stock.objects.exclude(unit=sanggau).values_list("pk", "quantity")) | dict(
        Stock.objects.filter(unit=sanggau, product__code__in=["PRC", "TC"]).values_list(
            "pk", "quantity"
        )
    )
    result = run_tick(later)["blood.expire_bags"]
    assert result == {"units": 1, "bags": expected}
    assert not due.exists()
    expired = Movement.objects.filter(unit=sanggau, kind="expired", source="expiry")
    assert -sum(expired.values_list("delta", flat=True)) == expected
    assert run_tick(later)["blood.expire_bags"] == {"units": 0, "bags": 0}
    assert expired.count() == len({(m.product_id, m.abo, m.rh) for m in expired})
    after = dict(Stock.objects.filter(pk__in=cells_before).values_list("pk", "quantity"))
    assert after == cells_before
    assert_bags_agree()


def test_allocation_takes_bags_first_expiry_first(sanggau: Any, wb: Any, now: Any) -> None:
    from sinergi.agencies.models import Agency

    _collect(sanggau, wb, "AB", "neg", ["AL-1", "AL-2", "AL-3"], now)
    Bag.objects.filter(donation_number="AL-3").update(expires_at=now + dt.timedelta(days=2))
    req = services.request_create(
        actor=SYSTEM,
        hospital=Agency.objects.get(slug="rsud-sanggau"),
        unit=sanggau,
        product=wb,
        abo="AB",
        rh="neg",
        quantity=2,
        urgency="urgent",
        needed_by=now + dt.timedelta(hours=4),
        case_number="RM-BAG-1",
        now=now,
    )
    services.request_allocate(actor=SYSTEM, request=req, lines=[("AB", "neg", 2)], now=now)
    taken = Bag.objects.filter(request=req).order_by("expires_at")
    assert [b.donation_number for b in taken] == ["AL-3", "AL-1"]
    assert {b.status for b in taken} == {"allocated"}
    assert {b.counterpart.slug for b in taken} == {"rsud-sanggau"}
    assert_bags_agree()


def test_dropping_moves_bags_with_their_labels(sanggau: Any, wb: Any, now: Any) -> None:
    from sinergi.agencies.models import Agency

    sekadau = Agency.objects.get(slug="udd-pmi-sekadau")
    # Sekadau (counts per cell) sends 2 WB O+ to Sanggau (tracks WB): provisional numbers.
    services.stock_set_levels(
        actor=SYSTEM, unit=sekadau, levels={("WB", "O", "pos"): 4}, reason="x", now=now
    )
    d = services.dropping_create(
        actor=SYSTEM,
        from_unit=sanggau,
        to_unit=sekadau,
        product=wb,
        abo="O",
        rh="pos",
        quantity=2,
        now=now,
    )
    services.dropping_fulfil(actor=SYSTEM, dropping=d, now=now)
    got = Bag.objects.filter(unit=sanggau, in_movement__dropping=d)
    assert sorted(got.values_list("donation_number", flat=True)) == [f"DRP{d.pk}-1", f"DRP{d.pk}-2"]
    # The officer corrects one from its label.
    bag = got.first()
    assert bag is not None
    fixed = services.bag_update(
        actor=SYSTEM,
        bag=bag,
        donation_number="SKD2610010001",
        expires_at=now + dt.timedelta(days=20),
        now=now,
    )
    assert fixed.donation_number == "SKD2610010001"
    # Sanggau sends WB to Sekadau: its bags leave as sent_dropping.
    d2 = services.dropping_create(
        actor=SYSTEM,
        from_unit=sekadau,
        to_unit=sanggau,
        product=wb,
        abo="O",
        rh="pos",
        quantity=1,
        now=now,
    )
    services.dropping_fulfil(actor=SYSTEM, dropping=d2, now=now)
    gone = Bag.objects.get(out_movement__dropping=d2)
    assert (gone.status, gone.counterpart) == ("sent_dropping", sekadau)
    assert_bags_agree()


def test_tracking_starts_only_with_a_bag_for_every_bag_in_stock(sanggau: Any, now: Any) -> None:
    tc = Product.objects.get(code="TC")
    held = {
        (s.abo, s.rh): s.quantity
        for s in Stock.objects.filter(unit=sanggau, product=tc, quantity__gt=0)
    }
    records = [
        services.BagRecord(f"TC{abo}{rh}{i}".upper(), abo, rh, now - dt.timedelta(days=1))
        for (abo, rh), q in held.items()
        for i in range(q)
    ]
    with pytest.raises(ValidationFailed) as exc:
        services.unit_track_bags(actor=SYSTEM, unit=sanggau, product=tc, bags=records[1:], now=now)
    assert "bags" in exc.value.fields
    assert not Bag.objects.filter(product=tc).exists()
    assert services.unit_track_bags(
        actor=SYSTEM, unit=sanggau, product=tc, bags=records, now=now
    ) == len(records)
    # TC keeps 5 days: the expiry follows the shelf life.
    first = Bag.objects.filter(product=tc).first()
    assert first is not None and first.expires_at == first.collected_at + dt.timedelta(days=5)
    assert_bags_agree()


def test_bag_pages_and_api(client_as: Any, api_as: Any, sanggau: Any) -> None:
    pmi = client_as("pmi")
    page = pmi.get("/darah/udd/udd-pmi-sanggau/kantong/?product=WB&status=available")
    assert page.status_code == 200 and b"SGU" in page.content
    assert b"SGU" not in client_as("other_staff").get("/darah/udd/udd-pmi-sanggau/kantong/").content
    bag = Bag.objects.filter(unit=sanggau, product__code="FFP", status="available").first()
    assert bag is not None
    assert pmi.get(f"/darah/kantong/{bag.pk}/").status_code == 200
    bad = pmi.post(
        f"/darah/kantong/{bag.pk}/",
        {"donation_number": bag.donation_number, "expires_at": "2000-01-01T00:00"},
    )
    assert bad.status_code == 422
    # The collection form takes donation numbers.
    r = pmi.post(
        "/darah/udd/udd-pmi-sanggau/mutasi/",
        {
            "kind": "collected",
            "product": "FFP",
            "abo": "O",
            "rh": "pos",
            "quantity": "2",
            "donation_numbers": "UI-FFP-1\nUI-FFP-2",
        },
    )
    assert r.status_code == 302
    r = pmi.post(
        "/darah/udd/udd-pmi-sanggau/mutasi/",
        {"kind": "collected", "product": "FFP", "abo": "O", "rh": "pos", "quantity": "1"},
    )
    assert r.status_code == 422

    api = api_as("pmi")
    listed = api.get("/api/v1/blood/units/udd-pmi-sanggau/bags?product=FFP&abo=O&status=available")
    numbers = [b["donation_number"] for b in listed.json()["items"]]
    assert "UI-FFP-1" in numbers
    made = api.post(
        "/api/v1/blood/units/udd-pmi-sanggau/movements",
        {
            "kind": "collected",
            "product": "WB",
            "abo": "A",
            "rh": "neg",
            "quantity": 1,
            "donation_numbers": ["API-WB-1"],
        },
    )
    assert made.status_code == 201, made.content
    one = api.get("/api/v1/blood/units/udd-pmi-sanggau/bags?donation_number=api-wb-1").json()
    assert one["count"] == 1 and one["items"][0]["expires_at"]
    pk = one["items"][0]["id"]
    assert api_as("rsud").get(f"/api/v1/blood/bags/{pk}").status_code == 404
    patched = api.patch(f"/api/v1/blood/bags/{pk}", {"expires_at": "2030-01-01T00:00:00Z"})
    assert patched.status_code == 200 and patched.json()["expires_at"].startswith("2030")
    issued = api.post(
        "/api/v1/blood/units/udd-pmi-sanggau/movements",
        {
            "kind": "issued",
            "product": "WB",
            "abo": "A",
            "rh": "neg",
            "quantity": 1,
            "donation_numbers": ["API-WB-1"],
        },
    )
    assert issued.status_code == 201
    gone = api.patch(f"/api/v1/blood/bags/{pk}", {"expires_at": "2031-01-01T00:00:00Z"})
    assert gone.status_code == 409  # only a bag in stock is corrected
    missing = api.post(
        "/api/v1/blood/units/udd-pmi-sanggau/movements",
        {"kind": "collected", "product": "WB", "abo": "A", "rh": "neg", "quantity": 1},
    )
    assert missing.status_code == 422 and "donation_numbers" in missing.json()["fields"]
    assert_bags_agree()


def test_audit_names_the_bags(sanggau: Any, wb: Any, now: Any) -> None:
    from sinergi.core.models import AuditEntry

    m = _collect(sanggau, wb, "O", "neg", ["AUD-1"], now)
    entry = AuditEntry.objects.get(action="blood.movement.collected", object_id=str(m.pk))
    assert "AUD-1" in str(entry.after)
    assert Bag.objects.filter(Q(in_movement=m)).count() == 1
