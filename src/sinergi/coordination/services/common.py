"""Helpers shared by the coordination services: time checks, actors, text and agency
arguments, and the request event log."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import Role
from sinergi.notifications import audiences as aud
from sinergi.regions.models import Region

from ..choices import RequestStatus
from ..models import Request, RequestEvent

S = RequestStatus


SUBJECT_MAX = 200


BODY_MAX = 20000


def region_tz_default() -> Any:
    """The time zone demo and CLI moments are read in when no region is at hand."""
    from zoneinfo import ZoneInfo

    return ZoneInfo("Asia/Pontianak")


def _aware(now: dt.datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("services need an aware datetime")


def _actor_name(actor: Any) -> str:
    name = getattr(actor, "display_name", None)
    return str(name or actor.get_username())[:150]


def _actor_user(actor: Any) -> Any:
    return actor if getattr(actor, "pk", None) is not None else None


def _text(value: str, field: str, *, required: bool = True, max_length: int = BODY_MAX) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationFailed(fields={field: [_("At most %(n)d characters.") % {"n": max_length}]})
    return value


def _acting_agency(actor: Any, request: Request) -> Agency | None:
    """Which of the two agencies the actor speaks for (None: a leader, an admin, the system)."""
    from ..permissions import acts_for

    if getattr(actor, "pk", None) is None:
        return None
    if acts_for(actor, request.from_agency):
        return request.from_agency
    if acts_for(actor, request.to_agency):
        return request.to_agency
    return None


def _event(
    request: Request,
    *,
    kind: str,
    actor: Any,
    now: dt.datetime,
    agency: Agency | None = None,
    target: Agency | None = None,
    body: str = "",
    step: str = "",
) -> RequestEvent:
    return RequestEvent.objects.create(
        request=request,
        at=now,
        kind=kind,
        actor=_actor_user(actor),
        actor_name=_actor_name(actor),
        agency=agency,
        target_agency=target,
        body=body,
        step=step,
        clock_cycle=request.clock_cycle,
    )


def _region(value: Region | str) -> Region:
    if isinstance(value, Region):
        return value
    region = Region.objects.filter(code=str(value)[:20]).first()
    if region is None:
        raise ValidationFailed(fields={"region": [_("Unknown region.")]})
    return region


def _agencies(values: Iterable[Agency | str], field: str) -> list[Agency]:
    out: dict[int, Agency] = {}
    for v in values:
        a = agency_from_slug(v, field)
        out[a.pk] = a
    return list(out.values())


def agency_users(agency: Any, min_role: Role = Role.STAFF) -> list[Any]:
    """Active users with at least this role in the agency itself (an audience resolved)."""
    return aud.resolve(aud.staff_of(agency, role=min_role)) if agency is not None else []
