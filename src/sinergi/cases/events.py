"""The events of citizen cases, registered with the one event path (docs/events.md).

Payloads name the case, its service, its status and its front-door agency: never the
tracking code, a NIK, a name or a phone number (UU 27/2022)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from sinergi.notifications import audiences as aud
from sinergi.notifications.events import Category, EventType, register, register_category

STRING = {"type": "string"}

CASE_SCHEMA: dict[str, Any] = {
    "required": ["case"],
    "properties": {
        "case": {
            "type": "object",
            "required": ["id", "service", "status", "front_agency"],
            "properties": {
                "id": {"type": "integer"},
                "service": STRING,
                "status": STRING,
                "front_agency": STRING,
            },
            "additionalProperties": False,
        }
    },
}


def case_payload(case: Any) -> dict[str, Any]:
    """What a webhook receives about a case: no personal data."""
    return {
        "case": {
            "id": case.pk,
            "service": case.service.slug,
            "status": case.status,
            "front_agency": case.service.front_agency.slug,
        }
    }


register_category(Category("cases", _("Citizen services: cases at the front desk"), "cases"))

for verb, description in (
    ("filed", _("A citizen filed a case (or the front desk filed it for them)")),
    ("verified", _("The front desk verified a case and sent it to the agencies")),
    ("waiting_citizen", _("An agency asked the applicant for a document")),
    ("document_provided", _("The applicant sent the document an agency asked for")),
    ("ready_to_issue", _("Every agency finished its step; the product can be issued")),
    ("finished", _("The product was issued to the applicant")),
    ("rejected", _("The case was rejected")),
):
    register(
        EventType(
            name=f"cases.case.{verb}",
            category="cases",
            schema=CASE_SCHEMA,
            payload=case_payload,
            title=lambda c: (
                _("Citizen service %(service)s: %(status)s")
                % {"service": c.version.name, "status": c.get_status_display()}
            ),
            url=lambda c: f"/layanan/kasus/{c.pk}/",
            audience=lambda c: aud.NOBODY,
            agencies=lambda c: [c.service.front_agency],
            description=description,
        )
    )

for verb, description in (
    ("filed", _("A citizen complained about a case; the front-door head answers on the clock")),
    ("overdue", _("A complaint was not answered in time")),
    ("answered", _("The front-door agency answered a complaint")),
):
    register(
        EventType(
            name=f"cases.complaint.{verb}",
            category="cases",
            schema=CASE_SCHEMA,
            payload=case_payload,
            title=lambda c: (
                _("Complaint about a citizen service: %(service)s") % {"service": c.version.name}
            ),
            url=lambda c: f"/layanan/kasus/{c.pk}/",
            audience=lambda c: aud.NOBODY,
            agencies=lambda c: [c.service.front_agency],
            description=description,
        )
    )

# The region's leaders cannot open the case (personal data stays with the agencies working
# on it): the escalation points them to the front-door agency's scorecard.
register(
    EventType(
        name="cases.complaint.escalated",
        category="cases",
        schema=CASE_SCHEMA,
        payload=case_payload,
        title=lambda c: (
            _("Complaint unanswered at %(agency)s: %(service)s")
            % {"agency": c.service.front_agency.name, "service": c.version.name}
        ),
        url=lambda c: f"/dasbor/instansi/{c.service.front_agency.slug}/",
        audience=lambda c: aud.NOBODY,
        agencies=lambda c: [c.service.front_agency],
        description=_(
            "A complaint is still unanswered after the reminder; the region's leaders hear of it"
        ),
    )
)
