"""The receipt as a PDF and the citizen's messages by WhatsApp or SMS."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.test import Client

from sinergi.cases.models import Case
from tests.cases.helpers import NIK, file_pbg


def _text(pdf: bytes) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages).split())


def test_the_citizen_downloads_the_receipt_and_it_holds_no_nik_or_phone(db: Any) -> None:
    citizen = Client()
    assert citizen.get("/layanan/tanda-terima.pdf").status_code == 302  # nothing filed yet
    assert file_pbg(citizen).status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert case is not None
    page = citizen.get("/layanan/tanda-terima/").content.decode()
    assert 'href="/layanan/tanda-terima.pdf"' in page
    r = citizen.get("/layanan/tanda-terima.pdf")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    assert r["Cache-Control"] == "private, no-store"
    text = _text(r.content)
    assert case.code in text
    assert "TANDA TERIMA PERMOHONAN" in text and "Perkiraan selesai" in text
    assert case.version.name in text and "Maria Lestari" in text
    assert NIK not in text and case.phone not in text and case.phone[-4:] not in text
    # Every agency of the standard is named, with its working days.
    for step in case.version.steps:
        assert f"({step['days']} hari kerja)" in text
    # Another browser (no session) gets nothing.
    assert Client().get("/layanan/tanda-terima.pdf").status_code == 302


def test_the_front_desk_prints_the_receipt_and_the_view_is_audited(db: Any, client_as: Any) -> None:
    from sinergi.core.models import AuditEntry

    case = Case.objects.filter(status="in_process").first()
    assert case is not None
    url = f"/layanan/kasus/{case.pk}/tanda-terima.pdf"
    before = AuditEntry.objects.filter(action="case.view_personal").count()
    r = client_as("mpp").get(url)
    assert r.status_code == 200 and case.code in _text(r.content)
    entry = AuditEntry.objects.filter(action="case.view_personal").order_by("-seq").first()
    assert entry is not None and entry.after["what"] == "receipt"
    assert AuditEntry.objects.filter(action="case.view_personal").count() == before + 1
    page = client_as("mpp").get(f"/layanan/kasus/{case.pk}/").content.decode()
    assert 'tanda-terima.pdf"' in page
    # An agency with a step sees its step, not the applicant's receipt; strangers see nothing.
    step = case.steps.exclude(request=None).select_related("agency").first()
    assert step is not None
    assert client_as("pengamat").get(url).status_code == 404
    assert Client().get(url).status_code == 302


def test_the_citizen_chooses_whatsapp_and_hears_of_each_change(
    db: Any, client_as: Any, now: dt.datetime
) -> None:
    from sinergi.cases import services
    from sinergi.core.permissions import SYSTEM
    from sinergi.notifications import services as nservices
    from sinergi.notifications.models import WebhookDelivery

    nservices.channel_create(
        actor=SYSTEM, channel="whatsapp", url="https://wa-gateway.example/kirim", now=now
    )
    citizen = Client()
    form = citizen.get("/layanan/pbg/ajukan/").content.decode()
    assert 'name="notify_by"' in form and "WhatsApp" in form
    assert file_pbg(citizen, notify_by="whatsapp").status_code == 302
    case = Case.objects.order_by("-pk").first()
    assert case is not None and case.notify_by == "whatsapp"
    from sinergi.accounts.models import User

    services.case_verify(actor=User.objects.get(username="mpp"), case=case, now=now)
    [msg] = WebhookDelivery.objects.filter(event="channel.message", payload__code=case.code)
    assert msg.payload["channel"] == "whatsapp"
    assert msg.payload["to"] == "+6281234567890"
    assert case.code in msg.payload["text"] and "/layanan/lacak/" in msg.payload["text"]
    assert NIK not in str(msg.payload) and "Maria" not in str(msg.payload)
    # No choice, no message; a made-up channel is refused with a clear error.
    assert file_pbg(Client(), notify_by="").status_code == 302
    quiet = Case.objects.order_by("-pk").first()
    assert quiet is not None and quiet.notify_by == ""
    services.case_verify(actor=User.objects.get(username="mpp"), case=quiet, now=now)
    assert not WebhookDelivery.objects.filter(payload__code=quiet.code).exists()
    bad = file_pbg(Client(), notify_by="merpati")
    assert bad.status_code == 400
