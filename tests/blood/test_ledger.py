"""The stock ledger: arithmetic, validation, the audit chain, permissions, imports."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import Sum

from sinergi.blood import services
from sinergi.blood.models import Movement, Stock
from sinergi.core.exceptions import Forbidden, NotFound, ValidationFailed
from sinergi.core.models import AuditEntry

from .conftest import balance


def test_demo_ledger_balances_and_audit_agree(db: Any) -> None:
    """Every balance row equals the sum of its ledger, never below zero, and every
    movement has exactly one audit entry."""
    sums = {
        (r["unit"], r["product"], r["abo"], r["rh"]): r["total"]
        for r in Movement.objects.values("unit", "product", "abo", "rh").annotate(
            total=Sum("delta")
        )
    }
    cells = list(Stock.objects.all())
    assert cells
    for cell in cells:
        assert cell.quantity >= 0
        assert sums.get((cell.unit_id, cell.product_id, cell.abo, cell.rh), 0) == cell.quantity
    audited = set(
        AuditEntry.objects.filter(action__startswith="blood.movement.").values_list(
            "object_id", flat=True
        )
    )
    assert audited == {str(pk) for pk in Movement.objects.values_list("pk", flat=True)}


def test_collect_issue_and_adjust(sanggau: Any, prc: Any, pmi: Any, now: Any) -> None:
    start = balance(sanggau, "PRC", "B", "neg")
    m = services.stock_record_movement(
        actor=pmi,
        unit=sanggau,
        product=prc,
        abo="B",
        rh="neg",
        kind="collected",
        quantity=5,
        now=now,
    )
    assert (m.delta, m.balance_after) == (5, start + 5)
    m = services.stock_record_movement(
        actor=pmi,
        unit=sanggau,
        product=prc,
        abo="B",
        rh="neg",
        kind="issued",
        quantity=2,
        now=now,
    )
    assert m.delta == -2
    m = services.stock_record_movement(
        actor=pmi,
        unit=sanggau,
        product=prc,
        abo="B",
        rh="neg",
        kind="adjustment",
        quantity=-1,
        reason="Kantong bocor saat dihitung",
        now=now,
    )
    assert balance(sanggau, "PRC", "B", "neg") == start + 2
    entry = AuditEntry.objects.filter(action="blood.movement.adjustment").order_by("-seq")[0]
    assert entry.object_id == str(m.pk) and entry.region == "61.03"
    assert entry.actor_username == "pmi"


@pytest.mark.parametrize(
    ("kind", "quantity", "reason", "field"),
    [
        ("issued", 10_000, "", "quantity"),  # more than in stock
        ("collected", 0, "", "quantity"),
        ("collected", -3, "", "quantity"),
        ("collected", 10_001, "", "quantity"),
        ("adjustment", 3, "", "reason"),
        ("adjustment", 0, "x", "quantity"),
        ("sent_dropping", 1, "", "kind"),  # only the dropping flow writes these
    ],
)
def test_bad_movements_are_refused_and_change_nothing(
    sanggau: Any, prc: Any, pmi: Any, now: Any, kind: str, quantity: int, reason: str, field: str
) -> None:
    before = (Movement.objects.count(), balance(sanggau, "PRC", "A", "pos"))
    with pytest.raises(ValidationFailed) as exc:
        services.stock_record_movement(
            actor=pmi,
            unit=sanggau,
            product=prc,
            abo="A",
            rh="pos",
            kind=kind,
            quantity=quantity,
            reason=reason,
            now=now,
        )
    assert field in exc.value.fields
    assert (Movement.objects.count(), balance(sanggau, "PRC", "A", "pos")) == before


def test_only_the_units_staff_record(
    sanggau: Any, prc: Any, rsud: Any, users: Any, now: Any
) -> None:
    for actor in (rsud, users["leader"], users["head"], users["other_staff"]):
        with pytest.raises((Forbidden, NotFound)):
            services.stock_record_movement(
                actor=actor,
                unit=sanggau,
                product=prc,
                abo="A",
                rh="pos",
                kind="collected",
                quantity=1,
                now=now,
            )


def test_quick_entry_records_differences_as_adjustments(sanggau: Any, pmi: Any, now: Any) -> None:
    a = balance(sanggau, "PRC", "A", "pos")
    result = services.stock_set_levels(
        actor=pmi,
        unit=sanggau,
        levels={
            ("PRC", "A", "pos"): a + 3,
            ("PRC", "O", "neg"): balance(sanggau, "PRC", "O", "neg"),
        },
        reason="Stok opname pagi",
        now=now,
    )
    assert (result.adjustments, result.unchanged) == (1, 1)
    m = Movement.objects.filter(unit=sanggau).order_by("-pk")[0]
    assert (m.kind, m.delta, m.reason) == ("adjustment", 3, "Stok opname pagi")
    with pytest.raises(ValidationFailed) as exc:
        services.stock_set_levels(actor=pmi, unit=sanggau, levels={}, reason=" ", now=now)
    assert "reason" in exc.value.fields


ROW = {f"{g}_{r}": 7 for g in ("a", "b", "o", "ab") for r in ("pos", "neg")}


def test_csv_upload_is_all_or_nothing_and_reports_every_bad_row(
    sanggau: Any, pmi: Any, now: Any
) -> None:
    header = "produk,a_pos,a_neg,b_pos,b_neg,o_pos,o_neg,ab_pos,ab_neg\n"
    bad = (
        header
        + "PRC,1,2,3,4,5,6,7,8\nXYZ,1,1,1,1,1,1,1,1\nTC,1,-1,1,1,1,1,1,1\nFFP,1,1,1,1,1,1,1,satu\n"
    )
    before = Movement.objects.count()
    with pytest.raises(ValidationFailed) as exc:
        services.stock_import_csv(actor=pmi, unit=sanggau, data=bad.encode(), now=now)
    assert sorted(exc.value.fields) == ["rows.2", "rows.3", "rows.4"]
    assert "XYZ" in exc.value.fields["rows.2"][0]
    assert "a_neg" in exc.value.fields["rows.3"][0] and "ab_neg" in exc.value.fields["rows.4"][0]
    assert Movement.objects.count() == before
    good = header.replace(",", ";") + "PRC;1;2;3;4;5;6;7;8\n"
    result = services.stock_import_csv(actor=pmi, unit=sanggau, data=good.encode(), now=now)
    assert result.adjustments + result.unchanged == 8
    assert balance(sanggau, "PRC", "AB", "neg") == 8
    with pytest.raises(ValidationFailed) as exc:
        services.stock_import_csv(actor=pmi, unit=sanggau, data=b"a,b\n1,2\n", now=now)
    assert "file" in exc.value.fields


def test_simdondar_push_via_api(api_as: Any, sanggau: Any) -> None:
    client = api_as("pmi")
    url = "/api/v1/blood/units/udd-pmi-sanggau/simdondar"
    before = Movement.objects.count()
    rows = [
        {"produk": "PRC", **ROW, "updated_at": "2026-11-02T08:00:00+07:00"},
        {"produk": "NOPE", **ROW},
        {"produk": "PRC", **ROW},
    ]
    response = client.post(url, {"rows": rows})
    assert response.status_code == 422
    assert set(response.json()["fields"]) == {"rows.2", "rows.3"}
    assert Movement.objects.count() == before
    response = client.post(url, {"rows": [{"produk": "TC", **ROW}]})
    assert response.status_code == 200
    assert balance(sanggau, "TC", "O", "neg") == 7
    assert api_as("rsud").post(url, {"rows": [{"produk": "TC", **ROW}]}).status_code == 403


def test_movement_api_and_visibility(api_as: Any) -> None:
    url = "/api/v1/blood/units/udd-pmi-sanggau/movements"
    created = api_as("pmi").post(
        url,
        {
            "kind": "issued",
            "product": "PRC",
            "abo": "A",
            "rh": "pos",
            "quantity": 1,
            "counterpart": "rsud-sanggau",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["delta"] == -1 and created.json()["counterpart"] == "rsud-sanggau"
    refused = api_as("pmi").post(
        url, {"kind": "adjustment", "product": "PRC", "abo": "A", "rh": "pos", "quantity": 2}
    )
    assert refused.status_code == 422 and "reason" in refused.json()["fields"]
    # RSUD sees the issue made to it, not the unit's whole ledger.
    seen = api_as("rsud").get(url + "?limit=500").json()["items"]
    assert seen and all(m["counterpart"] == "rsud-sanggau" for m in seen)
    assert api_as("other_staff").get(url).json()["count"] == 0
    assert api_as("head").get(url).json()["count"] > 0  # the health office oversees


def test_unit_settings_change_the_safe_levels(
    api_as: Any, sanggau: Any, monkeypatch: Any, now: Any
) -> None:
    monkeypatch.setattr("sinergi.blood.api.now", lambda: now)
    url = "/api/v1/blood/units/udd-pmi-sanggau/settings"
    assert api_as("pmi").patch(url, {"safe_days": 10}).status_code == 403  # staff, not manager
    admin = api_as("admin")
    bad = admin.patch(url, {"safe_days": 1, "critical_days": 3})
    assert bad.status_code == 422 and "safe_days" in bad.json()["fields"]
    ok = admin.patch(url, {"safe_days": 12.5, "stale_after_minutes": 90})
    assert ok.status_code == 200
    assert (ok.json()["safe_days"], ok.json()["stale_after_minutes"]) == (12.5, 90)
    groups = {
        g["abo"]: g for g in admin.get("/api/v1/blood/units/udd-pmi-sanggau/stock").json()["groups"]
    }
    assert groups["A"]["status"] == "alert"  # 9.7 days of supply is now below 12.5
    assert AuditEntry.objects.filter(action="blood.unit.configure").exists()
