"""Building blocks of the permission matrix, shared by every app's cases.

An app adds its routes in ``tests/<app>/permission_cases.py`` with ``UI_CASES`` and
``API_CASES`` lists of :class:`Case`; ``tests/test_permission_matrix.py`` runs them all and
fails when any URL pattern or API operation has no case.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ROLES = ("admin", "leader", "head", "staff", "other_staff", "viewer", "anonymous")


def expect(default: int, anonymous: int | None = None, **by_role: int) -> dict[str, int]:
    """Expected status per role: ``default`` unless named."""
    table = dict.fromkeys(ROLES, default)
    table.update(by_role)
    if anonymous is not None:
        table["anonymous"] = anonymous
    return table


SIGNED_IN = expect(200, anonymous=302)
API_READ = expect(200, anonymous=401)
PUBLIC = expect(200)


def managers(ok: int, denied: int, anonymous: int) -> dict[str, int]:
    """``ok`` for admin, leader and the owning agency's head; ``denied`` for the rest."""
    return expect(denied, anonymous=anonymous, admin=ok, leader=ok, head=ok)


@dataclass
class Case:
    """One route with how to call it and what each role gets."""

    route: str  # URL name, or "METHOD /api/v1/path/template" for API operations
    method: str
    url: str  # may hold {membership}, {token}, {seq} filled per test
    expected: dict[str, int]
    data: dict[str, Any] | None = None
    # Makes the objects the URL names and returns the values for its {placeholders}.
    setup: Callable[[Any], dict[str, str]] | None = None
    fmt: dict[str, str] = field(default_factory=dict)
