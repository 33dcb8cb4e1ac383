"""Cases API for kiosks and front-desk systems: the services, filing and tracking."""

import base64
import binascii
from typing import Any

from django.utils.translation import gettext as _
from ninja import Field as SchemaField
from ninja import Query, Router, Schema

from sinergi.core.api import ERRORS, ApiRequest, ErrorOut, responses
from sinergi.core.clock import now
from sinergi.core.exceptions import NotFound, SinergiError, ValidationFailed

from . import selectors, services, throttle
from .choices import Channel, DocumentSource
from .models import Case, Service
from .schemas import CaseFiledOut, CaseIn, ServiceOut, TrackOut

router = Router(tags=["cases"])


class TooMany(SinergiError):
    """Too many attempts from one address."""

    status = 429
    code = "too_many_attempts"


class TrackQuery(Schema):
    """Tracking code and second factor."""

    code: str = SchemaField(..., min_length=1, max_length=40)
    factor: str = SchemaField(
        ..., min_length=1, max_length=4, description="last four digits of the phone or NIK"
    )


def _service_out(s: Service) -> dict[str, Any]:
    v = s.current
    assert v is not None  # noqa: S101 - listed services have a version
    return {
        "slug": s.slug,
        "name": v.name,
        "front_agency": s.front_agency.slug,
        "version": v.number,
        "total_days": v.total_days,
        "fee": v.fee,
        "product": v.product,
        "complaint_channel": v.complaint_channel,
        "requirements": [
            {
                "code": r["code"],
                "label": r["label"],
                "kind": r["kind"],
                "required": bool(r.get("required", True)),
            }
            for r in v.requirements
        ],
    }


@router.get(
    "/services",
    response=responses(list[ServiceOut], errors={401: ErrorOut}),
    summary="Services open for applications",
)
def service_list(request: ApiRequest) -> Any:
    """Every service open for applications with its requirements (public standards)."""
    rows = (
        Service.objects.visible_to(request.auth)
        .filter(is_active=True, current__isnull=False)
        .select_related("current", "front_agency")
        .order_by("slug")
    )
    return [_service_out(s) for s in rows]


@router.post(
    "",
    response=responses(CaseFiledOut, 201, errors={**ERRORS, 429: ErrorOut}),
    summary="File an application",
)
def case_file(request: ApiRequest, data: CaseIn) -> Any:
    """File a citizen's application from a kiosk or a front-desk system; documents come as
    base64 and are checked (type, size) before anything is stored."""
    if not throttle.hit(request, "file"):
        raise TooMany(_("Too many applications from this address. Try again later."))
    service = Service.objects.filter(slug=data.service, current__isnull=False).first()
    if service is None:
        raise ValidationFailed(fields={"service": [_("Unknown service.")]})
    uploads = []
    for index, doc in enumerate(data.documents):
        try:
            content = base64.b64decode(doc.content_base64, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise ValidationFailed(
                fields={f"documents.{index}": [_("The content is not valid base64.")]}
            ) from exc
        uploads.append(services.Upload(doc.requirement, doc.name, content))
    case = services.case_file(
        actor=request.auth,
        service=service,
        applicant_name=data.applicant_name,
        nik=data.nik,
        phone=data.phone,
        email=data.email,
        notify_by=data.notify_by,
        data=data.fields,
        uploads=uploads,
        channel=Channel.KIOSK,
        now=now(),
    )
    return 201, {
        "code": case.code,
        "service": service.slug,
        "status": case.status,
        "filed_at": case.filed_at,
        "due_date": case.due_date,
    }


def track_out(case: Case) -> dict[str, Any]:
    """What a citizen may read of their case."""
    steps = list(case.steps.select_related("agency").order_by("position"))
    return {
        "code": case.code,
        "service": case.service.slug,
        "status": case.status,
        "status_label": case.get_status_display(),
        "filed_at": case.filed_at,
        "due_date": case.due_date,
        "finished_at": case.finished_at,
        "reject_reason": case.reject_reason,
        "steps": [
            {
                "title": s.title,
                "agency": s.agency.slug,
                "status": s.status,
                "status_label": s.get_status_display(),
                "due_date": s.due_date,
                "question": s.question,
            }
            for s in steps
        ],
        "product_available": case.documents.filter(
            source=DocumentSource.PRODUCT, purged_at__isnull=True
        ).exists(),
        "rated": hasattr(case, "rating"),
    }


@router.get(
    "/track",
    response=responses(
        TrackOut, errors={400: ErrorOut, 401: ErrorOut, 404: ErrorOut, 422: ErrorOut, 429: ErrorOut}
    ),
    summary="Track an application",
)
def case_track(request: ApiRequest, query: Query[TrackQuery]) -> Any:
    """Where an application stands, by its code and the last four digits of the phone or NIK.
    A wrong code or factor answers exactly like a missing case."""
    if not throttle.hit(request, "track"):
        raise TooMany(_("Too many attempts from this address. Try again later."))
    case = selectors.case_track(code=query.code, factor=query.factor)
    if case is None:
        raise NotFound(
            _("No application matches this code and these digits. Check both and try again.")
        )
    return track_out(case)
