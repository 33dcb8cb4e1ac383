"""The clock stands still while the handling agency waits for the requester's clarification,
over real holidays; no escalation while paused; the due date moves by the days paused."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sinergi.coordination import services
from sinergi.coordination.models import Request, RequestEvent
from sinergi.core.exceptions import Forbidden, InvalidTransition, ValidationFailed

from .helpers import act, at, submit

pytestmark = pytest.mark.django_db


def test_pause_over_christmas_moves_the_due_date_by_working_days() -> None:
    # Wed 16 Dec 2026, 10 working days -> Mon 4 Jan 2027 (24 Dec cuti bersama, 25 Dec
    # Christmas, 1 Jan New Year).
    r = submit(now=at(2026, 12, 16))
    assert r.due_date == dt.date(2027, 1, 4)
    act(r, "acknowledge", "pertanahan", at(2026, 12, 17))
    r = act(r, "clarify", "pertanahan", at(2026, 12, 18, 10), body="Bidang yang mana?")
    assert r.status == "waiting" and r.paused_status == "acknowledged"
    assert r.next_step_at is None
    # Past the original due date nothing escalates while the clock stands still.
    services.escalate_due(now=at(2027, 1, 20))
    assert not r.events.exclude(step="").exists()
    assert services.request_apply_steps(request_id=r.pk, now=at(2027, 1, 20)) == 0
    # Clarified Tue 29 Dec: paused 21, 22, 23, 28, 29 Dec = 5 working days; 4 Jan + 5
    # working days skipping Tue 5 Jan (Isra Mi'raj) -> Tue 12 Jan 2027.
    r = act(r, "respond", "pupr", at(2026, 12, 29, 10), body="Bidang 12 dan 13.")
    assert r.status == "acknowledged" and r.paused_at is None
    assert (r.paused_days, r.due_date) == (5, dt.date(2027, 1, 12))
    moments = services.request_step_moments(r)
    assert r.next_step_at == min(moments.values())
    kinds = list(r.events.values_list("kind", flat=True))
    assert kinds[-2:] == ["clarification_asked", "clarified"]
    assert "12" in r.events.last().body  # type: ignore[union-attr]
    # The escalation now follows the moved due date.
    assert services.request_apply_steps(request_id=r.pk, now=at(2027, 1, 12, 23)) == 1
    assert not r.events.filter(step="head").exists()  # only the reminder so far
    services.request_apply_steps(request_id=r.pk, now=at(2027, 1, 13, 1))
    assert r.events.filter(step="head").count() == 1


def test_same_day_clarification_moves_nothing_and_extension_keeps_the_pause() -> None:
    r = submit(kind="information", now=at(2026, 12, 16))
    act(r, "clarify", "pertanahan", at(2026, 12, 16, 10), body="Untuk apa?")
    r = act(r, "respond", "pupr", at(2026, 12, 16, 15), body="Untuk perencanaan.")
    assert r.status == "submitted" and r.paused_days == 0 and r.due_date == dt.date(2027, 1, 4)
    act(r, "clarify", "pertanahan", at(2026, 12, 17, 10), body="Tahun berapa?")
    r = act(r, "respond", "pupr", at(2026, 12, 21, 10), body="2026.")  # Fri 18, Mon 21
    assert r.paused_days == 2 and r.due_date == dt.date(2027, 1, 7)
    r = act(r, "extend", "pertanahan", at(2026, 12, 22), body="Rekap belum lengkap")
    assert r.due_date == dt.date(2027, 1, 18)  # 10 + 2 + 7 working days


def test_who_pauses_and_resumes() -> None:
    r = submit(now=at(2026, 12, 16))
    with pytest.raises(Forbidden):
        act(r, "clarify", "pupr", at(2026, 12, 17), body="?")
    act(r, "clarify", "pertanahan", at(2026, 12, 17), body="Lokasi?")
    with pytest.raises(Forbidden):
        act(r, "respond", "pertanahan", at(2026, 12, 17), body="!")
    with pytest.raises(InvalidTransition):
        act(r, "answer", "pertanahan", at(2026, 12, 17), body="Ini datanya")
    with pytest.raises(ValidationFailed):
        act(r, "respond", "pupr", at(2026, 12, 18), body=" ")
    # The requester may also give up: closing ends the pause.
    r = act(r, "close", "pupr", at(2026, 12, 18))
    assert r.status == "closed" and r.paused_at is None


def test_paused_request_in_the_ui(client_as: Any) -> None:
    r = submit(by="dinkes", frm="dinkes-sanggau", to="dpupr-sanggau", now=at(2026, 12, 16))
    act(r, "clarify", "pupr", at(2026, 12, 17), body="Ruas jalan mana?")
    staff = client_as("dinkes")
    inbox = staff.get("/permintaan/").content.decode()
    assert f"/permintaan/{r.pk}/" in inbox
    page = staff.get(f"/permintaan/{r.pk}/").content.decode()
    assert "/aksi/respond/" in page
    resp = staff.post(f"/permintaan/{r.pk}/aksi/respond/", {"body": "Ruas Sanggau–Kapuas."})
    assert resp.status_code == 302
    assert Request.objects.get(pk=r.pk).status == "submitted"
    assert RequestEvent.objects.filter(request=r, kind="clarified").exists()
