"""Permission-matrix rows of the coordination app (see tests/test_permission_matrix.py).

The owning agency of the matrix is Dinas Kesehatan: requests come from Dinas PUPR to it
(it handles them), or go from it to Dinas PUPR (it is the requester); the meeting is
convened by it. The Kantor Pertanahan (other_staff) and the Bappeda viewer are neither.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.matrix import API_READ, SIGNED_IN, Case, expect

FUTURE = "2030-01-15"


def _user(name: str) -> Any:
    from sinergi.accounts.models import User

    return User.objects.get(username=name)


def _incoming(now: dt.datetime, *, kind: str = "data", path: tuple[str, ...] = ()) -> Any:
    from sinergi.coordination import services

    r = services.request_submit(
        actor=_user("pupr"),
        from_agency="dpupr-sanggau",
        to_agency="dinkes-sanggau",
        kind=kind,
        subject="Data jamban sehat",
        body="Mohon data.",
        now=now,
    )
    for action in path:
        r = services.REQUEST_ACTIONS[action](actor=_user("dinkes"), request=r, now=now)
    return r


def _outgoing(now: dt.datetime, *, answered: bool = False) -> Any:
    from sinergi.coordination import services

    r = services.request_submit(
        actor=_user("dinkes"),
        from_agency="dinkes-sanggau",
        to_agency="dpupr-sanggau",
        kind="data",
        subject="Data air minum",
        body="Mohon data.",
        now=now,
    )
    if answered:
        services.request_acknowledge(actor=_user("pupr"), request=r, now=now)
        services.request_answer(actor=_user("pupr"), request=r, body="Ada", now=now)
    return r


def req(now: dt.datetime) -> dict[str, str]:
    return {"req": str(_incoming(now).pk)}


def req_ack(now: dt.datetime) -> dict[str, str]:
    return {"req": str(_incoming(now, path=("acknowledge",)).pk)}


def req_info(now: dt.datetime) -> dict[str, str]:
    return {"req": str(_incoming(now, kind="information").pk)}


def req_out(now: dt.datetime) -> dict[str, str]:
    return {"req": str(_outgoing(now).pk)}


def req_out_waiting(now: dt.datetime) -> dict[str, str]:
    from sinergi.coordination import services

    r = _outgoing(now)
    services.request_clarify(actor=_user("pupr"), request=r, body="Lokasi mana?", now=now)
    return {"req": str(r.pk)}


def req_answered(now: dt.datetime) -> dict[str, str]:
    return {"req": str(_outgoing(now, answered=True).pk)}


def meeting(now: dt.datetime) -> dict[str, str]:
    from sinergi.coordination import services

    start = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
    m = services.meeting_create(
        actor=_user("kadinkes"),
        convening_agency="dinkes-sanggau",
        title="Rakor matrix",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        place="Aula",
        invited=["dpupr-sanggau"],
        now=now,
    )
    return {"meeting": str(m.pk)}


def holiday(now: dt.datetime) -> dict[str, str]:
    from sinergi.coordination import services
    from sinergi.core.permissions import SYSTEM

    h = services.holiday_add(
        actor=SYSTEM, region="61.03", date=dt.date(2031, 2, 3), name="Matrix", now=now
    )
    return {"holiday": str(h.pk)}


def attachment(now: dt.datetime) -> dict[str, str]:
    from sinergi.coordination import services
    from sinergi.core.permissions import SYSTEM

    r = _incoming(now)
    row = services.attachment_add(
        actor=SYSTEM, request=r, data=b"%PDF-1.4\n%%EOF\n", name="surat.pdf", now=now
    )
    return {"req": str(r.pk), "att": str(row.pk)}


def _agency() -> Any:
    from sinergi.agencies.models import Agency

    return Agency.objects.get(slug="dinkes-sanggau")


def feed(now: dt.datetime) -> dict[str, str]:
    from sinergi.coordination import services

    row, token = services.feed_create(actor=_user("dinkes"), now=now)
    return {"feed": str(row.pk), "token": token}


def members(ok: int, anonymous: int, staff: int) -> dict[str, int]:
    """An object of the owning agency seen only by its members (and platform admins)."""
    return expect(404, anonymous=anonymous, admin=ok, head=ok, staff=staff)


def party(ok: int, anonymous: int) -> dict[str, int]:
    """Who sees a request or meeting of the owning agency: all but the two outsiders."""
    return expect(ok, anonymous=anonymous, other_staff=404, viewer=404)


def actor(ok: int, anonymous: int) -> dict[str, int]:
    """Acting for the owning agency: the leader sees but may not act."""
    return expect(ok, anonymous=anonymous, leader=403, other_staff=404, viewer=404)


def writers(ok: int, anonymous: int) -> dict[str, int]:
    """Writing on behalf of the owning agency (the object is the agency)."""
    return expect(403, anonymous=anonymous, admin=ok, head=ok, staff=ok)


def leaders(ok: int, anonymous: int) -> dict[str, int]:
    """Region-level settings: leaders and platform admins."""
    return expect(403, anonymous=anonymous, admin=ok, leader=ok)


P = "/permintaan"
R = "/rapat"
M_DATA = {"status": "held", "minutes": "Disepakati."}

UI_CASES = [
    Case("coordination:inbox", "get", f"{P}/", SIGNED_IN),
    Case("coordination:list", "get", f"{P}/daftar/?overdue=on", SIGNED_IN),
    Case("coordination:create", "get", f"{P}/baru/", expect(200, anonymous=302, viewer=403)),
    Case("coordination:suggest", "get", f"{P}/saran/?subject=tanah", SIGNED_IN),
    Case("coordination:detail", "get", P + "/{req}/", party(200, 302), setup=req),
    Case(
        "coordination:message",
        "post",
        P + "/{req}/pesan/",
        party(302, 302),
        data={"body": "Halo"},
        setup=req,
    ),
    Case("coordination:act", "post", P + "/{req}/aksi/acknowledge/", actor(302, 302), setup=req),
    Case(
        "coordination:attachment_upload", "post", P + "/{req}/lampiran/", party(302, 302), setup=req
    ),
    Case(
        "coordination:attachment_download",
        "get",
        P + "/{req}/lampiran/{att}/",
        party(200, 302),
        setup=attachment,
    ),
    Case("coordination:preferences_moved", "get", f"{P}/preferensi/", expect(302)),
    Case("coordination:webhooks_moved", "get", f"{P}/webhook/", expect(302)),
    Case("coordination:meetings", "get", f"{R}/", SIGNED_IN),
    Case("coordination:feeds", "get", f"{R}/kalender/", SIGNED_IN),
    Case(
        "coordination:feed_revoke",
        "post",
        R + "/kalender/{feed}/cabut/",
        expect(404, anonymous=302, admin=302, staff=302),
        setup=feed,
    ),
    # The secret address is the key: whoever holds it reads the feed, signed in or not.
    Case("coordination:feed_ics", "get", R + "/kalender/{token}.ics", expect(200), setup=feed),
    Case(
        "coordination:meeting_create", "get", f"{R}/baru/", expect(200, anonymous=302, viewer=403)
    ),
    Case("coordination:meeting_detail", "get", R + "/{meeting}/", party(200, 302), setup=meeting),
    Case(
        "coordination:meeting_update",
        "post",
        R + "/{meeting}/notulen/",
        actor(302, 302),
        data=M_DATA,
        setup=meeting,
    ),
    Case(
        "coordination:meeting_attendance",
        "post",
        R + "/{meeting}/hadir/",
        actor(302, 302),
        data={"agency": "dinkes-sanggau", "name": "Dr. A"},
        setup=meeting,
    ),
    Case(
        "coordination:meeting_decision",
        "post",
        R + "/{meeting}/keputusan/",
        actor(302, 302),
        data={"text": "Sepakat"},
        setup=meeting,
    ),
    Case(
        "coordination:meeting_action",
        "post",
        R + "/{meeting}/tindak-lanjut/",
        actor(302, 302),
        data={"owner": "dpupr-sanggau", "subject": "Peta", "due_date": FUTURE},
        setup=meeting,
    ),
    Case(
        "coordination:meeting_ics",
        "get",
        R + "/{meeting}/rapat.ics",
        party(200, 302),
        setup=meeting,
    ),
]

A = "/api/v1/requests"
AM = "/api/v1/meetings"
NEW_REQUEST = {
    "from_agency": "dinkes-sanggau",
    "to_agency": "dpupr-sanggau",
    "kind": "data",
    "subject": "Data jalan",
    "body": "Mohon data jalan.",
}
NEW_MEETING = {
    "convening_agency": "dinkes-sanggau",
    "title": "Rakor",
    "starts_at": "2026-12-01T09:00:00+07:00",
    "ends_at": "2026-12-01T11:00:00+07:00",
    "place": "Aula",
    "invited": ["dpupr-sanggau"],
}
POLICY = {"region": "61.03", "kind": "support", "remind_days_before": 1, "head_days_after": 0,
          "sekda_days_after": 2, "bupati_days_after": 4}  # fmt: skip


def _op(method: str, template: str) -> str:
    return f"{method} {template}"


API_CASES = [
    Case(_op("get", A), "get", A, API_READ),
    Case(_op("post", A), "post", A, writers(201, 401), data=NEW_REQUEST),
    Case(_op("get", f"{A}/inbox"), "get", f"{A}/inbox", API_READ),
    Case(_op("get", f"{A}/suggest"), "get", f"{A}/suggest?text=tanah", API_READ),
    Case(_op("get", f"{A}/holidays"), "get", f"{A}/holidays", API_READ),
    Case(
        _op("post", f"{A}/holidays"),
        "post",
        f"{A}/holidays",
        leaders(201, 401),
        data={"region": "61.03", "date": "2031-03-03", "name": "Libur"},
    ),
    Case(
        _op("delete", f"{A}/holidays/{{holiday_id}}"),
        "delete",
        A + "/holidays/{holiday}",
        leaders(204, 401),
        setup=holiday,
    ),
    Case(_op("get", f"{A}/policies"), "get", f"{A}/policies", API_READ),
    Case(_op("put", f"{A}/policies"), "put", f"{A}/policies", leaders(200, 401), data=POLICY),
    Case(_op("get", f"{A}/{{request_id}}"), "get", A + "/{req}", party(200, 401), setup=req),
    Case(
        _op("get", f"{A}/{{request_id}}/events"),
        "get",
        A + "/{req}/events",
        party(200, 401),
        setup=req,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/messages"),
        "post",
        A + "/{req}/messages",
        party(201, 401),
        data={"body": "Halo"},
        setup=req,
    ),
    Case(
        _op("get", f"{A}/{{request_id}}/attachments"),
        "get",
        A + "/{req}/attachments",
        party(200, 401),
        setup=attachment,
    ),
    # Without a file the body is refused before the request is looked up (multipart
    # uploads are exercised in test_attachments.py).
    Case(
        _op("post", f"{A}/{{request_id}}/attachments"),
        "post",
        A + "/{req}/attachments",
        expect(422, anonymous=401),
        data={},
        setup=req,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/acknowledge"),
        "post",
        A + "/{req}/acknowledge",
        actor(200, 401),
        data={},
        setup=req,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/start"),
        "post",
        A + "/{req}/start",
        actor(200, 401),
        data={},
        setup=req_ack,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/answer"),
        "post",
        A + "/{req}/answer",
        actor(200, 401),
        data={"body": "Terlampir"},
        setup=req_ack,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/decline"),
        "post",
        A + "/{req}/decline",
        actor(200, 401),
        data={"reason": "Tidak ada data"},
        setup=req,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/forward"),
        "post",
        A + "/{req}/forward",
        actor(200, 401),
        data={"to_agency": "rsud-sanggau", "reason": "Bukan wewenang"},
        setup=req,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/extend"),
        "post",
        A + "/{req}/extend",
        actor(200, 401),
        data={"reason": "Rekap belum lengkap"},
        setup=req_info,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/clarify"),
        "post",
        A + "/{req}/clarify",
        actor(200, 401),
        data={"body": "Untuk tahun berapa?"},
        setup=req,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/respond"),
        "post",
        A + "/{req}/respond",
        actor(200, 401),
        data={"body": "Tahun 2026."},
        setup=req_out_waiting,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/close"),
        "post",
        A + "/{req}/close",
        actor(200, 401),
        data={},
        setup=req_out,
    ),
    Case(
        _op("post", f"{A}/{{request_id}}/reopen"),
        "post",
        A + "/{req}/reopen",
        actor(200, 401),
        data={"reason": "Belum lengkap"},
        setup=req_answered,
    ),
    Case(_op("get", AM), "get", AM, API_READ),
    Case(_op("post", AM), "post", AM, writers(201, 401), data=NEW_MEETING),
    Case(
        _op("get", f"{AM}/{{meeting_id}}"),
        "get",
        AM + "/{meeting}",
        party(200, 401),
        setup=meeting,
    ),
    Case(
        _op("patch", f"{AM}/{{meeting_id}}"),
        "patch",
        AM + "/{meeting}",
        actor(200, 401),
        data=M_DATA,
        setup=meeting,
    ),
    Case(
        _op("post", f"{AM}/{{meeting_id}}/attendance"),
        "post",
        AM + "/{meeting}/attendance",
        actor(201, 401),
        data={"agency": "dpupr-sanggau", "name": "Ir. B"},
        setup=meeting,
    ),
    Case(
        _op("post", f"{AM}/{{meeting_id}}/decisions"),
        "post",
        AM + "/{meeting}/decisions",
        actor(201, 401),
        data={"text": "Sepakat"},
        setup=meeting,
    ),
    Case(
        _op("post", f"{AM}/{{meeting_id}}/action-items"),
        "post",
        AM + "/{meeting}/action-items",
        actor(201, 401),
        data={"owner": "dpupr-sanggau", "subject": "Peta", "due_date": FUTURE},
        setup=meeting,
    ),
]
