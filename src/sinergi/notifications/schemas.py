"""API schemas of notifications."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from ninja import Field, Schema

SLUG = Field(..., min_length=1, max_length=100, description="agency slug")
DeliveryChoice = Literal["inbox", "email", "digest"]


class NotificationOut(Schema):
    """One notification of your inbox."""

    id: int
    event: str = Field(description="<module>.<entity>.<verb>; empty on rows from before events")
    module: str
    kind: str
    category: str
    title: str
    url: str
    urgent: bool
    created_at: dt.datetime
    read_at: dt.datetime | None


class NotificationFilters(Schema):
    """Filters of the notification list."""

    module: Literal["coordination", "programs", "blood", "catalog"] | None = None
    unread: bool | None = None


class MarkReadIn(Schema):
    """Mark every notification read, or only those of one module."""

    module: Literal["coordination", "programs", "blood", "catalog"] | None = None


class MarkedOut(Schema):
    """How many notifications were marked read."""

    marked: int


class UnreadOut(Schema):
    """What the bell shows (and how often, in seconds, the page asks again)."""

    unread: int
    urgent: int
    poll: int


class WebhookIn(Schema):
    """A new webhook of one of your agencies."""

    agency: str = SLUG
    url: str = Field(..., min_length=1, max_length=500)


class WebhookOut(Schema):
    """A webhook (its secret is shown only when it is created); ``channel`` is empty for an
    agency's event webhook, ``whatsapp`` or ``sms`` for a channel gateway."""

    id: int
    agency: str | None = Field(None, alias="agency.slug")
    channel: str
    url: str
    is_active: bool
    created_at: dt.datetime


class WebhookPatch(Schema):
    """Disable or enable a webhook."""

    is_active: bool


class WebhookCreatedOut(WebhookOut):
    """A new webhook with the secret that signs its deliveries (shown once)."""

    secret: str


class DeliveryOut(Schema):
    """One event in a webhook's delivery log."""

    id: int
    event: str
    status: str
    attempts: int
    next_attempt_at: dt.datetime | None
    last_status_code: int | None
    last_error: str
    created_at: dt.datetime
    delivered_at: dt.datetime | None


class PreferencesIO(Schema):
    """How you receive notifications: the four request categories as booleans (true = email
    now), ``delivery`` per category (``inbox``, ``email`` or ``digest``), the daily digest,
    and your mobile number with the channels for urgent alerts."""

    new_requests: bool = True
    status_changes: bool = True
    escalations: bool = True
    meetings: bool = True
    daily_digest: bool = True
    delivery: dict[str, DeliveryChoice] = Field(default_factory=dict)
    phone: str = Field("", max_length=20, description="Indonesian mobile number, +62…")
    whatsapp: bool = False
    sms: bool = False
