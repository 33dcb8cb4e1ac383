"""Simple aggregates through DuckDB: grouped counts, sums, means, minimums and maximums with
filters; column names and types checked against the confirmed schema, values bound, clear
errors; and the column statistics of the table preview."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote as urlquote

import pytest

from sinergi.catalog import services, tabular
from sinergi.catalog.selectors import version_path

from .conftest import CSV


@pytest.fixture
def version(draft: Any, users: Any, now: Any, store: Path) -> Any:
    return services.version_upload(
        actor=users["staff"], dataset=draft, data=CSV.encode(), filename="k.csv", now=now
    )


def test_grouped_summaries_with_filters(version: Any) -> None:
    types = {c["name"]: c["type"] for c in version.columns}
    page = tabular.aggregate(
        version_path(version),
        version.columns,
        group_by=["kecamatan"],
        metrics=tabular.parse_metrics("count, sum:kunjungan, avg:rasio, max:bulan", types),
        sort="sum_kunjungan desc",
    )
    assert page.total == 3
    assert page.rows[0] == {
        "kecamatan": "Kapuas",
        "count": 2,
        "sum_kunjungan": 2510,
        "avg_rasio": 0.5,
        "max_bulan": "2026-02-01",
    }
    assert [c["type"] for c in page.columns] == ["text", "integer", "integer", "number", "date"]
    only = tabular.aggregate(
        version_path(version),
        version.columns,
        metrics=tabular.parse_metrics("min:kunjungan", types),
        filters={"bulan": "2026-01-01"},
    )
    assert only.rows == [{"min_kunjungan": 650}] and only.total == 1


def test_aggregate_api_and_its_errors(version: Any, api_as: Any) -> None:
    api = api_as("staff")
    url = f"/api/v1/datasets/{version.dataset.slug}/aggregate"
    body = api.get(f"{url}?group_by=kecamatan,bulan&metrics=count,avg:kunjungan&limit=2").json()
    assert (
        body["total"] == 4 and len(body["rows"]) == 2 and body["group_by"] == ["kecamatan", "bulan"]
    )
    filters = urlquote(json.dumps({"kecamatan": ["Kapuas", "Sekayam"]}))
    body = api.get(f"{url}?metrics=sum:kunjungan&filters={filters}").json()
    assert body["rows"] == [{"sum_kunjungan": 3160}]
    for query, field in [
        ("metrics=sum:puskesmas", "puskesmas"),  # text cannot be summed
        ("metrics=median:kunjungan", "metrics"),
        ("group_by=nope", "nope"),
        ('group_by=kecamatan"%20FROM%20x;--', 'kecamatan" FROM x;--'),
        ("metrics=avg:rasio)%20FROM%20t;--", "rasio) FROM t;--"),
        ("sort=count%20desc;%20drop", "count desc; drop"),
        (f"filters={urlquote(json.dumps({'kunjungan': 'x OR 1=1'}))}", "kunjungan"),
    ]:
        refused = api.get(f"{url}?{query}")
        assert refused.status_code == 422, (query, refused.content)
        assert field in refused.json()["fields"], (query, refused.json())
    assert api_as(None).get(url).status_code == 404  # a draft: not visible to the public


def test_summary_in_the_ui_and_column_stats(version: Any, client_as: Any) -> None:
    staff = client_as("staff")
    slug = version.dataset.slug
    page = staff.get(f"/data/{slug}/").content.decode()
    assert "Mean" in page or "Rerata" in page
    response = staff.get(
        f"/data/{slug}/ringkasan/?fn=sum&of=kunjungan&group_by=kecamatan&group_by=bulan"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "sum_kunjungan" in html and "1310" in html
    refused = staff.get(f"/data/{slug}/ringkasan/?fn=sum&of=puskesmas").content.decode()
    assert "sum_kunjungan" not in refused
    stats = {c["name"]: c for c in tabular.column_stats(version_path(version), version.columns)}
    assert stats["kunjungan"]["mean"] == pytest.approx(990.0)
    assert stats["kunjungan"]["nulls"] == 0 and stats["kecamatan"]["distinct"] == 3
    assert stats["puskesmas"]["mean"] is None
