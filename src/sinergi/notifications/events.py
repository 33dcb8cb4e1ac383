"""The one event path: :func:`events_emit`.

A domain app registers each of its events once (:func:`register`, usually in its
``events.py`` imported by ``AppConfig.ready``) with the event's category, its payload
schema and how to build the payload, the title, the link and the default audience.
Services call ``events_emit(event, obj, actor=..., now=...)`` inside their transaction,
which writes, in that same transaction:

- one inbox row (``Notification``) per user of the audience;
- an email for those whose preference for the category is "email now" (queued in the
  outbox, sent after the commit);
- one ``WebhookDelivery`` per active webhook of the agencies concerned, with the payload
  the schema describes (docs/events.md);
- for urgent events, one channel message (WhatsApp, SMS) per person who enabled it.

So the notifications and deliveries exist exactly when the change does: a rolled-back
transaction leaves none. The digest picks up categories a user moved to the daily digest.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from . import audiences as aud
from .models import Delivery, EmailPreference, Notification
from .outbox import Attachment, build_email, queue
from .webhooks import enqueue, enqueue_channel

Builder = Callable[[Any], Any]


@dataclass(frozen=True)
class Category:
    """A kind of notification a user chooses how to receive."""

    key: str
    label: Any
    module: str
    #: The ``EmailPreference`` boolean the category was stored in before ``delivery``.
    legacy_field: str = ""


@dataclass(frozen=True)
class EventType:
    """One registered event ``<module>.<entity>.<verb>``."""

    name: str
    category: str
    #: JSON schema of the payload's own fields (besides ``event``, ``version``, ``at``).
    schema: dict[str, Any]
    payload: Builder
    title: Builder
    url: Builder
    audience: Builder | None = None
    #: The agencies whose webhooks receive the event (default: those of the audience).
    agencies: Builder | None = None
    version: int = 1
    #: Urgent events reach every channel the recipient enabled, whatever the category's
    #: delivery (CITO blood requests).
    urgent: bool = False
    #: Always emailed, whatever the preference (escalations up the chain).
    always_email: bool = False
    description: Any = ""
    kind: str = ""

    @property
    def module(self) -> str:
        """The module part of the name."""
        return self.name.split(".", 1)[0]


EVENTS: dict[str, EventType] = {}
CATEGORIES: dict[str, Category] = {}


def register_category(category: Category) -> Category:
    """Make a category known (its label shows on the preferences page)."""
    CATEGORIES[category.key] = category
    return category


def register(event: EventType) -> EventType:
    """Make an event known; a name is registered once and follows ``module.entity.verb``."""
    parts = event.name.split(".")
    if len(parts) != 3 or not all(parts):
        raise ValueError(f"event name {event.name!r} is not <module>.<entity>.<verb>")
    if event.name in EVENTS:
        raise ValueError(f"event {event.name!r} registered twice")
    if event.category not in CATEGORIES:
        raise ValueError(f"event {event.name!r}: unknown category {event.category!r}")
    EVENTS[event.name] = event
    return event


def envelope_schema(event: EventType) -> dict[str, Any]:
    """The full JSON schema (draft 2020-12) of the webhook payload of an event."""
    own = event.schema
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://sinergi.invalid/schemas/events/{event.name}.v{event.version}.json",
        "title": event.name,
        "description": event.description,
        "type": "object",
        "required": ["event", "version", "at", *own.get("required", [])],
        "properties": {
            "event": {"const": event.name},
            "version": {"const": event.version},
            "at": {"type": "string", "format": "date-time"},
            **own.get("properties", {}),
        },
        "additionalProperties": False,
    }


def delivery_for(pref: EmailPreference | None, category: str) -> str:
    """How the user receives this category: ``inbox``, ``email`` or ``digest``."""
    if pref is None:
        return Delivery.EMAIL
    chosen = (pref.delivery or {}).get(category)
    if chosen in Delivery.values:
        return str(chosen)
    known = CATEGORIES.get(category)
    if known and known.legacy_field:
        return Delivery.EMAIL if getattr(pref, known.legacy_field) else Delivery.INBOX
    return Delivery.EMAIL


@dataclass
class Emitted:
    """What one ``events_emit`` wrote (for tests and callers that report it)."""

    event: str
    notified: list[Any] = field(default_factory=list)
    emails: int = 0
    webhooks: int = 0
    channels: int = 0


def events_emit(
    event: str,
    obj: Any,
    *,
    actor: Any,
    now: dt.datetime,
    audience: aud.Audience | Iterable[Any] | None = None,
    title: str | None = None,
    body: str = "",
    url: str | None = None,
    extra: dict[str, Any] | None = None,
    kind: str | None = None,
    attachments: Iterable[Attachment] = (),
    agencies: Iterable[Any] | None = None,
    once: str = "",
) -> Emitted:
    """Tell everyone concerned that ``event`` happened to ``obj`` — call inside the
    service's transaction.

    ``audience`` overrides the event's default audience; ``title``, ``body``, ``url`` and
    ``extra`` (merged into the payload) let the caller say more than the registered
    builders; ``agencies`` overrides whose webhooks hear of it. ``once`` (a key) tells the
    event only the first time it is emitted with that key (a tick that finds the same late
    item again). ``actor`` is who caused the event (never alerted on a channel about it).
    """
    spec = EVENTS.get(event)
    if spec is None:
        raise KeyError(f"unknown event {event!r}: register it first")
    if once and not _first_time(f"{event}:{once}", now):
        return Emitted(event=event)
    if audience is None:
        audience = spec.audience(obj) if spec.audience else aud.NOBODY
    if not isinstance(audience, aud.Audience):
        audience = aud.users(*audience)
    recipients = aud.resolve(audience)
    heading = (title if title is not None else str(spec.title(obj)))[:250]
    link = (url if url is not None else str(spec.url(obj) or ""))[:300]
    done = Emitted(event=event, notified=recipients)
    short = kind or spec.kind or event.rsplit(".", 1)[1]
    object_type = f"{obj._meta.app_label}.{obj._meta.model_name}" if hasattr(obj, "_meta") else ""
    Notification.objects.bulk_create(
        [
            Notification(
                user=u,
                event=event,
                module=spec.module,
                kind=short[:20],
                category=spec.category,
                title=heading,
                url=link,
                object_type=object_type,
                object_id=str(getattr(obj, "pk", "") or ""),
                urgent=spec.urgent,
                created_at=now,
            )
            for u in recipients
        ]
    )
    prefs = {
        p.user_id: p for p in EmailPreference.objects.filter(user_id__in=[u.pk for u in recipients])
    }
    files = list(attachments)
    messages = []
    for u in recipients:
        pref = prefs.get(u.pk)
        mode = delivery_for(pref, spec.category)
        if u.email and (mode == Delivery.EMAIL or spec.always_email or spec.urgent):
            text = body or heading
            if link and link not in text:
                text = f"{text}\n\n{link}"
            messages.append(
                build_email(
                    to=u.email, subject=f"[Sinergi] {heading}", body=text, attachments=files
                )
            )
        # The actor is not alerted on their phone about what they just did themselves.
        if spec.urgent and pref is not None and pref.phone and u.pk != getattr(actor, "pk", None):
            done.channels += _channels(spec, obj, pref, link, now)
    if messages:
        queue(messages, now=now)
    done.emails = len(messages)
    hooks = list(agencies) if agencies is not None else _agencies_of(spec, obj, audience)
    payload = {**spec.payload(obj), **(extra or {})}
    payload = {"version": spec.version, **payload}
    done.webhooks = enqueue(event=event, agencies=hooks, payload=payload, now=now)
    return done


def _first_time(key: str, now: dt.datetime) -> bool:
    """Claim a told-once key (False when it was told before)."""
    from django.db import IntegrityError, transaction

    from .models import EmittedOnce

    try:
        with transaction.atomic():
            EmittedOnce.objects.create(key=key[:150], created_at=now)
    except IntegrityError:
        return False
    return True


def _agencies_of(spec: EventType, obj: Any, audience: aud.Audience) -> list[Any]:
    if spec.agencies is not None:
        return list(spec.agencies(obj))
    from sinergi.agencies.models import Agency

    return list(Agency.objects.filter(pk__in=audience.agency_ids))


def _channels(spec: EventType, obj: Any, pref: EmailPreference, link: str, now: dt.datetime) -> int:
    """Queue the short Indonesian text of an urgent event on the person's channels."""
    with translation.override("id"):
        text = str(spec.title(obj))
        if link:
            text = f"{text} {link}"
    sent = 0
    for channel in ("whatsapp", "sms"):
        if getattr(pref, channel):
            sent += enqueue_channel(
                channel=channel,
                to=pref.phone,
                text=f"Sinergi: {text}",
                source={"source_event": spec.name, "url": link},
                now=now,
            )
    return sent


# The four categories the email preferences had from the start (their booleans live on
# ``EmailPreference``): general enough for every module (a plan proposal is new work for
# the coordinator, its decision a status change for the proposer).
for _key, _label in (
    ("new_requests", _("New requests and proposals to my agency")),
    ("status_changes", _("Status changes and messages on my agency's requests")),
    ("escalations", _("Reminders and escalations")),
    ("meetings", _("Meeting invitations and minutes")),
):
    register_category(Category(_key, _label, "coordination", legacy_field=_key))


def label_of(event: str) -> str:
    """A readable module name for the filters of /notifikasi/."""
    return str(MODULE_LABELS.get(event, event))


MODULE_LABELS: dict[str, Any] = {
    "coordination": _("Requests and meetings"),
    "programs": _("Programs"),
    "blood": _("Blood"),
    "catalog": _("Data"),
}
