"""Data requests: an agency asks for a dataset, the owner fulfils it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.notifications.events import events_emit

from ..choices import DatasetStatus
from ..models import DataRequest, Dataset


@transaction.atomic
def data_request_create(
    *,
    actor: Any,
    requester: Agency,
    producer: Agency,
    title: str,
    description: str,
    now: dt.datetime,
    due_date: dt.date | None = None,
) -> DataRequest:
    """Ask another agency for data no one publishes yet: a coordination request of kind
    "data" is sent to it (its SLA clock, notifications and escalation apply) and the data
    request follows it until a published dataset fulfils it."""
    from sinergi.coordination.choices import RequestKind
    from sinergi.coordination.services import request_submit

    ensure_can(actor, "catalog.request_data", requester)
    title, description = (title or "").strip(), (description or "").strip()
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("The value is too long.")]
    if not description:
        errors["description"] = [_("Say what data you need, for which area and period.")]
    elif len(description) > 5000:
        errors["description"] = [_("The value is too long.")]
    if producer.pk == requester.pk:
        errors["producer"] = [_("Ask another agency; your own agency can publish it.")]
    if errors:
        raise ValidationFailed(fields=errors)
    body = (
        description
        + "\n\n"
        + _(
            "(Data request from the Satu Data catalog: answer it by publishing the dataset and "
            "linking it under Data › Data requests.)"
        )
    )
    request = request_submit(
        actor=actor,
        from_agency=requester,
        to_agency=producer,
        kind=RequestKind.DATA,
        subject=title,
        body=body,
        now=now,
        due_date=due_date,
    )
    data_request = DataRequest.objects.create(
        request=request,
        title=title,
        description=description,
        requester=requester,
        producer=producer,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    audit_record(actor=actor, action="data_request.create", obj=data_request, now=now)
    events_emit("catalog.data_request.created", data_request, actor=actor, now=now)
    return data_request


@transaction.atomic
def data_request_fulfil(
    *, actor: Any, data_request: DataRequest, dataset: Dataset, now: dt.datetime, note: str = ""
) -> DataRequest:
    """Link the published dataset that fulfils a data request. Staff of the agency handling
    the coordination request answer it (acknowledging it first if needed); staff of the
    requesting agency close it. Both steps go through the coordination services."""
    from sinergi.coordination.choices import RequestStatus
    from sinergi.coordination.services import request_acknowledge, request_answer, request_close
    from sinergi.core.permissions import can

    from ..selectors import agency_may_read

    data_request = DataRequest.objects.select_for_update().get(pk=data_request.pk)
    ensure_can(actor, "catalog.fulfil_request", data_request)
    if data_request.dataset_id is not None:
        raise Conflict(_("This data request is already fulfilled."))
    if len(note) > 2000:
        raise ValidationFailed(fields={"note": [_("The value is too long.")]})
    if dataset.status != DatasetStatus.PUBLISHED:
        raise ValidationFailed(fields={"dataset": [_("Link a published dataset.")]})
    if not agency_may_read(dataset, data_request.requester):
        raise ValidationFailed(
            fields={"dataset": [_("The requesting agency may not read this dataset.")]}
        )
    before = snapshot(data_request)
    request = data_request.request
    body = _("Fulfilled by the dataset %(title)s: %(path)s") % {
        "title": dataset.title,
        "path": f"/data/{dataset.slug}/",
    }
    if note.strip():
        body += "\n\n" + note.strip()
    if can(actor, "request.handle", request):
        if request.status == RequestStatus.SUBMITTED:
            request = request_acknowledge(actor=actor, request=request, now=now)
        request_answer(actor=actor, request=request, body=body, now=now)
    else:
        request_close(actor=actor, request=request, body=body, now=now)
    data_request.request.refresh_from_db()
    data_request.dataset = dataset
    data_request.fulfilled_at = now
    data_request.fulfilled_by = actor if getattr(actor, "pk", None) else None
    data_request.save(update_fields=["dataset", "fulfilled_at", "fulfilled_by"])
    audit_record(
        actor=actor, action="data_request.fulfil", obj=data_request, before=before, now=now
    )
    events_emit("catalog.data_request.fulfilled", data_request, actor=actor, now=now)
    return data_request
