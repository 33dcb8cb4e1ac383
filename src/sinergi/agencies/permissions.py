"""Permission rules of the agencies app, and the audit log's visibility."""

from __future__ import annotations

from typing import Any

from sinergi.core.permissions import Role, rule

from .selectors import is_leader, role_in


@rule("agency.create")
def can_create_agency(user: Any, parent: Any) -> bool:
    """A head or administrator of the parent agency (or above it) may add a sub-agency;
    top-level agencies are created by platform administrators only."""
    if parent is None:
        return False
    role = role_in(user, parent)
    return role is not None and role >= Role.HEAD


@rule("agency.change")
def can_change_agency(user: Any, agency: Any) -> bool:
    """The agency's own head or administrator, or one of an agency above it."""
    role = role_in(user, agency)
    return role is not None and role >= Role.HEAD


@rule("agency.deactivate")
def can_deactivate_agency(user: Any, agency: Any) -> bool:
    """Only a head or administrator of an agency above it: an agency cannot switch itself off."""
    if agency.parent is None:
        return False
    role = role_in(user, agency.parent)
    return role is not None and role >= Role.HEAD


@rule("agency.restructure")
def can_restructure_agency(user: Any, agency: Any) -> bool:
    """Kind and region of an agency are changed from above, like deactivation."""
    return bool(can_deactivate_agency(user, agency))


@rule("membership.manage")
def can_manage_memberships(user: Any, agency: Any) -> bool:
    """The agency's head or administrator (or one above it) adds, changes and removes people."""
    role = role_in(user, agency)
    return role is not None and role >= Role.HEAD


@rule("audit.view")
def can_view_audit(user: Any, _obj: Any) -> bool:
    """Leaders read the audit log of their region; platform admins read all of it."""
    return is_leader(user)
