"""A large programme's page shows its last schedule while the worker recomputes it."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sinergi.core import clock
from sinergi.programs import scheduling
from sinergi.programs.models import Program, ScheduleSnapshot
from sinergi.programs.services.programs import bump_plan
from sinergi.programs.tasks import recompute_schedule


@pytest.mark.django_db
def test_stale_schedule_shown_while_recomputed(
    client_as: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    now = clock.now()  # the page and the worker's job read the real clock
    monkeypatch.setattr(scheduling, "OFF_REQUEST_ITEMS", 1)  # every demo programme is "large"
    scheduling.clear_caches()
    program = Program.objects.filter(work_items__isnull=False).distinct().order_by("pk").first()
    assert program is not None
    first = scheduling.page_schedule(program, now=now)  # never computed: computed and kept
    assert not first.stale
    snap = ScheduleSnapshot.objects.get(program=program)

    with django_capture_on_commit_callbacks() as callbacks:
        bump_plan(program, now)
    assert len(callbacks) == 1  # the recomputation is queued with the change

    stale = scheduling.page_schedule(program, now=now)
    assert stale.stale and stale.computed_at == snap.computed_at
    assert stale.finish_date == first.finish_date
    client = client_as("leader")
    page = client.get(f"/program/{program.code}/").content.decode()
    assert "sedang dihitung ulang" in page

    recompute_schedule.call(program.pk)  # what the worker runs
    scheduling.clear_caches()  # another process: only the stored snapshot
    fresh = scheduling.page_schedule(program, now=now)
    assert not fresh.stale
    assert "sedang dihitung ulang" not in client.get(f"/program/{program.code}/").content.decode()


@pytest.mark.django_db
def test_small_programme_computes_in_the_request(now: dt.datetime) -> None:
    program = Program.objects.order_by("pk").first()
    assert program is not None
    scheduling.clear_caches()
    assert not scheduling.page_schedule(program, now=now).stale
    assert not ScheduleSnapshot.objects.filter(program=program).exists()
