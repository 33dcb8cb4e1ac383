"""A user's email preferences."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record
from sinergi.core.exceptions import ValidationFailed

from ..models import EmailPreference

PREFERENCE_FIELDS = ("new_requests", "status_changes", "escalations", "meetings", "daily_digest")


def email_preferences(user: Any) -> EmailPreference:
    """The user's email preferences (every email on when never set)."""
    found = EmailPreference.objects.filter(user=user).first()
    return found or EmailPreference(user=user)


@transaction.atomic
def email_preferences_set(*, actor: Any, now: dt.datetime, **choices: bool) -> EmailPreference:
    """Choose which coordination emails the actor receives (the in-app inbox keeps every
    notification; escalations up the chain are always emailed)."""
    if getattr(actor, "pk", None) is None:
        raise ValidationFailed(fields={"user": [_("Email preferences belong to a person.")]})
    unknown = set(choices) - set(PREFERENCE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={k: [_("Unknown field.")] for k in sorted(unknown)})
    pref = EmailPreference.objects.select_for_update().filter(user=actor).first()
    before = {f: getattr(pref, f) for f in PREFERENCE_FIELDS} if pref else None
    if pref is None:
        pref = EmailPreference(user=actor)
    for field, value in choices.items():
        setattr(pref, field, bool(value))
    pref.updated_at = now
    pref.save()
    audit_record(
        actor=actor,
        action="email_preferences.set",
        object_type="coordination.emailpreference",
        object_id=str(pref.pk),
        before=before,
        after={f: getattr(pref, f) for f in PREFERENCE_FIELDS},
        now=now,
    )
    return pref
