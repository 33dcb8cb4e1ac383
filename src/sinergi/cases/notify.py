"""Every notification of the cases app goes through :func:`case_notify`.

Officers hear through the one event path (``events_emit``: inbox, email, webhooks of the
front-door agency); citizens, who have no account, get an email from the outbox.
Citizens' messages carry the service, the status and the tracking address; never a NIK.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils.translation import gettext as _

from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit
from sinergi.notifications.outbox import queue

from .models import Case

#: Event -> who hears of it: "front" (the front-door agency's staff), "citizen", or both.
AUDIENCES = {
    "cases.case.filed": ("front",),
    "cases.case.verified": ("citizen",),
    "cases.case.waiting_citizen": ("citizen",),
    "cases.case.ready_to_issue": ("front",),
    "cases.case.finished": ("citizen",),
    "cases.case.rejected": ("citizen",),
    "cases.case.document_provided": ("front",),
    "cases.complaint.filed": ("head",),
    "cases.complaint.overdue": ("head",),
    "cases.complaint.answered": ("citizen",),
}


_quiet: contextvars.ContextVar[bool] = contextvars.ContextVar("cases_quiet", default=False)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """No case notifications inside the block: the demo replays past months, and nobody
    should be told today about an application filed and finished weeks ago."""
    token = _quiet.set(True)
    try:
        yield
    finally:
        _quiet.reset(token)


def case_notify(
    event: str,
    case: Case,
    *,
    actor: Any,
    now: dt.datetime,
    audience: tuple[str, ...] | None = None,
) -> int:
    """Tell those concerned that something happened to a case; returns messages written."""
    if _quiet.get():
        return 0
    who = audience if audience is not None else AUDIENCES.get(event, ())
    service = case.version.name
    status = case.get_status_display()
    if "head" in who:
        title = _("Complaint about %(code)s (%(service)s)") % {
            "code": case.code,
            "service": service,
        }
        whom = aud.heads_of(case.service.front_agency)
    elif "front" in who:
        title = _("Citizen service %(code)s (%(service)s): %(status)s") % {
            "code": case.code,
            "service": service,
            "status": status,
        }
        whom = aud.staff_of(case.service.front_agency)
    else:
        title = _("Citizen service %(code)s (%(service)s): %(status)s") % {
            "code": case.code,
            "service": service,
            "status": status,
        }
        whom = aud.NOBODY
    emitted = events_emit(event, case, actor=actor, now=now, audience=whom, title=title)
    sent = len(emitted.notified)
    if "citizen" in who and case.email:
        body = _(
            "Your application %(code)s for %(service)s: %(status)s.\n"
            "Track it at /layanan/lacak/ with the code and the last four digits of your "
            "phone number."
        ) % {"code": case.code, "service": service, "status": status}
        message = EmailMessage(
            subject=f"[Sinergi] {service}: {status}"[:250],
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[case.email],
        )
        queue([message], now=now)
        sent += 1
    return sent
