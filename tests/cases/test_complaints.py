"""Complaints: the citizen complains from the tracking page with an SP4N-LAPOR! reference;
the head of the front door answers on a clock; overdue ones are reminded once."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.test import Client

from sinergi.cases.models import Case, Complaint
from sinergi.core.tick import run_tick


def test_complaint_reaches_the_head_and_is_answered(db: Any, now: dt.datetime) -> None:
    from sinergi.accounts.models import User
    from sinergi.agencies.services import membership_add
    from sinergi.core.permissions import SYSTEM
    from sinergi.notifications.models import Notification

    head = User.objects.get(username="kadispupr")  # made head of DPMPTSP for this test
    membership_add(
        actor=SYSTEM,
        agency=Case.objects.first().service.front_agency,
        user=head,
        role="head",
        now=now,
    )
    case = Case.objects.filter(status="in_process").first()
    assert case is not None
    citizen = Client()
    citizen.post("/layanan/lacak/", {"code": case.code, "factor": case.phone[-4:]})
    bad = citizen.post("/layanan/lacak/pengaduan/", {"body": "x", "lapor_ref": "<script>"})
    assert bad.status_code == 400
    assert "Hanya huruf, angka" in bad.content.decode()
    ok = citizen.post(
        "/layanan/lacak/pengaduan/", {"body": "Belum ada kabar.", "lapor_ref": "LAPOR-1234567"}
    )
    assert ok.status_code == 302
    complaint = Complaint.objects.get(case=case, body="Belum ada kabar.")
    assert complaint.due_date > now.date()
    assert Notification.objects.filter(user=head, url=f"/layanan/kasus/{case.pk}/").exists()

    # Staff of the front door read it but may not answer; the head answers.
    mpp = Client()
    mpp.force_login(User.objects.get(username="mpp"))
    page = mpp.get(f"/layanan/kasus/{case.pk}/").content.decode()
    assert "Belum ada kabar." in page and "LAPOR-1234567" in page
    mpp.post(f"/layanan/kasus/{case.pk}/pengaduan/{complaint.pk}/jawab/", {"body": "Tidak"})
    complaint.refresh_from_db()
    assert complaint.answered_at is None
    boss = Client()
    boss.force_login(head)
    r = boss.post(f"/layanan/kasus/{case.pk}/pengaduan/{complaint.pk}/jawab/", {"body": "Segera."})
    assert r.status_code == 302
    complaint.refresh_from_db()
    assert complaint.answer == "Segera."
    status = citizen.get("/layanan/lacak/status/").content.decode()
    assert "Segera." in status


def test_overdue_complaints_are_reminded_once(db: Any, now: dt.datetime) -> None:
    from sinergi.cases.complaints import complaint_file

    case = Case.objects.filter(status="in_process").first()
    assert case is not None
    complaint = complaint_file(case=case, body="Lambat.", now=now)
    later = now + dt.timedelta(days=14)
    run_tick(later)
    complaint.refresh_from_db()
    assert complaint.reminded_at == later
    assert run_tick(later + dt.timedelta(minutes=1))["cases.complaints"]["reminded"] == 0


def test_a_complaint_still_unanswered_reaches_the_regions_leaders(
    db: Any, now: dt.datetime
) -> None:
    """Reminded after the due date; five working days later the region's leaders hear of
    it, once, with a link to the front door's scorecard (not to the personal data)."""
    from sinergi.accounts.models import User
    from sinergi.cases.complaints import complaint_file
    from sinergi.core.models import AuditEntry
    from sinergi.notifications.models import Notification

    case = Case.objects.filter(status="in_process").first()
    assert case is not None
    complaint = complaint_file(case=case, body="Lambat sekali.", now=now)
    # Demo complaints are on the same clock: follow this one.
    Complaint.objects.exclude(pk=complaint.pk).update(escalated_at=now)
    reminded = complaint.due_date + dt.timedelta(days=1)
    first = dt.datetime.combine(reminded, dt.time(3), tzinfo=dt.UTC)
    assert run_tick(first)["cases.complaints"] == {"reminded": 1, "escalated": 0}
    # Two days later: still the head's to answer.
    assert run_tick(first + dt.timedelta(days=2))["cases.complaints"]["escalated"] == 0
    late = first + dt.timedelta(days=10)
    assert run_tick(late)["cases.complaints"] == {"reminded": 0, "escalated": 1}
    assert run_tick(late + dt.timedelta(days=1))["cases.complaints"]["escalated"] == 0
    complaint.refresh_from_db()
    assert complaint.reminded_at == first and complaint.escalated_at == late
    front = case.service.front_agency
    sekda = User.objects.get(username="sekda")
    note = Notification.objects.get(user=sekda, event="cases.complaint.escalated")
    assert note.url == f"/dasbor/instansi/{front.slug}/"
    assert case.nik not in note.title and case.applicant_name not in note.title
    actions = set(
        AuditEntry.objects.filter(object_id=str(complaint.pk)).values_list("action", flat=True)
    )
    assert {"case.complaint_remind", "case.complaint_escalate"} <= actions
