"""Reads of the coordination app: inbox, filtered lists, timelines, routing candidates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Q, QuerySet

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import user_memberships
from sinergi.notifications.models import Notification

from .choices import OPEN_STATUSES, RequestStatus
from .models import Meeting, Request, RequestEvent
from .routing import AgencyProfile, Suggestion, suggest_agencies
from .services import working_days_left


def user_agency_ids(user: Any) -> list[int]:
    """Agencies the user is a member of."""
    return [m.agency_id for m in user_memberships(user)]


def _base(user: Any) -> QuerySet[Request]:
    # The clock of each row reads the handling agency's region (its calendar): joined here,
    # not one query per row.
    return Request.objects.visible_to(user).select_related(
        "from_agency", "to_agency__region", "region"
    )


@dataclass
class Filters:
    """Filters of the request list."""

    box: str = ""  # incoming / outgoing / "" (all visible)
    kind: str = ""
    status: str = ""
    agency: str = ""
    overdue: bool = False
    escalated: bool = False
    q: str = ""
    program_code: str = ""
    # Narrowing used by the leader dashboard's links ("the rows behind a number").
    from_agency: str = ""  # slug of the requesting agency
    to_agency: str = ""  # slug of the agency currently handling it
    to_region: str = ""  # Kemendagri codes (comma-separated) of the handling agency's region
    submitted_from: dt.date | None = None  # local calendar days, both ends included
    submitted_to: dt.date | None = None
    answered: str = ""  # "yes", "no", "on_time" or "late"


def requests_search(*, user: Any, filters: Filters, now: dt.datetime) -> QuerySet[Request]:
    """Requests the user sees, filtered; open ones by due date first."""
    qs = _base(user)
    ids: list[int] = user_agency_ids(user)
    if filters.agency:
        chosen = set(Agency.objects.filter(slug=filters.agency).values_list("pk", flat=True))
        ids = [a for a in ids if a in chosen]
        if not ids:  # a leader or admin looking at another agency
            ids = list(chosen)
    if filters.box == "incoming":
        qs = qs.filter(to_agency_id__in=ids)
    elif filters.box == "outgoing":
        qs = qs.filter(from_agency_id__in=ids)
    elif filters.agency and ids:
        qs = qs.filter(Q(from_agency_id__in=ids) | Q(to_agency_id__in=ids))
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.overdue:
        qs = qs.filter(status__in=OPEN_STATUSES, due_at__lt=now)
    if filters.escalated:
        qs = qs.filter(status__in=OPEN_STATUSES, escalation_level__gt=0)
    if filters.q:
        qs = qs.filter(Q(subject__icontains=filters.q) | Q(body__icontains=filters.q))
    if filters.program_code:
        qs = qs.filter(program_code=filters.program_code)
    if filters.from_agency:
        qs = qs.filter(from_agency__slug=filters.from_agency)
    if filters.to_agency:
        qs = qs.filter(to_agency__slug=filters.to_agency)
    if filters.to_region:
        cond = Q()
        for code in filters.to_region.split(","):
            code = code.strip()
            if code:
                cond |= Q(to_agency__region__code=code)
                cond |= Q(to_agency__region__code__startswith=code + ".")
        qs = qs.filter(cond)
    if filters.submitted_from:
        qs = qs.filter(submitted_at__date__gte=filters.submitted_from)
    if filters.submitted_to:
        qs = qs.filter(submitted_at__date__lte=filters.submitted_to)
    if filters.answered == "yes":
        qs = qs.filter(answered_at__isnull=False)
    elif filters.answered == "no":
        qs = qs.filter(answered_at__isnull=True)
    elif filters.answered == "on_time":
        qs = qs.filter(answered_at__isnull=False, answered_at__lte=F("due_at"))
    elif filters.answered == "late":
        qs = qs.filter(answered_at__gt=F("due_at"))
    return qs.order_by("due_at", "pk")


def inbox(*, user: Any, now: dt.datetime, agency: Agency | None = None) -> dict[str, Any]:
    """What waits for us (open incoming) and what we wait for (open outgoing), by due date."""
    ids = [agency.pk] if agency is not None else user_agency_ids(user)
    open_qs = _base(user).filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")
    incoming = list(open_qs.filter(to_agency_id__in=ids)[:200])
    outgoing = list(open_qs.filter(from_agency_id__in=ids)[:200])
    # Answers waiting for the requester to close them.
    answered = list(
        _base(user).filter(from_agency_id__in=ids, status="answered").order_by("-answered_at")[:50]
    )
    # Clocks standing still for a clarification: ours to give, or theirs.
    waiting = _base(user).filter(status=RequestStatus.WAITING).order_by("paused_at", "pk")
    to_clarify = list(waiting.filter(from_agency_id__in=ids)[:100])
    paused = list(waiting.filter(to_agency_id__in=ids)[:100])
    for r in incoming + outgoing:
        annotate_clock(r, now)
    return {
        "incoming": incoming,
        "outgoing": outgoing,
        "answered": answered,
        "to_clarify": to_clarify,
        "paused": paused,
        "overdue_incoming": sum(1 for r in incoming if r.is_overdue(now)),
    }


def annotate_clock(request: Request, now: dt.datetime) -> Request:
    """Attach ``days_left`` and ``overdue`` to a request for display."""
    request.days_left = working_days_left(request, now) if request.is_open else None  # type: ignore[attr-defined]
    request.overdue = request.is_overdue(now)  # type: ignore[attr-defined]
    days = request.days_left  # type: ignore[attr-defined]
    request.overdue_days = -days if days is not None and days < 0 else 0  # type: ignore[attr-defined]
    return request


def request_timeline(request: Request) -> QuerySet[RequestEvent]:
    """A request's events in order (transitions, messages, escalation steps)."""
    return request.events.select_related("agency", "target_agency").order_by("at", "pk")


def routing_candidates(region_code: str | None = None) -> list[AgencyProfile]:
    """Active agencies with their mandate and affair names, for routing help."""
    qs = Agency.objects.filter(is_active=True).prefetch_related("affairs")
    if region_code:
        qs = qs.filter(Q(region__code=region_code) | Q(region__code__startswith=region_code + "."))
    return [
        AgencyProfile(
            slug=a.slug,
            name=a.name,
            mandate=a.mandate,
            affairs=tuple(f.name for f in a.affairs.all()),
        )
        for a in qs
    ]


def suggest_for(*, text: str, exclude: list[str] | None = None, limit: int = 3) -> list[Suggestion]:
    """Agencies that look competent for a request's text."""
    return suggest_agencies(text, routing_candidates(), limit=limit, exclude=exclude or [])


def meetings_visible(*, user: Any) -> QuerySet[Meeting]:
    """Meetings the user sees, latest first."""
    return (
        Meeting.objects.visible_to(user)
        .select_related("convening_agency", "region")
        .order_by("-starts_at")
    )


def unread_notifications(user: Any) -> QuerySet[Notification]:
    """The user's unread inbox notifications."""
    return Notification.objects.visible_to(user).filter(read_at__isnull=True)


def feed_meetings(*, user: Any, agency: Agency | None, now: dt.datetime) -> list[Meeting]:
    """Meetings for a calendar feed: from 90 days ago to a year ahead."""
    qs = meetings_visible(user=user).filter(
        starts_at__gte=now - dt.timedelta(days=90), starts_at__lte=now + dt.timedelta(days=366)
    )
    if agency is not None:
        qs = qs.filter(Q(convening_agency=agency) | Q(invited=agency)).distinct()
    return list(qs[:500])


def feed_due_requests(*, user: Any, agency: Agency | None) -> list[Request]:
    """Open requests waiting for the user's agencies (or one of them), for a calendar feed."""
    ids = [agency.pk] if agency is not None else user_agency_ids(user)
    return list(_base(user).filter(status__in=OPEN_STATUSES, to_agency_id__in=ids)[:500])
