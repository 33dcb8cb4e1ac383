"""Webhook URLs never reach private networks (SSRF): checked when the webhook is created
and again, with a fresh lookup, at each delivery; redirects are never followed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import SYSTEM
from sinergi.notifications import services as nservices
from sinergi.notifications import webhooks
from sinergi.notifications.models import WebhookDelivery

from .helpers import at, submit

pytestmark = pytest.mark.django_db

REFUSED = [
    "http://127.0.0.1/hook",
    "http://127.1.2.3:8080/hook",
    "http://10.0.0.5/hook",
    "http://172.16.3.4/hook",
    "http://192.168.1.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://100.64.0.1/hook",
    "http://0.0.0.0/hook",
    "http://224.0.0.1/hook",
    "http://240.0.0.1/hook",
    "http://[::1]/hook",
    "http://[fe80::1]/hook",
    "http://[fd12:3456::1]/hook",
    "http://[::ffff:127.0.0.1]/hook",
    "http://localhost:8000/hook",
    "http://metadata.google.internal/computeMetadata/",
]


@pytest.fixture
def strict(settings: Any) -> None:
    """Production behaviour: private addresses refused."""
    settings.SINERGI_WEBHOOK_ALLOW_PRIVATE = False


def _create(url: str) -> Any:
    return nservices.webhook_create(
        actor=SYSTEM, agency="kantah-sanggau", url=url, now=at(2026, 12, 1)
    )


@pytest.mark.parametrize("url", REFUSED)
def test_private_addresses_are_refused_on_create(strict: None, url: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        _create(url)
    assert "url" in err.value.fields


@pytest.mark.parametrize(
    "url", ["ftp://bpn.example/x", "http://user:secret@bpn.example/x", "javascript:alert(1)"]
)
def test_only_plain_http_urls(strict: None, url: str) -> None:
    with pytest.raises(ValidationFailed):
        _create(url)


def test_names_are_resolved_on_create(strict: None, monkeypatch: Any) -> None:
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["203.0.113.9", "10.1.2.3"])
    with pytest.raises(ValidationFailed):
        _create("https://sneaky.example/hook")
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    assert _create("https://bpn.example/hook").pk


def test_refused_at_delivery_when_the_name_now_points_inside(
    strict: None, monkeypatch: Any
) -> None:
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["93.184.216.34"])
    hook = _create("https://bpn.example/hook")
    submit(now=at(2026, 12, 7))
    monkeypatch.setattr(webhooks, "resolve", lambda host, port: ["127.0.0.1"])
    connected: list[Any] = []
    monkeypatch.setattr(webhooks.socket, "create_connection", lambda *a, **k: connected.append(a))
    assert webhooks.deliver_due(now=at(2026, 12, 7))["failed"] == 1
    row = WebhookDelivery.objects.get(webhook=hook)
    assert row.status == "failed" and row.attempts == 1 and "metadata" in row.last_error
    assert connected == []


def test_metadata_refused_even_when_private_is_allowed(settings: Any) -> None:
    settings.SINERGI_WEBHOOK_ALLOW_PRIVATE = True
    with pytest.raises(ValidationFailed):
        _create("http://169.254.169.254/latest/")
    assert _create("http://127.0.0.1:9/hook").pk


class _Receiver(BaseHTTPRequestHandler):
    answers: list[int] = []
    seen: list[tuple[str, dict[str, str], bytes]] = []

    def do_POST(self) -> None:  # noqa: N802 - the http.server API
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, dict(self.headers), body))
        code = self.answers.pop(0)
        self.send_response(code)
        if 300 <= code < 400:
            self.send_header("Location", "http://169.254.169.254/latest/")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[str, type[_Receiver]]]:
    handler = type("Receiver", (_Receiver,), {"answers": [], "seen": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/sinergi?x=1", handler
    finally:
        server.shutdown()
        server.server_close()


def test_local_receiver_when_allowed_and_no_redirects(
    settings: Any, receiver: tuple[str, type[_Receiver]]
) -> None:
    settings.SINERGI_WEBHOOK_ALLOW_PRIVATE = True
    url, handler = receiver
    hook = _create(url)
    handler.answers[:] = [302, 204]
    t0 = at(2026, 12, 7)
    submit(now=t0)
    webhooks.deliver_due(now=t0)
    row = WebhookDelivery.objects.get(webhook=hook)
    assert (row.status, row.last_status_code) == ("pending", 302)
    assert "redirect" in row.last_error
    assert len(handler.seen) == 1  # the redirect target was not called
    webhooks.deliver_due(now=row.next_attempt_at)
    row.refresh_from_db()
    assert row.status == "delivered"
    path, headers, body = handler.seen[-1]
    assert path == "/sinergi?x=1"
    stamp = headers["X-Sinergi-Timestamp"]
    assert headers["X-Sinergi-Signature"] == webhooks.sign(hook.secret, stamp, body)


def test_local_receiver_refused_in_production(
    strict: None, receiver: tuple[str, type[_Receiver]], settings: Any
) -> None:
    url, handler = receiver
    settings.SINERGI_WEBHOOK_ALLOW_PRIVATE = True
    hook = _create(url)  # registered while allowed, delivered while not
    settings.SINERGI_WEBHOOK_ALLOW_PRIVATE = False
    submit(now=at(2026, 12, 7))
    webhooks.deliver_due(now=at(2026, 12, 7))
    assert WebhookDelivery.objects.get(webhook=hook).status == "failed"
    assert handler.seen == []


def test_api_refuses_metadata_url(api_as: Any) -> None:
    made = api_as("kadinkes").post(
        "/api/v1/notifications/webhooks",
        {"agency": "dinkes-sanggau", "url": "http://169.254.169.254/latest/"},
    )
    assert made.status_code == 422 and "url" in made.json()["fields"]
