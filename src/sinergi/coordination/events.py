"""The events of coordination, registered with the one event path (docs/events.md).

Services call ``events_emit("coordination.request.answered", request, ...)``; the payload,
title, link and the agencies whose webhooks hear of it are said here once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from sinergi.notifications import audiences as aud
from sinergi.notifications.events import EventType, register

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}

REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "from_agency", "to_agency", "kind", "status", "subject", "due_date"],
    "properties": {
        "id": INTEGER,
        "from_agency": STRING,
        "to_agency": STRING,
        "kind": STRING,
        "status": STRING,
        "subject": STRING,
        "due_date": DATE,
        "escalation_level": INTEGER,
    },
    "additionalProperties": False,
}
MEETING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "convening_agency", "title", "starts_at", "ends_at", "place", "status"],
    "properties": {
        "id": INTEGER,
        "convening_agency": STRING,
        "title": STRING,
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "place": STRING,
        "status": STRING,
        "invited": {"type": "array", "items": STRING},
    },
    "additionalProperties": False,
}


def request_payload(request: Any) -> dict[str, Any]:
    """What a webhook receives about a request (no personal data)."""
    return {
        "request": {
            "id": request.pk,
            "from_agency": request.from_agency.slug,
            "to_agency": request.to_agency.slug,
            "kind": request.kind,
            "status": request.status,
            "subject": request.subject,
            "due_date": request.due_date.isoformat(),
            "escalation_level": request.escalation_level,
        }
    }


def meeting_payload(meeting: Any) -> dict[str, Any]:
    """What a webhook receives about a meeting."""
    return {
        "meeting": {
            "id": meeting.pk,
            "convening_agency": meeting.convening_agency.slug,
            "title": meeting.title,
            "starts_at": meeting.starts_at.isoformat(),
            "ends_at": meeting.ends_at.isoformat(),
            "place": meeting.place,
            "status": meeting.status,
            "invited": sorted(a.slug for a in meeting.invited.all()),
        }
    }


def _request_agencies(request: Any) -> list[Any]:
    return [request.from_agency, request.to_agency, *request.previous_handlers.all()]


def _meeting_agencies(meeting: Any) -> list[Any]:
    return [meeting.convening_agency, *meeting.invited.all()]


REQUEST_EVENTS = {
    "submitted": ("new_requests", _("A request was submitted to an agency")),
    "acknowledged": ("status_changes", _("The handling agency acknowledged a request")),
    "started": ("status_changes", _("The handling agency started work")),
    "answered": ("status_changes", _("The handling agency answered")),
    "declined": ("status_changes", _("The handling agency declined")),
    "forwarded": ("status_changes", _("The request was forwarded to another agency")),
    "extended": ("status_changes", _("The deadline was extended")),
    "closed": ("status_changes", _("The requester closed the request")),
    "reopened": ("status_changes", _("The requester reopened the request")),
    "clarification_asked": ("status_changes", _("The handler asked for a clarification")),
    "clarified": ("status_changes", _("The requester gave the clarification")),
    "message": ("status_changes", _("A message was written in the conversation")),
    "reminder": ("escalations", _("Reminder before the due date")),
    "escalated": ("escalations", _("Escalated up the chain (always emailed)")),
}

for verb, (category, description) in REQUEST_EVENTS.items():
    register(
        EventType(
            name=f"coordination.request.{verb}",
            category=category,
            schema={
                "required": ["request"],
                "properties": {
                    "request": REQUEST_SCHEMA,
                    "step": STRING,
                },
            },
            payload=request_payload,
            title=lambda r: r.subject,
            url=lambda r: f"/permintaan/{r.pk}/",
            audience=lambda r: aud.staff_of(r.to_agency),
            agencies=_request_agencies,
            always_email=verb == "escalated",
            description=description,
        )
    )

MEETING_EVENTS = {
    "created": _("A meeting was convened (invitation with .ics)"),
    "changed": _("A meeting moved (updated invitation)"),
    "cancelled": _("A meeting was cancelled"),
    "minutes": _("The minutes of a meeting were written"),
}
for verb, description in MEETING_EVENTS.items():
    register(
        EventType(
            name=f"coordination.meeting.{verb}",
            category="meetings",
            schema={"required": ["meeting"], "properties": {"meeting": MEETING_SCHEMA}},
            payload=meeting_payload,
            title=lambda m: m.title,
            url=lambda m: f"/rapat/{m.pk}/",
            audience=lambda m: aud.staff_of(*m.invited.all()),
            agencies=_meeting_agencies,
            description=description,
        )
    )
