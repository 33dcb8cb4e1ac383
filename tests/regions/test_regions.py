"""Kemendagri regions: complete, with time zones, loaded all-or-nothing."""

from __future__ import annotations

from typing import Any

import pytest

from sinergi.core.exceptions import ValidationFailed
from sinergi.core.models import AuditEntry
from sinergi.core.permissions import SYSTEM
from sinergi.regions.models import Region
from sinergi.regions.services import reference_rows, regions_load

pytestmark = pytest.mark.django_db

SANGGAU_DISTRICTS = {
    "Toba",
    "Meliau",
    "Kapuas",
    "Mukok",
    "Jangkang",
    "Bonti",
    "Parindu",
    "Tayan Hilir",
    "Balai",
    "Tayan Hulu",
    "Kembayan",
    "Beduai",
    "Noyan",
    "Sekayam",
    "Entikong",
}


def test_all_provinces_and_regencies_are_there() -> None:
    assert Region.objects.filter(level="province").count() == 38
    assert Region.objects.filter(level="regency").count() == 416
    assert Region.objects.filter(level="city").count() == 98
    assert Region.objects.filter(level="district").count() > 7000


def test_sanggau_has_its_fifteen_kecamatan() -> None:
    sanggau = Region.objects.get(code="61.03")
    assert sanggau.name == "Kabupaten Sanggau"
    assert sanggau.parent.name == "Kalimantan Barat"
    assert {r.name for r in sanggau.children.all()} == SANGGAU_DISTRICTS
    assert Region.objects.get(code="61.03.21").name == "Entikong"


@pytest.mark.parametrize(
    ("code", "zone"),
    [
        ("61", "Asia/Pontianak"),
        ("61.03.21", "Asia/Pontianak"),
        ("31", "Asia/Jakarta"),
        ("51", "Asia/Makassar"),
        ("64", "Asia/Makassar"),
        ("81", "Asia/Jayapura"),
        ("94", "Asia/Jayapura"),
    ],
)
def test_time_zones(code: str, zone: str) -> None:
    assert Region.objects.get(code=code).timezone == zone


def test_every_child_shares_its_provinces_zone() -> None:
    for region in Region.objects.exclude(parent=None).select_related("parent")[:2000]:
        assert region.timezone == region.parent.timezone, region


def test_reloading_changes_nothing(now: Any) -> None:
    seq = AuditEntry.objects.count()
    assert regions_load(actor=SYSTEM, rows=reference_rows(), now=now) == {
        "created": 0,
        "updated": 0,
        "total": Region.objects.count(),
    }
    assert AuditEntry.objects.count() == seq


def test_bad_rows_reject_the_whole_load(now: Any) -> None:
    rows = [
        {
            "code": "61.03.99",
            "name": "Kecamatan Baru",
            "level": "district",
            "parent_code": "61.03",
            "timezone": "Asia/Pontianak",
        },
        {
            "code": "61.x",
            "name": "",
            "level": "galaxy",
            "parent_code": "",
            "timezone": "Mars/Olympus",
        },
        {
            "code": "61.03.98",
            "name": "Yatim",
            "level": "district",
            "parent_code": "61.77",
            "timezone": "Asia/Pontianak",
        },
    ]
    with pytest.raises(ValidationFailed) as info:
        regions_load(actor=SYSTEM, rows=rows, now=now)
    assert set(info.value.fields) == {"row 3", "row 4"}
    assert len(info.value.fields["row 3"]) == 4
    assert not Region.objects.filter(code="61.03.99").exists()


def test_region_api(api_as: Any) -> None:
    api = api_as(None)
    body = api.get("/api/v1/regions?parent=61.03&limit=100").json()
    assert body["count"] == 15
    assert api.get("/api/v1/regions?level=province&limit=100").json()["count"] == 38
    assert api.get("/api/v1/regions?q=sanggau").json()["items"][0]["code"] == "61.03"
    assert api.get("/api/v1/regions/61.03").json()["timezone"] == "Asia/Pontianak"
    missing = api.get("/api/v1/regions/99.99")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    assert api.get("/api/v1/regions?level=planet").status_code == 422
