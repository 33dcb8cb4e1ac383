"""Dependencies between work items; the plan stays free of cycles."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model
from sinergi.schedule import Network, ScheduleError

from ..models import Dependency, Program, WorkItem
from ..scheduling import link_of, plan_rows, remember_plan, task_of
from .programs import bump_plan


def check_acyclic(program: Program, extra: list[tuple[int, int]]) -> None:
    """Refuse links that would close a cycle, naming the work items on it."""
    rows, link_rows = plan_rows(program)
    tasks = [task_of(r, program, program.planned_start, progress={}) for r in rows]
    links = [link_of(r) for r in link_rows]
    from sinergi.schedule import Link

    links += [Link(str(a), str(b)) for a, b in extra]
    try:
        Network(tasks, links)
    except ScheduleError as exc:
        if exc.code != "cycle":
            raise ValidationFailed(exc.message) from exc
        wbs = {str(r["id"]): r["wbs"] for r in rows}
        path = " → ".join(wbs.get(i, i) for i in [*exc.ids, exc.ids[0]])
        raise ValidationFailed(
            fields={"predecessor": [_("This link would make a cycle: %s.") % path]}
        ) from exc


@transaction.atomic
def dependency_add(
    *,
    actor: Any,
    predecessor: WorkItem,
    successor: WorkItem,
    now: dt.datetime,
    type: str = "FS",  # noqa: A002 - the CPM term
    lag: int = 0,
) -> Dependency:
    """Link two work items of the plan; refused if it would make a cycle."""
    program = predecessor.program
    ensure_can(actor, "program.change", program)
    if successor.program_id != program.pk:
        raise ValidationFailed(fields={"successor": [_("Not a work item of this program.")]})
    if predecessor.pk == successor.pk:
        raise ValidationFailed(fields={"successor": [_("A work item cannot follow itself.")]})
    if Dependency.objects.filter(predecessor=predecessor, successor=successor).exists():
        raise ValidationFailed(fields={"successor": [_("These work items are already linked.")]})
    dep = Dependency(
        program=program, predecessor=predecessor, successor=successor, type=type, lag=lag
    )
    validate_model(dep)
    check_acyclic(program, [(predecessor.pk, successor.pk)])
    remember_plan(program, now)
    dep.save()
    bump_plan(program, now)
    audit_record(actor=actor, action="dependency.add", obj=dep, now=now)
    return dep


@transaction.atomic
def dependency_remove(*, actor: Any, dependency: Dependency, now: dt.datetime) -> None:
    """Remove a link from the plan."""
    program = dependency.program
    ensure_can(actor, "program.change", program)
    remember_plan(program, now)
    before = snapshot(dependency)
    audit_record(
        actor=actor, action="dependency.remove", obj=dependency, before=before, after={}, now=now
    )
    dependency.delete()
    bump_plan(program, now)
