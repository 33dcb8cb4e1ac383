"""Tracking: the code and the second factor; no enumeration; rate limits."""

from __future__ import annotations

import time
from typing import Any

from django.test import Client

from sinergi.cases.models import Case


def _case(db: Any) -> Case:
    return Case.objects.filter(status="waiting_citizen").select_related("version").first()  # type: ignore[return-value]


def test_wrong_code_wrong_factor_and_missing_case_answer_alike(db: Any) -> None:
    case = _case(db)
    answers = []
    timings = []
    for code, factor in (
        (case.code, "0000"),  # right code, wrong factor
        ("SGU-2026-AAAA-AAAA", case.phone[-4:]),  # no such case
        ("not a code", "1234"),  # malformed
    ):
        start = time.perf_counter()
        response = Client().post("/layanan/lacak/", {"code": code, "factor": factor})
        timings.append(time.perf_counter() - start)
        answers.append(
            (
                response.status_code,
                response.content.decode().count("Tidak ada permohonan dengan kode"),
            )
        )
    assert answers == [(404, 1)] * 3
    assert max(timings) < 1.0


def test_citizen_sees_steps_and_what_is_asked(db: Any) -> None:
    case = _case(db)
    client = Client()
    response = client.post("/layanan/lacak/", {"code": case.code, "factor": case.nik[-4:]})
    assert response.status_code == 302
    page = client.get("/layanan/lacak/status/").content.decode()
    assert "Menunggu dokumen dari pemohon" in page
    assert "Diminta dari Anda" in page and "Kirim dokumen yang diminta" in page
    assert case.nik not in page and case.applicant_name not in page


def test_tracking_is_rate_limited(db: Any, settings: Any) -> None:
    settings.CASES_LIMITS = {"file": (10, 3600), "track": (3, 900)}
    client = Client()
    for _ in range(3):
        assert client.post("/layanan/lacak/", {"code": "X", "factor": "1234"}).status_code == 404
    response = client.post("/layanan/lacak/", {"code": "X", "factor": "1234"})
    assert response.status_code == 429
    assert "Terlalu banyak percobaan" in response.content.decode()
