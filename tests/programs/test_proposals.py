"""Partners propose plan changes; the coordinator accepts (applied, recomputed, audited) or
rejects them with a reason the proposer sees."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from sinergi.core.exceptions import Conflict, Forbidden, ValidationFailed

SPAM = "SPAM-SANGGAU-2026"


def _users() -> tuple[Any, Any, Any]:
    from sinergi.accounts.models import User

    return (
        User.objects.get(username="pertanahan"),  # Kantor Pertanahan staff, a partner
        User.objects.get(username="bupati"),  # above the coordinator
        User.objects.get(username="dinkes"),  # not a party
    )


@pytest.mark.django_db
def test_partner_proposes_duration_change_and_coordinator_accepts(now: dt.datetime) -> None:
    from sinergi.core.models import AuditEntry
    from sinergi.programs.models import Program, WorkItem
    from sinergi.programs.scheduling import program_schedule
    from sinergi.programs.services import proposal_accept, proposal_create

    partner, coordinator, outsider = _users()
    spam = Program.objects.get(code=SPAM)
    item = WorkItem.objects.get(program=spam, wbs="2.4")
    finish = program_schedule(spam, now=now).finish_date
    proposal = proposal_create(
        actor=partner,
        program=spam,
        kind="change_item",
        wbs="2.4",
        duration=item.duration + 20,
        reason="Sertifikasi tanah butuh waktu lebih lama",
        now=now,
    )
    assert proposal.status == "pending" and proposal.agency.slug == "kantah-sanggau"
    assert proposal.changes == {"duration": item.duration + 20}
    with pytest.raises(Forbidden):
        proposal_accept(actor=partner, proposal=proposal, now=now)
    version = spam.plan_version
    proposal_accept(actor=coordinator, proposal=proposal, note="Disetujui", now=now)
    item.refresh_from_db()
    spam.refresh_from_db()
    assert item.duration == proposal.changes["duration"] and spam.plan_version > version
    ps = program_schedule(spam, now=now)
    assert next(i for i in ps.items if i.wbs == "2.4").duration == item.duration
    assert finish is not None and ps.finish_date is not None and ps.finish_date >= finish
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"proposal.create", "proposal.accept", "workitem.update"} <= actions
    with pytest.raises(Conflict):
        proposal_accept(actor=coordinator, proposal=proposal, now=now)
    with pytest.raises(Forbidden):
        proposal_create(
            actor=outsider,
            program=spam,
            kind="change_item",
            wbs="2.4",
            duration=3,
            reason="x",
            now=now,
        )


@pytest.mark.django_db
def test_other_kinds_apply_through_the_plan_services(now: dt.datetime) -> None:
    from sinergi.programs.models import Dependency, Program, WorkItem
    from sinergi.programs.services import proposal_accept, proposal_create

    partner, coordinator, _outsider = _users()
    spam = Program.objects.get(code=SPAM)
    add = proposal_create(
        actor=partner,
        program=spam,
        kind="add_item",
        wbs="2.9",
        title="Pengukuran ulang",
        duration=4,
        reason="Batas bidang belum jelas",
        now=now,
    )
    proposal_accept(actor=coordinator, proposal=add, now=now)
    new = WorkItem.objects.get(program=spam, wbs="2.9")
    assert new.owner.slug == "kantah-sanggau"
    link = proposal_create(
        actor=partner,
        program=spam,
        kind="add_dependency",
        predecessor="2.9",
        successor="2.4",
        type="FS",
        lag=1,
        reason="Ukur dulu",
        now=now,
    )
    proposal_accept(actor=coordinator, proposal=link, now=now)
    dep = Dependency.objects.get(predecessor=new, successor__wbs="2.4")
    assert dep.lag == 1
    remove = proposal_create(
        actor=partner,
        program=spam,
        kind="remove_dependency",
        dependency=dep,
        reason="Tidak perlu lagi",
        now=now,
    )
    proposal_accept(actor=coordinator, proposal=remove, now=now)
    assert not Dependency.objects.filter(pk=dep.pk).exists()
    # A cycle is refused when proposed, naming the work items.
    last = Dependency.objects.filter(program=spam).select_related("predecessor", "successor")[0]
    with translation.override("en"), pytest.raises(ValidationFailed) as exc:
        proposal_create(
            actor=partner,
            program=spam,
            kind="add_dependency",
            predecessor=last.successor.wbs,
            successor=last.predecessor.wbs,
            reason="x",
            now=now,
        )
    assert "cycle" in str(exc.value.fields)


@pytest.mark.django_db
def test_reject_needs_a_reason_and_proposer_sees_it(
    client_as: Any, api_as: Any, now: dt.datetime
) -> None:
    from sinergi.programs.models import PlanProposal, Program, WorkItem

    spam = Program.objects.get(code=SPAM)
    item = WorkItem.objects.get(program=spam, wbs="2.4")
    # The partner proposes through the UI.
    partner = client_as("other_staff")
    page = partner.get(f"/program/{SPAM}/usulan/")
    assert page.status_code == 200
    r = partner.post(
        f"/program/{SPAM}/usulan/",
        {
            "kind": "change_item",
            "agency": "kantah-sanggau",
            "wbs": "2.4",
            "deadline": "2027-03-31",
            "type": "FS",
            "lag": "0",
            "reason": "Menunggu anggaran perubahan",
        },
    )
    assert r.status_code == 302
    proposal = PlanProposal.objects.get(program=spam)
    assert proposal.changes == {"deadline": "2027-03-31"}
    bad = partner.post(
        f"/program/{SPAM}/usulan/",
        {
            "kind": "change_item",
            "agency": "kantah-sanggau",
            "wbs": "9.9",
            "type": "FS",
            "lag": "0",
            "reason": "x",
        },
    )
    assert bad.status_code == 400
    # Staff of a non-party agency may not propose.
    assert client_as("staff").get(f"/program/{SPAM}/usulan/").status_code == 403
    # Reject without a reason: refused; with one: done.
    leader = client_as("leader")
    leader.post(f"/program/{SPAM}/usulan/{proposal.pk}/tolak/", {"note": ""})
    proposal.refresh_from_db()
    assert proposal.status == "pending"
    leader.post(f"/program/{SPAM}/usulan/{proposal.pk}/tolak/", {"note": "Anggaran tidak ada"})
    proposal.refresh_from_db()
    assert proposal.status == "rejected"
    item.refresh_from_db()
    assert item.deadline is None or str(item.deadline) != "2027-03-31"
    page = partner.get(f"/program/{SPAM}/").content.decode()
    assert "Anggaran tidak ada" in page
    # The API shows the outcome too, and takes proposals.
    api = api_as("other_staff")
    body = api.get(f"/api/v1/programs/{SPAM}/proposals").json()
    assert body[0]["status"] == "rejected" and body[0]["decision_note"] == "Anggaran tidak ada"
    r = api.post(
        f"/api/v1/programs/{SPAM}/proposals",
        {"kind": "change_item", "wbs": "2.4", "duration": 30, "reason": "Cuaca"},
    )
    assert r.status_code == 201 and r.json()["agency"] == "kantah-sanggau"
    pid = r.json()["id"]
    assert api.post(f"/api/v1/programs/{SPAM}/proposals/{pid}/accept", {}).status_code == 403
    r = api_as("leader").post(f"/api/v1/programs/{SPAM}/proposals/{pid}/accept", {"note": "ok"})
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    item.refresh_from_db()
    assert item.duration == 30
    assert api_as("staff").get(f"/api/v1/programs/{SPAM}/proposals").json() == []


@pytest.mark.django_db
def test_coordinator_and_proposer_are_told(
    client_as: Any, django_capture_on_commit_callbacks: Any, now: dt.datetime
) -> None:
    from django.core import mail

    from sinergi.accounts.models import User
    from sinergi.notifications.models import EmailPreference, Notification
    from sinergi.programs.models import Program
    from sinergi.programs.services import proposal_accept, proposal_create, proposal_reject

    partner, coordinator, _outsider = _users()
    spam = Program.objects.get(code=SPAM)
    pupr = User.objects.get(username="pupr")
    # The PUPR manager turned off emails about new work: inbox row only.
    EmailPreference.objects.create(user=pupr, new_requests=False, updated_at=now)

    def told(kind: str) -> dict[str, Notification]:
        rows = Notification.objects.filter(kind=kind).select_related("user")
        return {n.user.username: n for n in rows}

    with translation.override("id"):
        with django_capture_on_commit_callbacks(execute=True):
            first = proposal_create(
                actor=partner,
                program=spam,
                kind="change_item",
                wbs="2.4",
                duration=40,
                reason="Sertifikasi tanah butuh waktu lebih lama",
                now=now,
            )
        # The coordinator agency's manager and head decide proposals; the Bupati, above
        # them, and the proposer are not told.
        rows = told("proposal")
        assert set(rows) == {"kadispupr", "pupr"}
        assert "Kantah Sanggau" in rows["pupr"].title and "mengusulkan" in rows["pupr"].title
        assert rows["pupr"].url == f"/program/{SPAM}/#proposals-h"
        assert [m.to for m in mail.outbox] == [["kadispupr@demo.sinergi.invalid"]]
        assert "Sertifikasi tanah butuh waktu lebih lama" in mail.outbox[0].body
        mail.outbox.clear()

        with django_capture_on_commit_callbacks(execute=True):
            proposal_reject(actor=coordinator, proposal=first, note="Anggaran tidak ada", now=now)
        rows = told("proposal_decided")
        # The proposer and the head of their agency.
        assert set(rows) == {"pertanahan", "kakantah"}
        assert "ditolak" in rows["pertanahan"].title
        assert sorted(m.to[0] for m in mail.outbox) == [
            "kakantah@demo.sinergi.invalid",
            "pertanahan@demo.sinergi.invalid",
        ]
        assert all("Anggaran tidak ada" in m.body for m in mail.outbox)
        mail.outbox.clear()

        second = proposal_create(
            actor=partner,
            program=spam,
            kind="change_item",
            wbs="2.4",
            duration=30,
            reason="Cuaca",
            now=now,
        )
        with django_capture_on_commit_callbacks(execute=True):
            proposal_accept(actor=coordinator, proposal=second, note="Disetujui", now=now)
        accepted = Notification.objects.filter(kind="proposal_decided", user=partner).first()
        assert accepted is not None and "diterima" in accepted.title
        assert any("Disetujui" in m.body for m in mail.outbox)

    # The inbox links the row to the program's proposals.
    page = client_as("other_staff").get("/permintaan/").content.decode()
    assert f'href="/program/{SPAM}/#proposals-h"' in page
