"""Email preferences per user, escalations always emailed, the daily digest once per user
and day, and the iCalendar invitation attached to meeting emails."""

from __future__ import annotations

import datetime as dt
import email
from typing import Any

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend

from sinergi.coordination import digest, services
from sinergi.coordination.models import Meeting
from sinergi.notifications import digest as ndigest
from sinergi.notifications import outbox as notify
from sinergi.notifications import services as nservices
from sinergi.notifications.models import DigestSent, EmailPreference, Notification, OutgoingEmail

from .helpers import act, at, submit, user

pytestmark = pytest.mark.django_db


def _to(name: str) -> list[Any]:
    return [m for m in mail.outbox if m.to == [f"{name}@demo.sinergi.invalid"]]


def _prefs(name: str, **choices: bool) -> None:
    nservices.email_preferences_set(actor=user(name), now=at(2026, 12, 1), **choices)


def test_preferences_turn_emails_off_but_keep_the_inbox(
    django_capture_on_commit_callbacks: Any,
) -> None:
    _prefs("pertanahan", new_requests=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        r = submit(now=at(2026, 12, 7))
    assert _to("pertanahan") == [] and len(_to("kakantah")) == 1
    assert Notification.objects.filter(url=f"/permintaan/{r.pk}/", user=user("pertanahan")).exists()
    with django_capture_on_commit_callbacks(execute=True):
        act(r, "acknowledge", "pertanahan", at(2026, 12, 8))
    assert len(_to("pupr")) == 1  # status changes are still on for the requester


def test_escalations_to_leaders_are_mandatory(django_capture_on_commit_callbacks: Any) -> None:
    r = submit(now=at(2026, 12, 7))  # due Mon 21 Dec 2026
    _prefs("pertanahan", escalations=False)
    _prefs("kakantah", escalations=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.request_apply_steps(request_id=r.pk, now=at(2026, 12, 22, 8))
    assert [e.step for e in r.events.exclude(step="")] == ["remind", "head"]
    assert _to("pertanahan") == []  # the reminder follows the preference
    assert len(_to("kakantah")) == 1  # the escalation to the head does not


def test_daily_digest_once_per_user_and_day(django_capture_on_commit_callbacks: Any) -> None:
    r = submit(now=at(2026, 12, 7))  # due Mon 21 Dec 2026
    _prefs("pupr", daily_digest=False)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert ndigest.send_digests(now=at(2026, 12, 17, 6, 59))["sent"] == 0  # before 07:00
    with django_capture_on_commit_callbacks(execute=True):
        first = ndigest.send_digests(now=at(2026, 12, 17, 7, 0))
    assert first["sent"] >= 1
    mine = _to("pertanahan")
    assert len(mine) == 1
    text = mine[0].body
    assert f"/permintaan/{r.pk}/" in text and "2026-12-21" in text
    assert _to("pupr") == []  # digest switched off
    assert DigestSent.objects.filter(user=user("pertanahan"), date=dt.date(2026, 12, 17)).exists()
    with django_capture_on_commit_callbacks(execute=True):
        again = ndigest.send_digests(now=at(2026, 12, 17, 15))
    assert again == {"sent": 0, "empty": 0}
    assert len(_to("pertanahan")) == 1
    with django_capture_on_commit_callbacks(execute=True):
        ndigest.send_digests(now=at(2026, 12, 18, 7, 30))
    assert len(_to("pertanahan")) == 2  # the next day


def test_digest_sections_due_soon_and_overdue() -> None:
    r = submit(now=at(2026, 12, 7))  # due Mon 21 Dec 2026
    soon = digest.digest_for(user=user("pertanahan"), now=at(2026, 12, 16, 7))
    # Thu 17, Fri 18, Mon 21 Dec: due within three working days.
    assert r in soon.due_soon and r not in soon.overdue
    assert r not in digest.digest_for(user=user("pertanahan"), now=at(2026, 12, 15, 7)).due_soon
    late = digest.digest_for(user=user("pertanahan"), now=at(2026, 12, 22, 7))
    assert r in late.overdue and r in late.waiting
    subject, body = digest.digest_email(late)
    assert "2026-12-22" in subject and f"#{r.pk}" in body


def _convene(capture: Any) -> Meeting:
    """Dinas Kesehatan invites Dinas PUPR to a meeting, its emails sent on commit."""
    start = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)
    with capture(execute=True):
        return services.meeting_create(
            actor=user("kadinkes"),
            convening_agency="dinkes-sanggau",
            title="Rakor air bersih",
            starts_at=start,
            ends_at=start + dt.timedelta(hours=2),
            place="Aula Bappeda",
            invited=["dpupr-sanggau"],
            now=at(2026, 12, 1),
        )


def test_invitation_email_carries_the_calendar_request(
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    m = _convene(django_capture_on_commit_callbacks)
    msgs = _to("pupr")
    assert len(msgs) == 1
    raw = msgs[0].message().as_string()
    assert "text/calendar" in raw and 'method="REQUEST"' in raw
    part = next(p for p in msgs[0].message().walk() if p.get_content_type() == "text/calendar")
    ics = part.get_payload(decode=True).decode()
    assert "METHOD:REQUEST" in ics and str(m.uid) in ics and "DTSTART:20261210T020000Z" in ics
    # Minutes are emailed once recorded.
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=user("kadinkes"), meeting=m, minutes="Disepakati.", now=at(2026, 12, 10, 12)
        )
    assert any("Disepakati." in x.body for x in _to("pupr"))


def test_preferences_page_and_api(client_as: Any, api_as: Any) -> None:
    staff = client_as("dinkes")
    assert staff.get("/notifikasi/preferensi/").status_code == 200
    choices = {"new_requests": "inbox", "status_changes": "inbox", "escalations": "email"}
    resp = staff.post(
        "/notifikasi/preferensi/",
        {f"cat_{k}": v for k, v in {**choices, "meetings": "email"}.items()},
    )
    assert resp.status_code == 302
    pref = EmailPreference.objects.get(user=user("dinkes"))
    assert (pref.new_requests, pref.escalations, pref.daily_digest) == (False, True, False)
    api = api_as("dinkes")
    assert api.get("/api/v1/notifications/preferences").json()["daily_digest"] is False
    put = api.request(
        "put",
        "/api/v1/notifications/preferences",
        {
            "new_requests": True,
            "status_changes": True,
            "escalations": True,
            "meetings": True,
            "daily_digest": True,
        },
    )
    assert put.status_code == 200 and put.json()["daily_digest"] is True


class DownBackend(BaseEmailBackend):
    """A mail server that refuses every connection."""

    def open(self) -> bool:
        raise ConnectionRefusedError("connection refused")

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("connection refused")


def test_an_email_held_back_by_a_mail_server_outage_is_sent_later(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.EMAIL_BACKEND = f"{__name__}.DownBackend"
    mail.outbox.clear()
    m = _convene(django_capture_on_commit_callbacks)
    # The action succeeded; the emails wait, each with its error and next attempt.
    assert Meeting.objects.filter(pk=m.pk).exists() and mail.outbox == []
    queued = OutgoingEmail.objects.filter(to=["pupr@demo.sinergi.invalid"], status="pending")
    row = queued.get()
    assert row.attempts == 1 and "refused" in row.last_error
    assert row.next_attempt_at == at(2026, 12, 1) + dt.timedelta(minutes=1)
    # Still down at the next tick: tried again, later.
    assert notify.emails_tick(at(2026, 12, 1, 9, 1))["sent"] == 0
    row.refresh_from_db()
    assert row.attempts == 2 and row.next_attempt_at == at(2026, 12, 1, 9, 3)
    # Back up: the worker's tick sends it, attachment and all, exactly once.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notify.emails_tick(at(2026, 12, 1, 9, 2))["sent"] == 0  # not due yet
    assert notify.emails_tick(at(2026, 12, 1, 9, 5))["sent"] >= 1
    assert notify.emails_tick(at(2026, 12, 1, 9, 6))["sent"] == 0
    sent = _to("pupr")
    assert len(sent) == 1
    parsed = email.message_from_bytes(sent[0].message().as_bytes())
    calendar = next(p for p in parsed.walk() if p.get_content_type() == "text/calendar")
    assert b"METHOD:REQUEST" in calendar.get_payload(decode=True)
    assert sent[0].to == ["pupr@demo.sinergi.invalid"] and "Rakor air bersih" in sent[0].subject
    row.refresh_from_db()
    assert row.status == "sent" and row.sent_at == at(2026, 12, 1, 9, 5)
