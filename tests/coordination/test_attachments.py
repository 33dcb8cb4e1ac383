"""Attachments: size and content checks, names never trusted, served only to those who see
the request, stored outside the web root under random names."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from sinergi.accounts.services import token_create
from sinergi.coordination import attachments
from sinergi.coordination.models import Attachment

from .helpers import at, submit, user

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "ext"),
    [
        (PDF, "surat.pdf", "pdf"),
        (PNG, "peta.pdf", "png"),  # the name lies; the content decides
        (b"\xff\xd8\xff\xe0" + b"\x00" * 10, "foto.jpeg", "jpg"),
        (_zip(["[Content_Types].xml", "word/document.xml"]), "x.docx", "docx"),
        (_zip(["[Content_Types].xml", "xl/workbook.xml"]), "x.xlsx", "xlsx"),
        (b"desa;jumlah\nSekayam;12\n", "data.csv", "csv"),
        (b"<script>alert(1)</script>", "halaman.html", "txt"),
        (b"MZ\x90\x00\x03\x00\x00\x00", "setup.pdf", None),  # a Windows program
        (_zip(["evil.sh"]), "x.docx", None),  # a zip that is not an Office file
        (b"PK\x03\x04garbage", "x.xlsx", None),
        (b"\xc3\x28 invalid utf-8", "x.txt", None),
    ],
)
def test_type_is_judged_by_content(data: bytes, name: str, ext: str | None) -> None:
    assert attachments.sniff(data, name) == ext


def test_names_are_never_trusted() -> None:
    assert attachments.clean_name("../../etc/passwd", "txt") == "passwd.txt"
    assert attachments.clean_name("C:\\Users\\a\\Peta Lokasi.PDF", "pdf") == "Peta Lokasi.pdf"
    assert attachments.clean_name('a"\r\nb<x>.pdf', "pdf") == "a_b_x.pdf"
    assert attachments.clean_name("", "png") == "lampiran.png"
    assert len(attachments.clean_name("x" * 500 + ".pdf", "pdf")) <= 104


def test_upload_download_and_who_may(client_as: Any, _attachment_dir: Path) -> None:
    r = submit(now=at(2026, 11, 2))
    pupr = client_as("pupr")
    upload = SimpleUploadedFile("../../Surat Permohonan.pdf", PDF, content_type="text/html")
    assert pupr.post(f"/permintaan/{r.pk}/lampiran/", {"file": upload}).status_code == 302
    row = Attachment.objects.get(request=r)
    assert row.name == "Surat Permohonan.pdf" and row.content_type == "application/pdf"
    stored = _attachment_dir / row.stored_name
    assert stored.read_bytes() == PDF
    assert row.stored_name not in row.name and len(row.stored_name) == 32
    assert not str(stored).startswith(str(settings.STATIC_ROOT))
    url = f"/permintaan/{r.pk}/lampiran/{row.pk}/"
    got = client_as("pertanahan").get(url)
    assert got.status_code == 200
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"].startswith("attachment;")
    assert got["X-Content-Type-Options"] == "nosniff"
    assert b"".join(got.streaming_content) == PDF  # type: ignore[attr-defined]
    assert client_as("dinkes").get(url).status_code == 404
    assert client_as("pengamat").get(url).status_code == 404
    assert client_as(None).get(url).status_code == 302
    assert client_as("dinkes").post(f"/permintaan/{r.pk}/lampiran/", {}).status_code == 404
    assert r.events.filter(kind="attachment").count() == 1


def test_abuse_is_refused_and_nothing_is_stored(client_as: Any, _attachment_dir: Path) -> None:
    r = submit(now=at(2026, 11, 2))
    pupr = client_as("pupr")
    for name, data in [
        ("kosong.pdf", b""),
        ("program.pdf", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("besar.pdf", b"%PDF-" + b"0" * attachments.MAX_BYTES),
    ]:
        response = pupr.post(
            f"/permintaan/{r.pk}/lampiran/", {"file": SimpleUploadedFile(name, data)}
        )
        assert response.status_code == 302
    assert not Attachment.objects.filter(request=r).exists()
    assert not _attachment_dir.exists() or not any(_attachment_dir.iterdir())


def test_api_upload_and_list(client_as: Any, now: Any) -> None:
    from django.test import Client

    r = submit(now=at(2026, 11, 2))
    _t, secret = token_create(actor=user("pupr"), user=user("pupr"), name="t", now=now)
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    ok = api.post(
        f"/api/v1/requests/{r.pk}/attachments", {"file": SimpleUploadedFile("peta.png", PNG)}
    )
    assert ok.status_code == 201, ok.content
    assert ok.json()["content_type"] == "image/png"
    bad = api.post(
        f"/api/v1/requests/{r.pk}/attachments",
        {"file": SimpleUploadedFile("x.pdf", b"MZ\x00\x00")},
    )
    assert bad.status_code == 422 and "file" in bad.json()["fields"]
    listed = api.get(f"/api/v1/requests/{r.pk}/attachments").json()
    assert [a["name"] for a in listed] == ["peta.png"]
    _t2, other = token_create(actor=user("dinkes"), user=user("dinkes"), name="t", now=now)
    outsider = Client(HTTP_AUTHORIZATION=f"Bearer {other}")
    assert outsider.get(f"/api/v1/requests/{r.pk}/attachments").status_code == 404
    denied = outsider.post(
        f"/api/v1/requests/{r.pk}/attachments", {"file": SimpleUploadedFile("p.png", PNG)}
    )
    assert denied.status_code == 404
