"""Baselines: the plan frozen for later comparison."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model
from sinergi.notifications.events import events_emit

from ..models import Baseline, Program
from ..scheduling import compute_schedule, local_today, remember_baseline, snapshot_plan
from .programs import program_update


@transaction.atomic
def baseline_take(
    *,
    actor: Any,
    program: Program,
    name: str,
    now: dt.datetime,
    select: bool = True,
    data_date: dt.date | None = None,
) -> Baseline:
    """Snapshot the plan and its forecast dates under a name (and compare against it).

    ``data_date`` (default: today) back-dates the snapshot, for a plan agreed earlier.
    """
    ensure_can(actor, "program.change", program)
    today = local_today(program, now)
    if data_date is None:
        data_date = today
    elif data_date > today:
        raise ValidationFailed(fields={"data_date": [_("The data date cannot be in the future.")]})
    computed = compute_schedule(program, data_date)
    if computed.error:
        raise ValidationFailed(computed.error)
    if Baseline.objects.filter(program=program, name=name).exists():
        raise ValidationFailed(fields={"name": [_("A baseline with this name exists.")]})
    snap = snapshot_plan(program, data_date)
    snap["dates"] = {str(i.id): [i.start.isoformat(), i.finish.isoformat()] for i in computed.items}
    baseline = Baseline(
        program=program,
        name=name,
        taken_at=now,
        data_date=data_date,
        finish_date=computed.finish_date or data_date,
        snapshot=snap,
    )
    validate_model(baseline)
    baseline.save()
    if computed.schedule is not None:
        # The snapshot schedules to exactly this; keep it so the first comparison is free.
        remember_baseline(baseline, computed.schedule)
    audit_record(
        actor=actor,
        action="baseline.take",
        obj=baseline,
        after={"name": name, "data_date": data_date, "finish_date": baseline.finish_date},
        now=now,
    )
    if select:
        program_update(actor=actor, program=program, baseline=baseline, now=now)
        program.refresh_from_db()
    events_emit("programs.baseline.taken", baseline, actor=actor, now=now)
    return baseline
