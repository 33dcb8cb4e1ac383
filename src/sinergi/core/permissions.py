"""The one place that decides who may do what (CONVENTIONS: Permissions).

Apps register a rule per action (``"agency.change"``) as a small predicate over the user's
memberships; services call :func:`ensure_can` before they write. An object the user may
not see answers "not found", never "forbidden", so its existence does not leak.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.db import models

from .exceptions import Forbidden, NotFound

Rule = Callable[[Any, Any], bool]
_RULES: dict[str, Rule] = {}


class Role(IntEnum):
    """Roles a membership gives, from least to most; a higher role includes the lower ones."""

    VIEWER = 10
    STAFF = 20
    MANAGER = 30
    HEAD = 40
    ADMIN = 50

    @classmethod
    def of(cls, value: str) -> Role:
        """The role named by a membership's role value."""
        return cls[value.upper()]


def rule(action: str) -> Callable[[Rule], Rule]:
    """Register the predicate that decides ``action``; one rule per action."""

    def register(fn: Rule) -> Rule:
        if action in _RULES:
            raise ValueError(f"permission rule {action!r} registered twice")
        _RULES[action] = fn
        return fn

    return register


def registered_actions() -> list[str]:
    """Every action that has a rule, for the permission-matrix tests."""
    return sorted(_RULES)


def is_platform_admin(user: Any) -> bool:
    """A platform administrator (Django superuser) may do everything."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.is_superuser)


def can(user: Any, action: str, obj: Any = None) -> bool:
    """Whether the user may perform the action on the object."""
    if action not in _RULES:
        raise KeyError(f"no permission rule for {action!r}")
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_platform_admin(user):
        return True
    return bool(_RULES[action](user, obj))


def is_visible(user: Any, obj: Any) -> bool:
    """Whether the object is among the rows its model shows to the user. Fails closed: a
    model whose manager has no ``visible_to`` hides every row."""
    if not isinstance(obj, models.Model):
        return True
    manager = type(obj)._default_manager
    visible_to = getattr(manager, "visible_to", None)
    if visible_to is None:
        return False
    return bool(visible_to(user).filter(pk=obj.pk).exists())


def ensure_can(user: Any, action: str, obj: Any = None) -> None:
    """Raise NotFound when the user may not see the object, Forbidden when they may see it
    but not do this; return quietly when allowed."""
    if can(user, action, obj):
        return
    if obj is not None and not is_visible(user, obj):
        raise NotFound()
    raise Forbidden()


def get_visible_or_404(user: Any, model: type[models.Model], **lookup: Any) -> Any:
    """Fetch one object through the model's ``visible_to`` or raise NotFound."""
    try:
        return model._default_manager.visible_to(user).get(**lookup)  # type: ignore[attr-defined]
    except (ObjectDoesNotExist, ValueError, TypeError, OverflowError) as exc:
        raise NotFound() from exc


class SystemActor:
    """The actor for the CLI, data loads and the worker: allowed everything, audited as
    ``system``."""

    pk = None
    id = None
    is_authenticated = True
    is_active = True
    is_superuser = True
    is_staff = True
    username = "system"

    def get_username(self) -> str:
        """Name recorded in the audit log."""
        return "system"

    def __str__(self) -> str:
        return "system"


SYSTEM = SystemActor()
