"""Work items as XLSX: template, export, round trip, every bad cell reported, hostile files."""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from typing import Any

import pytest
from django.utils import translation

from sinergi.core.exceptions import ValidationFailed
from tests.programs.test_exchange import SPAM, _copy_of_spam, _dates


def _sheet(rows: list[list[Any]], headings: list[str] | None = None) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(
        headings
        or ["Kode WBS", "Kegiatan", "Instansi pelaksana", "Durasi (hari kerja)", "Pendahulu"]
    )
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.mark.django_db
def test_template_has_headings_and_instructions() -> None:
    from openpyxl import load_workbook

    from sinergi.programs.models import Program
    from sinergi.programs.xlsx import COLUMNS, template_xlsx

    spam = Program.objects.get(code=SPAM)
    with translation.override("id"):
        data = template_xlsx(spam)
    wb = load_workbook(io.BytesIO(data))
    items, help_ws = wb.worksheets
    headings = [c.value for c in items[1]]
    assert headings[0] == "Kode WBS" and len(headings) == len(COLUMNS)
    assert items.max_row == 1
    text = " ".join(str(c.value) for row in help_ws.iter_rows() for c in row if c.value)
    assert "dpupr-sanggau" in text and "kantah-sanggau" in text and "FS" in text


@pytest.mark.django_db
def test_xlsx_round_trip_gives_the_same_schedule(now: dt.datetime) -> None:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import schedule_import
    from sinergi.programs.models import Dependency, Program
    from sinergi.programs.xlsx import export_xlsx

    spam = Program.objects.get(code=SPAM)
    data = export_xlsx(spam, now=now)
    target = _copy_of_spam(now, "SPAM-XLSX")
    counts = schedule_import(actor=SYSTEM, program=target, data=data, fmt="xlsx", now=now)
    assert counts["work_items"] == 28
    target.refresh_from_db()
    assert _dates(target, now) == _dates(spam, now)

    def links(p: Any) -> set[Any]:
        return {
            (d.predecessor.wbs, d.successor.wbs, d.type, d.lag)
            for d in Dependency.objects.filter(program=p)
        }

    assert links(target) == links(spam)
    # Exporting the copy gives the same sheet back.
    from openpyxl import load_workbook

    def cells(blob: bytes) -> list[Any]:
        return [[c.value for c in r] for r in load_workbook(io.BytesIO(blob)).worksheets[0]]

    assert cells(export_xlsx(target, now=now)) == cells(data)


@pytest.mark.django_db
def test_export_neutralises_formula_looking_text(now: dt.datetime) -> None:
    from openpyxl import load_workbook

    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import schedule_import
    from sinergi.programs.services import workitem_create
    from sinergi.programs.xlsx import export_xlsx

    target = _copy_of_spam(now, "SPAM-FORMULA")
    workitem_create(
        actor=SYSTEM,
        program=target,
        wbs="1",
        title='=HYPERLINK("http://x","klik")',
        owner=target.coordinator,
        duration=3,
        now=now,
    )
    data = export_xlsx(target, now=now)
    ws = load_workbook(io.BytesIO(data)).worksheets[0]
    assert ws["B2"].value == '\'=HYPERLINK("http://x","klik")' and ws["B2"].data_type == "s"
    # The quoted text comes back as the same title.
    other = _copy_of_spam(now, "SPAM-FORMULA2")
    schedule_import(actor=SYSTEM, program=other, data=data, fmt="xlsx", now=now)
    assert other.work_items.get().title == '=HYPERLINK("http://x","klik")'


@pytest.mark.django_db
def test_every_bad_cell_is_reported_and_nothing_applied(now: dt.datetime) -> None:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.exchange import schedule_import
    from sinergi.programs.models import WorkItem

    target = _copy_of_spam(now, "SPAM-XBAD")
    data = _sheet(
        [
            ["1", "Baik", "dpupr-sanggau", 5, None],
            ["2", "Durasi salah", "dpupr-sanggau", "lima", "1"],
            ["3", '=HYPERLINK("http://x")', "dpupr-sanggau", 3, "1"],
            ["4", "Pendahulu salah", "dpupr-sanggau", 3, "1FS+x"],
        ]
    )
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        schedule_import(actor=SYSTEM, program=target, data=data, fmt="xlsx", now=now)
    problems = exc.value.fields["file"]
    assert len(problems) == 3
    assert problems[0].startswith("Row 3, column D (Durasi (hari kerja))")
    assert problems[1].startswith("Row 4, column B") and "formula" in problems[1]
    assert problems[2].startswith("Row 5, column E")
    with translation.override("id"), pytest.raises(ValidationFailed) as exc:
        schedule_import(actor=SYSTEM, program=target, data=data, fmt="xlsx", now=now)
    assert exc.value.fields["file"][0].startswith("Baris 3, kolom D")
    # Rows that parse but clash with the program are all reported too.
    data = _sheet(
        [
            ["1", "Baik", "dpupr-sanggau", 5, None],
            ["2", "Instansi asing", "dinas-tidak-ada", 3, "1"],
            ["3", "Pendahulu tak ada", "dpupr-sanggau", 3, "9"],
        ]
    )
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        schedule_import(actor=SYSTEM, program=target, data=data, fmt="xlsx", now=now)
    problems = exc.value.fields["file"]
    assert [p.split(":")[0] for p in problems] == [
        "Row 3, column C (Instansi pelaksana)",
        "Row 4, column E (Pendahulu)",
    ]
    assert not WorkItem.objects.filter(program=target).exists()


def _zip(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as zf:
        for name, body in members.items():
            zf.writestr(name, body)
    return out.getvalue()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (lambda: b"wbs,title\n1,x\n", "not a valid Excel"),
        (lambda: b"PK\x03\x04garbage", "not a valid Excel"),
        (lambda: _zip({"a.txt": b"x"}), "not a valid Excel"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "(.xls)"),
        (
            lambda: _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<workbook/>",
                    "xl/bomb.xml": b"\0" * (101 * 1024 * 1024),
                }
            ),
            "unpacks to more than",
        ),
        (
            lambda: _zip(
                {
                    "[Content_Types].xml": b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'a'>]>",
                    "xl/workbook.xml": b"<workbook/>",
                }
            ),
            "DTD",
        ),
        (
            lambda: _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<workbook/>",
                    "xl/vbaProject.bin": b"x",
                }
            ),
            "macros",
        ),
        (lambda: _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<w"}), "cannot"),
        (lambda: _sheet([], headings=["apa", "ini"]), "lacks the columns"),
        (lambda: _sheet([]), "no tasks"),
        (lambda: b"PK\x03\x04" + b"x" * (21 * 1024 * 1024), "larger than"),
    ],
)
def test_hostile_workbooks_are_refused(
    now: dt.datetime, make: Any, fragment: str, settings: Any
) -> None:
    from sinergi.core.permissions import SYSTEM

    # One unpacked-size limit for every zip-based upload (sinergi.core.uploads).
    settings.SINERGI_UPLOAD_MAX_UNPACKED_BYTES = 100 * 1024 * 1024
    from sinergi.programs.exchange import schedule_import
    from sinergi.programs.models import Program, WorkItem

    spam = Program.objects.get(code=SPAM)
    before = WorkItem.objects.filter(program=spam).count()
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        schedule_import(actor=SYSTEM, program=spam, data=make(), fmt="xlsx", now=now)
    assert fragment in " ".join(exc.value.fields["file"])
    assert WorkItem.objects.filter(program=spam).count() == before


@pytest.mark.django_db
def test_too_many_rows_are_refused(now: dt.datetime, monkeypatch: Any) -> None:
    from sinergi.programs import xlsx

    monkeypatch.setattr(xlsx, "MAX_ROWS", 3)
    data = _sheet([[str(n), "x", "", 1, ""] for n in range(1, 6)])
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        xlsx.parse_xlsx(data)
    assert "More than 3 rows" in exc.value.fields["file"][-1]


@pytest.mark.django_db
def test_xlsx_through_ui_api_and_cli(
    client_as: Any, api_as: Any, now: dt.datetime, tmp_path: Any, capsys: Any
) -> None:
    import base64

    from django.core.files.uploadedfile import SimpleUploadedFile

    from sinergi.cli import main
    from sinergi.programs.models import WorkItem
    from sinergi.programs.xlsx import XLSX_MIME

    r = client_as("staff").get(f"/program/{SPAM}/ekspor/?format=xlsx")
    assert r.status_code == 200 and r["Content-Type"] == XLSX_MIME
    exported = r.content
    r = client_as("staff").get(f"/program/{SPAM}/templat-kegiatan.xlsx")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    page = client_as("pupr").get(f"/program/{SPAM}/impor/")
    assert b"templat-kegiatan.xlsx" in page.content
    # UI upload, small file: applied at once.
    target = _copy_of_spam(now, "SPAM-XUI")
    upload = SimpleUploadedFile("kegiatan.xlsx", exported, content_type=XLSX_MIME)
    page = client_as("pupr").post(
        f"/program/{target.code}/impor/", {"format": "xlsx", "file": upload}
    )
    assert page.status_code == 302 and WorkItem.objects.filter(program=target).count() == 28
    bad = SimpleUploadedFile("x.xlsx", _sheet([["1", "x", "", "lima", ""]]))
    page = client_as("pupr").post(f"/program/{target.code}/impor/", {"format": "xlsx", "file": bad})
    assert page.status_code == 400 and "Baris 2, kolom D" in page.content.decode()
    # API: binary download, base64 in the JSON export, multipart and JSON import.
    api = api_as("admin")
    r = api.get(f"/api/v1/programs/{SPAM}/work-items.xlsx")
    assert r.status_code == 200 and r.content.startswith(b"PK")
    assert api.get(f"/api/v1/programs/{SPAM}/work-items-template.xlsx").status_code == 200
    body = api.get(f"/api/v1/programs/{SPAM}/export?format=xlsx").json()
    assert body["encoding"] == "base64"
    again = _copy_of_spam(now, "SPAM-XAPI")
    r = api.post(
        f"/api/v1/programs/{again.code}/import", {"format": "xlsx", "content": body["content"]}
    )
    assert r.status_code == 201 and r.json()["work_items"] == 28
    r = api.post(f"/api/v1/programs/{again.code}/import", {"format": "xlsx", "content": "%%"})
    assert r.status_code == 422
    third = _copy_of_spam(now, "SPAM-XMULTI")
    url = f"/api/v1/programs/{third.code}/work-items.xlsx"
    denied = api_as("other_staff").client.post(
        url,
        {"file": SimpleUploadedFile("k.xlsx", exported)},
        **api_as("other_staff").headers,
    )
    assert denied.status_code == 403
    r = api.client.post(url, {"file": SimpleUploadedFile("k.xlsx", exported)}, **api.headers)
    api._validate("post", url, r)
    assert r.status_code == 201 and r.json()["work_items"] == 28
    assert base64.b64decode(body["content"]).startswith(b"PK")
    # CLI
    fourth = _copy_of_spam(now, "SPAM-XCLI")
    path = tmp_path / "kegiatan.xlsx"
    path.write_bytes(exported)
    assert main(["import", "schedule", str(path), "--program", fourth.code]) == 0
    assert "wrote 28 tasks" in capsys.readouterr().err
    assert main(["import", "schedule", str(path), "--program", fourth.code]) == 1
    assert "6.5" in capsys.readouterr().err
