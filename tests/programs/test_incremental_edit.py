"""Changing a work item's duration in a large programme keeps its stored schedule current
incrementally, in the same call, equal to a full recomputation."""

from __future__ import annotations

import pickle
from typing import Any

import pytest

from sinergi.core import clock
from sinergi.core.permissions import SYSTEM
from sinergi.programs import scheduling, tasks
from sinergi.programs.models import (
    Program,
    ScheduleSnapshot,
    ScheduleSnapshotPatch,
    WorkItem,
)
from sinergi.programs.services import workitem_update


def _same(got: scheduling.ProgramSchedule, want: scheduling.ProgramSchedule) -> None:
    assert got.items == want.items
    assert got.links == want.links
    assert got.comparison == want.comparison
    assert got.finish_date == want.finish_date
    assert got.critical_path == want.critical_path
    assert got.plan_version == want.plan_version
    assert not got.stale


def _program() -> Program:
    program = (
        Program.objects.filter(work_items__isnull=False, baseline__isnull=False)
        .distinct()
        .order_by("pk")
        .first()
    )
    assert program is not None
    return program


@pytest.mark.django_db
def test_duration_edits_reschedule_incrementally(monkeypatch: Any) -> None:
    now = clock.now()  # the page and the worker read the real clock
    monkeypatch.setattr(scheduling, "OFF_REQUEST_ITEMS", 1)  # every demo programme is "large"
    scheduling.clear_caches()
    program = _program()
    data_date = scheduling.local_today(program, now)
    scheduling.page_schedule(program, now=now)  # stored and held by this process
    snap = ScheduleSnapshot.objects.get(program=program)
    first = scheduling.compute_schedule(program, data_date)
    critical = [i for i in first.items if i.critical and i.duration and not i.actual_finish]
    slack = [i for i in first.items if i.total_float > 5 and not i.actual_finish]
    assert critical and slack
    edits = [
        (critical[0].id, critical[0].duration + 7),  # moves the programme finish
        (slack[0].id, slack[0].duration + 1),  # absorbed by float
        (slack[-1].id, 0),  # becomes a milestone
        (critical[0].id, max(critical[0].duration - 1, 1)),  # finish moves back
    ]
    finishes: list[Any] = [first.finish_date]
    for n, (item_id, duration) in enumerate(edits, start=1):
        item = WorkItem.objects.get(pk=item_id)
        workitem_update(
            actor=SYSTEM, item=item, now=now, duration=duration, milestone=duration == 0
        )
        program.refresh_from_db()
        key = (program.pk, program.plan_stamp, data_date, program.baseline_id)
        computed_here = scheduling._SCHEDULES.get(key)
        assert computed_here is not None, "computed in the edit, not left to the worker"
        # Its rows are made on first read, not in the edit; the finish needs none of them.
        assert "items" not in computed_here.__dict__
        fresh = scheduling.compute_schedule(program, data_date)
        assert computed_here.finish_date == fresh.finish_date
        assert "items" not in computed_here.__dict__
        if n == 2:
            # Pickled before its rows were made (as a worker could), it carries them.
            copied = pickle.loads(pickle.dumps(computed_here))  # noqa: S301
            assert "_pending" not in copied.__dict__
            _same(copied, fresh)
        _same(computed_here, fresh)
        finishes.append(fresh.finish_date)
        # Stored as one small patch; the snapshot row is not rewritten.
        assert ScheduleSnapshotPatch.objects.filter(program=program).count() == n
        assert ScheduleSnapshot.objects.get(program=program).computed_at == snap.computed_at
        # Another process reads the snapshot and applies the patches.
        scheduling.clear_caches()
        _same(scheduling.page_schedule(program, now=now), fresh)
        # The worker's job has nothing to do while the stored schedule is current.
        tasks.recompute_schedule.call(program.pk)
        assert ScheduleSnapshot.objects.get(program=program).computed_at == snap.computed_at
    assert finishes[1] > finishes[0] and finishes[2] == finishes[1] > finishes[4]
    # Once enough patches pile up the worker computes in full and drops them.
    monkeypatch.setattr(scheduling, "COMPACT_AFTER", len(edits))
    tasks.recompute_schedule.call(program.pk)
    assert not ScheduleSnapshotPatch.objects.filter(program=program).exists()
    scheduling.clear_caches()
    _same(
        scheduling.page_schedule(program, now=now), scheduling.compute_schedule(program, data_date)
    )


@pytest.mark.django_db
def test_other_edits_leave_it_to_the_worker(monkeypatch: Any) -> None:
    now = clock.now()
    monkeypatch.setattr(scheduling, "OFF_REQUEST_ITEMS", 1)
    scheduling.clear_caches()
    program = _program()
    scheduling.page_schedule(program, now=now)
    item = WorkItem.objects.filter(program=program).order_by("pk").first()
    assert item is not None
    workitem_update(actor=SYSTEM, item=item, now=now, title="Judul baru")
    assert not ScheduleSnapshotPatch.objects.filter(program=program).exists()
    program.refresh_from_db()
    assert scheduling.page_schedule(program, now=now).stale  # recomputed by the worker
    # A duration edit on a stored schedule that is no longer current is not patched either.
    workitem_update(actor=SYSTEM, item=item, now=now, duration=item.duration + 2)
    assert not ScheduleSnapshotPatch.objects.filter(program=program).exists()


@pytest.mark.django_db
def test_small_programmes_are_not_patched(now: Any) -> None:
    scheduling.clear_caches()
    program = _program()
    scheduling.page_schedule(program, now=now)
    item = WorkItem.objects.filter(program=program).order_by("pk").first()
    assert item is not None
    workitem_update(actor=SYSTEM, item=item, now=now, duration=item.duration + 2)
    assert not ScheduleSnapshotPatch.objects.exists()
