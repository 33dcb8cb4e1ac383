"""The workbook checks shared by the apps (sinergi.core.spreadsheets)."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest
from django.utils import translation

from sinergi.core import spreadsheets
from sinergi.core.spreadsheets import (
    OLE_MAGIC,
    UnsafeWorkbook,
    check_xlsx_package,
    column_letter,
    neutralise,
    xlsx_text,
)

LIMITS = {"max_bytes": 1024**2, "max_unpacked": 2 * 1024**2, "max_members": 20}
BASE = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _zip(members: dict[str, bytes], *, encrypted: str = "") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    data = bytearray(out.getvalue())
    if encrypted:  # zipfile cannot write it: set the flag in the central directory
        entry = -1
        while (entry := data.find(b"PK\x01\x02", entry + 1)) >= 0:
            if data[entry + 46 : entry + 46 + len(encrypted)] == encrypted.encode():
                data[entry + 8] |= 0x1
    return bytes(data)


def _refused(data: bytes, **limits: int) -> str:
    with pytest.raises(UnsafeWorkbook) as info:
        check_xlsx_package(data, **{**LIMITS, **limits})
    return info.value.message


def test_a_real_workbook_passes_and_its_formula_sheets_are_named() -> None:
    wb = openpyxl.Workbook()
    wb.active.append([1, 2])
    wb.create_sheet("F").append([1, "=A1*2"])
    out = io.BytesIO()
    wb.save(out)
    assert check_xlsx_package(out.getvalue(), **LIMITS) == {"xl/worksheets/sheet2.xml"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"a,b\n1,2\n", "not a valid Excel"),
        (b"PK\x03\x04garbage", "not a valid Excel"),
        (_zip({"xl/workbook.xml": b"<workbook/>"}), "not a valid Excel"),
        (OLE_MAGIC + b"\0" * 600, "(.xls) or password-protected"),
        (b"PK\x03\x04" + b"\0" * (1024**2), "larger than the limit of 1 MB"),
        (_zip({**BASE, "xl/vbaProject.bin": b"x"}), "macros"),
        (_zip({**BASE, "xl/macrosheets/sheet1.xml": b"<xm/>"}), "macros"),
        (_zip({**BASE, "xl/styles.xml": b"<s/>"}, encrypted="xl/styles.xml"), "encrypted"),
        (_zip({**BASE, **{f"xl/p{n}.xml": b"<p/>" for n in range(30)}}), "too many parts"),
    ],
)
def test_hostile_packages_are_refused(data: bytes, message: str) -> None:
    assert message in _refused(data)


def test_a_zip_bomb_is_refused_by_its_declared_size() -> None:
    bomb = _zip({**BASE, "xl/media/padding.bin": b"\0" * 3 * 1024**2})
    assert len(bomb) < 20_000
    assert "unpacks to more than 2 MB" in _refused(bomb)


@pytest.mark.parametrize(
    "body",
    [
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'aaaa'>]><workbook/>",
        b"<workbook/><!entity a 'b'>",
        "\ufeff<?xml version='1.0' encoding='UTF-16'?><!DOCTYPE x><w/>".encode("utf-16-le"),
        # Across the boundary of two chunks read from the part.
        b" " * (spreadsheets._CHUNK - 4) + b"<!DOCTYPE x><w/>",
    ],
)
def test_a_dtd_in_any_xml_part_is_refused(body: bytes) -> None:
    assert "(a DTD)" in _refused(_zip({**BASE, "xl/worksheets/sheet1.xml": body}))


def test_a_damaged_part_is_refused_as_not_a_workbook() -> None:
    data = bytearray(_zip({**BASE, "xl/sharedStrings.xml": b"<sst>" + b"abcdefgh" * 500}))
    start = data.index(b"xl/sharedStrings.xml") + len("xl/sharedStrings.xml")
    data[start + 10 : start + 60] = b"\xff" * 50
    assert "not a valid Excel" in _refused(bytes(data))


def test_formula_looking_text_is_neutralised() -> None:
    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralise(text) == "'" + text
    assert neutralise("biasa") == "biasa" and neutralise("") == ""
    assert xlsx_text("=a\x01b\x1f") == "'=ab"


def test_column_letter() -> None:
    assert [column_letter(n) for n in (1, 26, 27, 28, 702, 703)] == [
        "A",
        "Z",
        "AA",
        "AB",
        "ZZ",
        "AAA",
    ]
