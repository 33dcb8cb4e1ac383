"""The events of programs, registered with the one event path (docs/events.md).

The one a user notices most: ``programs.handoff.ready`` — a work item of one agency is
done and the agency whose work follows it may start ("siap dimulai").
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext_lazy as _

from sinergi.core.permissions import Role
from sinergi.core.tick import tick_job
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import Category, EventType, register, register_category

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATE = {"type": "string", "format": "date"}
NULLABLE_DATE = {"type": ["string", "null"], "format": "date"}

WORKITEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "program", "wbs", "title", "owner", "status", "percent_complete"],
    "properties": {
        "id": INTEGER,
        "program": STRING,
        "wbs": STRING,
        "title": STRING,
        "owner": STRING,
        "status": STRING,
        "percent_complete": INTEGER,
        "actual_start": NULLABLE_DATE,
        "actual_finish": NULLABLE_DATE,
        "deadline": NULLABLE_DATE,
    },
    "additionalProperties": False,
}


def workitem_payload(item: Any) -> dict[str, Any]:
    """What a webhook receives about a work item."""
    return {
        "work_item": {
            "id": item.pk,
            "program": item.program.code,
            "wbs": item.wbs,
            "title": item.title,
            "owner": item.owner.slug,
            "status": item.status,
            "percent_complete": item.percent_complete,
            "actual_start": item.actual_start.isoformat() if item.actual_start else None,
            "actual_finish": item.actual_finish.isoformat() if item.actual_finish else None,
            "deadline": item.deadline.isoformat() if item.deadline else None,
        }
    }


def handoff_payload(dep: Any) -> dict[str, Any]:
    """What a webhook receives about a hand-off (a dependency between two agencies)."""
    return {
        "handoff": {
            "id": dep.pk,
            "program": dep.program.code,
            "type": dep.type,
            "lag": dep.lag,
            "predecessor": workitem_payload(dep.predecessor)["work_item"],
            "successor": workitem_payload(dep.successor)["work_item"],
        }
    }


def proposal_payload(p: Any) -> dict[str, Any]:
    """What a webhook receives about a plan change proposal."""
    return {
        "proposal": {
            "id": p.pk,
            "program": p.program.code,
            "agency": p.agency.slug,
            "kind": p.kind,
            "status": p.status,
            "summary": p.summary,
        }
    }


def baseline_payload(b: Any) -> dict[str, Any]:
    """What a webhook receives about a baseline."""
    return {
        "baseline": {
            "id": b.pk,
            "program": b.program.code,
            "name": b.name,
            "data_date": b.data_date.isoformat(),
            "finish_date": b.finish_date.isoformat(),
        }
    }


def _program_url(program: Any) -> str:
    return f"/program/{program.code}/"


def _partners(program: Any) -> list[Any]:
    return [program.coordinator, *[p.agency for p in program.partnerships.all()]]


register_category(Category("programs", _("Programs: work items, hand-offs and plans"), "programs"))

_ITEM = {"required": ["work_item"], "properties": {"work_item": WORKITEM_SCHEMA}}
_HANDOFF = {
    "required": ["handoff"],
    "properties": {
        "handoff": {
            "type": "object",
            "required": ["id", "program", "predecessor", "successor"],
            "properties": {
                "id": INTEGER,
                "program": STRING,
                "type": STRING,
                "lag": INTEGER,
                "predecessor": WORKITEM_SCHEMA,
                "successor": WORKITEM_SCHEMA,
            },
            "additionalProperties": False,
        }
    },
}
_PROPOSAL = {
    "required": ["proposal"],
    "properties": {
        "proposal": {
            "type": "object",
            "required": ["id", "program", "agency", "kind", "status", "summary"],
            "properties": {
                "id": INTEGER,
                "program": STRING,
                "agency": STRING,
                "kind": STRING,
                "status": STRING,
                "summary": STRING,
            },
            "additionalProperties": False,
        }
    },
}
_BASELINE = {
    "required": ["baseline"],
    "properties": {
        "baseline": {
            "type": "object",
            "required": ["id", "program", "name", "data_date", "finish_date"],
            "properties": {
                "id": INTEGER,
                "program": STRING,
                "name": STRING,
                "data_date": DATE,
                "finish_date": DATE,
            },
            "additionalProperties": False,
        }
    },
}

for verb, description in (
    ("started", _("An agency started a work item")),
    ("finished", _("An agency finished a work item")),
    ("late", _("A work item is behind its baseline or misses its deadline (once a week)")),
):
    register(
        EventType(
            name=f"programs.workitem.{verb}",
            category="programs",
            schema=_ITEM,
            payload=workitem_payload,
            title=lambda i: i.title,
            url=lambda i: _program_url(i.program),
            audience=lambda i: aud.staff_of(i.program.coordinator, role=Role.MANAGER),
            agencies=lambda i: [i.owner, i.program.coordinator],
            description=description,
        )
    )


def _handoff_title_ready(dep: Any) -> Any:
    return _("%(agency)s finished %(pred)s: %(succ)s is ready to start") % {
        "agency": dep.predecessor.owner,
        "pred": dep.predecessor.title,
        "succ": dep.successor.title,
    }


register(
    EventType(
        name="programs.handoff.ready",
        category="programs",
        schema=_HANDOFF,
        payload=handoff_payload,
        title=_handoff_title_ready,
        url=lambda d: _program_url(d.program),
        audience=lambda d: aud.staff_of(d.successor.owner),
        agencies=lambda d: [d.predecessor.owner, d.successor.owner],
        description=_(
            "A predecessor of one agency is done: the successor's agency may start "
            "(its staff get 'siap dimulai')"
        ),
    )
)
register(
    EventType(
        name="programs.handoff.late",
        category="programs",
        schema=_HANDOFF,
        payload=handoff_payload,
        title=lambda d: (
            _("Hand-off late: %(succ)s still waits for %(pred)s of %(agency)s")
            % {
                "succ": d.successor.title,
                "pred": d.predecessor.title,
                "agency": d.predecessor.owner,
            }
        ),
        url=lambda d: _program_url(d.program),
        audience=lambda d: aud.staff_of(d.predecessor.owner, d.successor.owner),
        agencies=lambda d: [d.predecessor.owner, d.successor.owner],
        description=_(
            "The predecessor's forecast finish has passed and it is not done (once a week)"
        ),
    )
)
register(
    EventType(
        name="programs.proposal.made",
        category="new_requests",
        schema=_PROPOSAL,
        payload=proposal_payload,
        title=lambda p: p.summary,
        url=lambda p: _program_url(p.program) + "#proposals-h",
        audience=lambda p: aud.staff_of(p.program.coordinator, role=Role.MANAGER),
        agencies=lambda p: [p.program.coordinator, p.agency],
        kind="proposal",
        description=_("A partner proposed a change to the plan"),
    )
)
register(
    EventType(
        name="programs.proposal.decided",
        category="status_changes",
        schema=_PROPOSAL,
        payload=proposal_payload,
        title=lambda p: p.summary,
        url=lambda p: _program_url(p.program) + "#proposals-h",
        audience=lambda p: aud.heads_of(p.agency),
        agencies=lambda p: [p.program.coordinator, p.agency],
        kind="proposal_decided",
        description=_("The coordinator accepted or rejected a proposal"),
    )
)
register(
    EventType(
        name="programs.baseline.taken",
        category="programs",
        schema=_BASELINE,
        payload=baseline_payload,
        title=lambda b: (
            _("Baseline %(name)s of %(program)s taken")
            % {"name": b.name, "program": b.program.title}
        ),
        url=lambda b: _program_url(b.program),
        audience=lambda b: aud.staff_of(*_partners(b.program), role=Role.MANAGER),
        agencies=lambda b: _partners(b.program),
        description=_("The plan was snapshotted as a baseline"),
    )
)


# What each active programme was last scanned for in this process: its plan, baseline,
# local day and week. Lateness changes only with these, so an unchanged programme is not
# scheduled again at every tick (50,000 programmes at national scale). A restarted worker
# scans every programme once more; the ``once`` keys of the notices keep them single.
_late_scanned: dict[int, str] = {}


@tick_job("programs.late")
def late_tick(now: dt.datetime) -> dict[str, Any]:
    """Tell, once a week per item, which work items and hand-offs of active programs are
    late (the schedule's forecast against the baseline and deadlines). A programme is
    scheduled again only when its plan, baseline or local day changed since its last scan."""
    from sinergi.core.permissions import SYSTEM
    from sinergi.notifications.events import events_emit

    from .choices import ProgramStatus
    from .models import Dependency, Program, WorkItem
    from .scheduling import local_today, program_schedule

    week = now.isocalendar()
    stamp = f"{week.year}-W{week.week:02d}"
    items = handoffs = scanned = 0
    for program in Program.objects.filter(status=ProgramStatus.ACTIVE).select_related(
        "coordinator", "region"
    ):
        today = local_today(program, now)
        key = f"{program.plan_stamp}:{program.baseline_id}:{today.isoformat()}:{stamp}"
        if _late_scanned.get(program.pk) == key:
            continue
        ps = program_schedule(program, now=now)
        scanned += 1
        if ps.error:
            _late_scanned[program.pk] = key
            continue
        by_id = {i.id: i for i in ps.items}
        late_ids = [i.id for i in ps.items if i.late and not i.actual_finish]
        for item in WorkItem.objects.filter(pk__in=late_ids).select_related("owner", "program"):
            done = events_emit(
                "programs.workitem.late",
                item,
                actor=SYSTEM,
                now=now,
                audience=aud.staff_of(item.owner)
                + aud.staff_of(program.coordinator, role=Role.MANAGER),
                once=f"{item.pk}:{stamp}",
            )
            items += bool(done.notified or done.webhooks)
        overdue_links = [
            ln.id
            for ln in ps.links
            if ln.handoff
            and not by_id[ln.pred].actual_finish
            and by_id[ln.pred].finish < today
            and not by_id[ln.succ].actual_start
        ]
        for dep in Dependency.objects.filter(pk__in=overdue_links).select_related(
            "program",
            "predecessor__owner",
            "successor__owner",
            "predecessor__program",
            "successor__program",
        ):
            done = events_emit(
                "programs.handoff.late", dep, actor=SYSTEM, now=now, once=f"{dep.pk}:{stamp}"
            )
            handoffs += bool(done.notified or done.webhooks)
        _late_scanned[program.pk] = key
    return {"workitems_late": items, "handoffs_late": handoffs, "programs_scanned": scanned}
