"""Webhooks: events written in the transaction of the change, delivered by the tick with
an HMAC-SHA256 signature, retried with exponential backoff, logged per attempt."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from typing import Any

from django.db import transaction

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
    hooks = list(Webhook.objects.filter(agency_id__in=ids, is_active=True))
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


def post(url: str, body: bytes, headers: dict[str, str]) -> int:
    """POST the body; the HTTP status (an exception when the endpoint cannot be reached)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, checked when the webhook is created
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - same
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


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
        try:
            code = post(row.webhook.url, body, headers)
        except Exception as exc:  # an endpoint that is down is retried, never raised
            error = f"{type(exc).__name__}: {exc}"[:300]
        row.attempts += 1
        row.last_status_code = code
        row.last_error = error if code is None else ("" if 200 <= code < 300 else f"HTTP {code}")
        if code is not None and 200 <= code < 300:
            row.status = "delivered"
            row.delivered_at = now
            row.next_attempt_at = None
            sent += 1
        elif row.attempts >= MAX_ATTEMPTS:
            row.status = "failed"
            row.next_attempt_at = None
            failed += 1
        else:
            row.next_attempt_at = now + backoff(row.attempts)
        with transaction.atomic():
            row.save()
    return {"due": len(due), "delivered": sent, "failed": failed}


@tick_job("coordination.webhooks")
def webhooks_tick(now: dt.datetime) -> dict[str, Any]:
    """Deliver due webhook events."""
    return deliver_due(now=now)
