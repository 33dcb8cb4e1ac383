"""Permission-matrix rows of the cases app (see tests/test_permission_matrix.py).

The case of the matrix is a fresh building approval (PBG) waiting for verification at
DPMPTSP: only the platform admin of the matrix roles sees it (the Dinas Kesehatan, the
Kantor Pertanahan, the Bupati and the Bappeda viewer have no step in it: UU 27/2022 keeps
its personal data from them, leaders included).
"""

from __future__ import annotations

import datetime as dt

from tests.matrix import API_READ, PUBLIC, SIGNED_IN, Case, expect

ADMIN_ONLY = expect(404, anonymous=302, admin=200)
ADMIN_POST = expect(404, anonymous=302, admin=302)


def _case(now: dt.datetime) -> dict[str, str]:
    from sinergi.cases import services
    from sinergi.cases.models import Service
    from sinergi.core.permissions import SYSTEM

    pdf = b"%PDF-1.4\n%%EOF\n"
    service = Service.objects.get(slug="pbg")
    case = services.case_file(
        actor=SYSTEM,
        service=service,
        applicant_name="Matriks Uji",
        nik="6103010101900001",
        phone="081234567890",
        data={"lokasi": "Sanggau", "fungsi": "Hunian"},
        uploads=[
            services.Upload(code, f"{code}.pdf", pdf) for code in ("bukti_tanah", "gambar", "sppl")
        ],
        now=now,
    )
    step = case.steps.first()
    doc = case.documents.first()
    assert step is not None and doc is not None
    return {"case": str(case.pk), "step": str(step.pk), "doc": str(doc.pk)}


UI_CASES = [
    Case("cases:list", "get", "/layanan/", PUBLIC),
    Case("cases:receipt", "get", "/layanan/tanda-terima/", expect(302)),
    Case("cases:receipt_pdf", "get", "/layanan/tanda-terima.pdf", expect(302)),
    Case("cases:track", "get", "/layanan/lacak/", PUBLIC),
    Case("cases:track_status", "get", "/layanan/lacak/status/", expect(302)),
    Case("cases:track_provide", "post", "/layanan/lacak/dokumen/", expect(302)),
    Case("cases:track_rate", "post", "/layanan/lacak/nilai/", expect(302)),
    Case("cases:track_product", "get", "/layanan/lacak/produk/", expect(302)),
    Case("cases:case_list", "get", "/layanan/kasus/", SIGNED_IN),
    Case("cases:case_detail", "get", "/layanan/kasus/{case}/", ADMIN_ONLY, setup=_case),
    Case(
        "cases:case_receipt",
        "get",
        "/layanan/kasus/{case}/tanda-terima.pdf",
        ADMIN_ONLY,
        setup=_case,
    ),
    Case("cases:case_verify", "post", "/layanan/kasus/{case}/verifikasi/", ADMIN_POST, setup=_case),
    Case("cases:case_reject", "post", "/layanan/kasus/{case}/tolak/", ADMIN_POST, setup=_case),
    Case("cases:case_issue", "post", "/layanan/kasus/{case}/terbitkan/", ADMIN_POST, setup=_case),
    Case(
        "cases:step_act",
        "post",
        "/layanan/kasus/{case}/langkah/{step}/answer/",
        ADMIN_POST,
        setup=_case,
    ),
    Case(
        "cases:document_download",
        "get",
        "/layanan/kasus/{case}/dokumen/{doc}/",
        ADMIN_ONLY,
        setup=_case,
    ),
    Case(
        "cases:service_create",
        "get",
        "/layanan/standar/baru/",
        expect(403, anonymous=302, admin=200, leader=200, head=200),
    ),
    Case("cases:service_detail", "get", "/layanan/pbg/", PUBLIC),
    Case("cases:case_file", "get", "/layanan/pbg/ajukan/", PUBLIC),
    Case("cases:service_edit", "get", "/layanan/pbg/ubah/", expect(403, anonymous=302, admin=200)),
    Case("cases:public_stats", "get", "/publik/layanan/", PUBLIC),
]


def _tracked(now: dt.datetime) -> dict[str, str]:
    from sinergi.cases.models import Case

    found = _case(now)
    return {**found, "code": Case.objects.get(pk=int(found["case"])).code}


PDF_B64 = "JVBERi0xLjQKJSVFT0YK"

API_CASES = [
    Case("get /api/v1/cases/services", "get", "/api/v1/cases/services", API_READ),
    Case(
        "post /api/v1/cases",
        "post",
        "/api/v1/cases",
        expect(201, anonymous=401),
        data={
            "service": "izin-usaha-mikro",
            "applicant_name": "Kios Uji",
            "nik": "6103014509900012",
            "phone": "+62 812 3456 7890",
            "fields": {"nama_usaha": "Kopi", "bidang": "Kuliner"},
            "documents": [
                {"requirement": "foto_usaha", "name": "foto.pdf", "content_base64": PDF_B64}
            ],
        },
    ),
    Case(
        "get /api/v1/cases/track",
        "get",
        "/api/v1/cases/track?code={code}&factor=7890",
        API_READ,
        setup=_tracked,
    ),
]


def _complaint(now: dt.datetime) -> dict[str, str]:
    from sinergi.cases.complaints import complaint_file
    from sinergi.cases.models import Case

    found = _case(now)
    complaint = complaint_file(case=Case.objects.get(pk=int(found["case"])), body="Lambat", now=now)
    return {**found, "complaint": str(complaint.pk)}


UI_CASES += [
    Case("cases:track_complain", "post", "/layanan/lacak/pengaduan/", expect(302)),
    Case(
        "cases:complaint_answer",
        "post",
        "/layanan/kasus/{case}/pengaduan/{complaint}/jawab/",
        ADMIN_POST,
        setup=_complaint,
    ),
]
