"""Notifications API: your inbox (list, mark read), preferences and webhooks."""

from typing import Any

from ninja import Path as PathParam
from ninja import Query, Router
from ninja.pagination import paginate

from sinergi.core.api import MAX_ID, READ_ERRORS, ApiRequest, Pagination, responses
from sinergi.core.clock import now
from sinergi.core.exceptions import NotFound
from sinergi.core.permissions import get_visible_or_404

from . import services
from .context_processors import unread_count
from .models import Notification, Webhook, WebhookDelivery
from .schemas import (
    DeliveryOut,
    MarkedOut,
    MarkReadIn,
    NotificationFilters,
    NotificationOut,
    PreferencesIO,
    UnreadOut,
    WebhookCreatedOut,
    WebhookIn,
    WebhookOut,
    WebhookPatch,
)

router = Router(tags=["notifications"])

ID = PathParam(..., ge=1, le=MAX_ID)


@router.get(
    "", response=responses(list[NotificationOut], errors=READ_ERRORS), summary="Your notifications"
)
@paginate(Pagination)
def notification_list(request: ApiRequest, filters: Query[NotificationFilters]) -> Any:
    """Your notifications, newest first; filter by module and unread."""
    rows = Notification.objects.visible_to(request.auth)
    if filters.module:
        rows = rows.filter(module=filters.module)
    if filters.unread is not None:
        rows = rows.filter(read_at__isnull=filters.unread)
    return rows


@router.get("/unread", response=responses(UnreadOut, errors=READ_ERRORS), summary="Unread count")
def notification_unread(request: ApiRequest) -> Any:
    """What the bell shows: unread notifications and how many of them are urgent."""
    return unread_count(request.auth)


@router.post("/read", response=responses(MarkedOut), summary="Mark all read")
def notification_read_all(request: ApiRequest, data: MarkReadIn) -> Any:
    """Mark every notification read (or those of one module)."""
    marked = services.notification_mark_read(
        actor=request.auth, now=now(), module=data.module or ""
    )
    return {"marked": marked}


@router.post(
    "/{notification_id}/read", response=responses(NotificationOut), summary="Mark one read"
)
def notification_read(request: ApiRequest, notification_id: int = ID) -> Any:
    """Mark one of your notifications read."""
    services.notification_mark_read(actor=request.auth, now=now(), notification_id=notification_id)
    return get_visible_or_404(request.auth, Notification, pk=notification_id)


@router.get(
    "/preferences",
    response=responses(PreferencesIO, errors=READ_ERRORS),
    summary="Your notification preferences",
)
def preferences_get(request: ApiRequest) -> Any:
    """How you receive each category, the digest and the urgent-alert channels."""
    return services.email_preferences(request.auth)


@router.put("/preferences", response=responses(PreferencesIO), summary="Set preferences")
def preferences_set(request: ApiRequest, data: PreferencesIO) -> Any:
    """Choose how you receive notifications; the inbox keeps every notification."""
    return services.email_preferences_set(actor=request.auth, now=now(), **data.model_dump())


@router.get(
    "/webhooks", response=responses(list[WebhookOut], errors=READ_ERRORS), summary="Webhooks"
)
@paginate(Pagination)
def webhook_list(request: ApiRequest) -> Any:
    """Webhooks of your agencies (platform administrators: also the channel gateways)."""
    return Webhook.objects.visible_to(request.auth).select_related("agency")


@router.post("/webhooks", response=responses(WebhookCreatedOut, 201), summary="Add a webhook")
def webhook_create(request: ApiRequest, data: WebhookIn) -> Any:
    """Register an endpoint for your agency's events (agency heads). Deliveries carry
    ``X-Sinergi-Signature: sha256=HMAC(secret, timestamp + "." + body)`` and
    ``X-Sinergi-Timestamp``; failures are retried with backoff. Payloads: docs/events.md."""
    hook = services.webhook_create(actor=request.auth, now=now(), **data.model_dump())
    return 201, hook


@router.delete("/webhooks/{webhook_id}", response=responses(None, 204), summary="Remove a webhook")
def webhook_delete(request: ApiRequest, webhook_id: int = ID) -> Any:
    """Remove a webhook of your agency."""
    hook = get_visible_or_404(request.auth, Webhook, pk=webhook_id)
    services.webhook_delete(actor=request.auth, webhook=hook, now=now())
    return 204, None


@router.patch("/webhooks/{webhook_id}", response=responses(WebhookOut), summary="Enable or disable")
def webhook_update(request: ApiRequest, data: WebhookPatch, webhook_id: int = ID) -> Any:
    """Disable a webhook (no events are queued for it) or enable it again (agency heads)."""
    hook = get_visible_or_404(request.auth, Webhook, pk=webhook_id)
    return services.webhook_set_active(
        actor=request.auth, webhook=hook, active=data.is_active, now=now()
    )


@router.post(
    "/webhooks/{webhook_id}/rotate-secret",
    response=responses(WebhookCreatedOut),
    summary="New webhook secret",
)
def webhook_rotate_secret(request: ApiRequest, webhook_id: int = ID) -> Any:
    """Replace the signing secret; the new one is in this answer only."""
    hook = get_visible_or_404(request.auth, Webhook, pk=webhook_id)
    return services.webhook_rotate_secret(actor=request.auth, webhook=hook, now=now())


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/retry",
    response=responses(DeliveryOut),
    summary="Send an event again",
)
def webhook_redeliver(request: ApiRequest, webhook_id: int = ID, delivery_id: int = ID) -> Any:
    """Queue a waiting or failed event for the next tick (within a minute)."""
    hook = get_visible_or_404(request.auth, Webhook, pk=webhook_id)
    row = WebhookDelivery.objects.filter(webhook=hook, pk=delivery_id).first()
    if row is None:
        raise NotFound()
    return services.delivery_retry(actor=request.auth, delivery=row, now=now())


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response=responses(list[DeliveryOut], errors=READ_ERRORS),
    summary="A webhook's delivery log",
)
@paginate(Pagination)
def webhook_deliveries(request: ApiRequest, webhook_id: int = ID) -> Any:
    """Events sent (or still being retried) to a webhook, newest first."""
    return get_visible_or_404(request.auth, Webhook, pk=webhook_id).deliveries.all()
