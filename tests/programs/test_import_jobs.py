"""Large imports run as a background task with a progress record, all or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from tests.programs.test_exchange import SPAM, _copy_of_spam


@pytest.mark.django_db
def test_large_upload_is_queued_and_the_task_imports_it(
    client_as: Any, now: dt.datetime, monkeypatch: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django_tasks_db.models import DBTaskResult

    from sinergi.programs import exchange
    from sinergi.programs.models import Program, ScheduleImport, WorkItem
    from sinergi.programs.xlsx import export_xlsx

    monkeypatch.setattr(exchange, "INLINE_BYTES", 100)  # every file counts as large
    data = export_xlsx(Program.objects.get(code=SPAM), now=now)
    target = _copy_of_spam(now, "SPAM-JOB")
    client = client_as("pupr")
    r = client.post(
        f"/program/{target.code}/impor/",
        {"format": "xlsx", "file": SimpleUploadedFile("kegiatan.xlsx", data)},
    )
    job = ScheduleImport.objects.get(program=target)
    assert r.status_code == 302 and r["Location"].endswith(f"/impor/{job.pk}/")
    assert job.state == "queued" and bytes(job.data) == data
    assert DBTaskResult.objects.filter(task_path__endswith="run_schedule_import").exists()
    assert not WorkItem.objects.filter(program=target).exists()
    page = client.get(r["Location"])
    assert b'hx-trigger="every 2s"' in page.content
    # The worker runs the task.
    done = exchange.import_run(job_id=job.pk, now=now)
    assert done is not None and done.state == "done" and done.counts["work_items"] == 28
    assert done.done == done.total == 28 and bytes(done.data) == b""
    assert WorkItem.objects.filter(program=target).count() == 28
    assert exchange.import_run(job_id=job.pk, now=now) is None  # runs once
    partial = client.get(r["Location"], HTTP_HX_REQUEST="true")
    assert b"hx-trigger" not in partial.content and b"28" in partial.content
    assert b"<html" not in partial.content


@pytest.mark.django_db
def test_failed_background_import_lists_problems_and_applies_nothing(now: dt.datetime) -> None:
    from sinergi.accounts.models import User
    from sinergi.programs.exchange import import_run, import_start
    from sinergi.programs.models import WorkItem

    target = _copy_of_spam(now, "SPAM-JOBBAD")
    csv = b"wbs,title,owner,duration,predecessors\n1,Baik,,5,\n2,Buruk,,lima,1\n3,Tak ada,,2,9\n"
    actor = User.objects.get(username="admin")
    with translation.override("en"):
        job = import_start(
            actor=actor, program=target, data=csv, fmt="csv", filename="a.csv", now=now
        )
    assert job.language == "en"
    finished = import_run(job_id=job.pk, now=now)
    assert finished is not None and finished.state == "failed"
    assert finished.errors and finished.errors[0].startswith("Row 3")
    assert not WorkItem.objects.filter(program=target).exists()


@pytest.mark.django_db
def test_import_job_api_and_permissions(api_as: Any, client_as: Any, now: dt.datetime) -> None:
    from sinergi.accounts.models import User
    from sinergi.core.exceptions import Forbidden
    from sinergi.programs.exchange import import_start

    target = _copy_of_spam(now, "SPAM-JOBAPI")
    with pytest.raises(Forbidden):
        import_start(
            actor=User.objects.get(username="pengamat"),
            program=target,
            data=b"x",
            fmt="csv",
            filename="a.csv",
            now=now,
        )
    job = import_start(
        actor=User.objects.get(username="admin"),
        program=target,
        data=b"wbs,title,owner,duration\n1,A,,1\n",
        fmt="csv",
        filename="a.csv",
        now=now,
    )
    body = api_as("admin").get(f"/api/v1/programs/{target.code}/imports/{job.pk}").json()
    assert body["state"] == "queued" and body["total"] == 0
    assert (
        api_as("other_staff").get(f"/api/v1/programs/{target.code}/imports/{job.pk}").status_code
        == 403
    )
    assert (
        client_as("other_staff").get(f"/program/{target.code}/impor/{job.pk}/").status_code == 403
    )


@pytest.mark.django_db
def test_large_xlsx_upload_through_the_api_is_queued(
    api_as: Any, now: dt.datetime, monkeypatch: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from sinergi.programs import exchange
    from sinergi.programs.models import Program
    from sinergi.programs.xlsx import export_xlsx

    monkeypatch.setattr(exchange, "INLINE_BYTES", 100)
    data = export_xlsx(Program.objects.get(code=SPAM), now=now)
    target = _copy_of_spam(now, "SPAM-JOBAPI2")
    api = api_as("admin")
    url = f"/api/v1/programs/{target.code}/work-items.xlsx"
    r = api.client.post(url, {"file": SimpleUploadedFile("k.xlsx", data)}, **api.headers)
    api._validate("post", url, r)
    assert r.status_code == 202 and r.json()["state"] == "queued"
    exchange.import_run(job_id=r.json()["id"], now=now)
    body = api.get(f"/api/v1/programs/{target.code}/imports/{r.json()['id']}").json()
    assert body["state"] == "done" and body["counts"]["work_items"] == 28
