"""Permission-matrix rows of notifications: the centre, the bell, preferences, webhooks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.matrix import API_READ, SIGNED_IN, Case, expect


def _user(name: str) -> Any:
    from sinergi.accounts.models import User

    return User.objects.get(username=name)


def webhook(now: dt.datetime) -> dict[str, str]:
    from sinergi.core.permissions import SYSTEM
    from sinergi.notifications import services

    hook = services.webhook_create(
        actor=SYSTEM, agency="dinkes-sanggau", url="https://dinkes.example/hook", now=now
    )
    return {"hook": str(hook.pk)}


def webhook_delivery(now: dt.datetime) -> dict[str, str]:
    from sinergi.agencies.models import Agency
    from sinergi.notifications import webhooks
    from sinergi.notifications.models import WebhookDelivery

    hook = webhook(now)
    agency = Agency.objects.get(slug="dinkes-sanggau")
    webhooks.enqueue(event="coordination.request.submitted", agencies=[agency], payload={}, now=now)
    row = WebhookDelivery.objects.get(webhook_id=int(hook["hook"]))
    return {**hook, "delivery": str(row.pk)}


def note(now: dt.datetime) -> dict[str, str]:
    """A notification of the owning agency's staff member (``dinkes``)."""
    from sinergi.notifications.models import Notification

    row = Notification.objects.create(
        user=_user("dinkes"), kind="x", module="coordination", title="Uji", created_at=now
    )
    return {"note": str(row.pk)}


def members(ok: int, anonymous: int, staff: int) -> dict[str, int]:
    """An object of the owning agency seen only by its members (and platform admins)."""
    return expect(404, anonymous=anonymous, admin=ok, head=ok, staff=staff)


def owner(ok: int, anonymous: int) -> dict[str, int]:
    """A notification: only its own user (even a platform admin gets 404)."""
    return expect(404, anonymous=anonymous, staff=ok)


N = "/notifikasi"

UI_CASES = [
    Case("notifications:centre", "get", f"{N}/?module=blood&unread=on", SIGNED_IN),
    Case("notifications:bell", "get", f"{N}/lonceng/", SIGNED_IN),
    Case("notifications:read_all", "post", f"{N}/dibaca/", expect(302)),
    Case("notifications:read_one", "post", N + "/{note}/dibaca/", owner(302, 302), setup=note),
    Case("notifications:preferences", "get", f"{N}/preferensi/", SIGNED_IN),
    Case("notifications:webhooks", "get", f"{N}/webhook/", SIGNED_IN),
    Case(
        "notifications:webhook_detail",
        "get",
        N + "/webhook/{hook}/",
        members(200, 302, staff=200),
        setup=webhook,
    ),
    Case(
        "notifications:webhook_toggle",
        "post",
        N + "/webhook/{hook}/aktif/",
        members(302, 302, staff=403),
        data={"active": "0"},
        setup=webhook,
    ),
    Case(
        "notifications:webhook_rotate",
        "post",
        N + "/webhook/{hook}/rahasia/",
        members(200, 302, staff=403),
        setup=webhook,
    ),
    Case(
        "notifications:webhook_remove",
        "post",
        N + "/webhook/{hook}/hapus/",
        members(302, 302, staff=403),
        setup=webhook,
    ),
    Case(
        "notifications:delivery_retry",
        "post",
        N + "/webhook/{hook}/kirim/{delivery}/",
        members(302, 302, staff=403),
        setup=webhook_delivery,
    ),
]

A = "/api/v1/notifications"


def _op(method: str, template: str) -> str:
    return f"{method} {template}"


API_CASES = [
    Case(_op("get", A), "get", f"{A}?module=coordination&unread=true", API_READ),
    Case(_op("get", f"{A}/unread"), "get", f"{A}/unread", API_READ),
    Case(_op("post", f"{A}/read"), "post", f"{A}/read", API_READ, data={}),
    Case(
        _op("post", f"{A}/{{notification_id}}/read"),
        "post",
        A + "/{note}/read",
        owner(200, 401),
        data={},
        setup=note,
    ),
    Case(_op("get", f"{A}/webhooks"), "get", f"{A}/webhooks", API_READ),
    Case(
        _op("post", f"{A}/webhooks"),
        "post",
        f"{A}/webhooks",
        expect(403, anonymous=401, admin=201, head=201),
        data={"agency": "dinkes-sanggau", "url": "https://dinkes.example/h"},
    ),
    Case(
        _op("delete", f"{A}/webhooks/{{webhook_id}}"),
        "delete",
        A + "/webhooks/{hook}",
        members(204, 401, staff=403),
        setup=webhook,
    ),
    Case(
        _op("patch", f"{A}/webhooks/{{webhook_id}}"),
        "patch",
        A + "/webhooks/{hook}",
        members(200, 401, staff=403),
        data={"is_active": False},
        setup=webhook,
    ),
    Case(
        _op("post", f"{A}/webhooks/{{webhook_id}}/rotate-secret"),
        "post",
        A + "/webhooks/{hook}/rotate-secret",
        members(200, 401, staff=403),
        data={},
        setup=webhook,
    ),
    Case(
        _op("post", f"{A}/webhooks/{{webhook_id}}/deliveries/{{delivery_id}}/retry"),
        "post",
        A + "/webhooks/{hook}/deliveries/{delivery}/retry",
        members(200, 401, staff=403),
        data={},
        setup=webhook_delivery,
    ),
    Case(
        _op("get", f"{A}/webhooks/{{webhook_id}}/deliveries"),
        "get",
        A + "/webhooks/{hook}/deliveries",
        members(200, 401, staff=200),
        setup=webhook,
    ),
    Case(_op("get", f"{A}/preferences"), "get", f"{A}/preferences", API_READ),
    Case(
        _op("put", f"{A}/preferences"),
        "put",
        f"{A}/preferences",
        API_READ,
        data={"daily_digest": False},
    ),
]
