"""Plan history replay: a plan revision made after the baseline is attributed to the
status period in which it was made, not to the first one."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

SPAM = "SPAM-SANGGAU-2026"


def _windows(program: Any) -> list[dict[str, Any]]:
    from sinergi.programs.selectors import program_attribution_summary

    program.refresh_from_db()
    return program_attribution_summary(program)["windows"]


@pytest.mark.django_db
def test_a_revision_goes_to_the_period_it_was_made_in(now: dt.datetime) -> None:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.models import PlanRevision, Program, ProgressUpdate, WorkItem
    from sinergi.programs.services import workitem_update

    spam = Program.objects.get(code=SPAM)
    days = sorted(
        set(ProgressUpdate.objects.filter(program=spam).values_list("data_date", flat=True))
    )
    assert len(days) == 4
    before = _windows(spam)
    assert [w["data_date_to"] for w in before] == days
    # Between the first and the second status date the coordinator lengthens the last task.
    when = dt.datetime.combine(days[0] + dt.timedelta(days=1), dt.time(3), tzinfo=dt.UTC)
    last = WorkItem.objects.get(program=spam, wbs="6.4")
    workitem_update(actor=SYSTEM, item=last, duration=last.duration + 10, now=when)
    assert PlanRevision.objects.get(program=spam).date == days[0] + dt.timedelta(days=1)
    after = _windows(spam)
    assert len(after) == 4
    # The first window is as it was; the second carries the revision.
    assert after[0]["revision_movement"] == before[0]["revision_movement"]
    assert after[0]["movement"] == before[0]["movement"]
    assert after[1]["revision_movement"] == before[1]["revision_movement"] + 10
    assert after[1]["movement"] == before[1]["movement"] + 10
    for a, b in zip(after[2:], before[2:], strict=True):
        assert a["movement"] == b["movement"]
    # A second change on the same day keeps the plan from before the day's first change.
    workitem_update(actor=SYSTEM, item=last, duration=last.duration + 12, now=when)
    assert PlanRevision.objects.filter(program=spam).count() == 1
    assert _windows(spam)[1]["movement"] == before[1]["movement"] + 12


@pytest.mark.django_db
def test_a_revision_after_the_last_status_date_adds_a_period(now: dt.datetime) -> None:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.models import Program, WorkItem
    from sinergi.programs.scheduling import local_today, program_schedule
    from sinergi.programs.selectors import program_attribution_summary
    from sinergi.programs.services import workitem_update

    spam = Program.objects.get(code=SPAM)
    before = _windows(spam)
    last = WorkItem.objects.get(program=spam, wbs="6.4")
    workitem_update(actor=SYSTEM, item=last, duration=last.duration + 5, now=now)
    spam.refresh_from_db()
    summary = program_attribution_summary(spam)
    after = summary["windows"]
    assert len(after) == len(before) + 1
    assert after[-1]["data_date_to"] == local_today(spam, now)
    assert after[-1]["revision_movement"] == 5
    # The periods still add up to how far the forecast moved from the baseline.
    ps = program_schedule(spam, now=now)
    assert ps.project_slip == summary["movement"]


@pytest.mark.django_db
def test_no_revision_is_kept_without_a_baseline(now: dt.datetime) -> None:
    from sinergi.core.permissions import SYSTEM
    from sinergi.programs.models import PlanRevision, WorkItem
    from tests.programs.test_exchange import _copy_of_spam

    target = _copy_of_spam(now, "SPAM-NOBASE")
    from sinergi.programs.services import workitem_create

    item = workitem_create(
        actor=SYSTEM,
        program=target,
        wbs="1",
        title="A",
        owner=target.coordinator,
        duration=3,
        now=now,
    )
    assert item.pk and not PlanRevision.objects.filter(program=target).exists()
    assert WorkItem.objects.filter(program=target).count() == 1
