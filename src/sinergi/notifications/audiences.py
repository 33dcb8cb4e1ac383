"""Who hears of an event, said in terms of memberships and roles, never as a list written
per module: "staff of agency X", "heads of agency X", "leaders of region R", or named
users. Audiences add up with ``+``; :func:`resolve` turns one into active users."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sinergi.core.permissions import Role


@dataclass(frozen=True)
class Audience:
    """A union of membership rules and named users."""

    #: (agency id, least role) pairs: users with at least that role in the agency itself.
    agencies: tuple[tuple[int, int], ...] = ()
    #: Region codes whose leaders (managers or higher of a government agency) hear of it.
    regions: tuple[str, ...] = ()
    user_ids: tuple[int, ...] = ()
    #: Users left out (typically the actor who caused the event).
    exclude_ids: frozenset[int] = field(default_factory=frozenset)

    def __add__(self, other: Audience) -> Audience:
        return Audience(
            agencies=self.agencies + other.agencies,
            regions=self.regions + other.regions,
            user_ids=self.user_ids + other.user_ids,
            exclude_ids=self.exclude_ids | other.exclude_ids,
        )

    def without(self, *users: Any) -> Audience:
        """The same audience without these users."""
        ids = {u.pk for u in users if getattr(u, "pk", None) is not None}
        return Audience(self.agencies, self.regions, self.user_ids, self.exclude_ids | ids)

    @property
    def agency_ids(self) -> list[int]:
        """The agencies named by the audience (their webhooks hear of the event)."""
        return list(dict.fromkeys(a for a, _role in self.agencies))


NOBODY = Audience()


def staff_of(*agencies: Any, role: Role = Role.STAFF) -> Audience:
    """Users with at least ``role`` (staff by default) in each agency itself."""
    return Audience(agencies=tuple((a.pk, int(role)) for a in agencies if a is not None))


def heads_of(*agencies: Any) -> Audience:
    """Heads (and administrators) of each agency."""
    return staff_of(*agencies, role=Role.HEAD)


def leaders_of(*region_codes: str) -> Audience:
    """Leaders of the regions: managers or higher in a government agency of the region."""
    return Audience(regions=tuple(c for c in region_codes if c))


def users(*people: Any) -> Audience:
    """Named users."""
    return Audience(user_ids=tuple(u.pk for u in people if getattr(u, "pk", None) is not None))


def resolve(audience: Audience | Iterable[Any]) -> list[Any]:
    """Active users of the audience, each once, in a stable order (an iterable of users is
    taken as named users, for callers that already know them)."""
    from sinergi.accounts.models import User
    from sinergi.agencies.choices import GOVERNMENT_KINDS
    from sinergi.agencies.models import Membership

    if not isinstance(audience, Audience):
        audience = users(*audience)
    ids: dict[int, None] = dict.fromkeys(audience.user_ids)
    wanted = dict(audience.agencies)
    for agency_id, role in audience.agencies:
        wanted[agency_id] = min(wanted[agency_id], role)
    if wanted:
        rows = Membership.objects.filter(
            agency_id__in=list(wanted), user__is_active=True
        ).values_list("agency_id", "user_id", "role")
        for agency_id, user_id, role in rows:
            if Role.of(role) >= wanted[agency_id]:
                ids[user_id] = None
    if audience.regions:
        rows = Membership.objects.filter(
            agency__kind__in=GOVERNMENT_KINDS, agency__is_active=True, user__is_active=True
        ).values_list("user_id", "role", "agency__region__code")
        for user_id, role, code in rows:
            led = any(code == c or c.startswith(code + ".") for c in audience.regions)
            if led and Role.of(role) >= Role.MANAGER:
                ids[user_id] = None
    for pk in audience.exclude_ids:
        ids.pop(pk, None)
    if not ids:
        return []
    found = {u.pk: u for u in User.objects.filter(pk__in=list(ids), is_active=True)}
    return [found[pk] for pk in ids if pk in found]
