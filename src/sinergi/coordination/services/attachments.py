"""Files attached to a request's conversation."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core import uploads
from sinergi.core.audit import audit_record
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from ..choices import EventKind
from ..models import Attachment, Request
from .common import _acting_agency, _actor_user, _aware, _event


@transaction.atomic
def attachment_add(
    *, actor: Any, request: Request, data: bytes, name: str, now: dt.datetime
) -> Attachment:
    """Attach a file to a request's conversation after checking its size and content."""
    import hashlib
    import os
    import uuid

    from .. import attachments

    _aware(now)
    ensure_can(actor, "request.message", request)
    if not data:
        raise ValidationFailed(fields={"file": [_("The file is empty.")]})
    uploads.check_size(len(data), uploads.ATTACHMENT)
    ext = attachments.sniff(data, name)
    if ext is None:
        raise ValidationFailed(
            fields={"file": [_("Only PDF, PNG, JPEG, DOCX, XLSX, CSV or text files.")]}
        )
    agency = _acting_agency(actor, request)
    display = attachments.clean_name(name, ext)
    stored = uuid.uuid4().hex
    folder = attachments.storage_dir()
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".{stored}.part"
    tmp.write_bytes(data)
    os.replace(tmp, folder / stored)
    try:
        event = _event(
            request, kind=EventKind.ATTACHMENT, actor=actor, now=now, agency=agency, body=display
        )
        row = Attachment.objects.create(
            request=request,
            event=event,
            uploaded_by=_actor_user(actor),
            name=display,
            content_type=attachments.TYPES[ext],
            size=len(data),
            sha256=hashlib.sha256(data).hexdigest(),
            stored_name=stored,
            created_at=now,
        )
        audit_record(
            actor=actor,
            action="request.attach",
            object_type="coordination.attachment",
            object_id=str(row.pk),
            after={"request": request.pk, "name": display, "size": row.size, "sha256": row.sha256},
            region=request.audit_region,
            now=now,
        )
    except Exception:
        (folder / stored).unlink(missing_ok=True)
        raise
    return row
