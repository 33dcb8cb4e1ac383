"""Reads of the agencies app, including the membership facts the permission rules use."""

from __future__ import annotations

from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import Role

from .choices import GOVERNMENT_KINDS
from .models import Agency, Membership

_CACHE_ATTR = "_sinergi_memberships"


def user_memberships(user: Any) -> list[Membership]:
    """The user's memberships with their agencies, read once per user object."""
    if user is None or not user.is_authenticated:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(
            Membership.objects.filter(user=user, agency__is_active=True)
            .select_related("agency", "agency__region")
            .order_by("-is_primary", "agency__name")
        )
        setattr(user, _CACHE_ATTR, cached)
    return cached


def forget_memberships(user: Any) -> None:
    """Drop the cached memberships after they change."""
    if user is not None and hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def role_in(user: Any, agency: Agency, *, inherited: bool = True) -> Role | None:
    """The user's highest role in the agency, or through an ancestor agency when inherited."""
    ids = {agency.pk}
    if inherited:
        ids |= {a.pk for a in agency.ancestors()}
    roles = [Role.of(m.role) for m in user_memberships(user) if m.agency_id in ids]
    return max(roles) if roles else None


def leader_region_codes(user: Any) -> list[str]:
    """Regions the user leads: a manager or higher in a provincial or regency government."""
    return sorted(
        {
            m.agency.region.code
            for m in user_memberships(user)
            if m.agency.kind in GOVERNMENT_KINDS and Role.of(m.role) >= Role.MANAGER
        }
    )


def is_leader(user: Any, region_code: str | None = None) -> bool:
    """Whether the user leads any region, or the region with this code."""
    codes = leader_region_codes(user)
    if region_code is None:
        return bool(codes)
    return any(region_code == c or region_code.startswith(c + ".") for c in codes)


def audit_scope_for(user: Any) -> list[str] | None:
    """Regions whose audit entries the user reads: all for platform admins, led regions for
    leaders, none for everyone else."""
    if user.is_superuser:
        return None
    return leader_region_codes(user)


def primary_agency_slug(user: Any) -> str:
    """The agency the user acts for by default: the primary membership, else the first."""
    memberships = user_memberships(user)
    return memberships[0].agency.slug if memberships else ""


def agencies_search(
    *,
    user: Any,
    q: str = "",
    kind: str = "",
    sector: str = "",
    affair: str = "",
    region: str = "",
    parent: str = "",
    include_inactive: bool = False,
    public_only: bool = False,
) -> QuerySet[Agency]:
    """The agency directory filtered by text, kind, sector, affair, region and parent;
    ``public_only`` gives the public portal's directory (active agencies, whoever asks)."""
    if public_only:
        qs = Agency.objects.public().select_related("region", "parent")
    else:
        qs = Agency.objects.visible_to(user).select_related("region", "parent")
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if q:
        qs = qs.filter(
            Q(name__icontains=q)
            | Q(short_name__icontains=q)
            | Q(mandate__icontains=q)
            | Q(slug__icontains=q)
        )
    if kind:
        qs = qs.filter(kind=kind)
    if sector:
        qs = qs.filter(sectors__slug=sector)
    if affair:
        qs = qs.filter(affairs__code=affair)
    if region:
        qs = qs.filter(Q(region__code=region) | Q(region__code__startswith=region + "."))
    if parent:
        qs = qs.filter(parent__slug=parent)
    # No per-agency member count here: nothing shows it, and a COUNT DISTINCT over the
    # memberships of every agency was the directory's cost at national scale.
    return qs.order_by("name", "pk")


def agency_members(*, user: Any, agency: Agency) -> QuerySet[Membership]:
    """People of an agency, heads first."""
    rank = Case(
        *[When(role=r.name.lower(), then=Value(-int(r))) for r in Role], output_field=IntegerField()
    )
    return (
        Membership.objects.visible_to(user)
        .filter(agency=agency, user__is_active=True)
        .select_related("user")
        .order_by(rank, "user__username")
    )


def agency_from_slug(
    value: Agency | str, field: str, *, among: QuerySet[Agency] | None = None
) -> Agency:
    """The active agency an input names by its slug (an Agency passes through), for every
    service and API that takes an agency: an unknown slug (or one outside ``among``) and an
    inactive agency are refused on ``field`` in the user's language."""
    if isinstance(value, Agency):
        agency = value
    else:
        rows = among if among is not None else Agency.objects.all()
        found = rows.select_related("region").filter(slug=str(value)[:100]).first()
        if found is None:
            raise ValidationFailed(fields={field: [_("Unknown agency.")]})
        agency = found
    if not agency.is_active:
        raise ValidationFailed(fields={field: [_("This agency is not active.")]})
    return agency
