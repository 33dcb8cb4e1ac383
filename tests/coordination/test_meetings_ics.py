"""A moved meeting sends an updated invitation and a cancelled one a cancellation, both as
iCalendar (RFC 5546) attachments with the same UID and a higher SEQUENCE."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail

from sinergi.coordination import services
from sinergi.coordination.ics import event_lines, mailto
from sinergi.coordination.models import Meeting
from sinergi.core.exceptions import ValidationFailed
from sinergi.notifications.models import Notification

from .helpers import at, user

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 10, 2, 0, tzinfo=dt.UTC)


def parse_ics(data: bytes) -> list[tuple[str, dict[str, str], str]]:
    """Unfold the CRLF content lines and split each into (name, parameters, value)."""
    assert data.endswith(b"\r\n")
    raw = data.decode("utf-8").split("\r\n")[:-1]
    lines: list[str] = []
    for line in raw:
        assert len(line.encode("utf-8")) <= 75
        if line.startswith(" "):
            lines[-1] += line[1:]
        else:
            lines.append(line)
    out = []
    for line in lines:
        head, _, value = line.partition(":")
        # The value may itself hold a colon (mailto:), parameters may be quoted.
        if '"' in head:
            head, value = _split_quoted(line)
        name, *params = head.split(";")
        out.append((name, dict(p.split("=", 1) for p in params), value))
    return out


def _split_quoted(line: str) -> tuple[str, str]:
    quoted = False
    for i, ch in enumerate(line):
        if ch == '"':
            quoted = not quoted
        elif ch == ":" and not quoted:
            return line[:i], line[i + 1 :]
    raise AssertionError(line)


def _props(data: bytes) -> dict[str, str]:
    return {name: value for name, _params, value in parse_ics(data)}


def _calendar_of(message: Any) -> tuple[str, bytes]:
    part = next(p for p in message.message().walk() if p.get_content_type() == "text/calendar")
    return part.get_param("method"), part.get_payload(decode=True)


def _to_pupr() -> list[Any]:
    return [m for m in mail.outbox if m.to == ["pupr@demo.sinergi.invalid"]]


def _meeting(capture: Any) -> Meeting:
    with capture(execute=True):
        m = services.meeting_create(
            actor=user("kadinkes"),
            convening_agency="dinkes-sanggau",
            title="Rakor air bersih",
            starts_at=START,
            ends_at=START + dt.timedelta(hours=2),
            place="Aula Bappeda",
            invited=["dpupr-sanggau", "kantah-sanggau"],
            now=at(2026, 12, 1),
        )
    mail.outbox.clear()
    return m


def test_invitation_is_an_rfc_5546_request(
    django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    m = _meeting(django_capture_on_commit_callbacks)
    lines = parse_ics(services.meeting_ics(m, method="REQUEST"))
    assert lines[0] == ("BEGIN", {}, "VCALENDAR") and lines[-1] == ("END", {}, "VCALENDAR")
    organizer = [(p, v) for n, p, v in lines if n == "ORGANIZER"]
    assert organizer == [
        ({"CN": '"Dinas Kesehatan Kabupaten Sanggau"'}, "mailto:dinkes@sanggau.go.id")
    ]
    # Only attendees whose address is known (the land office has no email).
    assert [v for n, _p, v in lines if n == "ATTENDEE"] == ["mailto:dpupr@sanggau.go.id"]
    props = {n: v for n, _p, v in lines}
    assert props["METHOD"] == "REQUEST" and props["SEQUENCE"] == "0"
    # A convener without an email organises at the platform's sender address.
    settings.DEFAULT_FROM_EMAIL = "Sinergi Sanggau <sinergi@sanggau.go.id>"
    m.convening_agency.email = ""
    assert _props(services.meeting_ics(m, method="CANCEL"))["ORGANIZER"] == (
        "mailto:sinergi@sanggau.go.id"
    )


def test_moving_sends_an_updated_request(django_capture_on_commit_callbacks: Any) -> None:
    m = _meeting(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=user("kadinkes"),
            meeting=m,
            starts_at=START + dt.timedelta(days=1),
            ends_at=START + dt.timedelta(days=1, hours=3),
            place="Ruang Rapat Dinkes",
            now=at(2026, 12, 2),
        )
    m.refresh_from_db()
    assert m.sequence == 1
    msgs = _to_pupr()
    assert len(msgs) == 1 and "2026-12-11 09:00" in msgs[0].subject
    assert "Ruang Rapat Dinkes" in msgs[0].body
    method, data = _calendar_of(msgs[0])
    props = _props(data)
    assert method == "REQUEST" and props["METHOD"] == "REQUEST"
    assert props["UID"] == f"{m.uid}@sinergi" and props["SEQUENCE"] == "1"
    assert props["DTSTART"] == "20261211T020000Z" and props["DTEND"] == "20261211T050000Z"
    assert props["LOCATION"] == "Ruang Rapat Dinkes" and props["STATUS"] == "CONFIRMED"
    assert props["ORGANIZER"] == "mailto:dinkes@sanggau.go.id"
    # The convener is not sent its own invitation; the inbox holds the change.
    assert not [x for x in mail.outbox if x.to == ["dinkes@demo.sinergi.invalid"]]
    assert (
        Notification.objects.filter(
            url=f"/rapat/{m.pk}/", user=user("pupr"), kind="meeting"
        ).count()
        == 2
    )


def test_cancelling_sends_a_cancel(django_capture_on_commit_callbacks: Any) -> None:
    m = _meeting(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=user("kadinkes"), meeting=m, status="cancelled", now=at(2026, 12, 2)
        )
    (msg,) = _to_pupr()
    method, data = _calendar_of(msg)
    props = _props(data)
    assert method == "CANCEL" and props["METHOD"] == "CANCEL"
    assert props["STATUS"] == "CANCELLED" and props["SEQUENCE"] == "1"
    assert props["UID"] == f"{m.uid}@sinergi" and "ORGANIZER" in props
    # Changing a cancelled meeting again sends nothing more.
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=user("kadinkes"), meeting=m, place="Di tempat lain", now=at(2026, 12, 3)
        )
    assert _to_pupr() == []


def test_unchanged_fields_send_nothing(django_capture_on_commit_callbacks: Any) -> None:
    m = _meeting(django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        services.meeting_update(
            actor=user("kadinkes"),
            meeting=m,
            place="Aula Bappeda",
            starts_at=START.astimezone(dt.timezone(dt.timedelta(hours=7))),  # same moment
            status="scheduled",
            now=at(2026, 12, 2),
        )
    m.refresh_from_db()
    assert m.sequence == 0 and mail.outbox == []
    with pytest.raises(ValidationFailed):
        services.meeting_update(
            actor=user("kadinkes"), meeting=m, ends_at=START, now=at(2026, 12, 2)
        )


def test_calendar_addresses() -> None:
    assert mailto("Sinergi <sinergi@localhost>") == "mailto:sinergi@localhost"
    assert mailto("") == "mailto:noreply@sinergi.invalid"
    lines = event_lines(
        uid="x",
        stamp=START,
        start=START,
        end=START,
        summary="x",
        organizer_email="Sinergi <sinergi@localhost>",
        attendees=[("A", "a@x.go.id"), "B"],
    )
    assert "ORGANIZER:mailto:sinergi@localhost" in lines
    assert 'ATTENDEE;CN="A";ROLE=REQ-PARTICIPANT:mailto:a@x.go.id' in lines


def test_moving_through_the_ui_and_the_api(
    client_as: Any, api_as: Any, django_capture_on_commit_callbacks: Any
) -> None:
    m = _meeting(django_capture_on_commit_callbacks)
    page = client_as("head").get(f"/rapat/{m.pk}/").content.decode()
    assert 'name="date" value="2026-12-10"' in page and 'name="start" value="09:00"' in page
    form = {"status": "scheduled", "minutes": "", "place": "Aula Bappeda", "date": "2026-12-14"}
    with django_capture_on_commit_callbacks(execute=True):
        moved = client_as("head").post(
            f"/rapat/{m.pk}/notulen/", {**form, "start": "13:00", "end": "15:00"}
        )
    assert moved.status_code == 302
    m.refresh_from_db()
    assert m.starts_at == dt.datetime(2026, 12, 14, 6, 0, tzinfo=dt.UTC) and m.sequence == 1
    assert _calendar_of(_to_pupr()[0])[0] == "REQUEST"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        patched = api_as("head").patch(
            f"/api/v1/meetings/{m.pk}",
            {"starts_at": "2026-12-15T09:00:00+07:00", "ends_at": "2026-12-15T11:00:00+07:00"},
        )
    assert patched.status_code == 200
    m.refresh_from_db()
    assert m.sequence == 2 and _props(_calendar_of(_to_pupr()[0])[1])["SEQUENCE"] == "2"
