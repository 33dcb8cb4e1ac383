"""Permission rules of the accounts app."""

from __future__ import annotations

from typing import Any

from sinergi.core.permissions import rule


@rule("user.change")
def can_change_user(user: Any, target: Any) -> bool:
    """People change their own profile; platform admins change anyone's."""
    return bool(target is not None and target.pk == user.pk)


@rule("token.manage")
def can_manage_token(user: Any, token: Any) -> bool:
    """People create and revoke their own tokens."""
    return token is None or token.user_id == user.pk


@rule("user.create")
def can_create_user(user: Any, _obj: Any) -> bool:
    """Only platform admins create accounts (the CLI acts as one)."""
    return False
