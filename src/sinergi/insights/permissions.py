"""Permission rules of the leader dashboard (see core/permissions.py)."""

from __future__ import annotations

from typing import Any

from sinergi.core.permissions import rule


@rule("insights.dashboard")
def can_view_dashboard(user: Any, _obj: Any) -> bool:
    """Leaders (their region) and agency heads (their agency) read the leader dashboard and
    the rakor report; platform admins pass before any rule."""
    from .dashboard import scope_of

    return scope_of(user).allowed
