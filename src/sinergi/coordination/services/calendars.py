"""The working calendar: local holidays of a region."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.regions.models import Region

from ..calendars import forget_calendars
from ..models import LocalHoliday
from .common import _region, _text


@transaction.atomic
def holiday_add(
    *, actor: Any, region: Region | str, date: dt.date, name: str, now: dt.datetime
) -> LocalHoliday:
    """Add a local holiday to a region's calendar (clocks started later count it)."""
    reg = _region(region)
    ensure_can(actor, "calendar.manage", reg)
    name = _text(name, "name", max_length=200)
    if LocalHoliday.objects.filter(region=reg, date=date).exists():
        raise ValidationFailed(fields={"date": [_("This day is already a local holiday.")]})
    holiday = LocalHoliday.objects.create(region=reg, date=date, name=name)
    audit_record(actor=actor, action="holiday.add", obj=holiday, now=now)
    transaction.on_commit(forget_calendars)
    forget_calendars()
    return holiday


@transaction.atomic
def holiday_remove(*, actor: Any, holiday: LocalHoliday, now: dt.datetime) -> None:
    """Take a local holiday off a region's calendar."""
    ensure_can(actor, "calendar.manage", holiday.region)
    before = snapshot(holiday)
    audit_record(
        actor=actor, action="holiday.remove", obj=holiday, before=before, after={}, now=now
    )
    holiday.delete()
    transaction.on_commit(forget_calendars)
    forget_calendars()
