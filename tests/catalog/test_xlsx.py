"""XLSX uploads through the CSV pipeline, hostile workbooks refused with nothing stored,
formulas never evaluated, and XLSX downloads with formula-looking text neutralised."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from sinergi.catalog import services, tabular
from sinergi.catalog.models import DatasetVersion
from sinergi.catalog.selectors import version_path
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.spreadsheets import OLE_MAGIC


@pytest.fixture(autouse=True)
def _english() -> Any:
    """The messages are checked in English (the msgids)."""
    with translation.override("en"):
        yield


def workbook(*sheets: tuple[str, list[list[Any]]]) -> bytes:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets:
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def patched(data: bytes, member: str, old: bytes, new: bytes) -> bytes:
    """The workbook with bytes of one part replaced (to write what openpyxl cannot)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info)
            if info.filename == member:
                assert old in body
                body = body.replace(old, new)
            target.writestr(info.filename, body)
    return out.getvalue()


def with_member(data: bytes, name: str, body: bytes = b"x") -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a") as archive:
        archive.writestr(name, body)
    return out.getvalue()


ROWS = [
    ["Jumlah kunjungan puskesmas 2026"],  # a report title above the header
    [],
    ["puskesmas", "bulan", "kunjungan", "rasio", "rujukan"],
    ["Puskesmas Sanggau", dt.datetime(2026, 1, 1), 1200, 0.5, True],
    ["Puskesmas Entikong", dt.datetime(2026, 1, 1), 800, 0.25, False],
    [],
    ["Puskesmas Sekayam", dt.datetime(2026, 2, 1), 650, 0.75, True],
]


def upload(draft: Any, users: Any, now: Any, data: bytes, **kw: Any) -> DatasetVersion:
    return services.version_upload(
        actor=users["staff"], dataset=draft, data=data, filename="k.xlsx", now=now, **kw
    )


def test_xlsx_goes_through_the_csv_pipeline(draft: Any, users: Any, now: Any, store: Path) -> None:
    data = workbook(("Lain", [["x"], [1]]), ("Kunjungan", ROWS))
    first = upload(draft, users, now, data)
    assert first.sheet == "Lain" and first.source_format == "xlsx"
    version = upload(draft, users, now, data, sheet="Kunjungan", note="sheet dipilih")
    assert version.row_count == 3 and version.sheet == "Kunjungan"
    assert [(c["name"], c["type"]) for c in version.columns] == [
        ("puskesmas", "text"),
        ("bulan", "date"),
        ("kunjungan", "integer"),
        ("rasio", "number"),
        ("rujukan", "boolean"),
    ]
    page = tabular.query(version_path(version), version.columns, sort="kunjungan desc")
    assert page.rows[0]["puskesmas"] == "Puskesmas Sanggau" and page.rows[0]["rujukan"] is True


def test_cached_formula_values_are_taken_and_uncached_ones_refused(
    draft: Any, users: Any, now: Any, store: Path
) -> None:
    data = workbook(("Data", [["a", "b"], [2, "=A2*2"], [3, 4]]))
    # openpyxl writes the formula without a value: refused naming the cell.
    with pytest.raises(ValidationFailed, match="B2"):
        upload(draft, users, now, data)
    # The same formula with the value a spreadsheet saved: the value is taken.
    cached = patched(data, "xl/worksheets/sheet1.xml", b"<v />", b"<v>4</v>")
    version = upload(draft, users, now, cached)
    page = tabular.query(version_path(version), version.columns)
    assert [r["b"] for r in page.rows] == [4, 4]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: b"PK\x03\x04" + b"\x00" * 40, "not a valid Excel"),
        (lambda: OLE_MAGIC + b"\x00" * 600, ".xls"),
        (
            lambda: patched(
                workbook(("D", [["a"], [1]])),
                "xl/workbook.xml",
                b"<workbook",
                b'<!DOCTYPE x [<!ENTITY a "aaaa">]><workbook',
            ),
            "DTD",
        ),
        (lambda: with_member(workbook(("D", [["a"], [1]])), "xl/vbaProject.bin"), "macros"),
        (lambda: workbook(("D", [["a", "b"], [1, 2, 3]])), "Row 2 has a value in column C"),
        (
            lambda: workbook(("D", [["n", "x"], *[[i, i] for i in range(20)], [21, "abc"]])),
            "Row 22",
        ),
        (lambda: workbook(("D", [["a", "b"], [1, "#DIV/0!"]])), "B2"),
        (lambda: workbook(("D", [["a"], [1]])), "no sheet 'Nope'"),
    ],
)
def test_hostile_or_broken_workbooks_are_refused_leaving_nothing(
    draft: Any, users: Any, now: Any, store: Path, make: Any, message: str
) -> None:
    with pytest.raises(ValidationFailed) as info:
        upload(draft, users, now, make(), sheet="Nope" if "Nope" in message else "")
    assert message in info.value.fields["file"][0]
    assert not DatasetVersion.objects.filter(dataset=draft).exists()
    assert not store.exists() or not any(store.iterdir())


def test_zip_bomb_and_too_many_cells_are_refused(
    draft: Any, users: Any, now: Any, store: Path, settings: Any
) -> None:
    data = workbook(("D", [["a", "b"], *[[i, i] for i in range(50)]]))
    bomb = io.BytesIO(data)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\x00" * 3_000_000)
    assert len(bomb.getvalue()) < 100_000
    settings.CATALOG_XLSX_MAX_UNCOMPRESSED = 2_000_000
    with pytest.raises(ValidationFailed, match="unpacks to more than"):
        upload(draft, users, now, bomb.getvalue())
    settings.CATALOG_XLSX_MAX_UNCOMPRESSED = 10**9
    settings.CATALOG_XLSX_MAX_CELLS = 40
    with pytest.raises(ValidationFailed, match="40 cells"):  # read from the dimension
        upload(draft, users, now, data)
    assert not DatasetVersion.objects.filter(dataset=draft).exists()


def test_xlsx_download_neutralises_formulas(
    draft: Any, users: Any, now: Any, store: Path, client_as: Any
) -> None:
    services.version_upload(
        actor=users["staff"],
        dataset=draft,
        data=b"nama,nilai\n=HYPERLINK(1),1\n@SUM(A1),2\nbiasa,3\n",
        filename="x.csv",
        now=now,
    )
    response = client_as("staff").get(f"/data/{draft.slug}/unduh.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    wb = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    rows = list(wb.active.iter_rows(values_only=True))
    assert rows == [("nama", "nilai"), ("'=HYPERLINK(1)", 1), ("'@SUM(A1)", 2), ("biasa", 3)]
    assert all(c.data_type != "f" for row in wb.active.iter_rows() for c in row)


def test_xlsx_upload_through_the_ui_and_api(
    draft: Any, client_as: Any, api_as: Any, store: Path
) -> None:
    data = workbook(("Kunjungan", ROWS))
    staff = client_as("staff")
    response = staff.post(
        f"/data/{draft.slug}/unggah/",
        {"file": SimpleUploadedFile("k.xlsx", data), "note": "", "sheet": ""},
    )
    assert response.status_code == 302
    assert draft.versions.get().source_format == "xlsx"
    api = api_as("staff")
    changed = workbook(
        ("Kunjungan", [*ROWS, ["Puskesmas Meliau", dt.datetime(2026, 2, 1), 5, 1.0]])
    )
    response = api.client.post(
        f"/api/v1/datasets/{draft.slug}/versions",
        {"file": SimpleUploadedFile("k.xlsx", changed), "sheet": "Kunjungan"},
        HTTP_AUTHORIZATION=api.headers["HTTP_AUTHORIZATION"],
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["source_format"] == "xlsx" and body["row_count"] == 4
    assert body["changes"]["rows_added"] == 1


def test_ckan_res_format_matches_every_download_format(db: Any, client: Any) -> None:
    for fmt, found in [("XLSX", True), ("json", True), ("CSV", True), ("PDF", False)]:
        body = client.get(f"/api/3/action/package_search?fq=res_format:{fmt}&rows=1").json()
        assert (body["result"]["count"] > 0) is found, fmt
