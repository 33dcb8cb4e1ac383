"""Every write of the agencies app: permission check, validation, write and audit in one
transaction."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, Forbidden, ValidationFailed
from sinergi.core.permissions import ensure_can, is_platform_admin
from sinergi.core.services import validate_model
from sinergi.regions.models import Region

from .choices import GOVERNMENT_KINDS, MembershipRole
from .models import Affair, Agency, Membership, Sector
from .selectors import forget_memberships

SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
AGENCY_FIELDS = (
    "name",
    "short_name",
    "kind",
    "mandate",
    "head_title",
    "address",
    "phone",
    "email",
    "website",
)


def _resolve_refs(
    *,
    region: str | None,
    parent: str | None,
    sectors: Iterable[str] | None,
    affairs: Iterable[str] | None,
) -> tuple[Region | None, Agency | None, list[Sector] | None, list[Affair] | None]:
    errors: dict[str, list[str]] = {}
    region_obj = parent_obj = None
    sector_objs = affair_objs = None
    if region is not None:
        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None:
            errors["region"] = [_("Region %(code)s does not exist.") % {"code": region}]
    if parent:
        parent_obj = Agency.objects.filter(slug=parent).first()
        if parent_obj is None:
            errors["parent"] = [_("Agency %(slug)s does not exist.") % {"slug": parent}]
        elif not parent_obj.is_active:
            errors["parent"] = [_("Agency %(slug)s is not active.") % {"slug": parent}]
    if sectors is not None:
        wanted = list(dict.fromkeys(sectors))
        sector_objs = list(Sector.objects.filter(slug__in=wanted))
        missing = sorted(set(wanted) - {s.slug for s in sector_objs})
        if missing:
            errors["sectors"] = [_("Unknown sector: %(v)s.") % {"v": ", ".join(missing)}]
    if affairs is not None:
        wanted = list(dict.fromkeys(affairs))
        affair_objs = list(Affair.objects.filter(code__in=wanted))
        missing = sorted(set(wanted) - {a.code for a in affair_objs})
        if missing:
            errors["affairs"] = [_("Unknown government affair: %(v)s.") % {"v": ", ".join(missing)}]
    if errors:
        raise ValidationFailed(fields=errors)
    return region_obj, parent_obj, sector_objs, affair_objs


def _ensure_structure(
    *, actor: Any, kind: str, region: Region | None, parent: Agency | None
) -> None:
    """Rules that keep leadership from being self-granted: only platform admins make
    government agencies (whose managers lead a region), and a sub-agency stays inside its
    parent's region."""
    if kind in GOVERNMENT_KINDS and not is_platform_admin(actor):
        raise Forbidden(_("Only a platform administrator may register a government."))
    if parent is not None and region is not None:
        outer = parent.region.code
        if region.code != outer and not region.code.startswith(outer + "."):
            raise ValidationFailed(
                fields={
                    "region": [
                        _("A sub-agency must lie within its parent's region (%(code)s).")
                        % {"code": outer}
                    ]
                }
            )


@transaction.atomic
def agency_create(
    *,
    actor: Any,
    slug: str,
    name: str,
    kind: str,
    region: str,
    now: dt.datetime,
    parent: str | None = None,
    sectors: Iterable[str] = (),
    affairs: Iterable[str] = (),
    **fields: str,
) -> Agency:
    """Register a new agency, under a parent agency unless the actor is a platform admin."""
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"unknown agency fields: {sorted(unknown)}")
    parent_obj = _resolve_refs(region=None, parent=parent, sectors=None, affairs=None)[1]
    ensure_can(actor, "agency.create", parent_obj)
    region_obj, parent_obj, sector_objs, affair_objs = _resolve_refs(
        region=region, parent=parent, sectors=sectors, affairs=affairs
    )
    _ensure_structure(actor=actor, kind=kind, region=region_obj, parent=parent_obj)
    if not SLUG_RE.match(slug or ""):
        raise ValidationFailed(
            fields={"slug": [_("Use lower-case letters, digits and single hyphens.")]}
        )
    if Agency.objects.filter(slug=slug).exists():
        raise ValidationFailed(fields={"slug": [_("An agency with this slug already exists.")]})
    agency = Agency(
        slug=slug,
        name=name,
        kind=kind,
        region=region_obj,
        parent=parent_obj,
        created_at=now,
        updated_at=now,
        **fields,
    )
    validate_model(agency)
    agency.save()
    agency.sectors.set(sector_objs or [])
    agency.affairs.set(affair_objs or [])
    audit_record(actor=actor, action="agency.create", obj=agency, now=now)
    return agency


@transaction.atomic
def agency_update(
    *,
    actor: Any,
    agency: Agency,
    now: dt.datetime,
    region: str | None = None,
    parent: str | None = None,
    clear_parent: bool = False,
    sectors: Iterable[str] | None = None,
    affairs: Iterable[str] | None = None,
    **fields: str,
) -> Agency:
    """Change an agency's profile: names, kind, mandate, contacts, sectors, affairs, place."""
    ensure_can(actor, "agency.change", agency)
    unknown = set(fields) - set(AGENCY_FIELDS)
    if unknown:
        raise TypeError(f"unknown agency fields: {sorted(unknown)}")
    region_obj, parent_obj, sector_objs, affair_objs = _resolve_refs(
        region=region, parent=parent, sectors=sectors, affairs=affairs
    )
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = snapshot(agency)
    new_kind = fields.get("kind", agency.kind)
    if new_kind != agency.kind or (region_obj is not None and region_obj.pk != agency.region_id):
        # Kind and place decide who leads what; the agency's own head cannot change them.
        ensure_can(actor, "agency.restructure", agency)
        _ensure_structure(
            actor=actor,
            kind=new_kind,
            region=region_obj or agency.region,
            parent=parent_obj or agency.parent,
        )
    for key, value in fields.items():
        setattr(agency, key, value)
    if region_obj is not None:
        agency.region = region_obj
    if parent_obj is not None:
        # Moving under another agency needs the right to add agencies there as well.
        ensure_can(actor, "agency.create", parent_obj)
        if parent_obj.pk == agency.pk or agency.pk in {a.pk for a in parent_obj.ancestors()}:
            raise ValidationFailed(
                fields={"parent": [_("An agency cannot be placed under itself.")]}
            )
        if region_obj is None:
            _ensure_structure(
                actor=actor, kind=agency.kind, region=agency.region, parent=parent_obj
            )
        agency.parent = parent_obj
    elif clear_parent:
        ensure_can(actor, "agency.create", None)
        agency.parent = None
    agency.updated_at = now
    validate_model(agency)
    agency.save()
    if sector_objs is not None:
        agency.sectors.set(sector_objs)
    if affair_objs is not None:
        agency.affairs.set(affair_objs)
    audit_record(actor=actor, action="agency.update", obj=agency, before=before, now=now)
    return agency


@transaction.atomic
def agency_set_active(*, actor: Any, agency: Agency, active: bool, now: dt.datetime) -> Agency:
    """Deactivate an agency (its history stays) or activate it again."""
    ensure_can(actor, "agency.deactivate", agency)
    if agency.is_active == active:
        return agency
    if not active and agency.children.filter(is_active=True).exists():
        raise Conflict(_("Deactivate the agencies under this agency first."))
    before = snapshot(agency, ["is_active"])
    agency.is_active = active
    agency.updated_at = now
    agency.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="agency.activate" if active else "agency.deactivate",
        obj=agency,
        before=before,
        after=snapshot(agency, ["is_active"]),
        now=now,
    )
    return agency


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    agency: Agency,
    user: Any,
    role: str,
    now: dt.datetime,
    position_title: str = "",
    is_primary: bool = False,
) -> Membership:
    """Give a user a role in an agency."""
    ensure_can(actor, "membership.manage", agency)
    if role not in MembershipRole.values:
        raise ValidationFailed(
            fields={
                "role": [_("Role must be one of: %(v)s.") % {"v": ", ".join(MembershipRole.values)}]
            }
        )
    if not agency.is_active:
        raise Conflict(_("This agency is not active."))
    if Membership.objects.filter(agency=agency, user=user).exists():
        raise ValidationFailed(fields={"user": [_("This user is already a member of the agency.")]})
    if is_primary:
        Membership.objects.filter(user=user, is_primary=True).update(is_primary=False)
    elif not Membership.objects.filter(user=user).exists():
        is_primary = True
    membership = Membership(
        user=user,
        agency=agency,
        role=role,
        position_title=position_title,
        is_primary=is_primary,
        created_at=now,
        updated_at=now,
    )
    validate_model(membership, exclude=["user", "agency"])
    try:
        with transaction.atomic():
            membership.save()
    except IntegrityError as exc:
        raise ValidationFailed(
            fields={"user": [_("This user is already a member of the agency.")]}
        ) from exc
    forget_memberships(user)
    audit_record(actor=actor, action="membership.add", obj=membership, now=now)
    return membership


LEADING_ROLES = {MembershipRole.HEAD, MembershipRole.ADMIN}


def _ensure_not_last_leading(membership: Membership, new_role: str | None) -> None:
    """An agency keeps at least one head or administrator, so someone can manage it."""
    if membership.role not in LEADING_ROLES or new_role in LEADING_ROLES:
        return
    others = Membership.objects.filter(
        agency=membership.agency, role__in=LEADING_ROLES, user__is_active=True
    ).exclude(pk=membership.pk)
    if not others.exists():
        raise Conflict(_("This is the agency's last head or administrator; add another one first."))


@transaction.atomic
def membership_change(
    *,
    actor: Any,
    membership: Membership,
    now: dt.datetime,
    role: str | None = None,
    position_title: str | None = None,
    is_primary: bool | None = None,
) -> Membership:
    """Change a member's role, position title or primary agency."""
    ensure_can(actor, "membership.manage", membership.agency)
    before = snapshot(membership)
    if role is not None:
        if role not in MembershipRole.values:
            raise ValidationFailed(
                fields={
                    "role": [
                        _("Role must be one of: %(v)s.") % {"v": ", ".join(MembershipRole.values)}
                    ]
                }
            )
        _ensure_not_last_leading(membership, role)
        membership.role = role
    if position_title is not None:
        membership.position_title = position_title
    if is_primary:
        Membership.objects.filter(user=membership.user, is_primary=True).exclude(
            pk=membership.pk
        ).update(is_primary=False)
        membership.is_primary = True
    membership.updated_at = now
    validate_model(membership, exclude=["user", "agency"])
    membership.save()
    forget_memberships(membership.user)
    forget_memberships(actor)
    audit_record(actor=actor, action="membership.change", obj=membership, before=before, now=now)
    return membership


@transaction.atomic
def membership_remove(*, actor: Any, membership: Membership, now: dt.datetime) -> None:
    """Take a user out of an agency."""
    ensure_can(actor, "membership.manage", membership.agency)
    _ensure_not_last_leading(membership, None)
    before = snapshot(membership)
    audit_record(
        actor=actor,
        action="membership.remove",
        obj=membership,
        before=before,
        after={},
        only_changes=False,
        now=now,
    )
    user = membership.user
    membership.delete()
    forget_memberships(user)
    forget_memberships(actor)


def _data(name: str) -> Any:
    return json.loads(resources.files("sinergi.agencies").joinpath("data", name).read_text("utf-8"))


@transaction.atomic
def reference_load(*, actor: Any, now: dt.datetime) -> dict[str, int]:
    """Load the bundled sectors and government affairs; reloading changes nothing."""
    changed = {"sectors": 0, "affairs": 0}
    for row in _data("sectors.json"):
        obj, created = Sector.objects.get_or_create(
            slug=row["slug"], defaults={"name": row["name"], "name_en": row.get("name_en", "")}
        )
        if created or (obj.name, obj.name_en) != (row["name"], row.get("name_en", "")):
            obj.name, obj.name_en = row["name"], row.get("name_en", "")
            obj.save()
            changed["sectors"] += 1
    for row in _data("affairs.json"):
        values = {
            "name": row["name"],
            "name_en": row.get("name_en", ""),
            "category": row["category"],
        }
        affair, created = Affair.objects.get_or_create(code=row["code"], defaults=values)
        if created or any(getattr(affair, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(affair, k, v)
            affair.save()
            changed["affairs"] += 1
    if any(changed.values()):
        audit_record(
            actor=actor,
            action="reference.load",
            now=now,
            object_type="agencies.reference",
            after=changed,
            only_changes=False,
        )
    return changed


def user_by_username(username: str) -> Any:
    """The active user with this username, or a validation error naming the field."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise ValidationFailed(fields={"username": [_("No active user with this username.")]})
    return user
