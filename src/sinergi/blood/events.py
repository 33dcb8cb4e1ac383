"""The events of the blood module, registered with the one event path (docs/events.md).

A CITO request is the urgent one: ``blood.request.cito`` reaches the unit's staff in their
inbox, by email and on every channel (WhatsApp, SMS) they enabled, and the bell of every
open page shows it within seconds. No payload carries a case number or a patient.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from sinergi.core.permissions import Role
from sinergi.notifications import audiences as aud
from sinergi.notifications.events import Category, EventType, register, register_category

STRING = {"type": "string"}
INTEGER = {"type": "integer"}
DATETIME = {"type": "string", "format": "date-time"}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}

REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "hospital", "unit", "product", "abo", "rh", "quantity", "urgency", "status"],
    "properties": {
        "id": INTEGER,
        "hospital": STRING,
        "unit": STRING,
        "product": STRING,
        "abo": STRING,
        "rh": STRING,
        "quantity": INTEGER,
        "quantity_allocated": INTEGER,
        "urgency": {"enum": ["cito", "urgent", "routine"]},
        "status": STRING,
        "needed_by": DATETIME,
        "due_at": NULLABLE_DATETIME,
        "escalation_step": INTEGER,
    },
    "additionalProperties": False,
}
DROPPING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["id", "from_unit", "to_unit", "product", "abo", "rh", "quantity", "status"],
    "properties": {
        "id": INTEGER,
        "from_unit": STRING,
        "to_unit": STRING,
        "request": {"type": ["integer", "null"]},
        "product": STRING,
        "abo": STRING,
        "rh": STRING,
        "quantity": INTEGER,
        "quantity_sent": INTEGER,
        "status": STRING,
        "decline_reason": STRING,
    },
    "additionalProperties": False,
}


def _cell(abo: str, rh: str) -> str:
    return abo + ("+" if rh == "pos" else "−" if rh == "neg" else "")


def request_payload(req: Any) -> dict[str, Any]:
    """What a webhook receives about a hospital request (no case number)."""
    return {
        "request": {
            "id": req.pk,
            "hospital": req.hospital.slug,
            "unit": req.unit.slug,
            "product": req.product.code,
            "abo": req.abo,
            "rh": req.rh,
            "quantity": req.quantity,
            "quantity_allocated": req.quantity_allocated,
            "urgency": req.urgency,
            "status": req.status,
            "needed_by": req.needed_by.isoformat(),
            "due_at": req.due_at.isoformat() if req.due_at else None,
            "escalation_step": req.escalation_step,
        }
    }


def _request_title(req: Any) -> Any:
    values = {
        "n": req.pk,
        "c": f"{req.product.code} {_cell(req.abo, req.rh)}",
        "q": req.quantity,
        "h": req.hospital.short_name or req.hospital.name,
    }
    if req.urgency == "cito":
        return _("CITO blood request #%(n)d: %(c)s × %(q)d from %(h)s") % values
    return _("Blood request #%(n)d: %(c)s × %(q)d from %(h)s") % values


def dropping_payload(d: Any) -> dict[str, Any]:
    """What a webhook receives about a dropping between units."""
    return {
        "dropping": {
            "id": d.pk,
            "from_unit": d.from_unit.slug,
            "to_unit": d.to_unit.slug,
            "request": d.request_id,
            "product": d.product.code,
            "abo": d.abo,
            "rh": d.rh,
            "quantity": d.quantity,
            "quantity_sent": d.quantity_sent,
            "status": d.status,
            "decline_reason": d.decline_reason,
        }
    }


def donor_call_payload(call: Any) -> dict[str, Any]:
    """What a webhook receives about a donor call (as the public page shows it)."""
    return {
        "unit": call.unit.slug,
        "name": call.unit.name,
        "id": call.pk,
        "status": call.status,
        "abo": call.abo,
        "rh": call.rh or None,
        "product": call.product.code,
        "place": call.place,
        "starts_at": call.starts_at.isoformat(),
        "ends_at": call.ends_at.isoformat(),
        "message": call.message,
    }


DONOR_CALL_SCHEMA: dict[str, Any] = {
    "required": ["unit", "id", "status", "abo", "product", "starts_at", "ends_at"],
    "properties": {
        "unit": STRING,
        "name": STRING,
        "id": INTEGER,
        "status": STRING,
        "abo": STRING,
        "rh": {"type": ["string", "null"]},
        "product": STRING,
        "place": STRING,
        "starts_at": DATETIME,
        "ends_at": DATETIME,
        "message": STRING,
    },
}
STOCK_SCHEMA: dict[str, Any] = {
    "required": ["unit", "cells"],
    "properties": {
        "unit": STRING,
        "name": STRING,
        "kinds": {"type": "array", "items": STRING},
        "cells": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["product", "abo", "rh", "change", "quantity"],
                "properties": {
                    "product": STRING,
                    "abo": STRING,
                    "rh": STRING,
                    "change": INTEGER,
                    "quantity": INTEGER,
                },
                "additionalProperties": False,
            },
        },
    },
}
KRITIS_SCHEMA: dict[str, Any] = {
    "required": ["unit", "abo"],
    "properties": {"unit": STRING, "name": STRING, "abo": STRING, "product": STRING},
}

register_category(Category("blood", _("Blood requests, droppings and stock"), "blood"))

_REQUEST = {"required": ["request"], "properties": {"request": REQUEST_SCHEMA}}
_DROPPING = {"required": ["dropping"], "properties": {"dropping": DROPPING_SCHEMA}}


def _request_url(req: Any) -> str:
    return f"/darah/permintaan/{req.pk}/"


def _unit_url(unit: Any) -> str:
    return f"/darah/udd/{unit.slug}/"


for name, description, audience, urgent in (
    (
        "blood.request.created",
        _("A hospital asked a blood unit for bags (urgent or routine)"),
        lambda r: aud.staff_of(r.unit),
        False,
    ),
    (
        "blood.request.cito",
        _("A hospital filed a CITO request: an immediate alert on every channel"),
        lambda r: aud.staff_of(r.unit),
        True,
    ),
    (
        "blood.request.allocated",
        _("The unit allocated bags to a request (partly or in full)"),
        lambda r: aud.staff_of(r.hospital),
        False,
    ),
    (
        "blood.request.overdue",
        _("A request was not answered in time (escalated to the unit and the health office)"),
        lambda r: aud.staff_of(r.unit, role=Role.MANAGER),
        False,
    ),
):
    register(
        EventType(
            name=name,
            category="blood",
            schema=_REQUEST,
            payload=request_payload,
            title=_request_title,
            url=_request_url,
            audience=audience,
            agencies=lambda r: [r.unit, r.hospital],
            urgent=urgent,
            description=description,
        )
    )

register(
    EventType(
        name="blood.dropping.asked",
        category="blood",
        schema=_DROPPING,
        payload=dropping_payload,
        title=lambda d: (
            _("%(unit)s asks for a dropping: %(p)s %(c)s × %(q)d")
            % {
                "unit": d.from_unit,
                "p": d.product.code,
                "c": _cell(d.abo, d.rh),
                "q": d.quantity,
            }
        ),
        url=lambda d: _unit_url(d.to_unit),
        audience=lambda d: aud.staff_of(d.to_unit),
        agencies=lambda d: [d.from_unit, d.to_unit],
        description=_("A unit asked another unit to send bags"),
    )
)
register(
    EventType(
        name="blood.dropping.answered",
        category="blood",
        schema=_DROPPING,
        payload=dropping_payload,
        title=lambda d: (
            (
                _("%(unit)s sent the dropping #%(n)d (%(q)d bags)")
                if d.status == "sent"
                else _("%(unit)s declined the dropping #%(n)d")
            )
            % {"unit": d.to_unit, "n": d.pk, "q": d.quantity_sent}
        ),
        url=lambda d: _unit_url(d.from_unit),
        audience=lambda d: aud.staff_of(d.from_unit),
        agencies=lambda d: [d.from_unit, d.to_unit],
        description=_("The asked unit sent the bags or declined"),
    )
)
register(
    EventType(
        name="blood.unit.kritis",
        category="blood",
        schema=KRITIS_SCHEMA,
        payload=lambda unit: {"unit": unit.slug, "name": unit.name},
        title=lambda unit: _("The blood stock of %(unit)s is critical") % {"unit": unit},
        url=_unit_url,
        audience=lambda unit: aud.staff_of(unit),
        agencies=lambda unit: [unit],
        description=_(
            "A group's red cells went critical at a unit (once per episode: a donor call "
            "draft is prepared at the same moment)"
        ),
    )
)
register(
    EventType(
        name="blood.donor_call.published",
        category="blood",
        schema=DONOR_CALL_SCHEMA,
        payload=donor_call_payload,
        title=lambda c: (
            _("Donor call for group %(g)s published by %(unit)s") % {"g": c.abo, "unit": c.unit}
        ),
        url=lambda c: _unit_url(c.unit),
        audience=lambda c: aud.staff_of(c.unit),
        agencies=lambda c: [c.unit],
        description=_("A donor call went public"),
    )
)
register(
    EventType(
        name="blood.donor_call.closed",
        category="blood",
        schema=DONOR_CALL_SCHEMA,
        payload=donor_call_payload,
        title=lambda c: _("Donor call for group %(g)s closed") % {"g": c.abo},
        url=lambda c: _unit_url(c.unit),
        audience=lambda c: aud.NOBODY,
        agencies=lambda c: [c.unit],
        description=_("A public donor call ended (webhooks only)"),
    )
)
register(
    EventType(
        name="blood.stock.changed",
        category="blood",
        schema=STOCK_SCHEMA,
        payload=lambda unit: {"unit": unit.slug, "name": unit.name},
        title=lambda unit: _("Stock of %(unit)s changed") % {"unit": unit},
        url=_unit_url,
        audience=lambda unit: aud.NOBODY,
        agencies=lambda unit: [unit],
        description=_("Stock moved at a unit: the changed cells and their totals (webhooks only)"),
    )
)
