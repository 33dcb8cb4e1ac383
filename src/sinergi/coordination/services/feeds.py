"""Calendar feeds (ICS subscriptions) of a user's meetings."""

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

from ..models import CalendarFeed


def feed_token_hash(token: str) -> str:
    """The stored form of a feed token."""
    import hashlib

    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(
    *, actor: Any, now: dt.datetime, agency: Agency | str | None = None
) -> tuple[CalendarFeed, str]:
    """A new secret calendar address for the actor; the token is returned once."""
    import secrets

    from sinergi.agencies.selectors import role_in

    if getattr(actor, "pk", None) is None:
        raise ValidationFailed(fields={"user": [_("A calendar feed belongs to a person.")]})
    target = agency_from_slug(agency, "agency") if agency else None
    if target is not None and role_in(actor, target, inherited=False) is None:
        raise ValidationFailed(fields={"agency": [_("You are not a member of this agency.")]})
    token = secrets.token_urlsafe(32)
    feed = CalendarFeed.objects.create(
        user=actor, agency=target, token_hash=feed_token_hash(token), created_at=now
    )
    audit_record(
        actor=actor,
        action="calendar_feed.create",
        object_type="coordination.calendarfeed",
        object_id=str(feed.pk),
        after={"user": actor.pk, "agency": target.slug if target else None},
        region=target.region.code if target else "",
        now=now,
    )
    return feed, token


@transaction.atomic
def feed_revoke(*, actor: Any, feed: CalendarFeed, now: dt.datetime) -> CalendarFeed:
    """Revoke a calendar address: it answers 404 from now on."""
    ensure_can(actor, "feed.manage", feed)
    if feed.revoked_at is None:
        feed.revoked_at = now
        feed.save(update_fields=["revoked_at"])
        audit_record(
            actor=actor,
            action="calendar_feed.revoke",
            object_type="coordination.calendarfeed",
            object_id=str(feed.pk),
            after={"revoked_at": now},
            now=now,
        )
    return feed
