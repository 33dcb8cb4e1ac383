"""Accounts API: authentication, the caller's profile and API tokens."""

import datetime as dt
from typing import Any

from django.contrib.auth import update_session_auth_hash
from django.http import HttpRequest
from django.utils import translation
from ninja import Field, Router, Schema
from ninja import Path as PathParam
from ninja.security import HttpBearer, SessionAuth

from sinergi.core.api import ERRORS, MAX_ID, READ_ERRORS, ApiRequest, responses
from sinergi.core.clock import now
from sinergi.core.permissions import get_visible_or_404

from . import scopes, services
from .models import ApiToken, User


class BearerAuth(HttpBearer):
    """``Authorization: Bearer <token>`` for machines; checks the token's scopes for every
    operation (reads need ``read``, writes the module's ``write:<module>`` or ``write``)."""

    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = services.token_authenticate(token, now())
        if user is not None:
            # The language middleware ran before the token was read: answer in the
            # token owner's language.
            translation.activate(user.language)
            api_token = user.api_token  # type: ignore[attr-defined]
            request.api_token = api_token  # type: ignore[attr-defined]
            scopes.ensure_api_request_allowed(request, api_token)
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
    two_factor_enabled: bool = Field(alias="totp_enabled")
    memberships: list[MembershipBrief]

    @staticmethod
    def resolve_memberships(obj: Any) -> Any:
        return obj.memberships.select_related("agency").order_by("-is_primary", "agency__name")


class MePatch(Schema):
    """Changes to the caller's profile. Changing ``email`` or ``password`` needs the
    browser session (never a token), ``current_password``, and ``totp_code`` when the
    caller uses two-factor login."""

    full_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=40)
    language: str | None = Field(None, pattern="^(id|en)$")
    password: str | None = Field(None, min_length=1, max_length=256)
    current_password: str | None = Field(None, max_length=256)
    totp_code: str | None = Field(None, max_length=40)


class TokenOut(Schema):
    """An API token, without its secret."""

    id: int
    name: str
    prefix: str
    created_at: dt.datetime
    scopes: list[str] = Field(alias="scope_list")
    last_used_at: dt.datetime | None
    expires_at: dt.datetime | None
    revoked_at: dt.datetime | None


class TokenCreatedOut(TokenOut):
    """A new API token with its secret, shown this once only."""

    token: str


class TokenIn(Schema):
    """A new API token: ``scopes`` are ``read``, ``write`` and ``write:<module>``; without
    ``expires_at`` it lasts 90 days (SINERGI_TOKEN_DEFAULT_DAYS), at most a year."""

    name: str = Field(..., min_length=1, max_length=100)
    scopes: list[str] = Field(default_factory=lambda: ["read"], max_length=20)
    expires_at: dt.datetime | None = None


@router.get("/me", response=responses(MeOut, errors=READ_ERRORS), summary="My profile")
def me(request: ApiRequest) -> Any:
    """The signed-in user with their agency memberships."""
    return request.auth


@router.patch("/me", response=responses(MeOut), summary="Update my profile")
def me_update(request: ApiRequest, data: MePatch) -> Any:
    """Change the caller's name, email, phone, language or password."""
    fields = {k: v for k, v in data.model_dump(exclude_unset=True).items() if v is not None}
    current = fields.pop("current_password", None)
    code = fields.pop("totp_code", None)
    password = fields.pop("password", None)
    user = request.auth
    if password is not None or ("email" in fields and fields["email"] != user.email):
        scopes.ensure_not_token(request)
    moment = now()
    sensitive = password is not None or ("email" in fields and fields["email"] != user.email)
    if sensitive:
        # Checked once here (a two-factor code is taken only once), before either change.
        services.verify_credentials(user=user, password=current, code=code, now=moment)
    if password is not None:
        services.user_change_password(actor=user, user=user, new_password=password, now=moment)
        # The session that made the change stays signed in.
        if hasattr(request, "session"):
            update_session_auth_hash(request, user)
    return services.user_update_profile(
        actor=user, user=user, now=moment, credentials_checked=sensitive, **fields
    )


@router.get(
    "/me/tokens", response=responses(list[TokenOut], errors=READ_ERRORS), summary="My API tokens"
)
def token_list(request: ApiRequest) -> Any:
    """The caller's API tokens (secrets are never shown again)."""
    return ApiToken.objects.visible_to(request.auth)


@router.post("/me/tokens", response=responses(TokenCreatedOut, 201), summary="Create an API token")
def token_create(request: ApiRequest, data: TokenIn) -> Any:
    """Create a token; the response holds its secret, which is not stored and not shown again.
    Only the browser session may: a token never creates tokens (403)."""
    scopes.ensure_not_token(request)
    moment = now()
    token, secret = services.token_create(
        actor=request.auth,
        user=request.auth,
        name=data.name,
        scopes=data.scopes,
        expires_at=data.expires_at or services.token_default_expiry(moment),
        now=moment,
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
