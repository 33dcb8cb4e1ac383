"""End-to-end flows through the UI and the API, and the meeting's iCalendar file."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from sinergi.coordination.calendars import NATIONAL
from sinergi.coordination.ics import calendar, escape_text, event_lines, fold
from sinergi.coordination.models import Meeting, Request
from sinergi.notifications.models import Notification

from .helpers import at

pytestmark = pytest.mark.django_db


def test_ui_request_flow(client_as: Any) -> None:
    pupr = client_as("pupr")
    form = pupr.get("/permintaan/baru/")
    assert form.status_code == 200
    assert b'value="dpupr-sanggau"' in form.content
    response = pupr.post(
        "/permintaan/baru/",
        {
            "from_agency": "dpupr-sanggau",
            "to_agency": "kantah-sanggau",
            "kind": "data",
            "priority": "high",
            "subject": "Status tanah lokasi jembatan",
            "body": "Mohon data status tanah.",
            "program_code": "",
        },
    )
    assert response.status_code == 302
    pk = int(re.search(r"/permintaan/(\d+)/", response["Location"]).group(1))  # type: ignore[union-attr]
    page = pupr.get(f"/permintaan/{pk}/")
    assert b"Status tanah lokasi jembatan" in page.content
    assert pupr.get("/permintaan/").status_code == 200
    # The Kantor Pertanahan sees it waiting and acknowledges it.
    bpn = client_as("pertanahan")
    inbox = bpn.get("/permintaan/")
    assert f"/permintaan/{pk}/".encode() in inbox.content
    assert bpn.post(f"/permintaan/{pk}/aksi/acknowledge/").status_code == 302
    assert bpn.post(f"/permintaan/{pk}/pesan/", {"body": "Nomor bidang?"}).status_code == 302
    assert (
        bpn.post(f"/permintaan/{pk}/aksi/answer/", {"body": "Bidang 12 sudah SHM."}).status_code
        == 302
    )
    assert pupr.post(f"/permintaan/{pk}/aksi/close/").status_code == 302
    r = Request.objects.get(pk=pk)
    assert r.status == "closed"
    assert list(r.events.values_list("kind", flat=True)) == [
        "submitted",
        "acknowledged",
        "message",
        "answered",
        "closed",
    ]
    # A third agency gets 404, the leader sees the timeline.
    assert client_as("dinkes").get(f"/permintaan/{pk}/").status_code == 404
    assert client_as("dinkes").post(f"/permintaan/{pk}/aksi/close/").status_code == 404
    assert b"Bidang 12 sudah SHM." in client_as("bupati").get(f"/permintaan/{pk}/").content


def test_ui_refuses_bad_input_without_losing_it(client_as: Any) -> None:
    pupr = client_as("pupr")
    response = pupr.post(
        "/permintaan/baru/",
        {"from_agency": "dpupr-sanggau", "to_agency": "dpupr-sanggau", "kind": "data",
         "priority": "normal", "subject": "x", "body": "y"},
    )  # fmt: skip
    assert response.status_code == 400
    assert b"A request goes to another agency." in response.content or b"agency" in response.content
    # An unknown action is a 404, a wrong transition a message, not a 500.
    r = (
        Request.objects.visible_to(pupr_user := _user("pupr"))
        .filter(from_agency__slug="dpupr-sanggau")
        .first()
    )
    assert r is not None and pupr_user is not None
    assert pupr.post(f"/permintaan/{r.pk}/aksi/explode/").status_code == 404


def _user(name: str) -> Any:
    from sinergi.accounts.models import User

    return User.objects.get(username=name)


def test_inbox_of_one_agency(client_as: Any) -> None:
    sekda = client_as("sekda")  # member of Pemkab and head of Setda
    page = sekda.get("/permintaan/?agency=setda-sanggau")
    assert page.status_code == 200 and b"coord-tabs" in page.content
    assert client_as("dinkes").get("/permintaan/?agency=no-such").status_code == 404


def test_suggestion_partial(client_as: Any) -> None:
    response = client_as("pupr").get(
        "/permintaan/saran/?subject=sertipikat+tanah+bidang&body=pengukuran&from_agency=dpupr-sanggau"
    )
    assert response.status_code == 200
    assert b"kantah-sanggau" in response.content


def test_filters(client_as: Any) -> None:
    page = client_as("bupati").get("/permintaan/daftar/?overdue=on&escalated=on")
    assert page.status_code == 200
    assert b"coord-overdue" in page.content  # the demo has escalated overdue requests
    partial = client_as("pupr").get(
        "/permintaan/daftar/?box=outgoing", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results"
    )
    assert partial.status_code == 200 and b"<html" not in partial.content


def test_api_flow_with_forwarding(api_as: Any) -> None:
    pupr = api_as("pupr")
    created = pupr.post(
        "/api/v1/requests",
        {
            "from_agency": "dpupr-sanggau",
            "to_agency": "kantah-sanggau",
            "kind": "information",
            "subject": "Status lahan aset pemda",
            "body": "Mohon informasi status lahan.",
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    rid = body["id"]
    assert body["sla_days"] == 10 and body["working_days_left"] == 10
    bpn = api_as("pertanahan")
    assert bpn.post(f"/api/v1/requests/{rid}/acknowledge", {}).status_code == 200
    refused = bpn.post(f"/api/v1/requests/{rid}/forward", {"to_agency": "", "reason": "x"})
    assert refused.status_code == 422
    fwd = bpn.post(
        f"/api/v1/requests/{rid}/forward",
        {"to_agency": "perkimtan-sanggau", "reason": "Bukan wewenang: aset pemda"},
    )
    assert fwd.status_code == 200
    assert fwd.json()["to_agency"] == "perkimtan-sanggau"
    assert fwd.json()["forwarded_from"] == ["kantah-sanggau"]
    assert fwd.json()["status"] == "submitted"
    events = bpn.get(f"/api/v1/requests/{rid}/events").json()
    assert [e["kind"] for e in events] == ["submitted", "acknowledged", "forwarded"]
    # Wrong transition: 409 with a stable code.
    again = bpn.post(f"/api/v1/requests/{rid}/answer", {"body": "x"})
    assert again.status_code == 403
    closed = pupr.post(f"/api/v1/requests/{rid}/close", {})
    assert closed.status_code == 200
    conflict = pupr.post(f"/api/v1/requests/{rid}/close", {})
    assert conflict.status_code == 409 and conflict.json()["code"] == "invalid_transition"
    # Visibility: 404 for a third agency, in the list too.
    assert api_as("dinkes").get(f"/api/v1/requests/{rid}").status_code == 404
    ids = [r["id"] for r in api_as("dinkes").get("/api/v1/requests?limit=500").json()["items"]]
    assert rid not in ids
    outgoing = pupr.get("/api/v1/requests?box=outgoing&kind=information&limit=500").json()
    assert rid in [r["id"] for r in outgoing["items"]]
    inbox = api_as("pertanahan").get("/api/v1/requests/inbox").json()
    assert all(r["to_agency"] == "kantah-sanggau" for r in inbox["incoming"])
    suggestions = pupr.get("/api/v1/requests/suggest?text=sertipikat%20tanah").json()
    assert suggestions[0]["slug"] == "kantah-sanggau"


def test_api_meeting_with_action_items_and_ics(api_as: Any, client_as: Any) -> None:
    head = api_as("kadinkes")
    # The API runs on the real clock: an action item is due on a working day ahead.
    due = NATIONAL.date_at(timezone.localdate() + dt.timedelta(days=30), 0)
    created = head.post(
        "/api/v1/meetings",
        {
            "convening_agency": "dinkes-sanggau",
            "title": "Rakor; imunisasi, campak",
            "agenda": "1. Cakupan\n2. Logistik",
            "starts_at": "2026-11-10T09:00:00+07:00",
            "ends_at": "2026-11-10T11:00:00+07:00",
            "place": "Aula Dinkes",
            "invited": ["dpupr-sanggau", "rsud-sanggau"],
        },
    )
    assert created.status_code == 201, created.content
    mid = created.json()["id"]
    d = head.post(f"/api/v1/meetings/{mid}/decisions", {"text": "RSUD menyiapkan cold chain"})
    assert d.status_code == 201 and d.json()["number"] == 1
    item = head.post(
        f"/api/v1/meetings/{mid}/action-items",
        {"owner": "rsud-sanggau", "subject": "Siapkan cold chain", "due_date": due.isoformat(),
         "decision": d.json()["id"]},
    )  # fmt: skip
    assert item.status_code == 201, item.content
    assert item.json()["kind"] == "action" and item.json()["due_date"] == due.isoformat()
    assert api_as("rsud").get(f"/api/v1/requests/{item.json()['id']}").status_code == 200
    assert api_as("pertanahan").get(f"/api/v1/meetings/{mid}").status_code == 404
    patched = head.patch(f"/api/v1/meetings/{mid}", {"minutes": "Disepakati.", "status": "held"})
    assert patched.status_code == 200 and patched.json()["action_items"] == [item.json()["id"]]
    assert Notification.objects.filter(
        url=f"/rapat/{mid}/", kind="minutes", user__username="rsud"
    ).exists()
    assert api_as("pupr").patch(f"/api/v1/meetings/{mid}", {"minutes": "x"}).status_code == 403
    ics = client_as("rsud").get(f"/rapat/{mid}/rapat.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    _check_ics(ics.content)
    assert b"SUMMARY:Rakor\\; imunisasi\\, campak" in ics.content
    assert b"DESCRIPTION:1. Cakupan\\n2. Logistik" in ics.content
    assert b"DTSTART:20261110T020000Z" in ics.content
    assert client_as("pertanahan").get(f"/rapat/{mid}/rapat.ics").status_code == 404
    page = client_as("kadinkes").get(f"/rapat/{mid}/")
    assert page.status_code == 200 and b"Siapkan cold chain" in page.content


def _check_ics(data: bytes) -> None:
    """Structure of RFC 5545: CRLF lines, no line over 75 octets, balanced components."""
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    raw_lines = data.split(b"\r\n")[:-1]
    assert all(len(line) <= 75 for line in raw_lines)
    lines: list[str] = []
    for line in raw_lines:  # unfold
        if line.startswith(b" "):
            lines[-1] += line[1:].decode()
        else:
            lines.append(line.decode())
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    stack: list[str] = []
    for line in lines:
        name, _, value = line.partition(":")
        assert name and value, line
        if name == "BEGIN":
            stack.append(value)
        elif name == "END":
            assert stack.pop() == value
    assert not stack
    props = {line.split(":", 1)[0].split(";")[0] for line in lines}
    assert {"VERSION", "PRODID", "UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"} <= props


def test_ics_escaping_and_folding() -> None:
    assert escape_text("a,b;c\\d\ne") == "a\\,b\\;c\\\\d\\ne"
    long = "DESCRIPTION:" + "Rapat koordinasi percepatan penurunan stunting é " * 5
    folded = fold(long)
    assert all(len(p.encode()) <= 75 for p in folded.split("\r\n"))
    assert folded.replace("\r\n ", "") == long
    data = calendar(
        [
            event_lines(
                uid="x@sinergi",
                stamp=at(2026, 11, 1),
                start=at(2026, 11, 2),
                end=at(2026, 11, 2, 11),
                summary="Rapat, " * 30,
                organizer='Dinas "Kesehatan"',
                attendees=["RSUD; M. Th. Djaman"],
                cancelled=True,
            )
        ]
    )
    _check_ics(data)
    assert b"STATUS:CANCELLED" in data


def test_demo_has_every_state() -> None:
    demo = Request.objects.filter(body__endswith="[demo]")
    assert demo.count() >= 30
    statuses = set(demo.values_list("status", flat=True))
    assert {"submitted", "acknowledged", "in_progress", "answered", "closed", "declined",
            "reopened"} <= statuses  # fmt: skip
    assert demo.filter(previous_handlers__isnull=False).exists()  # forwarded
    assert demo.filter(escalation_level__gte=2).exists()  # reached the Sekda
    late = [r for r in demo.filter(answered_at__isnull=False) if r.answered_late]
    on_time = [r for r in demo.filter(answered_at__isnull=False) if not r.answered_late]
    assert late and on_time
    assert Meeting.objects.filter(status="held").count() >= 2
    assert Request.objects.filter(meeting__isnull=False, kind="action").count() >= 4
