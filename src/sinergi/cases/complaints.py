"""Complaints (pengaduan) about a case: filed by the citizen, answered by the head of the
front door on a clock of working days, reminded and then escalated to the region's leaders."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.coordination import sla
from sinergi.coordination.calendars import calendar_for, region_tz
from sinergi.core.audit import audit_record
from sinergi.core.exceptions import InvalidTransition, ValidationFailed
from sinergi.core.permissions import SYSTEM, ensure_can

from .models import Case
from .notify import case_notify
from .services import _aware, _user

#: Working days the head of the front door has to answer a complaint.
COMPLAINT_DAYS = 5
LAPOR_RE = re.compile(r"[A-Za-z0-9\-/.]{1,40}")


@transaction.atomic
def complaint_file(*, case: Case, body: str, now: dt.datetime, lapor_ref: str = "") -> Any:
    """A citizen (having shown code and factor) complains about their case; the head of the
    front-door agency answers within COMPLAINT_DAYS working days."""
    from .models import Complaint

    _aware(now)
    body = (body or "").strip()
    lapor_ref = (lapor_ref or "").strip()
    errors: dict[str, list[str]] = {}
    if not body:
        errors["body"] = [_("This field is required.")]
    elif len(body) > 2000:
        errors["body"] = [_("At most %(n)d characters.") % {"n": 2000}]
    if lapor_ref and not LAPOR_RE.fullmatch(lapor_ref):
        errors["lapor_ref"] = [_("Letters, digits, - / and . only, at most 40.")]
    if errors:
        raise ValidationFailed(fields=errors)
    front = case.service.front_agency
    tz = region_tz(front.region)
    cal = calendar_for(front, sla.local_date(now, tz))
    complaint = Complaint.objects.create(
        case=case,
        body=body,
        lapor_ref=lapor_ref,
        filed_at=now,
        due_date=sla.due_date(cal, now, COMPLAINT_DAYS, tz),
    )
    # The complaint's words may be personal: the audit entry names the case and the reference.
    audit_record(
        actor=SYSTEM,
        action="case.complaint",
        obj=complaint,
        after={"case": case.code, "lapor_ref": lapor_ref, "due_date": complaint.due_date},
        now=now,
    )
    case_notify("cases.complaint.filed", case, actor=SYSTEM, now=now)
    return complaint


@transaction.atomic
def complaint_answer(*, actor: Any, complaint: Any, body: str, now: dt.datetime) -> Any:
    """The head of the front-door agency answers a complaint; the citizen reads it when
    tracking."""
    from .models import Complaint

    _aware(now)
    complaint = (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("case__service")
        .get(pk=complaint.pk)
    )
    ensure_can(actor, "case.complaint", complaint.case)
    if complaint.answered_at is not None:
        raise InvalidTransition("answered", "answered")
    body = (body or "").strip()
    if not body:
        raise ValidationFailed(fields={"body": [_("This field is required.")]})
    complaint.answer = body[:2000]
    complaint.answered_at = now
    complaint.answered_by = _user(actor)
    complaint.save(update_fields=["answer", "answered_at", "answered_by"])
    audit_record(
        actor=actor,
        action="case.complaint_answer",
        obj=complaint,
        after={"case": complaint.case.code, "answered_at": now},
        now=now,
    )
    case_notify("cases.complaint.answered", complaint.case, actor=actor, now=now)
    return complaint


def complaints_remind(*, now: dt.datetime) -> dict[str, int]:
    """The clock of unanswered complaints: past the due date the head is reminded (once);
    COMPLAINT_DAYS working days after that, the region's leaders hear of it (once), as a
    request escalates to the Sekda (docs/decisions/cases-complaint-escalation.md)."""
    from .models import Complaint

    reminded = escalated = 0
    for complaint in Complaint.objects.filter(
        answered_at__isnull=True, escalated_at__isnull=True
    ).select_related("case__service__front_agency__region", "case__version"):
        front = complaint.case.service.front_agency
        tz = region_tz(front.region)
        today = sla.local_date(now, tz)
        if today <= complaint.due_date:
            continue
        if complaint.reminded_at is None:
            _complaint_mark(complaint, "reminded_at", "remind", "cases.complaint.overdue", now)
            reminded += 1
            continue
        late = -sla.working_days_left(calendar_for(front, today), complaint.due_date, today)
        if late < COMPLAINT_DAYS:
            continue
        _complaint_mark(complaint, "escalated_at", "escalate", "cases.complaint.escalated", now)
        escalated += 1
    return {"reminded": reminded, "escalated": escalated}


def _complaint_mark(complaint: Any, field: str, step: str, event: str, now: dt.datetime) -> None:
    """Record one step of the complaint clock (reminded or escalated): the time, its audit
    entry and the notification, in one transaction."""
    with transaction.atomic():
        setattr(complaint, field, now)
        complaint.save(update_fields=[field])
        audit_record(
            actor=SYSTEM,
            action=f"case.complaint_{step}",
            obj=complaint,
            after={"case": complaint.case.code, field: now},
            now=now,
        )
        case_notify(event, complaint.case, actor=SYSTEM, now=now)
