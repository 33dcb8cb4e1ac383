"""Every write of the accounts app."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.translation import gettext as _

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from .models import ApiToken, User

TOKEN_PREFIX = "sng_"  # noqa: S105 - a public marker, not a secret
PROFILE_FIELDS = ("full_name", "email", "phone", "language")


def hash_token(secret: str) -> str:
    """SHA-256 of a token secret: tokens are long random strings, so no slow hash is needed."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _check_password(password: str, user: User | None) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(fields={"password": [str(m) for m in exc.messages]}) from exc


@transaction.atomic
def user_create(
    *,
    actor: Any,
    username: str,
    now: dt.datetime,
    password: str | None = None,
    email: str = "",
    full_name: str = "",
    is_superuser: bool = False,
    language: str = "id",
) -> User:
    """Create a user account; without a password the user sets one through a reset email."""
    ensure_can(actor, "user.create", None)
    errors: dict[str, list[str]] = {}
    try:
        User.username_validator(username)
    except ValidationError as exc:
        errors["username"] = [str(m) for m in exc.messages]
    if not errors and User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    if email:
        try:
            validate_email(email)
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if errors:
        raise ValidationFailed(fields=errors)
    user = User(
        username=username,
        email=email,
        full_name=full_name,
        is_superuser=is_superuser,
        is_staff=is_superuser,
        language=language,
        date_joined=now,
    )
    if password:
        _check_password(password, user)
        user.set_password(password)
    elif email:
        # A random password nobody knows: the user chooses their own through the reset link
        # (Django sends reset mail only to accounts with a usable password).
        user.set_password(secrets.token_urlsafe(48))
    else:
        user.set_unusable_password()
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, now=now)
    return user


@transaction.atomic
def user_update_profile(*, actor: Any, user: User, now: dt.datetime, **fields: str) -> User:
    """Change a user's name, email, phone or language."""
    ensure_can(actor, "user.change", user)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
    before = snapshot(user, PROFILE_FIELDS)
    errors: dict[str, list[str]] = {}
    if fields.get("email"):
        try:
            validate_email(fields["email"])
        except ValidationError:
            errors["email"] = [_("Enter a valid email address.")]
    if "language" in fields and fields["language"] not in dict(settings.LANGUAGES):
        errors["language"] = [_("Choose Indonesian or English.")]
    if "full_name" in fields and len(fields["full_name"]) > 200:
        errors["full_name"] = [_("At most 200 characters.")]
    if errors:
        raise ValidationFailed(fields=errors)
    for key, value in fields.items():
        setattr(user, key, value)
    user.save(update_fields=list(fields) or None)
    audit_record(
        actor=actor,
        action="user.update",
        obj=user,
        before=before,
        after=snapshot(user, PROFILE_FIELDS),
        now=now,
    )
    return user


@transaction.atomic
def user_change_password(
    *, actor: Any, user: User, new_password: str, now: dt.datetime, old_password: str | None = None
) -> User:
    """Set a new password; people changing their own must give the old one."""
    ensure_can(actor, "user.change", user)
    if old_password is not None and not user.check_password(old_password):
        raise ValidationFailed(fields={"old_password": [_("The current password is wrong.")]})
    _check_password(new_password, user)
    user.set_password(new_password)
    user.failed_login_count = 0
    user.locked_until = None
    user.save(update_fields=["password", "failed_login_count", "locked_until"])
    audit_record(
        actor=actor,
        action="user.password_change",
        obj=user,
        before={},
        after={"password": "***"},
        only_changes=False,
        now=now,
    )
    return user


def login_locked(user: User, now: dt.datetime) -> bool:
    """Whether the account is in its lockout period."""
    return user.locked_until is not None and user.locked_until > now


@transaction.atomic
def login_record_failure(*, user: User, now: dt.datetime) -> User:
    """Count a failed login; at the limit, lock the account for the lockout period."""
    user = User.objects.select_for_update().get(pk=user.pk)
    window = dt.timedelta(minutes=settings.SINERGI_LOGIN_LOCKOUT_MINUTES)
    if user.last_failed_login_at is None or now - user.last_failed_login_at > window:
        user.failed_login_count = 0
    user.failed_login_count += 1
    user.last_failed_login_at = now
    fields = ["failed_login_count", "last_failed_login_at"]
    if user.failed_login_count >= settings.SINERGI_LOGIN_MAX_FAILURES:
        user.locked_until = now + window
        user.failed_login_count = 0
        fields.append("locked_until")
        audit_record(
            actor=None,
            action="user.lockout",
            obj=user,
            before={},
            after={"locked_until": user.locked_until},
            only_changes=False,
            now=now,
        )
    user.save(update_fields=fields)
    return user


@transaction.atomic
def login_record_success(*, user: User, now: dt.datetime) -> User:
    """Reset the failure count and record the login."""
    User.objects.filter(pk=user.pk).update(failed_login_count=0, locked_until=None, last_login=now)
    user.failed_login_count = 0
    user.locked_until = None
    user.last_login = now
    audit_record(
        actor=user,
        action="user.login",
        obj=user,
        before={},
        after={},
        only_changes=False,
        now=now,
    )
    return user


@transaction.atomic
def token_create(
    *, actor: Any, user: User, name: str, now: dt.datetime, expires_at: dt.datetime | None = None
) -> tuple[ApiToken, str]:
    """Create an API token and return it with its secret, which is shown this once only."""
    ensure_can(actor, "token.manage", None if actor.pk == user.pk else _Owned(user))
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("Give the token a name.")]})
    if len(name) > 100:
        raise ValidationFailed(fields={"name": [_("At most 100 characters.")]})
    if expires_at is not None and expires_at <= now:
        raise ValidationFailed(fields={"expires_at": [_("The expiry must be in the future.")]})
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        created_at=now,
        expires_at=expires_at,
    )
    audit_record(actor=actor, action="token.create", obj=token, now=now)
    return token, secret


class _Owned:
    """Stand-in object so the token rule can compare owners before a token exists."""

    def __init__(self, user: User) -> None:
        self.user_id = user.pk


@transaction.atomic
def token_revoke(*, actor: Any, token: ApiToken, now: dt.datetime) -> ApiToken:
    """Revoke a token; requests with it get 401 from then on."""
    ensure_can(actor, "token.manage", token)
    if token.revoked_at is not None:
        return token
    before = snapshot(token, ["revoked_at"])
    token.revoked_at = now
    token.save(update_fields=["revoked_at"])
    audit_record(
        actor=actor,
        action="token.revoke",
        obj=token,
        before=before,
        after=snapshot(token, ["revoked_at"]),
        now=now,
    )
    return token


def token_authenticate(secret: str, now: dt.datetime) -> User | None:
    """The active user a bearer token belongs to, or None; touches its last-used time."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(secret)).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    # A bookkeeping timestamp, not a domain change: written at most once a minute, unaudited.
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
