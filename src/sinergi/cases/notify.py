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
from django.utils import translation
from django.utils.translation import gettext as _

from sinergi.notifications import audiences as aud
from sinergi.notifications.events import events_emit
from sinergi.notifications.outbox import queue
from sinergi.notifications.webhooks import enqueue_channel

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
    "cases.complaint.escalated": ("leaders",),
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
    if "leaders" in who:
        front = case.service.front_agency
        title = _("Complaint unanswered at %(agency)s: %(service)s") % {
            "agency": front.name,
            "service": service,
        }
        whom = aud.leaders_of(front.region.code)
    elif "head" in who:
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
    if "citizen" in who and case.notify_by and case.phone:
        sent += _phone_message(case, service, now)
    return sent


def _phone_message(case: Case, service: str, now: dt.datetime) -> int:
    """One short message to the citizen's phone through the WhatsApp or SMS gateway: the
    code, the service and the new status; never the NIK or the name (the gateway and the
    phone's lock screen both show it)."""
    with translation.override("id"):
        text = _(
            "Sinergi: application %(code)s (%(service)s) is now: %(status)s. Track it at "
            "/layanan/lacak/."
        ) % {
            "code": case.code,
            "service": service,
            "status": case.get_status_display(),
        }
    return enqueue_channel(
        channel=case.notify_by,
        to="+62" + case.phone[1:] if case.phone.startswith("0") else case.phone,
        text=text,
        source={"source_event": "cases.case", "code": case.code},
        now=now,
    )
