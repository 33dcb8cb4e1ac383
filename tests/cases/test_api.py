"""The kiosk API: filing and tracking, validated against the OpenAPI schema."""

from __future__ import annotations

import base64
from typing import Any

from sinergi.cases.models import Case

PDF_B64 = base64.b64encode(b"%PDF-1.4\n%%EOF\n").decode()


def _body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "service": "izin-usaha-mikro",
        "applicant_name": "Rina Sari",
        "nik": "6103014509900012",
        "phone": "0812-3456-7890",
        "fields": {"nama_usaha": "Kue Basah", "bidang": "Kuliner"},
        "documents": [{"requirement": "foto_usaha", "name": "foto.pdf", "content_base64": PDF_B64}],
    }
    body.update(overrides)
    return body


def test_kiosk_files_and_tracks(api_as: Any) -> None:
    kiosk = api_as("mpp")
    response = kiosk.post("/api/v1/cases", _body())
    assert response.status_code == 201
    code = response.json()["code"]
    case = Case.objects.get(code=code)
    assert case.channel == "kiosk" and case.documents.count() == 1
    track = kiosk.get(f"/api/v1/cases/track?code={code}&factor=7890")
    assert track.status_code == 200
    data = track.json()
    assert data["status"] == "verification" and data["steps"][0]["agency"] == (
        "disperindagkop-um-sanggau"
    )
    assert "6103014509900012" not in track.content.decode()


def test_bad_input_answers_422_with_fields(api_as: Any) -> None:
    kiosk = api_as("mpp")
    before = Case.objects.count()
    response = kiosk.post("/api/v1/cases", _body(nik="123", phone="12"))
    assert response.status_code == 422
    assert set(response.json()["fields"]) >= {"nik", "phone"}
    bad = kiosk.post(
        "/api/v1/cases",
        _body(documents=[{"requirement": "foto_usaha", "name": "x.pdf", "content_base64": "!!"}]),
    )
    assert bad.status_code == 422
    exe = base64.b64encode(b"MZ\x90\x00").decode()
    wrong = kiosk.post(
        "/api/v1/cases",
        _body(documents=[{"requirement": "foto_usaha", "name": "x.pdf", "content_base64": exe}]),
    )
    assert wrong.status_code == 422
    assert "PDF, PNG, atau JPEG" in wrong.json()["fields"]["doc_foto_usaha"][0]
    assert Case.objects.count() == before


def test_wrong_factor_is_a_plain_404(api_as: Any) -> None:
    kiosk = api_as("mpp")
    case = Case.objects.first()
    assert case is not None
    wrong = kiosk.get(f"/api/v1/cases/track?code={case.code}&factor=0000")
    missing = kiosk.get("/api/v1/cases/track?code=SGU-2026-AAAA-AAAA&factor=0000")
    assert wrong.status_code == missing.status_code == 404
    assert wrong.json() == missing.json()


def test_services_list_the_standards(api_as: Any) -> None:
    rows = api_as("staff").get("/api/v1/cases/services").json()
    assert {r["slug"] for r in rows} >= {"pbg", "akta-kelahiran"}
