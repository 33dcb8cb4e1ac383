"""Filing: every bad input gets a clear Indonesian error and nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from sinergi.cases.identity import CODE_ALPHABET, CODE_RE, nik_errors, normalize_phone
from sinergi.cases.models import Case, CaseDocument
from sinergi.cases.services import storage_dir
from tests.cases.helpers import PNG, file_pbg, pdf


def _stored() -> set[str]:
    folder = storage_dir()
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def _refused(response: Any, field: str, text: str) -> None:
    page = response.content.decode()
    assert response.status_code == 400, page[:500]
    assert text in page, f"{text!r} not on the page"
    assert f'id="id_{field}_error"' in page


@pytest.mark.parametrize(
    ("nik", "text"),
    [
        ("12345", "NIK terdiri dari tepat 16 angka."),
        ("9903014509900012", "bukan kode kecamatan Kemendagri"),
        ("6103013213900012", "harus tanggal lahir DDMMYY"),
        ("6103014509900000", "tidak pernah 0000"),
    ],
)
def test_bad_nik_is_refused_and_nothing_stored(db: Any, nik: str, text: str) -> None:
    before_cases, before_files = Case.objects.count(), _stored()
    _refused(file_pbg(Client(), nik=nik), "nik", text)
    assert Case.objects.count() == before_cases
    assert _stored() == before_files


def test_bad_phone_is_refused(db: Any) -> None:
    before = Case.objects.count()
    _refused(file_pbg(Client(), phone="021-555"), "phone", "Masukkan nomor HP Indonesia")
    assert Case.objects.count() == before


def test_oversized_upload_is_refused_and_nothing_stored(db: Any, settings: Any) -> None:
    settings.CASES_MAX_UPLOAD_BYTES = 1024
    before_docs, before_files = CaseDocument.objects.count(), _stored()
    big = pdf("gambar.pdf", b"%PDF-1.4\n" + b"x" * 2000)
    _refused(file_pbg(Client(), doc_gambar=big), "doc_gambar", "Berkas lebih besar dari")
    assert CaseDocument.objects.count() == before_docs
    assert _stored() == before_files


def test_wrong_file_type_is_refused(db: Any) -> None:
    before = Case.objects.count()
    exe = pdf("gambar.pdf", b"MZ\x90\x00\x03" + b"\x00" * 50)
    _refused(file_pbg(Client(), doc_gambar=exe), "doc_gambar", "Hanya berkas PDF, PNG, atau JPEG")
    assert Case.objects.count() == before


def test_missing_document_is_named(db: Any) -> None:
    data = {"doc_sppl": ""}
    response = file_pbg(Client(), **data)
    _refused(response, "doc_sppl", "Unggah dokumen ini.")


def test_a_photo_is_accepted_and_the_receipt_shows_the_code(db: Any) -> None:
    client = Client()
    response = file_pbg(client, doc_gambar=pdf("gambar.png", PNG))
    assert response.status_code == 302
    case = Case.objects.latest("pk")
    assert CODE_RE.fullmatch(case.code)
    assert case.phone == "081234567890"
    assert "gambar.png" in set(case.documents.values_list("name", flat=True))
    page = client.get("/layanan/tanda-terima/").content.decode()
    assert case.code in page and "Permohonan Anda sudah diterima" in page


def test_counter_filing_is_recorded_as_such(db: Any) -> None:
    from sinergi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username="mpp"))
    page = client.get("/layanan/pbg/ajukan/").content.decode()
    assert "atas nama warga" in page
    assert file_pbg(client).status_code == 302
    case = Case.objects.latest("pk")
    assert case.channel == "counter" and case.filed_by is not None


def test_identity_rules() -> None:
    exists = {"61.03.01"}.__contains__
    assert nik_errors("6103014509900012", district_exists=exists) == []  # woman, 5 Sep 1990
    assert nik_errors("6103010509900012", district_exists=exists) == []  # man, 5 Sep 1990
    assert nik_errors("6103012902010012", district_exists=exists)  # 29 Feb 2001 is no date
    assert normalize_phone("+62 812-3456-7890") == "081234567890"
    assert normalize_phone("6281234567890") == "081234567890"
    assert normalize_phone("0561 123456") is None
    assert not set("01ILOSB8") & set(CODE_ALPHABET)


def test_filing_is_rate_limited_per_address(db: Any, settings: Any) -> None:
    settings.CASES_LIMITS = {"file": (2, 3600), "track": (20, 900)}
    client = Client()
    assert file_pbg(client, nik="1").status_code == 400
    assert file_pbg(client, nik="1").status_code == 400
    response = file_pbg(client)
    assert response.status_code == 429
    assert "Terlalu banyak permohonan dari alamat ini" in response.content.decode()
