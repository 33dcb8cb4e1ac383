"""Permission rules of the blood app."""

from __future__ import annotations

from typing import Any

from sinergi.agencies.choices import AgencyKind
from sinergi.agencies.selectors import role_in
from sinergi.core.permissions import Role, rule

from .selectors import oversees


def _staff_of(user: Any, agency: Any) -> bool:
    role = role_in(user, agency)
    return role is not None and role >= Role.STAFF


@rule("blood.record")
def can_record(user: Any, unit: Any) -> bool:
    """Staff (or more) of the blood unit record its movements, levels and donor calls."""
    return unit is not None and unit.kind == AgencyKind.BLOOD_UNIT and _staff_of(user, unit)


@rule("blood.health_office")
def works_in_health_office(user: Any, office: Any) -> bool:
    """Staff (or more) of a health office oversee blood coordination in its region (the
    selectors decide which agencies are health offices)."""
    return office is not None and _staff_of(user, office)


@rule("blood.configure")
def can_configure(user: Any, unit: Any) -> bool:
    """A manager or head of the unit sets its safe levels and stale limit."""
    role = role_in(user, unit) if unit is not None else None
    return role is not None and role >= Role.MANAGER


@rule("blood.request")
def can_request(user: Any, hospital: Any) -> bool:
    """Staff of a hospital request blood for it."""
    if hospital is None or hospital.kind != AgencyKind.HOSPITAL:
        return False
    # Only the hospital's own people: a leader above it does not request blood for patients.
    role = role_in(user, hospital, inherited=False)
    return role is not None and role >= Role.STAFF


@rule("blood.handle_request")
def can_handle_request(user: Any, request: Any) -> bool:
    """Staff of the addressed unit accept, allocate, decline and ask for dropping."""
    return _staff_of(user, request.unit)


@rule("blood.handle_dropping")
def can_handle_dropping(user: Any, dropping: Any) -> bool:
    """Staff of the unit asked to send the bags fulfil or decline a dropping request."""
    return _staff_of(user, dropping.to_unit)


@rule("blood.dashboard")
def can_see_dashboard(user: Any, _obj: Any) -> bool:
    """Leaders and the health office see the blood dashboard of their regions."""
    return oversees(user)
