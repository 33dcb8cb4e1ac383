"""Webhooks: events written in the transaction of the change, delivered by the tick with
an HMAC-SHA256 signature, retried with exponential backoff, logged per attempt.

Agency webhooks receive the events of their agency; channel webhooks (WhatsApp, SMS) are
platform gateways that receive one message per recipient (docs/events.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import http.client
import ipaddress
import json
import logging
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.tick import tick_job

from .models import Webhook, WebhookDelivery

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TIMEOUT_SECONDS = 5
BATCH = 100
LEASE = dt.timedelta(minutes=2)  # a worker that dies mid-send frees its claim after this


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The signature header value: ``sha256=`` + hex HMAC of ``<timestamp>.<body>``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def backoff(attempts: int) -> dt.timedelta:
    """Wait before the next attempt: 1, 2, 4, … minutes, at most 6 hours."""
    return min(dt.timedelta(minutes=2 ** max(attempts - 1, 0)), dt.timedelta(hours=6))


def enqueue(
    *, event: str, agencies: Iterable[Any], payload: dict[str, Any], now: dt.datetime
) -> int:
    """Queue an event for the active webhooks of the agencies (in the caller's transaction,
    so the event exists exactly when the change does)."""
    ids = {a.pk for a in agencies if a is not None}
    hooks = list(Webhook.objects.filter(agency_id__in=ids, channel="", is_active=True))
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                webhook=h,
                event=event,
                payload={"event": event, "at": now.isoformat(), **payload},
                next_attempt_at=now,
                created_at=now,
            )
            for h in hooks
        ]
    )
    return len(hooks)


def enqueue_channel(
    *, channel: str, to: str, text: str, source: dict[str, Any], now: dt.datetime
) -> int:
    """Queue one short message for a person on a channel (``whatsapp``/``sms``) to every
    active gateway of that channel; the gateway adapter delivers it."""
    hooks = list(Webhook.objects.filter(channel=channel, is_active=True))
    event = "channel.message"
    WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                webhook=h,
                event=event,
                payload={
                    "event": event,
                    "version": 1,
                    "at": now.isoformat(),
                    "channel": channel,
                    "to": to,
                    "text": text[:300],
                    **source,
                },
                next_attempt_at=now,
                created_at=now,
            )
            for h in hooks
        ]
    )
    return len(hooks)


# --- where a webhook may point (no server-side request forgery) -----------------------

#: Cloud metadata endpoints: refused even when private addresses are allowed.
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)


class UnsafeDestination(ValueError):
    """A webhook URL that may not be called (its message is shown to the user)."""


def allow_private() -> bool:
    """Whether loopback and private addresses are allowed (demo, dev and tests only)."""
    return bool(getattr(settings, "SINERGI_WEBHOOK_ALLOW_PRIVATE", False))


def address_refused(value: str) -> bool:
    """Whether an IP address may not receive webhooks: loopback, private, link-local,
    multicast, reserved, unspecified, unique-local IPv6, shared (CGNAT), documentation,
    and cloud metadata. With ``SINERGI_WEBHOOK_ALLOW_PRIVATE`` only the metadata and
    unspecified addresses stay refused."""
    ip = ipaddress.ip_address(value.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip in METADATA_ADDRESSES or ip.is_unspecified:
        return True
    if allow_private():
        return False
    return (
        not ip.is_global
        or ip.is_multicast
        or ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_reserved
    )


def resolve(host: str, port: int) -> list[str]:
    """The IP addresses a host name resolves to (tests replace this)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    # In the system's order of preference (RFC 6724), without repeats.
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def parse_url(url: str) -> tuple[str, str, int, str]:
    """Scheme, host, port and path+query of a webhook URL; ``UnsafeDestination`` when it
    is not plain http(s) without credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination(_("Enter an http or https URL.")) from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeDestination(_("Enter an http or https URL."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeDestination(_("A webhook URL may not contain a user name or password."))
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    default = 443 if parts.scheme == "https" else 80
    return parts.scheme, parts.hostname, port or default, path


def _refused() -> UnsafeDestination:
    return UnsafeDestination(
        _(
            "This address points into a private or internal network (loopback, private, "
            "link-local, multicast, reserved or metadata); webhooks may only reach public "
            "addresses."
        )
    )


def check_url(url: str, *, must_resolve: bool) -> list[str]:
    """Refuse a URL whose host is, or resolves to, an address that may not be called;
    the allowed addresses (empty when the name does not resolve and ``must_resolve`` is
    false)."""
    _scheme, host, port, _path = parse_url(url)
    name = host.rstrip(".").lower()
    if not allow_private() and (
        name == "localhost" or name.endswith((".localhost", ".internal", ".local"))
    ):
        raise _refused()
    try:
        literal = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            addresses = resolve(name, port)
        except (OSError, UnicodeError) as exc:
            if must_resolve:
                raise UnsafeDestination(
                    _("The host name %(host)s cannot be resolved.") % {"host": name}
                ) from exc
            return []
    if not addresses or any(address_refused(a) for a in addresses):
        raise _refused()
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to an address checked beforehand (no second DNS lookup to rebind)."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to an address checked beforehand, verifying the certificate of the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body to the URL after checking where it resolves, connecting to that very
    address; the HTTP status (an exception when refused or unreachable). Redirects are
    never followed: a 3xx answer is a failed attempt."""
    scheme, host, port, path = parse_url(url)
    address = check_url(url, must_resolve=True)[0]
    cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
    conn = cls(host, port, address=address, timeout=TIMEOUT_SECONDS)
    try:
        conn.request("POST", path, body=body, headers=headers)
        return int(conn.getresponse().status)
    finally:
        conn.close()


def deliver_due(*, now: dt.datetime) -> dict[str, int]:
    """Send the deliveries due by ``now``; each is claimed first so that two workers never
    send the same delivery at the same time."""
    due = list(
        WebhookDelivery.objects.filter(status="pending", next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "next_attempt_at")[:BATCH]
    )
    sent = failed = 0
    for pk, at in due:
        claimed = WebhookDelivery.objects.filter(
            pk=pk, status="pending", next_attempt_at=at
        ).update(next_attempt_at=now + LEASE)
        if not claimed:
            continue
        row = WebhookDelivery.objects.select_related("webhook").get(pk=pk)
        body = json.dumps(row.payload, sort_keys=True, separators=(",", ":")).encode()
        stamp = str(int(now.timestamp()))
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Sinergi-Webhook/1",
            "X-Sinergi-Event": row.event,
            "X-Sinergi-Delivery": str(row.pk),
            "X-Sinergi-Timestamp": stamp,
            "X-Sinergi-Signature": sign(row.webhook.secret, stamp, body),
        }
        code: int | None = None
        error = ""
        refused = False
        try:
            code = post(row.webhook.url, body, headers)
        except UnsafeDestination as exc:  # refused, not retried: it will not get better
            error = str(exc)[:300]
            refused = True
        except Exception as exc:  # an endpoint that is down is retried, never raised
            error = f"{type(exc).__name__}: {exc}"[:300]
        row.attempts += 1
        row.last_status_code = code
        if code is None:
            row.last_error = error
        elif 300 <= code < 400:
            row.last_error = f"HTTP {code} (redirects are not followed)"
        else:
            row.last_error = "" if 200 <= code < 300 else f"HTTP {code}"
        if code is not None and 200 <= code < 300:
            row.status = "delivered"
            row.delivered_at = now
            row.next_attempt_at = None
            sent += 1
        elif refused or row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            row.next_attempt_at = None
            failed += 1
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        with transaction.atomic():
            row.save()
    return {"due": len(due), "delivered": sent, "failed": failed}


@tick_job("notifications.webhooks")
def webhooks_tick(now: dt.datetime) -> dict[str, Any]:
    """Deliver due webhook events."""
    return deliver_due(now=now)
