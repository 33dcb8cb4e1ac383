"""Outgoing webhooks of an agency and their deliveries."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.audit import audit_record
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from ..models import Request, Webhook, WebhookDelivery


def request_payload(request: Request) -> dict[str, Any]:
    """What a webhook receives about a request (no personal data)."""
    return {
        "request": {
            "id": request.pk,
            "from_agency": request.from_agency.slug,
            "to_agency": request.to_agency.slug,
            "kind": request.kind,
            "status": request.status,
            "subject": request.subject,
            "due_date": request.due_date.isoformat(),
            "escalation_level": request.escalation_level,
        }
    }


def _emit(event: str, request: Request, now: dt.datetime, **extra: Any) -> None:
    from ..webhooks import enqueue

    enqueue(
        event=event,
        agencies=[request.from_agency, request.to_agency, *request.previous_handlers.all()],
        payload={**request_payload(request), **extra},
        now=now,
    )


@transaction.atomic
def webhook_create(*, actor: Any, agency: Agency | str, url: str, now: dt.datetime) -> Webhook:
    """Register an agency's webhook; its secret is shown once, to sign deliveries."""
    import secrets

    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    target = agency_from_slug(agency, "agency")
    ensure_can(actor, "webhook.manage", target)
    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationFailed(fields={"url": [_("Enter an http or https URL.")]}) from exc
    if len(url) > 500:
        raise ValidationFailed(fields={"url": [_("At most %(n)d characters.") % {"n": 500}]})
    from ..webhooks import UnsafeDestination, check_url

    try:
        # A name that does not resolve yet is accepted; every delivery checks again.
        check_url(url, must_resolve=False)
    except UnsafeDestination as exc:
        raise ValidationFailed(fields={"url": [str(exc)]}) from exc
    hook = Webhook.objects.create(
        agency=target, url=url, secret=secrets.token_hex(32), is_active=True, created_at=now
    )
    audit_record(
        actor=actor,
        action="webhook.create",
        obj=hook,
        after={"agency": target.slug, "url": url},
        now=now,
    )
    return hook


@transaction.atomic
def webhook_delete(*, actor: Any, webhook: Webhook, now: dt.datetime) -> None:
    """Remove a webhook and its delivery log."""
    ensure_can(actor, "webhook.manage", webhook.agency)
    audit_record(
        actor=actor,
        action="webhook.delete",
        obj=webhook,
        before={"agency": webhook.agency.slug, "url": webhook.url},
        after={},
        now=now,
    )
    webhook.delete()


def _hook_state(webhook: Webhook) -> dict[str, Any]:
    # Never the secret: the audit chain is read by more people than the agency head.
    return {"agency": webhook.agency.slug, "url": webhook.url, "is_active": webhook.is_active}


@transaction.atomic
def webhook_set_active(*, actor: Any, webhook: Webhook, active: bool, now: dt.datetime) -> Webhook:
    """Disable a webhook (events are no longer queued for it) or enable it again."""
    ensure_can(actor, "webhook.manage", webhook.agency)
    if webhook.is_active != bool(active):
        before = _hook_state(webhook)
        webhook.is_active = bool(active)
        webhook.save(update_fields=["is_active"])
        audit_record(
            actor=actor,
            action="webhook.enable" if active else "webhook.disable",
            obj=webhook,
            before=before,
            after=_hook_state(webhook),
            now=now,
        )
    return webhook


@transaction.atomic
def webhook_rotate_secret(*, actor: Any, webhook: Webhook, now: dt.datetime) -> Webhook:
    """Give a webhook a new signing secret (returned on the object, shown once); events
    still waiting are signed with the new one."""
    import secrets

    ensure_can(actor, "webhook.manage", webhook.agency)
    webhook.secret = secrets.token_hex(32)
    webhook.save(update_fields=["secret"])
    audit_record(
        actor=actor,
        action="webhook.rotate_secret",
        obj=webhook,
        before={"secret": "(previous)"},
        after={"secret": "(new, not recorded)"},
        now=now,
    )
    return webhook


@transaction.atomic
def delivery_retry(*, actor: Any, delivery: WebhookDelivery, now: dt.datetime) -> WebhookDelivery:
    """Send a pending or failed event again at the next tick (a delivered one stays)."""
    from ..webhooks import MAX_ATTEMPTS

    ensure_can(actor, "webhook.manage", delivery.webhook.agency)
    row = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if row.status == "delivered":
        raise ValidationFailed(fields={"delivery": [_("This event was already delivered.")]})
    if not delivery.webhook.is_active:
        raise ValidationFailed(fields={"delivery": [_("Enable the webhook first.")]})
    before = {"status": row.status, "next_attempt_at": row.next_attempt_at}
    row.status = "pending"
    row.next_attempt_at = now
    if row.attempts >= MAX_ATTEMPTS:
        # A manual retry gives the event one more attempt before it is marked failed.
        row.attempts = MAX_ATTEMPTS - 1
    row.save(update_fields=["status", "next_attempt_at", "attempts"])
    audit_record(
        actor=actor,
        action="webhook.redeliver",
        object_type="coordination.webhookdelivery",
        object_id=str(row.pk),
        before=before,
        after={"status": row.status, "next_attempt_at": now, "event": row.event},
        region=delivery.webhook.audit_region,
        now=now,
    )
    return row
