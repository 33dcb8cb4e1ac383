"""Personal data: who sees it, the audit of every view, nothing personal in requests, and
the retention purge."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.management import call_command
from django.test import Client

from sinergi.cases.models import Case
from sinergi.cases.services import storage_dir
from sinergi.core.models import AuditEntry


def _client(name: str) -> Client:
    from sinergi.accounts.models import User

    client = Client()
    client.force_login(User.objects.get(username=name))
    return client


def test_each_document_view_is_audited_and_scoped(db: Any) -> None:
    case = Case.objects.filter(service__slug="pbg", status="in_process").first()
    assert case is not None
    sppl = case.documents.get(requirement="sppl")
    gambar = case.documents.get(requirement="gambar")
    dlh = _client("dlh")
    response = dlh.get(f"/layanan/kasus/{case.pk}/dokumen/{sppl.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert dlh.get(f"/layanan/kasus/{case.pk}/dokumen/{gambar.pk}/").status_code == 404
    entry = AuditEntry.objects.filter(action="case.view_personal", actor_username="dlh").first()
    assert entry is not None and entry.object_id == str(case.pk)
    assert entry.after is not None and "sppl" in entry.after["what"]


def test_leaders_and_other_agencies_do_not_see_cases(db: Any) -> None:
    case = Case.objects.filter(service__slug="pbg").first()
    assert case is not None
    for name in ("bupati", "kadinkes", "pertanahan", "pengamat"):
        assert _client(name).get(f"/layanan/kasus/{case.pk}/").status_code == 404, name


def test_nothing_personal_in_requests_or_audit(db: Any) -> None:
    for case in Case.objects.filter(steps__request__isnull=False).distinct()[:10]:
        for step in case.steps.filter(request__isnull=False).select_related("request"):
            assert step.request is not None
            text = step.request.subject + step.request.body
            assert case.nik not in text and case.applicant_name not in text
        entries = AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk))
        for entry in entries:
            blob = str(entry.before) + str(entry.after) + entry.object_repr
            assert case.nik not in blob and case.phone not in blob
            assert case.applicant_name not in blob


def test_purge_deletes_old_documents_and_is_audited(
    db: Any, now: dt.datetime, django_capture_on_commit_callbacks: Any
) -> None:
    case = Case.objects.filter(status="finished").first()
    assert case is not None
    names = list(case.documents.values_list("stored_name", flat=True))
    assert all((storage_dir() / n).exists() for n in names)
    # The files are deleted after the commit; keep copies so that later tests of this
    # session (audit verify checks every file row) still find the demo's files.
    kept = {p.name: p.read_bytes() for p in storage_dir().iterdir() if p.is_file()}
    later = now + dt.timedelta(days=case.version.retention_days + 400)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            call_command("cases_purge", now=later.isoformat())
        assert all((storage_dir() / n).exists() for n in names)  # not before the commit
        for callback in callbacks:
            callback()
        case.refresh_from_db()
        assert case.purged_at is not None
        assert not any((storage_dir() / n).exists() for n in names)
    finally:
        for n, data in kept.items():
            if not (storage_dir() / n).exists():
                (storage_dir() / n).write_bytes(data)

    assert AuditEntry.objects.filter(action="case.purge", object_id=str(case.pk)).exists()
