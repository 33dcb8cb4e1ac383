"""Webhooks: signed deliveries written with the change, retried with backoff, logged; an
endpoint that is down never loses the event and never blocks the user's action."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from typing import Any

import pytest

from sinergi.coordination import services
from sinergi.core.exceptions import Forbidden, ValidationFailed
from sinergi.core.permissions import SYSTEM
from sinergi.notifications import services as nservices
from sinergi.notifications import webhooks
from sinergi.notifications.models import WebhookDelivery

from .helpers import act, at, submit, user

pytestmark = pytest.mark.django_db


class Endpoint:
    """A fake receiver: answers from a script and checks each signature."""

    def __init__(self, secret: str, answers: list[Any]) -> None:
        self.secret = secret
        self.answers = answers
        self.calls: list[dict[str, Any]] = []

    def __call__(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        expected = hmac.new(
            self.secret.encode(),
            headers["X-Sinergi-Timestamp"].encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        assert hmac.compare_digest(headers["X-Sinergi-Signature"], "sha256=" + expected)
        self.calls.append({"event": headers["X-Sinergi-Event"], "body": json.loads(body)})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return int(answer)


def test_events_are_signed_retried_and_logged(monkeypatch: Any) -> None:
    hook = nservices.webhook_create(
        actor=SYSTEM, agency="kantah-sanggau", url="https://bpn.example/hook", now=at(2026, 12, 1)
    )
    t0 = at(2026, 12, 7)
    r = submit(now=t0)  # the endpoint is down: the user's action still succeeds
    row = WebhookDelivery.objects.get(webhook=hook)
    assert row.event == "coordination.request.submitted" and row.status == "pending"
    endpoint = Endpoint(hook.secret, [ConnectionRefusedError("down"), 500, 204])
    monkeypatch.setattr(webhooks, "post", endpoint)
    assert webhooks.deliver_due(now=t0)["delivered"] == 0
    row.refresh_from_db()
    assert (row.attempts, row.status, row.last_error[:20]) == (1, "pending", "ConnectionRefusedErr")
    assert row.next_attempt_at == t0 + dt.timedelta(minutes=1)
    assert webhooks.deliver_due(now=t0)["due"] == 0  # the same tick again sends nothing
    webhooks.deliver_due(now=t0 + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert (row.attempts, row.last_status_code) == (2, 500)
    assert row.next_attempt_at == t0 + dt.timedelta(minutes=3)
    assert webhooks.deliver_due(now=t0 + dt.timedelta(minutes=3))["delivered"] == 1
    row.refresh_from_db()
    assert row.status == "delivered" and row.attempts == 3
    assert endpoint.calls[-1]["body"]["request"]["id"] == r.pk
    assert webhooks.deliver_due(now=t0 + dt.timedelta(hours=1))["due"] == 0


def test_gives_up_after_the_last_attempt(monkeypatch: Any) -> None:
    hook = nservices.webhook_create(
        actor=SYSTEM, agency="kantah-sanggau", url="http://bpn.example/x", now=at(2026, 12, 1)
    )
    submit(now=at(2026, 12, 7))
    monkeypatch.setattr(webhooks, "post", Endpoint(hook.secret, [503] * 20))
    moment = at(2026, 12, 7)
    for _ in range(webhooks.MAX_ATTEMPTS + 3):
        webhooks.deliver_due(now=moment)
        moment += dt.timedelta(hours=7)
    row = WebhookDelivery.objects.get(webhook=hook)
    assert row.status == "failed" and row.attempts == webhooks.MAX_ATTEMPTS


def test_escalation_and_transitions_reach_the_webhooks() -> None:
    hook = nservices.webhook_create(
        actor=SYSTEM, agency="dpupr-sanggau", url="https://pupr.example/h", now=at(2026, 12, 1)
    )
    r = submit(now=at(2026, 12, 7))
    act(r, "acknowledge", "pertanahan", at(2026, 12, 8))
    services.request_apply_steps(request_id=r.pk, now=at(2026, 12, 22, 8))
    events = list(
        WebhookDelivery.objects.filter(webhook=hook).order_by("pk").values_list("event", flat=True)
    )
    assert events == [
        "coordination.request.submitted",
        "coordination.request.acknowledged",
        "coordination.request.reminder",
        "coordination.request.escalated",
    ]


def test_who_manages_webhooks(now: dt.datetime) -> None:
    with pytest.raises(Forbidden):
        nservices.webhook_create(
            actor=user("dinkes"), agency="dinkes-sanggau", url="https://x.example", now=now
        )
    hook = nservices.webhook_create(
        actor=user("kadinkes"), agency="dinkes-sanggau", url="https://x.example", now=now
    )
    assert len(hook.secret) == 64
    with pytest.raises(ValidationFailed):
        nservices.webhook_create(
            actor=user("kadinkes"), agency="dinkes-sanggau", url="file:///etc/passwd", now=now
        )


def test_api_shows_the_secret_once(api_as: Any) -> None:
    head = api_as("kadinkes")
    made = head.post(
        "/api/v1/notifications/webhooks", {"agency": "dinkes-sanggau", "url": "https://x.example/h"}
    )
    assert made.status_code == 201 and len(made.json()["secret"]) == 64
    hid = made.json()["id"]
    listed = head.get("/api/v1/notifications/webhooks").json()["items"]
    assert hid in [h["id"] for h in listed] and all("secret" not in h for h in listed)
    assert head.get(f"/api/v1/notifications/webhooks/{hid}/deliveries").status_code == 200
    assert api_as("pertanahan").delete(f"/api/v1/notifications/webhooks/{hid}").status_code == 404
    assert head.delete(f"/api/v1/notifications/webhooks/{hid}").status_code == 204
