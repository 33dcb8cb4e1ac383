"""Uploads: encodings, delimiters, schema inference, refusals that name row and column and
leave nothing behind, the change summary between versions and safe CSV export."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from sinergi.catalog import services, tabular
from sinergi.catalog.models import DatasetVersion
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.models import AuditEntry

from .conftest import CSV


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The messages are checked in English (the msgids)."""
    with translation.override("en"):
        yield


def upload(draft: Any, users: Any, now: Any, data: bytes) -> DatasetVersion:
    return services.version_upload(
        actor=users["staff"], dataset=draft, data=data, filename="x.csv", now=now
    )


def test_utf8_csv_is_stored_with_inferred_schema(
    draft: Any, users: Any, now: Any, store: Path
) -> None:
    version = upload(draft, users, now, CSV.encode())
    assert version.number == 1
    assert version.row_count == 4
    assert version.encoding == "utf-8" and version.delimiter == ","
    assert [(c["name"], c["type"]) for c in version.columns] == [
        ("puskesmas", "text"),
        ("kecamatan", "text"),
        ("bulan", "date"),
        ("kunjungan", "integer"),
        ("rasio", "number"),
    ]
    assert len(version.checksum) == 64
    assert version.published_by == users["staff"]
    assert (store / version.file_name).exists()
    assert AuditEntry.objects.filter(
        action="dataset.version_upload", object_id=str(version.pk)
    ).exists()


def test_latin1_semicolon_file_is_read(draft: Any, users: Any, now: Any) -> None:
    data = "desa;kecamatan;jumlah\nSungai Mawang;Kapuas;12\nBalai Karangan;Sekayam;7\n"
    version = upload(draft, users, now, data.replace("Mawang", "Mawáng").encode("latin-1"))
    assert version.encoding == "latin-1" and version.delimiter == ";"
    page = tabular.query(store_path(version), version.columns, sort="jumlah desc")
    assert page.rows[0]["desa"] == "Sungai Mawáng"


def store_path(version: DatasetVersion) -> Path:
    from sinergi.catalog.selectors import version_path

    return version_path(version)


@pytest.mark.parametrize(
    ("data", "row", "column"),
    [
        (b"a,b,c\n1,2,3\n4,5\n", 3, "c"),
        (b"a,b,c\n1,2,3\n4,5,6,7\n", 3, "4"),
        (b"a,,c\n1,2,3\n", 1, "2"),
        (b"a,b,a\n1,2,3\n", 1, "a"),
        (b"n,x\n" + b"".join(b"%d,%d\n" % (i, i) for i in range(20)) + b"21,abc\n", 22, "x"),
    ],
)
def test_malformed_file_is_refused_naming_row_and_column(
    draft: Any, users: Any, now: Any, store: Path, data: bytes, row: int, column: str
) -> None:
    with pytest.raises(tabular.TableError) as info:
        tabular.ingest_csv(data, root=store, max_bytes=10**6)
    assert (info.value.row, info.value.column) == (row, column)
    with pytest.raises(ValidationFailed) as failed:
        upload(draft, users, now, data)
    assert f"{row}" in failed.value.fields["file"][0]
    assert not DatasetVersion.objects.filter(dataset=draft).exists()
    assert not list(store.glob("*")) if store.exists() else True


def test_size_limit_and_empty_and_binary_files(
    draft: Any, users: Any, now: Any, settings: Any
) -> None:
    settings.CATALOG_MAX_UPLOAD_BYTES = 50
    with pytest.raises(ValidationFailed, match="larger than"):
        upload(draft, users, now, CSV.encode())
    settings.CATALOG_MAX_UPLOAD_BYTES = 10**6
    with pytest.raises(ValidationFailed, match="empty"):
        upload(draft, users, now, b"  \n")
    with pytest.raises(ValidationFailed, match="not a text"):
        upload(draft, users, now, b"a,b\n\x00\x01binary")
    with pytest.raises(ValidationFailed, match="not a valid Excel"):
        upload(draft, users, now, b"PK\x03\x04\x00\x00binary")
    with pytest.raises(ValidationFailed, match="no rows"):
        upload(draft, users, now, b"a,b\n")


def test_new_version_summarises_changes(draft: Any, users: Any, now: Any) -> None:
    upload(draft, users, now, CSV.encode())
    with pytest.raises(Conflict):
        upload(draft, users, now, CSV.encode())
    lines = CSV.splitlines()
    second = (
        "\n".join([*lines[:2], *lines[3:], "Puskesmas Meliau,Meliau,2026-02-01,410,0.1"]) + "\n"
    )
    v2 = upload(draft, users, now, second.encode())
    assert v2.number == 2
    assert v2.changes["rows_added"] == 1 and v2.changes["rows_removed"] == 1
    third = "\n".join(
        line + (",x" if i else ",catatan") for i, line in enumerate(second.splitlines())
    )
    v3 = upload(draft, users, now, third.encode())
    assert v3.changes["columns_added"] == ["catatan"]


def test_query_filters_sorts_pages_and_selects(draft: Any, users: Any, now: Any) -> None:
    version = upload(draft, users, now, CSV.encode())
    path = store_path(version)
    page = tabular.query(
        path, version.columns, filters={"kecamatan": "Kapuas"}, sort="kunjungan desc", limit=1
    )
    assert page.total == 2
    assert page.rows == [
        {
            "puskesmas": "Puskesmas Sanggau",
            "kecamatan": "Kapuas",
            "bulan": "2026-02-01",
            "kunjungan": 1310,
            "rasio": 0.5,
        }
    ]
    page = tabular.query(path, version.columns, fields=["puskesmas"], offset=3, sort="puskesmas")
    assert page.rows == [{"puskesmas": "Puskesmas Sekayam"}] and page.total == 4
    assert tabular.query(path, version.columns, filters={"kunjungan": "800"}).total == 1
    assert tabular.query(path, version.columns, q="entik").total == 1
    for bad in (
        {"filters": {"nope": 1}},
        {"sort": "nope"},
        {"fields": ["nope"]},
        {"filters": {"kunjungan": "banyak"}},
    ):
        with pytest.raises(tabular.TableError):
            tabular.query(path, version.columns, **bad)


def test_csv_export_neutralises_formulas(draft: Any, users: Any, now: Any, client_as: Any) -> None:
    data = 'nama,catatan\nA,=HYPERLINK("http://x")\nB,+1\nC,-2 hari\nD,@SUM(A1)\nE,biasa\n'
    upload(draft, users, now, data.encode())
    body = b"".join(client_as("staff").get("/data/kunjungan-puskesmas/unduh.csv").streaming_content)
    lines = body.decode().splitlines()
    assert lines[1] == 'A,"\'=HYPERLINK(""http://x"")"'
    assert "B,'+1" in lines and "C,'-2 hari" in lines and "D,'@SUM(A1)" in lines
    assert "E,biasa" in lines


def test_json_download(draft: Any, users: Any, now: Any, client_as: Any) -> None:
    import json

    upload(draft, users, now, CSV.encode())
    response = client_as("staff").get("/data/kunjungan-puskesmas/unduh.json")
    rows = json.loads(b"".join(response.streaming_content))
    assert len(rows) == 4 and rows[1]["kunjungan"] == 800 and rows[0]["bulan"] == "2026-01-01"
