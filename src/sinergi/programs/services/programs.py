"""Programmes: creation, changes, partners, and the plan version every plan change bumps."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency, Sector
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model
from sinergi.regions.models import Region

from ..models import Baseline, Partnership, Program, WorkItem

PROGRAM_FIELDS = ("title", "goal", "status", "visibility", "planned_start", "budget", "plan_codes")


def bump_plan(program: Program, now: dt.datetime) -> None:
    """Mark the plan changed so that cached schedules are recomputed."""
    Program.objects.filter(pk=program.pk).update(
        plan_version=F("plan_version") + 1, plan_stamp=uuid.uuid4().hex, updated_at=now
    )
    program.refresh_from_db(fields=["plan_version", "plan_stamp", "updated_at"])
    _recompute_later(program)


def _recompute_later(program: Program) -> None:
    """A large program's schedule is recomputed by the worker once the change commits, so
    that no page view pays for it (docs/decisions/programs-schedule-off-request.md)."""
    from ..scheduling import is_large
    from ..tasks import recompute_schedule

    if is_large(program):
        pk = program.pk
        transaction.on_commit(lambda: recompute_schedule.enqueue(pk))


def _sectors(slugs: Iterable[str]) -> list[Sector]:
    wanted = list(dict.fromkeys(slugs))
    found = list(Sector.objects.filter(slug__in=wanted))
    missing = sorted(set(wanted) - {s.slug for s in found})
    if missing:
        raise ValidationFailed(fields={"sectors": [_("Unknown sector: %s.") % ", ".join(missing)]})
    return found


@transaction.atomic
def program_create(
    *,
    actor: Any,
    code: str,
    title: str,
    coordinator: Agency,
    planned_start: dt.date,
    now: dt.datetime,
    region: Region | None = None,
    sectors: Iterable[str] = (),
    **fields: Any,
) -> Program:
    """Set up a program coordinated by an agency the actor manages."""
    ensure_can(actor, "program.create", coordinator)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"unknown program fields: {sorted(unknown)}")
    if Program.objects.filter(code=code).exists():
        raise ValidationFailed(fields={"code": [_("A program with this code already exists.")]})
    program = Program(
        plan_stamp=uuid.uuid4().hex,
        code=code,
        title=title,
        coordinator=coordinator,
        region=region or coordinator.region,
        planned_start=planned_start,
        created_at=now,
        updated_at=now,
        **fields,
    )
    validate_model(program, exclude=["baseline"])
    sector_objs = _sectors(sectors)
    program.save()
    program.sectors.set(sector_objs)
    audit_record(actor=actor, action="program.create", obj=program, now=now)
    return program


@transaction.atomic
def program_update(
    *,
    actor: Any,
    program: Program,
    now: dt.datetime,
    sectors: Iterable[str] | None = None,
    baseline: Baseline | None = None,
    clear_baseline: bool = False,
    **fields: Any,
) -> Program:
    """Change a program's description, status, visibility, dates or chosen baseline."""
    ensure_can(actor, "program.change", program)
    unknown = set(fields) - set(PROGRAM_FIELDS)
    if unknown:
        raise TypeError(f"unknown program fields: {sorted(unknown)}")
    program = Program.objects.select_for_update().get(pk=program.pk)
    before = snapshot(program)
    for key, value in fields.items():
        setattr(program, key, value)
    if baseline is not None:
        if baseline.program_id != program.pk:
            raise ValidationFailed(fields={"baseline": [_("Not a baseline of this program.")]})
        program.baseline = baseline
    elif clear_baseline:
        program.baseline = None
    program.updated_at = now
    program.plan_version += 1
    program.plan_stamp = uuid.uuid4().hex
    validate_model(program)
    program.save()
    _recompute_later(program)
    if sectors is not None:
        program.sectors.set(_sectors(sectors))
    audit_record(actor=actor, action="program.update", obj=program, before=before, now=now)
    return program


@transaction.atomic
def program_add_partner(
    *, actor: Any, program: Program, agency: Agency, mode: str, role: str, now: dt.datetime
) -> Partnership:
    """Invite a partner agency into the program in one of the two modes."""
    ensure_can(actor, "program.change", program)
    if agency.pk == program.coordinator_id:
        raise ValidationFailed(fields={"agency": [_("The coordinator is not its own partner.")]})
    if Partnership.objects.filter(program=program, agency=agency).exists():
        raise ValidationFailed(fields={"agency": [_("This agency is already a partner.")]})
    partner = Partnership(program=program, agency=agency, mode=mode, role=role, joined_at=now)
    validate_model(partner)
    partner.save()
    audit_record(actor=actor, action="program.add_partner", obj=partner, now=now)
    return partner


@transaction.atomic
def program_remove_partner(*, actor: Any, partnership: Partnership, now: dt.datetime) -> None:
    """Remove a partner that owns no work items."""
    program = partnership.program
    ensure_can(actor, "program.change", program)
    if WorkItem.objects.filter(program=program, owner=partnership.agency).exists():
        raise Conflict(_("The partner still owns work items; reassign them first."))
    before = snapshot(partnership)
    audit_record(
        actor=actor,
        action="program.remove_partner",
        obj=partnership,
        before=before,
        after={},
        now=now,
    )
    partnership.delete()
