"""Requests: lifecycle, forwarding, escalation by tick, visibility, notifications."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase as HypothesisTestCase

from sinergi.coordination import services
from sinergi.coordination.models import Request, RequestEvent
from sinergi.core.audit import audit_verify
from sinergi.core.exceptions import Forbidden, InvalidTransition, NotFound, ValidationFailed
from sinergi.core.models import AuditEntry
from sinergi.core.permissions import SYSTEM
from sinergi.core.tick import run_tick
from sinergi.notifications.models import Notification

from .helpers import act, at, submit, user

pytestmark = pytest.mark.django_db

# Mon 7 Dec 2026, data request (10 working days) -> due Mon 21 Dec 2026.
T0 = at(2026, 12, 7)


def steps(r: Request) -> list[str]:
    return list(
        RequestEvent.objects.filter(request=r)
        .exclude(step="")
        .order_by("pk")
        .values_list("step", flat=True)
    )


def test_submit_sets_due_date_on_the_receiving_calendar() -> None:
    r = submit(now=T0)
    assert r.status == "submitted"
    assert r.region.code == "61.03"
    assert r.sla_days == 10
    assert r.due_date == dt.date(2026, 12, 21)
    assert services.working_days_left(r, T0) == 10
    assert AuditEntry.objects.filter(action="request.submit", object_id=str(r.pk)).exists()
    assert Notification.objects.filter(
        url=f"/permintaan/{r.pk}/", user__username="pertanahan"
    ).exists()


def test_information_request_submitted_before_christmas() -> None:
    r = submit(kind="information", now=at(2026, 12, 23))
    assert r.due_date == dt.date(2027, 1, 12)
    act(r, "acknowledge", "pertanahan", at(2026, 12, 28))
    r = act(r, "extend", "pertanahan", at(2026, 12, 29), body="Data di arsip Kanwil")
    assert r.sla_days == 17 and r.due_date == dt.date(2027, 1, 21)
    with pytest.raises(ValidationFailed) as exc:
        act(r, "extend", "pertanahan", at(2026, 12, 30), body="lagi")
    assert "reason" in exc.value.fields


def test_only_information_requests_extend() -> None:
    r = submit(kind="data", now=T0)
    with pytest.raises(ValidationFailed) as exc:
        act(r, "extend", "pertanahan", T0, body="x")
    assert "kind" in exc.value.fields


def test_full_lifecycle_with_timeline_and_audit() -> None:
    r = submit(now=T0)
    act(r, "acknowledge", "pertanahan", at(2026, 12, 8))
    act(r, "start", "pertanahan", at(2026, 12, 9))
    r = act(r, "answer", "pertanahan", at(2026, 12, 10), body="Terlampir peta bidang.")
    assert r.status == "answered" and r.answered_late is False
    r = act(r, "close", "pupr", at(2026, 12, 11))
    assert r.status == "closed"
    r = act(r, "reopen", "pupr", at(2026, 12, 14), body="Peta belum lengkap")
    assert r.status == "reopened" and r.clock_cycle == 2
    assert r.due_date == dt.date(2026, 12, 30)  # 10 working days after 14 Dec (24, 25 off)
    kinds = list(r.events.values_list("kind", flat=True))
    assert kinds == [
        "submitted",
        "acknowledged",
        "started",
        "answered",
        "closed",
        "reopened",
    ]
    assert audit_verify().ok


ALLOWED = {
    "submitted": {"acknowledge", "decline", "forward", "close"},
    "acknowledged": {"start", "answer", "decline", "forward", "close"},
    "in_progress": {"answer", "decline", "close"},
    "answered": {"close", "reopen"},
    "declined": {"close", "reopen"},
    "closed": {"reopen"},
    "reopened": {"acknowledge", "start", "answer", "decline", "forward", "close"},
}
PATH = {
    "submitted": [],
    "acknowledged": [("acknowledge", "pertanahan")],
    "in_progress": [("acknowledge", "pertanahan"), ("start", "pertanahan")],
    "answered": [("acknowledge", "pertanahan"), ("answer", "pertanahan")],
    "declined": [("decline", "pertanahan")],
    "closed": [("close", "pupr")],
    "reopened": [("close", "pupr"), ("reopen", "pupr")],
}
ACTIONS = ["acknowledge", "start", "answer", "decline", "forward", "close", "reopen"]
REQUESTER = {"close", "reopen"}


@pytest.mark.parametrize("status", sorted(ALLOWED))
@pytest.mark.parametrize("action", ACTIONS)
def test_every_transition_allowed_or_refused(status: str, action: str) -> None:
    r = submit(now=T0)
    for a, who in PATH[status]:
        r = act(r, a, who, T0, body="alasan")
    assert r.status == status
    who = "pupr" if action in REQUESTER else "pertanahan"
    kw: dict[str, Any] = {"body": "alasan"}
    if action == "forward":
        kw["to_agency"] = "perkimtan-sanggau"
    if action in ALLOWED[status]:
        r = act(r, action, who, T0, **kw)
        assert r.status == services.TRANSITIONS[action][1]
    else:
        with pytest.raises(InvalidTransition):
            act(r, action, who, T0, **kw)


def test_who_may_act() -> None:
    r = submit(now=T0)
    with pytest.raises(Forbidden):  # the requester may not acknowledge its own request
        act(r, "acknowledge", "pupr", T0)
    with pytest.raises(Forbidden):  # a leader sees it but does not handle it
        act(r, "acknowledge", "bupati", T0)
    with pytest.raises(NotFound):  # a third agency does not even see it
        act(r, "acknowledge", "dinkes", T0)
    with pytest.raises(Forbidden):  # only the requester closes
        act(r, "close", "pertanahan", T0)
    with pytest.raises(Forbidden):
        submit(by="dinkes", now=T0)  # not a member of the sending agency
    act(r, "acknowledge", "admin", T0)  # platform admins may


def test_decline_and_forward_need_reasons_and_a_competent_agency() -> None:
    r = submit(now=T0)
    with pytest.raises(ValidationFailed) as exc:
        act(r, "decline", "pertanahan", T0, body="  ")
    assert "reason" in exc.value.fields
    with pytest.raises(ValidationFailed) as exc:
        act(r, "forward", "pertanahan", T0, body="bukan wewenang")
    assert "to_agency" in exc.value.fields
    with pytest.raises(ValidationFailed):
        act(r, "forward", "pertanahan", T0, body="x", to_agency="dpupr-sanggau")
    with pytest.raises(ValidationFailed):
        act(r, "forward", "pertanahan", T0, body="x", to_agency="no-such-agency")


def test_forward_restarts_the_clock_at_the_competent_agency() -> None:
    r = submit(now=T0)
    r = act(r, "acknowledge", "pertanahan", at(2026, 12, 8))
    r = act(
        r,
        "forward",
        "pertanahan",
        at(2026, 12, 10),
        body="Bukan wewenang: tanah milik pemda dikelola Perkimtan",
        to_agency="perkimtan-sanggau",
    )
    assert r.to_agency.slug == "perkimtan-sanggau"
    assert r.status == "submitted" and r.clock_cycle == 2
    assert r.clock_started_at == at(2026, 12, 10)
    # 10 working days after Thu 10 Dec: 11, 14–18, 21–23, 28 (24, 25 Dec off).
    assert r.due_date == dt.date(2026, 12, 28)
    assert list(r.previous_handlers.values_list("slug", flat=True)) == ["kantah-sanggau"]
    # The forwarding agency still sees the request and its history.
    assert Request.objects.visible_to(user("pertanahan")).filter(pk=r.pk).exists()
    fwd = r.events.get(kind="forwarded")
    assert fwd.target_agency is not None and fwd.target_agency.slug == "perkimtan-sanggau"
    # ... but no longer handles it.
    with pytest.raises(Forbidden):
        act(r, "acknowledge", "pertanahan", at(2026, 12, 11))


def test_visibility() -> None:
    r = submit(now=T0)
    for name, sees in [
        ("pupr", True),
        ("kadispupr", True),
        ("pertanahan", True),
        ("bupati", True),
        ("sekda", True),
        ("admin", True),
        ("dinkes", False),
        ("pengamat", False),
        ("walidata", False),
    ]:
        assert Request.objects.visible_to(user(name)).filter(pk=r.pk).exists() is sees, name


def test_escalation_ladder_over_a_weekend_and_holidays(
    django_capture_on_commit_callbacks: Any,
) -> None:
    mail.outbox.clear()
    r = submit(now=T0)  # due Mon 21 Dec 2026
    act(r, "acknowledge", "pertanahan", at(2026, 12, 8))
    run_tick(at(2026, 12, 16, 23))
    assert steps(r) == []
    # Reminder at the start of Thu 17 Dec (2 working days before the due date).
    run_tick(at(2026, 12, 17, 0, 5))
    assert steps(r) == ["remind"]
    # Overdue from midnight after Mon 21 Dec: escalated to the agency head.
    run_tick(at(2026, 12, 21, 23, 59))
    assert steps(r) == ["remind"]
    run_tick(at(2026, 12, 22, 0, 1))
    assert steps(r) == ["remind", "head"]
    r.refresh_from_db()
    assert r.escalation_level == 1
    # +3 working days: 22, 23, 28 Dec (24, 25 Dec and the weekend are off) -> Sekda at the
    # end of Mon 28 Dec.
    run_tick(at(2026, 12, 28, 20))
    assert steps(r) == ["remind", "head"]
    with django_capture_on_commit_callbacks(execute=True):
        run_tick(at(2026, 12, 29, 8))
    assert steps(r) == ["remind", "head", "sekda"]
    r.refresh_from_db()
    assert r.escalation_level == 2
    assert services.working_days_left(r, at(2026, 12, 29, 8)) == -4
    sekda_users = set(
        Notification.objects.filter(url=f"/permintaan/{r.pk}/", kind="sekda").values_list(
            "user__username", flat=True
        )
    )
    assert sekda_users == {"sekda"}  # the head of the Setda named by the demo policy
    head_users = set(
        Notification.objects.filter(url=f"/permintaan/{r.pk}/", kind="head").values_list(
            "user__username", flat=True
        )
    )
    assert head_users == {"kakantah"}  # the head of the Kantor Pertanahan is notified
    assert AuditEntry.objects.filter(action="request.escalate", object_id=str(r.pk)).count() == 3
    # Emails went to the people concerned.
    assert any("sekda@" in m.to[0] for m in mail.outbox)
    # Running the same tick again changes nothing.
    assert run_tick(at(2026, 12, 29, 8))["coordination.escalate"]["steps"] == 0
    # Answering stops the ladder.
    act(r, "answer", "pertanahan", at(2026, 12, 30), body="Data terlampir")
    run_tick(at(2027, 3, 1))
    assert steps(r) == ["remind", "head", "sekda"]
    r.refresh_from_db()
    assert r.answered_late is True


def test_escalation_reaches_a_head_who_exists() -> None:
    r = submit(by="dinkes", frm="dinkes-sanggau", to="dpupr-sanggau", now=T0)
    run_tick(at(2026, 12, 22, 1))
    assert set(
        Notification.objects.filter(url=f"/permintaan/{r.pk}/", kind="head").values_list(
            "user__username", flat=True
        )
    ) == {"kadispupr"}


def test_local_holiday_and_policy_apply_to_new_clocks(now: dt.datetime) -> None:
    services.holiday_add(
        actor=user("bupati"), region="61.03", date=dt.date(2026, 12, 8), name="Hari Jadi", now=now
    )
    with pytest.raises(Forbidden):
        services.holiday_add(
            actor=user("dinkes"), region="61.03", date=dt.date(2026, 12, 9), name="x", now=now
        )
    r = submit(now=T0)
    assert r.due_date == dt.date(2026, 12, 22)
    services.policy_set(
        actor=SYSTEM,
        region="61.03",
        kind="data",
        remind_days_before=1,
        head_days_after=1,
        sekda_days_after=2,
        bupati_days_after=4,
        now=now,
    )
    r2 = submit(now=T0)
    moments = services.request_step_moments(r2)
    # Due Tue 22 Dec (the local holiday on 8 Dec counts); head one working day later, at
    # the end of Wed 23 Dec; Sekda two: 24 and 25 Dec are off, so the end of Mon 28 Dec.
    assert moments["head"] == at(2026, 12, 24, 0)
    assert moments["sekda"] == at(2026, 12, 29, 0)
    with pytest.raises(ValidationFailed):
        services.policy_set(
            actor=SYSTEM,
            region="61.03",
            kind="data",
            remind_days_before=1,
            head_days_after=3,
            sekda_days_after=2,
            bupati_days_after=4,
            now=now,
        )


def test_messages_thread_and_notify_the_other_side() -> None:
    r = submit(now=T0)
    services.request_message(actor=user("pertanahan"), request=r, body="Nomor bidang?", now=T0)
    assert Notification.objects.filter(
        url=f"/permintaan/{r.pk}/", kind="message", user__username="pupr"
    ).exists()
    with pytest.raises(NotFound):
        services.request_message(actor=user("dinkes"), request=r, body="hai", now=T0)


TICKS = st.lists(
    st.datetimes(min_value=dt.datetime(2026, 12, 1), max_value=dt.datetime(2027, 1, 31)).map(
        lambda d: d.replace(tzinfo=dt.UTC)
    ),
    min_size=1,
    max_size=6,
)


class TestIdempotentTicks(HypothesisTestCase):
    """The escalations applied depend only on the latest ``now`` the tick has seen."""

    @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
    @given(ticks=TICKS)
    def test_set_of_steps_depends_only_on_the_latest_now(self, ticks: list[dt.datetime]) -> None:
        a = submit(now=T0)
        b = submit(now=T0)
        for t in ticks:
            services.escalate_due(now=t)
        services.escalate_due(now=max(ticks))  # once more: no change
        got_a = set(steps(a))
        expected = {s for s, m in services.request_step_moments(b).items() if m <= max(ticks)}
        services.escalate_due(now=max(ticks))
        assert got_a == expected == set(steps(b))
        assert len(steps(a)) == len(got_a)  # never twice
