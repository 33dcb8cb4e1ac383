"""Fan-out: steps become coordination requests in the order the service defines, pause for
the citizen's document, follow forwarding, and advance from the tick as well."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from sinergi.cases import services
from sinergi.cases.models import Case, Service
from sinergi.core.permissions import SYSTEM
from sinergi.core.tick import run_tick

PDF = b"%PDF-1.4\n%%EOF\n"


def _land_case(now: dt.datetime) -> Case:
    service = Service.objects.get(slug="sertifikat-tanah")
    case = services.case_file(
        actor=SYSTEM,
        service=service,
        applicant_name="Antonius Ason",
        nik="6103010101800123",
        phone="0813 1111 2222",
        data={"letak": "Desa Penyeladi", "luas": "500"},
        uploads=[services.Upload(c, f"{c}.pdf", PDF) for c in ("alas_hak", "pbb")],
        now=now,
    )
    return services.case_verify(actor=SYSTEM, case=case, now=now)


def _steps(case: Case) -> dict[str, Any]:
    return {s.agency.slug: s for s in case.steps.select_related("agency", "request")}


def test_groups_run_in_order(db: Any, now: dt.datetime) -> None:
    case = _land_case(now)
    steps = _steps(case)
    assert steps["kecamatan-kapuas"].request is not None
    assert steps["kantah-sanggau"].request is None  # waits for the kecamatan
    req = steps["kecamatan-kapuas"].request
    assert req.from_agency.slug == "dpmptsp-sanggau" and req.sla_days == 5
    assert "Antonius" not in req.body and "6103010101800123" not in req.body
    services.step_act(
        actor=SYSTEM,
        step=steps["kecamatan-kapuas"],
        action="answer",
        body="Riwayat jelas.",
        now=now + dt.timedelta(days=2),
    )
    steps = _steps(case)
    assert steps["kecamatan-kapuas"].status == "done"
    assert steps["kantah-sanggau"].request is not None
    assert steps["kantah-sanggau"].request.sla_days == 30


def test_a_step_pauses_for_the_citizens_document(db: Any, now: dt.datetime) -> None:
    case = _land_case(now)
    step = _steps(case)["kecamatan-kapuas"]
    services.step_act(
        actor=SYSTEM,
        step=step,
        action="clarify",
        body="Unggah peta bidang tanah.",
        now=now + dt.timedelta(days=1),
    )
    case.refresh_from_db()
    step.refresh_from_db()
    assert case.status == "waiting_citizen" and step.status == "waiting_citizen"
    assert step.request.status == "waiting" and step.request.paused_at is not None
    assert step.question == "Unggah peta bidang tanah."
    due_before = step.request.due_date

    client = Client()
    assert client.post("/layanan/lacak/", {"code": case.code, "factor": "2222"}).status_code == 302
    upload = SimpleUploadedFile("peta.pdf", PDF, content_type="application/pdf")
    response = client.post("/layanan/lacak/dokumen/", {"file": upload, "note": "Peta terlampir"})
    assert response.status_code == 302
    case.refresh_from_db()
    step.refresh_from_db()
    assert case.status == "in_process" and step.status == "active"
    assert step.request.status != "waiting" and step.request.paused_at is None
    # The clock stood still: the due date does not move earlier, and moves by the days paused.
    assert step.request.due_date >= due_before
    assert "tambahan" in step.documents


def test_forwarding_moves_the_step_to_the_competent_agency(db: Any, now: dt.datetime) -> None:
    case = _land_case(now)
    step = _steps(case)["kecamatan-kapuas"]
    services.step_act(
        actor=SYSTEM,
        step=step,
        action="forward",
        to_agency="kecamatan-sekayam",
        body="Lokasi di wilayah Sekayam.",
        now=now,
    )
    step.refresh_from_db()
    assert step.agency.slug == "kecamatan-sekayam" and step.status == "active"


def test_the_tick_advances_a_case_answered_on_the_request_page(db: Any, now: dt.datetime) -> None:
    from sinergi.coordination.services import request_acknowledge, request_answer

    case = _land_case(now)
    req = _steps(case)["kecamatan-kapuas"].request
    request_acknowledge(actor=SYSTEM, request=req, now=now)
    request_answer(actor=SYSTEM, request=req, body="Ok", now=now)
    assert _steps(case)["kantah-sanggau"].request is None
    result = run_tick(now + dt.timedelta(minutes=1))
    assert result["cases.advance"]["advanced"] >= 1
    assert _steps(case)["kantah-sanggau"].request is not None
    # Idempotent: a second tick changes nothing more for this case.
    again = run_tick(now + dt.timedelta(minutes=2))
    assert again["cases.advance"]["advanced"] == 0


def test_a_declined_step_rejects_the_case(db: Any, now: dt.datetime) -> None:
    case = _land_case(now)
    step = _steps(case)["kecamatan-kapuas"]
    services.step_act(actor=SYSTEM, step=step, action="decline", body="Tanah sengketa.", now=now)
    case.refresh_from_db()
    assert case.status == "rejected" and "Tanah sengketa." in case.reject_reason


def test_a_new_version_leaves_filed_cases_alone(db: Any, now: dt.datetime) -> None:
    from sinergi.cases.forms import ServiceForm
    from sinergi.core.models import AuditEntry

    case = _land_case(now)
    service = case.service
    form = ServiceForm(
        data={**ServiceForm.initial_from(service.current), "fee": "Rp 50.000"}, new=False
    )
    assert form.is_valid(), form.errors
    standard = form.standard()
    assert standard is not None
    services.service_save(actor=SYSTEM, standard=standard, service=service, now=now)
    service.refresh_from_db()
    case.refresh_from_db()
    assert service.current.number == 2 and service.current.fee == "Rp 50.000"
    assert case.version.number == 1 and case.version.fee != "Rp 50.000"
    assert AuditEntry.objects.filter(action="service.version").exists()
