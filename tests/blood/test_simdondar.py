"""SIMDONDAR's ``stokdarah`` table as PMI's system exports it (the samples in
``tests/blood/data/``): product names as PMI writes them, the emergency Rh+ stock in
``ket``, ``update_on`` as the counting time, bad rows reported by row, nothing partial."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sinergi.blood import services
from sinergi.blood.models import Movement, Product
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import SYSTEM

from .conftest import balance

DATA = Path(__file__).parent / "data"
CSV = (DATA / "stokdarah_udd_sanggau.csv").read_bytes()


@pytest.fixture
def counted(sanggau: Any, now: Any) -> Any:
    """Sanggau with WB and FFP counted per cell again (the demo tracks them by bag)."""
    for code in ("WB", "FFP"):
        services.unit_untrack_bags(
            actor=SYSTEM, unit=sanggau, product=Product.objects.get(code=code), now=now
        )
    return sanggau


def test_stokdarah_csv_is_applied_with_pmi_names(counted: Any, pmi: Any, now: Any) -> None:
    result = services.stock_import_csv(actor=pmi, unit=counted, data=CSV, now=now)
    assert isinstance(result, services.StokdarahResult)
    assert result.udd == "UDD PMI Kabupaten Sanggau"
    assert result.emergency == {"PRC": 6}
    # 07:45:12 in Sanggau (WIB, UTC+7), the latest update_on of the file.
    assert result.counted_at == dt.datetime(2026, 11, 2, 0, 45, 12, tzinfo=dt.UTC)
    # PRC, PRC Leucodepleted and Washed Erythrocyte are all red cells: summed into PRC.
    assert balance(counted, "PRC", "O", "pos") == 23 + 2 + 1
    assert balance(counted, "PRC", "B", "pos") == 11 + 1
    assert balance(counted, "Cryo", "O", "pos") == 2  # AHF
    assert balance(counted, "TC", "AB", "pos") == 2
    latest = Movement.objects.filter(unit=counted, source="simdondar").latest("recorded_at")
    assert latest.occurred_at == result.counted_at
    assert "emergency" in latest.reason and "PRC 6" in latest.reason


def test_stokdarah_json_export_and_api(counted: Any, api_as: Any, now: Any) -> None:
    export = json.loads((DATA / "stokdarah_udd_sanggau.json").read_text())
    rows = export[2]["data"]
    url = "/api/v1/blood/units/udd-pmi-sanggau/stokdarah"
    bad = [dict(r) for r in rows]
    bad[1]["produk"], bad[1]["nama"] = "PRP", "Platelet Rich Plasma"
    bad[3]["o_pos"] = "-1"
    bad[5]["update_on"] = "kemarin"
    bad[6]["ket"] = "stok emergency 40"
    before = Movement.objects.count()
    refused = api_as("pmi").post(url, {"rows": bad})
    assert refused.status_code == 422
    fields = refused.json()["fields"]
    assert set(fields) == {"rows.2", "rows.4", "rows.6", "rows.7"}
    assert "PRP" in fields["rows.2"][0] and "o_pos" in fields["rows.4"][0]
    assert Movement.objects.count() == before  # all or nothing
    applied = api_as("pmi").post(url, {"rows": rows})
    assert applied.status_code == 200, applied.content
    assert applied.json()["emergency"] == {"PRC": 6}
    assert balance(counted, "LP", "A", "pos") == 2
    # The whole phpMyAdmin export as a file through the unit page's upload.
    client = api_as("pmi").client
    from sinergi.accounts.models import User

    client.force_login(User.objects.get(username="pmi"))
    page = client.post(
        "/darah/udd/udd-pmi-sanggau/unggah/",
        {"file": SimpleUploadedFile("stokdarah.json", json.dumps(export).encode())},
    )
    assert page.status_code == 302


def test_stokdarah_refusals(counted: Any, pmi: Any, now: Any) -> None:
    mixed = CSV + b"UDD PMI Kota Pontianak,TC,Trombosit,1,1,1,1,0,0,0,0,,2026-11-02 07:00\n"
    with pytest.raises(ValidationFailed) as info:
        services.stock_import_csv(actor=pmi, unit=counted, data=mixed, now=now)
    assert list(info.value.fields) == ["rows.9"]
    twice = CSV + b"UDD PMI Kabupaten Sanggau,TC,Trombosit,1,1,1,1,0,0,0,0,,\n"
    with pytest.raises(ValidationFailed) as info:
        services.stock_import_csv(actor=pmi, unit=counted, data=twice, now=now)
    assert "TC" in info.value.fields["rows.9"][0] and "5" in info.value.fields["rows.9"][0]
    future = CSV.replace(b"2026-11-02 07:40:03", b"2026-11-03 07:40:03")
    with pytest.raises(ValidationFailed) as info:
        services.stock_import_csv(actor=pmi, unit=counted, data=future, now=now)
    assert set(info.value.fields) == {"rows.5", "rows.6", "rows.7", "rows.8"}
    with pytest.raises(ValidationFailed) as info:
        services.stock_import_csv(actor=pmi, unit=counted, data=b"udd,produk\nx,PRC\n", now=now)
    assert "a_pos" in info.value.fields["file"][0]
