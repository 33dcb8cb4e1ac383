"""Writes of notifications: mark read, preferences (delivery per category, channels),
agency webhooks and channel gateways. Every write is permission-checked and audited."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.core.audit import audit_record
from sinergi.core.exceptions import NotFound, ValidationFailed
from sinergi.core.permissions import ensure_can

from .events import CATEGORIES
from .models import Channel, Delivery, EmailPreference, Notification, Webhook, WebhookDelivery

# --- the inbox -----------------------------------------------------------------------


def notification_mark_read(
    *, actor: Any, now: dt.datetime, notification_id: int | None = None, module: str = ""
) -> int:
    """Mark one of the actor's notifications read, or all of them (of one module); the
    number of rows that changed. Not audited: reading one's own inbox changes nothing
    anybody else sees."""
    rows = Notification.objects.visible_to(actor).filter(read_at__isnull=True)
    if notification_id is not None:
        if not Notification.objects.visible_to(actor).filter(pk=notification_id).exists():
            raise NotFound()
        rows = rows.filter(pk=notification_id)
    if module:
        rows = rows.filter(module=module)
    return rows.update(read_at=now)


# --- preferences ---------------------------------------------------------------------

PREFERENCE_FIELDS = ("new_requests", "status_changes", "escalations", "meetings", "daily_digest")
CHANNEL_FIELDS = ("phone", "whatsapp", "sms")
_PHONE_CHARS = re.compile(r"[\s\-().]")


def phone_normalise(value: str) -> str:
    """An Indonesian mobile number as ``+628…`` (from ``08…``, ``628…``, ``+628…``);
    ``ValidationFailed`` for anything else."""
    raw = _PHONE_CHARS.sub("", value or "")
    if raw.startswith("+62"):
        rest = raw[3:]
    elif raw.startswith("62"):
        rest = raw[2:]
    elif raw.startswith("0"):
        rest = raw[1:]
    else:
        rest = ""
    if not re.fullmatch(r"8\d{7,11}", rest):
        raise ValidationFailed(
            fields={
                "phone": [
                    _(
                        "Enter an Indonesian mobile number, e.g. 0812 3456 7890 or "
                        "+62 812 3456 7890."
                    )
                ]
            }
        )
    return "+62" + rest


def email_preferences(user: Any) -> EmailPreference:
    """The user's preferences (every email on when never set)."""
    found = EmailPreference.objects.filter(user=user).first()
    return found or EmailPreference(user=user)


def _state(pref: EmailPreference) -> dict[str, Any]:
    return {
        **{f: getattr(pref, f) for f in PREFERENCE_FIELDS},
        "delivery": dict(pref.delivery or {}),
        # The number itself is personal data: the audit chain says only whether it is set.
        "phone": bool(pref.phone),
        "whatsapp": pref.whatsapp,
        "sms": pref.sms,
    }


@transaction.atomic
def email_preferences_set(
    *,
    actor: Any,
    now: dt.datetime,
    delivery: dict[str, str] | None = None,
    phone: str | None = None,
    whatsapp: bool | None = None,
    sms: bool | None = None,
    **choices: bool,
) -> EmailPreference:
    """Choose how the actor receives each category (inbox only, email now, daily digest),
    the daily digest, and the WhatsApp/SMS channels for urgent alerts (with an Indonesian
    mobile number). The inbox always keeps every notification; escalations up the chain
    are always emailed."""
    if getattr(actor, "pk", None) is None:
        raise ValidationFailed(fields={"user": [_("Email preferences belong to a person.")]})
    unknown = set(choices) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    errors: dict[str, list[str]] = {}
    for key, value in (delivery or {}).items():
        if key not in CATEGORIES or value not in Delivery.values:
            errors[f"delivery.{key}"[:60]] = [_("Choose one of the allowed values.")]
    if errors:
        raise ValidationFailed(fields=errors)
    pref = EmailPreference.objects.select_for_update().filter(user=actor).first()
    before = _state(pref) if pref else None
    if pref is None:
        pref = EmailPreference(user=actor)
    for field, chosen in choices.items():
        setattr(pref, field, bool(chosen))
    if delivery:
        pref.delivery = {**(pref.delivery or {}), **delivery}
        for key, value in delivery.items():
            legacy = CATEGORIES[key].legacy_field
            if legacy:  # the old boolean says the same, for readers of the old field
                setattr(pref, legacy, value == Delivery.EMAIL)
        for field in PREFERENCE_FIELDS:
            if field in choices and field != "daily_digest":  # an explicit boolean wins
                pref.delivery.pop(field, None)
    if phone is not None:
        pref.phone = phone_normalise(phone) if phone.strip() else ""
    if whatsapp is not None:
        pref.whatsapp = bool(whatsapp)
    if sms is not None:
        pref.sms = bool(sms)
    if (pref.whatsapp or pref.sms) and not pref.phone:
        raise ValidationFailed(
            fields={"phone": [_("Give your mobile number to receive WhatsApp or SMS alerts.")]}
        )
    pref.updated_at = now
    pref.save()
    audit_record(
        actor=actor,
        action="email_preferences.set",
        object_type="notifications.emailpreference",
        object_id=str(pref.pk),
        before=before,
        after=_state(pref),
        now=now,
    )
    return pref


# --- webhooks ------------------------------------------------------------------------


def _agency(value: Agency | str, field: str) -> Agency:
    if isinstance(value, Agency):
        agency = value
    else:
        found = Agency.objects.select_related("region").filter(slug=str(value)[:100]).first()
        if found is None:
            raise ValidationFailed(fields={field: [_("Unknown agency.")]})
        agency = found
    if not agency.is_active:
        raise ValidationFailed(fields={field: [_("This agency is not active.")]})
    return agency


def _checked_url(url: str) -> str:
    from .webhooks import UnsafeDestination, check_url

    url = (url or "").strip()
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError as exc:
        raise ValidationFailed(fields={"url": [_("Enter an http or https URL.")]}) from exc
    if len(url) > 500:
        raise ValidationFailed(fields={"url": [_("At most %(n)d characters.") % {"n": 500}]})
    try:
        # A name that does not resolve yet is accepted; every delivery checks again.
        check_url(url, must_resolve=False)
    except UnsafeDestination as exc:
        raise ValidationFailed(fields={"url": [str(exc)]}) from exc
    return url


def _can_manage(actor: Any, webhook: Webhook) -> None:
    if webhook.channel:
        ensure_can(actor, "channel.manage", webhook)
    else:
        ensure_can(actor, "webhook.manage", webhook.agency)


@transaction.atomic
def webhook_create(*, actor: Any, agency: Agency | str, url: str, now: dt.datetime) -> Webhook:
    """Register an agency's webhook; its secret is shown once, to sign deliveries."""
    target = _agency(agency, "agency")
    ensure_can(actor, "webhook.manage", target)
    url = _checked_url(url)
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
def channel_create(*, actor: Any, channel: str, url: str, now: dt.datetime) -> Webhook:
    """Register a WhatsApp or SMS gateway (platform administrators): it receives one signed
    message per recipient of an urgent alert, for an adapter to deliver."""
    ensure_can(actor, "channel.manage", None)
    if channel not in (Channel.WHATSAPP, Channel.SMS):
        raise ValidationFailed(fields={"channel": [_("Choose one of the allowed values.")]})
    url = _checked_url(url)
    hook = Webhook.objects.create(
        channel=channel, url=url, secret=secrets.token_hex(32), is_active=True, created_at=now
    )
    audit_record(
        actor=actor,
        action="channel.create",
        obj=hook,
        after={"channel": channel, "url": url},
        now=now,
    )
    return hook


@transaction.atomic
def webhook_delete(*, actor: Any, webhook: Webhook, now: dt.datetime) -> None:
    """Remove a webhook and its delivery log."""
    _can_manage(actor, webhook)
    audit_record(
        actor=actor,
        action="webhook.delete",
        obj=webhook,
        before=_hook_state(webhook),
        after={},
        now=now,
    )
    webhook.delete()


def _hook_state(webhook: Webhook) -> dict[str, Any]:
    # Never the secret: the audit chain is read by more people than the agency head.
    return {
        "agency": webhook.agency.slug if webhook.agency else "",
        "channel": webhook.channel,
        "url": webhook.url,
        "is_active": webhook.is_active,
    }


@transaction.atomic
def webhook_set_active(*, actor: Any, webhook: Webhook, active: bool, now: dt.datetime) -> Webhook:
    """Disable a webhook (events are no longer queued for it) or enable it again."""
    _can_manage(actor, webhook)
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
    _can_manage(actor, webhook)
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
    from .webhooks import MAX_ATTEMPTS

    _can_manage(actor, delivery.webhook)
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
        object_type="notifications.webhookdelivery",
        object_id=str(row.pk),
        before=before,
        after={"status": row.status, "next_attempt_at": now, "event": row.event},
        region=delivery.webhook.audit_region,
        now=now,
    )
    return row
