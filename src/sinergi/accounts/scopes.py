"""Scopes of API tokens, checked in one place (docs/decisions/two-factor-and-token-scopes.md).

A token holds ``read`` (every read its owner may make), ``write`` (every write) and
``write:<module>`` (writes to one module). The JSON API checks them centrally in the bearer
authenticator by the request's method and path; other entry points that take tokens (the
CKAN action API) call :func:`token_allows` or :func:`ensure_token_allows` themselves.

Whatever its scopes, a token never creates tokens, changes the email or password, or
touches two-factor settings: those need the browser session (:func:`ensure_not_token`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from sinergi.core.exceptions import Forbidden, ValidationFailed

READ = "read"
WRITE = "write"
# Modules a ``write:<module>`` scope may name (the apps that take writes through the API).
MODULES = (
    "accounts",
    "agencies",
    "blood",
    "cases",
    "catalog",
    "coordination",
    "notifications",
    "programs",
    "regions",
)
ALL_SCOPES = (READ, WRITE, *(f"write:{m}" for m in MODULES))
# First path segment under /api/v1/ → the module whose write scope a write there needs.
API_SEGMENT_MODULES = {
    "me": "accounts",
    "agencies": "agencies",
    "sectors": "agencies",
    "affairs": "agencies",
    "regions": "regions",
    "audit": "core",
    "datasets": "catalog",
    "data-requests": "catalog",
    "blood": "blood",
    "programs": "programs",
    "requests": "coordination",
    "meetings": "coordination",
    "insights": "insights",
    "public": "insights",
    "cases": "cases",
    "notifications": "notifications",
}
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def scopes_clean(values: Any) -> str:
    """Validate a list (or space-separated string) of scopes; the stored form, sorted."""
    if isinstance(values, str):
        values = values.replace(",", " ").split()
    items = [str(v).strip() for v in (values or []) if str(v).strip()]
    unknown = sorted({v for v in items if v not in ALL_SCOPES})
    if unknown:
        raise ValidationFailed(
            fields={
                "scopes": [
                    _("Unknown scope: %(s)s. Use read, write or write:<module> (%(m)s).")
                    % {"s": ", ".join(unknown)[:200], "m": ", ".join(MODULES)}
                ]
            }
        )
    if not items:
        raise ValidationFailed(fields={"scopes": [_("Choose at least one scope.")]})
    return " ".join(sorted(set(items), key=ALL_SCOPES.index))


def token_allows(token: Any, module: str | None, *, write: bool = True) -> bool:
    """Whether an API token may read (``write=False``) or write in ``module``.

    ``token`` is an :class:`~sinergi.accounts.models.ApiToken` or None; None (the browser
    session) is allowed everything the user may do. An unknown module (None) needs the
    global scope.
    """
    if token is None:
        return True
    scopes = set(token.scopes.split())
    if not write:
        return READ in scopes
    return WRITE in scopes or (module is not None and f"write:{module}" in scopes)


def request_token(request_or_user: Any) -> Any:
    """The API token behind a request or an authenticated user, or None (session)."""
    token = getattr(request_or_user, "api_token", None)
    if token is None and hasattr(request_or_user, "auth"):
        token = getattr(request_or_user.auth, "api_token", None)
    return token


def scope_denied_message(module: str | None, *, write: bool) -> str:
    """The message of a 403 for a token without the needed scope."""
    if not write:
        return _("This API token may not read: it lacks the read scope.")
    if module is None:
        return _("This API token may not write here: it lacks the write scope.")
    return _("This API token may not change %(m)s: it lacks the write:%(m)s scope.") % {"m": module}


def ensure_token_allows(request_or_user: Any, module: str | None, *, write: bool = True) -> None:
    """Raise Forbidden (code ``token_scope``) when a token lacks the scope; sessions pass."""
    if not token_allows(request_token(request_or_user), module, write=write):
        raise Forbidden(scope_denied_message(module, write=write), code="token_scope")


def ensure_not_token(request_or_user: Any) -> None:
    """Raise Forbidden for any API token: creating tokens, changing the email or password
    and two-factor settings need the signed-in person, whatever the token's scopes."""
    if request_token(request_or_user) is not None:
        raise Forbidden(
            _(
                "API tokens cannot create tokens, change the email or password or "
                "two-factor settings. Sign in to Sinergi to do this."
            ),
            code="token_not_allowed",
        )


def module_for_api_path(path: str) -> str | None:
    """The module a JSON API path belongs to (``/api/v1/programs/…`` → ``programs``)."""
    marker = "/api/v1/"
    index = path.find(marker)
    if index < 0:
        return None
    segment = path[index + len(marker) :].split("/", 1)[0]
    return API_SEGMENT_MODULES.get(segment)


def ensure_api_request_allowed(request: Any, token: Any) -> None:
    """The central check of the JSON API: reads need ``read``, writes the module's write
    scope (or ``write``)."""
    write = request.method not in SAFE_METHODS
    ensure_token_allows_token(token, module_for_api_path(request.path), write=write)


def ensure_token_allows_token(token: Any, module: str | None, *, write: bool) -> None:
    """Like :func:`ensure_token_allows`, for a token in hand."""
    if not token_allows(token, module, write=write):
        raise Forbidden(scope_denied_message(module, write=write), code="token_scope")
