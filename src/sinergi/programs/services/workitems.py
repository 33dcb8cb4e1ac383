"""Work items of a programme's plan."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model

from ..models import Program, WorkItem
from ..scheduling import remember_plan, reschedule_edit
from .programs import bump_plan

ITEM_FIELDS = ("wbs", "title", "duration", "milestone", "earliest_start", "deadline")
#: Changes after which a large program's schedule is updated incrementally in the edit.
RESCHEDULE_INCREMENTALLY = frozenset({"duration", "milestone", "assignee"})


WBS_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")


def _check_owner(program: Program, owner: Agency) -> None:
    if (
        owner.pk != program.coordinator_id
        and not program.partnerships.filter(agency=owner).exists()
    ):
        raise ValidationFailed(
            fields={"owner": [_("The owner must be the coordinator or a partner agency.")]}
        )


def _check_item(item: WorkItem) -> None:
    if item.milestone and item.duration:
        raise ValidationFailed(fields={"duration": [_("A milestone has a duration of 0.")]})
    if item.duration == 0:
        item.milestone = True


@transaction.atomic
def workitem_create(
    *,
    actor: Any,
    program: Program,
    wbs: str,
    title: str,
    owner: Agency,
    duration: int,
    now: dt.datetime,
    assignee: Any = None,
    **fields: Any,
) -> WorkItem:
    """Add a work item owned by the coordinator or a partner agency to the plan."""
    ensure_can(actor, "program.change", program)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown work item fields: {sorted(unknown)}")
    _check_owner(program, owner)
    if WorkItem.objects.filter(program=program, wbs=wbs).exists():
        raise ValidationFailed(fields={"wbs": [_("This WBS code is already used.")]})
    remember_plan(program, now)
    item = WorkItem(
        program=program,
        wbs=wbs,
        title=title,
        owner=owner,
        duration=duration,
        assignee=assignee,
        **fields,
    )
    _check_item(item)
    validate_model(item)
    item.save()
    bump_plan(program, now)
    audit_record(actor=actor, action="workitem.create", obj=item, now=now)
    return item


@transaction.atomic
def workitem_update(
    *,
    actor: Any,
    item: WorkItem,
    now: dt.datetime,
    owner: Agency | None = None,
    assignee: Any = None,
    clear_assignee: bool = False,
    **fields: Any,
) -> WorkItem:
    """Change a work item of the plan (the coordinator's managers)."""
    ensure_can(actor, "program.change", item.program)
    unknown = set(fields) - set(ITEM_FIELDS)
    if unknown:
        raise TypeError(f"unknown work item fields: {sorted(unknown)}")
    item = (
        WorkItem.objects.select_for_update(of=("self",)).select_related("program").get(pk=item.pk)
    )
    remember_plan(item.program, now)
    before = snapshot(item)
    old_stamp = item.program.plan_stamp
    new_wbs = fields.get("wbs", item.wbs)
    if new_wbs != item.wbs and WorkItem.objects.filter(program=item.program, wbs=new_wbs).exists():
        raise ValidationFailed(fields={"wbs": [_("This WBS code is already used.")]})
    for key, value in fields.items():
        setattr(item, key, value)
    if owner is not None:
        _check_owner(item.program, owner)
        item.owner = owner
    if assignee is not None:
        item.assignee = assignee
    elif clear_assignee:
        item.assignee = None
    _check_item(item)
    validate_model(item)
    item.save()
    bump_plan(item.program, now)
    after = snapshot(item)
    if {k for k in after if after[k] != before.get(k)} <= RESCHEDULE_INCREMENTALLY:
        # Only the duration moved: a large program's stored schedule follows incrementally
        # in this call (docs/decisions/incremental-reschedule.md).
        reschedule_edit(item.program, old_stamp, {item.pk: (item.duration, item.milestone)}, now)
    audit_record(actor=actor, action="workitem.update", obj=item, before=before, now=now)
    return item


@transaction.atomic
def workitem_delete(*, actor: Any, item: WorkItem, now: dt.datetime) -> None:
    """Remove a work item and its dependencies from the plan."""
    program = item.program
    ensure_can(actor, "program.change", program)
    remember_plan(program, now)
    before = snapshot(item)
    audit_record(actor=actor, action="workitem.delete", obj=item, before=before, after={}, now=now)
    item.delete()
    bump_plan(program, now)
