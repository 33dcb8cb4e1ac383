"""Accounts API: authentication, the caller's profile and API tokens."""

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Router, Schema
from ninja import Path as PathParam
from ninja.security import HttpBearer, SessionAuth

from sinergi.core.api import ERRORS, MAX_ID, READ_ERRORS, ApiRequest, responses
from sinergi.core.clock import now
from sinergi.core.permissions import get_visible_or_404

from . import services
from .models import ApiToken, User


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for machines."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.token_authenticate(token, now())
        if user is not None:
            # The language middleware ran before the token was read: answer in the
            # token owner's language.
            translation.activate(user.language)
        return user


class Session(SessionAuth):
    """The browser session, with CSRF protection on writes."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


AUTH = [BearerAuth(), Session()]

router = Router(tags=["accounts"])


class MembershipBrief(Schema):
    """The caller's role in one agency."""

    agency: str = Field(alias="agency.slug")
    agency_name: str = Field(alias="agency.name")
    role: str
    position_title: str
    is_primary: bool


class MeOut(Schema):
    """The caller's profile."""

    username: str
    full_name: str
    email: str
    phone: str
    language: str
    is_superuser: bool
    memberships: list[MembershipBrief]

    @staticmethod
    def resolve_memberships(obj: Any) -> Any:
        return obj.memberships.select_related("agency").order_by("-is_primary", "agency__name")


class MePatch(Schema):
    """Changes to the caller's profile."""

    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    language: str | None = Field(None, pattern="^(id|en)$")


class TokenOut(Schema):
    """An API token, without its secret."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    """A new API token with its secret, shown this once only."""

    token: str


class TokenIn(Schema):
    """A new API token."""

    name: str = Field(..., min_length=1, max_length=100)
    expires_at: dt.datetime | None = None


@router.get("/me", response=responses(MeOut, errors=READ_ERRORS), summary="My profile")
def me(request: ApiRequest) -> Any:
    """The signed-in user with their agency memberships."""
    return request.auth


@router.patch("/me", response=responses(MeOut), summary="Update my profile")
def me_update(request: ApiRequest, data: MePatch) -> Any:
    """Change the caller's name, email, phone or language."""
    fields = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    return services.user_update_profile(actor=request.auth, user=request.auth, now=now(), **fields)


@router.get(
    "/me/tokens", response=responses(list[TokenOut], errors=READ_ERRORS), summary="My API tokens"
)
def token_list(request: ApiRequest) -> Any:
    """The caller's API tokens (secrets are never shown again)."""
    return ApiToken.objects.visible_to(request.auth)


@router.post("/me/tokens", response=responses(TokenCreatedOut, 201), summary="Create an API token")
def token_create(request: ApiRequest, data: TokenIn) -> Any:
    """Create a token; the response holds its secret, which is not stored and not shown again."""
    token, secret = services.token_create(
        actor=request.auth, user=request.auth, name=data.name, expires_at=data.expires_at, now=now()
    )
    token.token = secret  # type: ignore[attr-defined]
    return 201, token


@router.delete(
    "/me/tokens/{token_id}", response=responses(None, 204, ERRORS), summary="Revoke an API token"
)
def token_revoke(request: ApiRequest, token_id: int = PathParam(..., ge=1, le=MAX_ID)) -> Any:
    """Revoke one of the caller's tokens."""
    token = get_visible_or_404(request.auth, ApiToken, pk=token_id)
    services.token_revoke(actor=request.auth, token=token, now=now())
    return 204, None
