"""Managing webhooks: enable/disable, rotate the secret, redeliver; in the UI and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from sinergi.core.exceptions import Forbidden, ValidationFailed
from sinergi.core.models import AuditEntry
from sinergi.notifications import services as nservices
from sinergi.notifications import webhooks
from sinergi.notifications.models import Webhook, WebhookDelivery

from .helpers import at, submit, user

pytestmark = pytest.mark.django_db


def _hook() -> Webhook:
    return nservices.webhook_create(
        actor=user("kadinkes"),
        agency="dinkes-sanggau",
        url="https://x.example/h",
        now=at(2026, 12, 1),
    )


def _event() -> None:
    submit(by="dinkes", frm="dinkes-sanggau", to="dpupr-sanggau", now=at(2026, 12, 7))


def test_disabled_webhooks_get_no_events_and_can_be_enabled() -> None:
    hook = _hook()
    nservices.webhook_set_active(
        actor=user("kadinkes"), webhook=hook, active=False, now=at(2026, 12, 2)
    )
    _event()
    assert not WebhookDelivery.objects.filter(webhook=hook).exists()
    nservices.webhook_set_active(
        actor=user("kadinkes"), webhook=hook, active=True, now=at(2026, 12, 3)
    )
    _event()
    assert WebhookDelivery.objects.filter(webhook=hook).count() == 1
    actions = list(
        AuditEntry.objects.filter(object_type="notifications.webhook", object_id=str(hook.pk))
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["webhook.create", "webhook.disable", "webhook.enable"]
    with pytest.raises(Forbidden):
        nservices.webhook_set_active(
            actor=user("dinkes"), webhook=hook, active=False, now=at(2026, 12, 3)
        )


def test_rotating_the_secret_signs_with_the_new_one_and_is_not_audited_in_clear(
    monkeypatch: Any,
) -> None:
    hook = _hook()
    old = hook.secret
    _event()
    new = nservices.webhook_rotate_secret(actor=user("kadinkes"), webhook=hook, now=at(2026, 12, 7))
    assert new.secret != old and len(new.secret) == 64
    seen: list[str] = []

    def fake(url: str, body: bytes, headers: dict[str, str]) -> int:
        seen.append(headers["X-Sinergi-Signature"])
        assert headers["X-Sinergi-Signature"] == webhooks.sign(
            new.secret, headers["X-Sinergi-Timestamp"], body
        )
        return 200

    monkeypatch.setattr(webhooks, "post", fake)
    webhooks.deliver_due(now=at(2026, 12, 7, 10))
    assert len(seen) == 1
    entry = AuditEntry.objects.filter(action="webhook.rotate_secret").latest("seq")
    assert new.secret not in str(entry.after) and old not in str(entry.before)


def test_redeliver_a_failed_event(monkeypatch: Any) -> None:
    hook = _hook()
    _event()
    row = WebhookDelivery.objects.get(webhook=hook)
    row.status, row.attempts, row.next_attempt_at = "failed", webhooks.MAX_ATTEMPTS, None
    row.save()
    with pytest.raises(Forbidden):
        nservices.delivery_retry(actor=user("dinkes"), delivery=row, now=at(2026, 12, 8))
    nservices.delivery_retry(actor=user("kadinkes"), delivery=row, now=at(2026, 12, 8))
    row.refresh_from_db()
    assert row.status == "pending" and row.next_attempt_at == at(2026, 12, 8)
    monkeypatch.setattr(webhooks, "post", lambda url, body, headers: 204)
    assert webhooks.deliver_due(now=at(2026, 12, 8, 9, 1))["delivered"] == 1
    row.refresh_from_db()
    with pytest.raises(ValidationFailed):  # delivered stays delivered
        nservices.delivery_retry(actor=user("kadinkes"), delivery=row, now=at(2026, 12, 8))


def test_ui_add_see_secret_once_log_and_retry(client_as: Any) -> None:
    head = client_as("kadinkes")
    page = head.post(
        "/notifikasi/webhook/", {"agency": "dinkes-sanggau", "url": "https://dinkes.example/h"}
    )
    assert page.status_code == 200
    hook = Webhook.objects.get(url="https://dinkes.example/h")
    assert hook.secret in page.content.decode()
    assert hook.secret not in head.get("/notifikasi/webhook/").content.decode()
    refused = head.post("/notifikasi/webhook/", {"agency": "dinkes-sanggau", "url": "ftp://x"})
    assert refused.status_code == 400
    _event()
    detail = head.get(f"/notifikasi/webhook/{hook.pk}/").content.decode()
    assert "coordination.request.submitted" in detail and hook.secret not in detail
    row = WebhookDelivery.objects.get(webhook=hook)
    assert head.post(f"/notifikasi/webhook/{hook.pk}/kirim/{row.pk}/").status_code == 302
    rotated = head.post(f"/notifikasi/webhook/{hook.pk}/rahasia/")
    hook.refresh_from_db()
    assert hook.secret in rotated.content.decode()
    assert head.post(f"/notifikasi/webhook/{hook.pk}/aktif/", {"active": "0"}).status_code == 302
    hook.refresh_from_db()
    assert not hook.is_active
    assert head.post(f"/notifikasi/webhook/{hook.pk}/hapus/").status_code == 302
    assert not Webhook.objects.filter(pk=hook.pk).exists()


def test_api_manage(api_as: Any, now: dt.datetime) -> None:
    head = api_as("kadinkes")
    made = head.post(
        "/api/v1/notifications/webhooks", {"agency": "dinkes-sanggau", "url": "https://x.example/h"}
    ).json()
    hid = made["id"]
    off = head.patch(f"/api/v1/notifications/webhooks/{hid}", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    rotated = head.post(f"/api/v1/notifications/webhooks/{hid}/rotate-secret", {}).json()
    assert rotated["secret"] != made["secret"]
    bad = head.post(
        "/api/v1/notifications/webhooks", {"agency": "dinkes-sanggau", "url": "http://10.0.0.1/"}
    )
    assert bad.status_code in (201, 422)  # private addresses are allowed outside production
