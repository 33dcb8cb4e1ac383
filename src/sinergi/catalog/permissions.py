"""Permission rules of the catalog app."""

from __future__ import annotations

from typing import Any

from sinergi.agencies.selectors import role_in
from sinergi.core.permissions import Role, rule


def _staff_of(user: Any, agency: Any, *, inherited: bool = True) -> bool:
    role = role_in(user, agency, inherited=inherited) if agency is not None else None
    return role is not None and role >= Role.STAFF


@rule("catalog.create")
def can_create(user: Any, agency: Any) -> bool:
    """Staff (or more) of an agency create datasets it publishes."""
    return _staff_of(user, agency)


@rule("catalog.change")
def can_change(user: Any, dataset: Any) -> bool:
    """Staff of the publishing agency edit metadata, upload versions and submit."""
    return _staff_of(user, dataset.publisher)


@rule("catalog.verify")
def can_verify(user: Any, dataset: Any) -> bool:
    """Staff of the dataset's walidata agency themselves (not leaders above it) verify."""
    return _staff_of(user, dataset.walidata, inherited=False)


@rule("catalog.request_data")
def can_request_data(user: Any, agency: Any) -> bool:
    """Staff of an agency ask for data in its name (they write the coordination request)."""
    from sinergi.core.permissions import can

    return agency is not None and can(user, "request.submit", agency)


@rule("catalog.fulfil_request")
def can_fulfil_request(user: Any, data_request: Any) -> bool:
    """Staff of the agency now handling the coordination request (they answer it) or of the
    requesting agency (they close it) link the dataset that fulfils a data request."""
    from sinergi.core.permissions import can

    request = data_request.request
    return can(user, "request.handle", request) or can(user, "request.requester", request)
