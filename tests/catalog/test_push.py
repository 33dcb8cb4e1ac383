"""Rows pushed as JSON: types inferred or checked against the confirmed schema, refused as
a whole naming item and column, stored like an upload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sinergi.catalog import tabular
from sinergi.catalog.models import DatasetVersion
from sinergi.catalog.selectors import version_path

ROWS = [
    {"puskesmas": "Puskesmas Sanggau", "bulan": "2026-01-01", "kunjungan": 1200, "rasio": 0.5},
    {"puskesmas": "Puskesmas Entikong", "bulan": "2026-01-01", "kunjungan": 800, "rasio": 1},
    {"puskesmas": "Puskesmas Sekayam", "bulan": "2026-02-01", "kunjungan": None},
]


def test_push_infers_then_keeps_the_confirmed_schema(draft: Any, api_as: Any, store: Path) -> None:
    api = api_as("staff")
    url = f"/api/v1/datasets/{draft.slug}/versions/json"
    first = api.post(url, {"rows": ROWS, "note": "dari aplikasi"})
    assert first.status_code == 201, first.content
    body = first.json()
    assert body["source_format"] == "json" and body["row_count"] == 3
    assert [(c["name"], c["type"]) for c in body["columns"]] == [
        ("puskesmas", "text"),
        ("bulan", "date"),
        ("kunjungan", "integer"),
        ("rasio", "number"),
    ]
    version = DatasetVersion.objects.get(dataset=draft, number=1)
    page = tabular.query(version_path(version), version.columns, sort="kunjungan desc")
    assert page.rows[0]["puskesmas"] == "Puskesmas Sanggau" and page.rows[2]["rasio"] is None
    # The next push is checked against the confirmed schema: a text count is refused.
    bad = [*ROWS, {"puskesmas": "Puskesmas Meliau", "bulan": "2026-02-01", "kunjungan": "banyak"}]
    refused = api.post(url, {"rows": bad})
    assert refused.status_code == 422
    message = refused.json()["fields"]["file"][0]
    assert message.split(":")[0].endswith(" 4") and "kunjungan" in message  # item 4 named
    unknown = api.post(url, {"rows": [{"puskesmas": "x", "lain": 1}]})
    assert unknown.status_code == 422 and "lain" in unknown.json()["fields"]["file"][0]
    assert DatasetVersion.objects.filter(dataset=draft).count() == 1
    good = [*ROWS, {"puskesmas": "Puskesmas Meliau", "bulan": "2026-02-01", "kunjungan": 410}]
    second = api.post(url, {"rows": good})
    assert second.status_code == 201, second.content
    assert second.json()["changes"]["rows_added"] == 1
    assert api.post(url, {"rows": good}).status_code == 409  # the same rows again


def test_push_with_given_schema_and_inference_errors(draft: Any, api_as: Any, store: Path) -> None:
    api = api_as("staff")
    url = f"/api/v1/datasets/{draft.slug}/versions/json"
    columns = [
        {"name": "kode", "type": "text", "unit": ""},
        {"name": "jumlah", "type": "integer", "unit": "orang"},
    ]
    given = api.post(url, {"rows": [{"kode": 61, "jumlah": 5}], "columns": columns})
    assert given.status_code == 201, given.content
    assert given.json()["columns"][1] == {"name": "jumlah", "type": "integer", "unit": "orang"}
    mixed = [{"n": i} for i in range(5)] + [{"n": "lima"}]
    refused = api.post(url, {"rows": mixed, "infer": True})
    assert refused.status_code == 422
    assert refused.json()["fields"]["file"][0].split(",")[0].endswith(" 6")
    nested = api.post(url, {"rows": [{"n": {"a": 1}}], "infer": True})
    assert nested.status_code == 422
    assert nested.json()["fields"]["file"][0].split(",")[0].endswith(" 1")
    assert api.post(url, {"rows": []}).status_code == 422
    assert api_as("other_staff").post(url, {"rows": ROWS}).status_code == 404
    assert DatasetVersion.objects.filter(dataset=draft).count() == 1
