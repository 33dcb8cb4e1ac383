"""The worker's weekly "late" notices: late work items and hand-offs are told once a week,
and a programme whose plan, baseline and day did not change is not scheduled again at
every tick (at national scale that was every active programme, every minute)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sinergi.core.permissions import SYSTEM
from sinergi.notifications.models import Notification
from sinergi.programs import events, scheduling
from sinergi.programs.choices import ProgramStatus
from sinergi.programs.models import Program, WorkItem
from sinergi.programs.services import workitem_update


@pytest.mark.django_db
def test_late_items_are_told_once_and_unchanged_programmes_are_not_rescheduled(
    monkeypatch: Any, now: dt.datetime
) -> None:
    events._late_scanned.clear()
    scheduled: list[int] = []
    real = scheduling.program_schedule

    def counting(program: Program, **kw: Any) -> Any:
        scheduled.append(program.pk)
        return real(program, **kw)

    monkeypatch.setattr(scheduling, "program_schedule", counting)
    active = Program.objects.filter(status=ProgramStatus.ACTIVE).count()
    assert active

    first = events.late_tick(now)
    assert first["programs_scanned"] == active == len(scheduled)
    told = Notification.objects.filter(event="programs.workitem.late")
    late_notices = told.count()
    assert told.values("object_id").distinct().count() == first["workitems_late"] > 0

    # A minute later nothing changed: no programme is scheduled, nothing is told again.
    scheduled.clear()
    again = events.late_tick(now + dt.timedelta(minutes=1))
    assert again == {"workitems_late": 0, "handoffs_late": 0, "programs_scanned": 0}
    assert scheduled == []

    # A change to one programme's plan: that programme alone is scheduled again.
    item = WorkItem.objects.filter(program__status=ProgramStatus.ACTIVE).order_by("pk").first()
    assert item is not None
    workitem_update(actor=SYSTEM, item=item, now=now, duration=item.duration + 1)
    third = events.late_tick(now + dt.timedelta(minutes=2))
    assert third["programs_scanned"] == 1 and scheduled == [item.program_id]

    # The next day every programme is looked at again (lateness is judged by the day).
    scheduled.clear()
    events.late_tick(now + dt.timedelta(days=1))
    assert len(scheduled) == active
    assert Notification.objects.filter(event="programs.workitem.late").count() == late_notices, (
        "a notice already given this week is not repeated"
    )
