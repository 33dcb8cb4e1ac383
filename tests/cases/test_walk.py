"""The issue's "Done when" walk: an anonymous citizen files a building approval, DPMPTSP
passes it on, DPUPR and DLH each see only their step, the citizen tracks and rates it, and
/publik/layanan/ shows the figures."""

from __future__ import annotations

from typing import Any

from django.test import Client

from sinergi.cases.models import Case
from sinergi.core.models import AuditEntry
from tests.cases.helpers import NIK, file_pbg


def _login(name: str) -> Client:
    from sinergi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def test_building_approval_end_to_end(db: Any, settings: Any) -> None:
    citizen = Client()
    response = file_pbg(citizen)
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"] == "/layanan/tanda-terima/"
    receipt = citizen.get("/layanan/tanda-terima/")
    case = Case.objects.order_by("-pk").first()
    assert case is not None and case.code in receipt.content.decode()
    assert case.status == "verification"
    assert case.documents.count() == 3

    # Waiting at DPMPTSP: the front-door officer sees it, with the applicant's NIK.
    mpp = _login("mpp")
    page = mpp.get(f"/layanan/kasus/{case.pk}/").content.decode()
    assert NIK in page and "Menunggu verifikasi" in page
    # Nobody else sees it yet.
    assert _login("pupr").get(f"/layanan/kasus/{case.pk}/").status_code == 404
    assert mpp.post(f"/layanan/kasus/{case.pk}/verifikasi/").status_code == 302
    case.refresh_from_db()
    assert case.status == "in_process"
    steps = {s.agency.slug: s for s in case.steps.select_related("agency")}
    assert all(s.request_id for s in steps.values())  # parallel group: both at once

    # DPUPR sees only its step and the documents it needs.
    pupr = _login("pupr").get(f"/layanan/kasus/{case.pk}/").content.decode()
    assert "Penilaian teknis" in pupr and "Persetujuan lingkungan" not in pupr
    assert "tanah.pdf" not in pupr  # names shown are labels; check by count instead
    assert pupr.count("/dokumen/") == 2
    dlh = _login("dlh").get(f"/layanan/kasus/{case.pk}/").content.decode()
    assert "Persetujuan lingkungan" in dlh and "Penilaian teknis" not in dlh
    assert dlh.count("/dokumen/") == 1

    # Each view of personal data is in the audit chain.
    views = AuditEntry.objects.filter(action="case.view_personal", object_id=str(case.pk))
    assert views.count() == 3
    assert set(views.values_list("actor_username", flat=True)) == {"mpp", "pupr", "dlh"}

    # Both agencies answer; the case waits for issuing at the front door.
    for name, slug in (("pupr", "dpupr-sanggau"), ("dlh", "dlh-sanggau")):
        r = _login(name).post(
            f"/layanan/kasus/{case.pk}/langkah/{steps[slug].pk}/answer/", {"body": "Memenuhi."}
        )
        assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "issuing"
    r = mpp.post(f"/layanan/kasus/{case.pk}/terbitkan/", {"note": "PBG terbit"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "finished" and case.within_standard is True

    # The citizen tracks it with the code and the last four digits of the phone, and rates.
    tracker = Client()
    r = tracker.post("/layanan/lacak/", {"code": case.code.lower(), "factor": "7890"})
    assert r.status_code == 302
    status = tracker.get("/layanan/lacak/status/").content.decode()
    assert "Selesai" in status and NIK not in status
    scores = {f"u{i}": "4" for i in range(1, 10)}
    assert tracker.post("/layanan/lacak/nilai/", scores).status_code == 302
    assert case.__class__.objects.get(pk=case.pk).rating.scores == [4] * 9

    stats = Client().get("/publik/layanan/").content.decode()
    assert "Persetujuan Bangunan Gedung" in stats and NIK not in stats
    assert "Maria" not in stats
