"""Progress reported on a work item."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model
from sinergi.notifications.events import events_emit

from ..choices import WorkStatus
from ..models import Dependency, ProgressUpdate, WorkItem
from ..scheduling import local_today
from .programs import bump_plan


@transaction.atomic
def progress_record(
    *,
    actor: Any,
    item: WorkItem,
    data_date: dt.date,
    percent_complete: int,
    now: dt.datetime,
    actual_start: dt.date | None = None,
    actual_finish: dt.date | None = None,
    remaining_duration: int | None = None,
    note: str = "",
    blocker: str = "",
) -> ProgressUpdate:
    """Record the status of a work item at a date; the latest status becomes the item's."""
    ensure_can(actor, "workitem.progress", item)
    program = item.program
    errors: dict[str, list[str]] = {}
    if data_date > local_today(program, now):
        errors["data_date"] = [_("The status date cannot be in the future.")]
    for name, value in (("actual_start", actual_start), ("actual_finish", actual_finish)):
        if value is not None and value > data_date:
            errors[name] = [_("An actual date cannot be after the status date.")]
    if actual_start and actual_finish and actual_finish < actual_start:
        errors["actual_finish"] = [_("The finish cannot be before the start.")]
    if percent_complete and actual_start is None and actual_finish is None:
        errors["actual_start"] = [_("Work that has progressed has an actual start.")]
    if actual_finish is not None:
        percent_complete = 100
    elif percent_complete >= 100:
        errors["actual_finish"] = [_("Work that is complete has an actual finish.")]
    if errors:
        raise ValidationFailed(fields=errors)
    update = ProgressUpdate(
        program=program,
        work_item=item,
        data_date=data_date,
        percent_complete=percent_complete,
        actual_start=actual_start,
        actual_finish=actual_finish,
        remaining_duration=remaining_duration,
        note=note,
        blocker=blocker,
        author=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    validate_model(update)
    update.save()
    latest = ProgressUpdate.objects.filter(work_item=item).order_by("-data_date", "-pk").first()
    if latest is not None and latest.pk == update.pk:
        before = snapshot(item)
        item.percent_complete = percent_complete
        item.actual_start = actual_start
        item.actual_finish = actual_finish
        item.remaining_duration = None if actual_finish else remaining_duration
        item.blocker = blocker
        item.status = (
            WorkStatus.COMPLETED
            if actual_finish
            else WorkStatus.IN_PROGRESS
            if actual_start
            else WorkStatus.NOT_STARTED
        )
        item.save()
        audit_record(actor=actor, action="workitem.progress", obj=item, before=before, now=now)
        _emit_progress(actor, item, was=before.get("status", ""), now=now)
    else:
        audit_record(actor=actor, action="workitem.progress_history", obj=update, now=now)
    bump_plan(program, now)
    return update


def _emit_progress(actor: Any, item: WorkItem, *, was: str, now: dt.datetime) -> None:
    """Started or finished, once, when the status moves there; a finish also tells each
    agency whose work follows this item that it may start (``programs.handoff.ready``)."""
    if item.status == was:
        return
    if item.status == WorkStatus.IN_PROGRESS and was == WorkStatus.NOT_STARTED:
        events_emit("programs.workitem.started", item, actor=actor, now=now)
    elif item.status == WorkStatus.COMPLETED:
        events_emit("programs.workitem.finished", item, actor=actor, now=now)
        following = (
            Dependency.objects.filter(predecessor=item)
            .exclude(successor__owner_id=item.owner_id)
            .select_related("program", "predecessor__owner", "successor__owner")
        )
        for dep in following:
            if dep.successor.status != WorkStatus.COMPLETED:
                events_emit("programs.handoff.ready", dep, actor=actor, now=now)
