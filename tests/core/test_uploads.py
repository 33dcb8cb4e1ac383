"""Upload limits in one place (sinergi.core.uploads): size per kind, sheet dimensions read
before a workbook is opened, one unpacked-size limit, a parse deadline; hostile column names
reach DuckDB only as quoted identifiers; XML is parsed without entities."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from sinergi.core import uploads
from sinergi.core.exceptions import ValidationFailed

HOSTILE = ['a"; DROP TABLE data; --', "b'); SELECT 1; --", "c;d", 'e""f']


def _sheet_xml(rows: int, cols: int, *, declared: str | None = None) -> bytes:
    letters = "ABCDEFGHIJ"[:cols]
    ref = declared or f"A1:{letters[-1]}{rows}"
    body = "".join(
        f'<row r="{r}">' + "".join(f'<c r="{c}{r}"><v>{r}</v></c>' for c in letters) + "</row>"
        for r in range(1, rows + 1)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{ref}"/><sheetData>{body}</sheetData></worksheet>'
    ).encode()


def _workbook(sheet: bytes) -> bytes:
    """A minimal .xlsx package around one worksheet part."""
    out = io.BytesIO()
    ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
            'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main" xmlns:r="{ns}"><sheets><sheet name="Data" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
            'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        z.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


@pytest.fixture
def draft(db: Any, users: dict[str, Any], now: Any, settings: Any, tmp_path: Path) -> Any:
    from sinergi.agencies.models import Agency
    from sinergi.catalog.services import dataset_create

    settings.CATALOG_ROOT = tmp_path / "catalog"
    return dataset_create(
        actor=users["staff"],
        publisher=Agency.objects.get(slug="dinkes-sanggau"),
        slug="batas-unggah",
        title="Batas unggah",
        description="Uji batas unggahan.",
        tags=["uji"],
        sector="kesehatan",
        contact_name="Seksi Data",
        contact_email="data@dinkes.example",
        now=now,
    )


def _upload(draft: Any, users: dict[str, Any], now: Any, data: bytes, name: str) -> Any:
    from sinergi.catalog.services import version_upload

    return version_upload(actor=users["staff"], dataset=draft, data=data, filename=name, now=now)


def test_a_million_row_workbook_is_refused_from_its_dimension(
    draft: Any, users: dict[str, Any], now: Any
) -> None:
    from sinergi.catalog.models import DatasetVersion

    # The sheet's metadata says a million rows; its data holds only a few, so nothing but
    # the dimension (read before the workbook is opened) can refuse it.
    data = _workbook(_sheet_xml(3, 3, declared="A1:C1000000"))
    assert uploads.xlsx_sheet_sizes(data) == [uploads.SheetSize("Data", 1_000_000, 3)]
    with translation.override("en"), pytest.raises(ValidationFailed) as info:
        _upload(draft, users, now, data, "besar.xlsx")
    assert "1,000,000 rows" in info.value.fields["file"][0]
    assert not DatasetVersion.objects.filter(dataset=draft).exists()
    with translation.override("id"), pytest.raises(ValidationFailed) as info:
        _upload(draft, users, now, data, "besar.xlsx")
    assert "Lembar Data berisi 1,000,000 baris" in info.value.fields["file"][0]


def test_a_parse_past_the_deadline_stops(
    draft: Any, users: dict[str, Any], now: Any, settings: Any
) -> None:
    settings.SINERGI_UPLOAD_MAX_PARSE_SECONDS = 0
    data = _workbook(_sheet_xml(1200, 2))
    with translation.override("en"), pytest.raises(ValidationFailed, match="longer than 0 sec"):
        _upload(draft, users, now, data, "lambat.xlsx")


def test_size_limits_per_kind(draft: Any, users: dict[str, Any], now: Any, settings: Any) -> None:
    settings.SINERGI_UPLOAD_MAX_BYTES = {**settings.SINERGI_UPLOAD_MAX_BYTES, "csv": 1000}
    big = b"a,b\n" + b"1,2\n" * 300
    with translation.override("en"), pytest.raises(uploads.UploadRefused) as info:
        _upload(draft, users, now, big, "besar.csv")
    assert info.value.code == "upload_refused"
    assert "larger than the limit" in info.value.fields["file"][0]
    assert _upload(draft, users, now, b"a,b\n1,2\n", "kecil.csv").row_count == 1
    # One unpacked-size limit for every zip-based upload.
    from sinergi.catalog.services import xlsx_limits

    settings.SINERGI_UPLOAD_MAX_UNPACKED_BYTES = 12345
    assert xlsx_limits()["max_uncompressed"] == uploads.max_unpacked() == 12345


def test_hostile_column_names_stay_identifiers(tmp_path: Path) -> None:
    from sinergi.catalog import tabular

    header = ",".join('"' + n.replace('"', '""') + '"' for n in HOSTILE)
    rows = "\n".join(f"{i},x{i},{i * 2},y" for i in range(5))
    ingested = tabular.ingest_csv(f"{header}\n{rows}\n".encode(), root=tmp_path, max_bytes=10**6)
    assert [c["name"] for c in ingested.columns] == HOSTILE
    page = tabular.query(
        ingested.path,
        ingested.columns,
        filters={HOSTILE[0]: "3"},
        sort=f"{HOSTILE[2]} desc",
        q="x",
    )
    assert page.total == 1 and page.rows[0][HOSTILE[1]] == "x3"
    groups = tabular.aggregate(
        ingested.path, ingested.columns, group_by=[HOSTILE[3]], metrics=[("sum", HOSTILE[2])]
    )
    assert groups.rows[0][HOSTILE[3]] == "y" and groups.total == 1
    stats = tabular.column_stats(ingested.path, ingested.columns)
    assert [s["name"] for s in stats] == HOSTILE
    assert stats[2]["max"] == 8 and stats[0]["count"] == 5
    # The table is still there and whole after every query.
    again = tabular.query(ingested.path, ingested.columns)
    assert again.total == 5
    other = tabular.ingest_csv(
        f"{header}\n{rows}\n9,x9,18,y\n".encode(), root=tmp_path, max_bytes=10**6
    )
    changes = tabular.compare(ingested.path, ingested.columns, other.path, other.columns)
    assert changes["rows_added"] == 1 and changes["rows_removed"] == 0


def test_xml_with_entities_is_refused_before_expansion() -> None:
    from sinergi.programs.exchange import parse_mspdi

    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
        b'<Project xmlns="http://schemas.microsoft.com/project"><Name>&b;</Name></Project>'
    )
    # In UTF-16 the byte scan before parsing cannot see the DTD: defusedxml refuses it.
    wide = laughs.replace(b'version="1.0"?>', b'version="1.0" encoding="UTF-16"?>', 1)
    for data in (laughs, wide.decode().encode("utf-16")):
        with translation.override("en"), pytest.raises(ValidationFailed) as info:
            parse_mspdi(data)
        assert "DTD" in info.value.fields["file"][0]
