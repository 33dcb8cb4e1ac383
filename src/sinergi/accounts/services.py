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
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import ValidationFailed
from sinergi.core.permissions import ensure_can

from . import scopes as token_scopes
from . import twofactor
from .models import ApiToken, RecoveryCode, User
from .signals import security_notice

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


def user_update_profile(
    *,
    actor: Any,
    user: User,
    now: dt.datetime,
    current_password: str | None = None,
    totp_code: str | None = None,
    credentials_checked: bool = False,
    **fields: str,
) -> User:
    """Change a user's name, email, phone or language.

    People changing their own email give their current password (and a two-factor code
    when they use two-factor login) unless the caller checked them already
    (``credentials_checked``); the old address is told of the change.
    """
    ensure_can(actor, "user.change", user)
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"unknown profile fields: {sorted(unknown)}")
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
    old_email = user.email
    email_changes = "email" in fields and fields["email"] != old_email
    if email_changes and getattr(actor, "pk", None) == user.pk and not credentials_checked:
        # Outside the change's transaction, so a wrong password or code is counted.
        verify_credentials(user=user, password=current_password, code=totp_code, now=now)
    with transaction.atomic():
        before = snapshot(user, PROFILE_FIELDS)
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
        if email_changes and old_email:
            _notify(
                user,
                to=old_email,
                now=now,
                subject=gettext_noop("Your Sinergi email address was changed"),
                body=gettext_noop(
                    "The email address of the Sinergi account %(u)s was changed from %(old)s "
                    "to %(new)s. If you did not do this, tell your administrator at once."
                ),
                values={"old": old_email, "new": user.email or "—"},
            )
    return user


def _notify(
    user: User, *, to: str, now: dt.datetime, subject: str, body: str, values: dict[str, str]
) -> None:
    """Ask (through the notifications outbox) for a security email in the user's language."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        text = _(body) % {"u": user.username, **values}
        title = _(subject)
    security_notice.send(sender=User, user=user, to=to, subject=title, body=text, now=now)


def verify_credentials(
    *, user: User, password: str | None, code: str | None, now: dt.datetime
) -> None:
    """Check the current password (and the two-factor code when the user has one) before a
    sensitive change; each wrong answer counts towards the login lockout."""
    if login_locked(user, now):
        raise ValidationFailed(
            fields={
                "current_password": [
                    _("This account is locked after too many failed attempts. Try again later.")
                ]
            }
        )
    if not password:
        raise ValidationFailed(
            fields={"current_password": [_("Enter your current password to make this change.")]}
        )
    if not user.check_password(password):
        login_record_failure(user=user, now=now)
        raise ValidationFailed(fields={"current_password": [_("The current password is wrong.")]})
    if user.totp_enabled:
        if not code:
            raise ValidationFailed(
                fields={"totp_code": [_("Enter the code from your authenticator app.")]}
            )
        if not second_factor_check(user=user, code=code, now=now):
            raise ValidationFailed(fields={"totp_code": [_("The code is wrong or was used.")]})


def user_change_password(
    *,
    actor: Any,
    user: User,
    new_password: str,
    now: dt.datetime,
    old_password: str | None = None,
    totp_code: str | None = None,
) -> User:
    """Set a new password; people changing their own must give the old one (and a
    two-factor code when they use two-factor login). The account's address is told."""
    ensure_can(actor, "user.change", user)
    if old_password is not None:
        try:
            verify_credentials(user=user, password=old_password, code=totp_code, now=now)
        except ValidationFailed as exc:
            if "current_password" in exc.fields:
                exc.fields["old_password"] = exc.fields.pop("current_password")
            raise
    _check_password(new_password, user)
    with transaction.atomic():
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
        if user.email:
            _notify(
                user,
                to=user.email,
                now=now,
                subject=gettext_noop("Your Sinergi password was changed"),
                body=gettext_noop(
                    "The password of the Sinergi account %(u)s was changed. If you did not "
                    "do this, reset it at once with 'Forgot your password?' and tell your "
                    "administrator."
                ),
                values={},
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
    *,
    actor: Any,
    user: User,
    name: str,
    now: dt.datetime,
    expires_at: dt.datetime | None = None,
    scopes: Any = None,
) -> tuple[ApiToken, str]:
    """Create an API token and return it with its secret, which is shown this once only.

    ``scopes`` is a list (or space-separated string) of ``read``, ``write`` and
    ``write:<module>``; None gives ``read write``. The UI, the API and the CLI always pass an
    expiry (90 days unless chosen, at most SINERGI_TOKEN_MAX_DAYS); None (no expiry) is for
    internal callers only.
    """
    ensure_can(actor, "token.manage", None if actor.pk == user.pk else _Owned(user))
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the token a name.")]
    elif len(name) > 100:
        errors["name"] = [_("At most 100 characters.")]
    if expires_at is not None and expires_at <= now:
        errors["expires_at"] = [_("The expiry must be in the future.")]
    elif expires_at is not None and expires_at > now + dt.timedelta(
        days=settings.SINERGI_TOKEN_MAX_DAYS
    ):
        errors["expires_at"] = [
            _("A token may last at most %(d)d days.") % {"d": settings.SINERGI_TOKEN_MAX_DAYS}
        ]
    try:
        scope_text = token_scopes.scopes_clean(
            scopes if scopes is not None else [token_scopes.READ, token_scopes.WRITE]
        )
    except ValidationFailed as exc:
        errors.update(exc.fields)
        scope_text = ""
    if errors:
        raise ValidationFailed(fields=errors)
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        created_at=now,
        expires_at=expires_at,
        scopes=scope_text,
    )
    audit_record(actor=actor, action="token.create", obj=token, now=now)
    return token, secret


def token_default_expiry(now: dt.datetime, days: int | None = None) -> dt.datetime:
    """The expiry of a new token: ``days`` (default SINERGI_TOKEN_DEFAULT_DAYS) from now."""
    return now + dt.timedelta(days=days or settings.SINERGI_TOKEN_DEFAULT_DAYS)


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
    user = token.user
    # Who asks through a token carries it, so scope checks (scopes.token_allows) can see it.
    user.api_token = token
    return user


# --- Two-factor login ---------------------------------------------------------------------


def second_factor_check(*, user: User, code: str, now: dt.datetime) -> str | None:
    """Check a code from the authenticator app or a recovery code; return ``"totp"`` or
    ``"recovery"``, or None after recording the failure (audited; counts towards the
    login lockout). A TOTP code is taken once: the same step again is refused."""
    result = _second_factor_consume(user=user, code=code, now=now)
    if result is None:
        with transaction.atomic():
            audit_record(
                actor=user,
                action="user.totp_failed",
                obj=user,
                before={},
                after={},
                only_changes=False,
                now=now,
            )
        fresh = login_record_failure(user=user, now=now)
        user.locked_until = fresh.locked_until
    return result


@transaction.atomic
def _second_factor_consume(*, user: User, code: str, now: dt.datetime) -> str | None:
    locked = User.objects.select_for_update().get(pk=user.pk)
    if not locked.totp_enabled:
        return None
    if twofactor.looks_like_totp(code):
        step = twofactor.matching_step(locked.totp_secret, code, now)
        if step is None or (locked.totp_last_step is not None and step <= locked.totp_last_step):
            return None
        User.objects.filter(pk=user.pk).update(totp_last_step=step)
        user.totp_last_step = step
        return "totp"
    if len(twofactor.normalise_code(code)) != twofactor.RECOVERY_LENGTH:
        return None
    found = RecoveryCode.objects.filter(
        user=user, code_hash=twofactor.recovery_hash(user.pk, code), used_at__isnull=True
    ).first()
    if found is None:
        return None
    RecoveryCode.objects.filter(pk=found.pk).update(used_at=now)
    audit_record(
        actor=user,
        action="user.totp_recovery_used",
        obj=user,
        before={},
        after={"recovery_codes_left": recovery_codes_left(user)},
        only_changes=False,
        now=now,
    )
    return "recovery"


def recovery_codes_left(user: User) -> int:
    """How many recovery codes the user has not used yet."""
    return RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()


def _recovery_codes_new(user: User, now: dt.datetime) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = twofactor.new_recovery_codes()
    RecoveryCode.objects.bulk_create(
        [
            RecoveryCode(user=user, code_hash=twofactor.recovery_hash(user.pk, c), created_at=now)
            for c in codes
        ]
    )
    return codes


@transaction.atomic
def totp_enrol(*, actor: Any, user: User, secret: str, code: str, now: dt.datetime) -> list[str]:
    """Turn on two-factor login with the secret the user's app scanned, confirmed by a code
    from it; return the ten recovery codes (shown once, stored hashed)."""
    ensure_can(actor, "user.change", user)
    if user.totp_enabled:
        raise ValidationFailed(_("Two-factor login is already on."))
    step = twofactor.matching_step(secret, code, now)
    if step is None:
        raise ValidationFailed(
            fields={"code": [_("The code is wrong. Check the time on your phone and try again.")]}
        )
    user.totp_secret = secret
    user.totp_confirmed_at = now
    user.totp_last_step = step
    user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
    codes = _recovery_codes_new(user, now)
    audit_record(
        actor=actor,
        action="user.totp_enrol",
        obj=user,
        before={"totp_confirmed_at": None},
        after={"totp_confirmed_at": now, "recovery_codes": len(codes)},
        only_changes=False,
        now=now,
    )
    return codes


def totp_disable(
    *,
    actor: Any,
    user: User,
    now: dt.datetime,
    password: str | None = None,
    code: str | None = None,
) -> User:
    """Turn two-factor login off. People doing it for themselves give their password and a
    code, and may not when their role requires it; a platform admin may reset anyone's
    (a lost phone): they enrol again at their next login."""
    ensure_can(actor, "user.change", user)
    if not user.totp_enabled:
        return user
    if getattr(actor, "pk", None) == user.pk:
        if twofactor.totp_required_for(user):
            raise ValidationFailed(
                _("Two-factor login is required for your role and cannot be turned off.")
            )
        verify_credentials(user=user, password=password, code=code, now=now)
    with transaction.atomic():
        user.totp_secret = ""
        user.totp_confirmed_at = None
        user.totp_last_step = None
        user.save(update_fields=["totp_secret", "totp_confirmed_at", "totp_last_step"])
        RecoveryCode.objects.filter(user=user).delete()
        audit_record(
            actor=actor,
            action="user.totp_disable",
            obj=user,
            before={"totp_enabled": True},
            after={"totp_enabled": False},
            only_changes=False,
            now=now,
        )
    return user


def recovery_codes_regenerate(
    *, actor: Any, user: User, now: dt.datetime, code: str | None
) -> list[str]:
    """Replace the recovery codes (the old ones stop working), confirmed by a code."""
    ensure_can(actor, "user.change", user)
    if not user.totp_enabled:
        raise ValidationFailed(_("Turn on two-factor login first."))
    if not code or not twofactor.looks_like_totp(code):
        raise ValidationFailed(fields={"code": [_("Enter the code from your authenticator app.")]})
    if not second_factor_check(user=user, code=code, now=now):
        raise ValidationFailed(fields={"code": [_("The code is wrong or was used.")]})
    with transaction.atomic():
        codes = _recovery_codes_new(user, now)
        audit_record(
            actor=actor,
            action="user.totp_recovery_regenerate",
            obj=user,
            before={},
            after={"recovery_codes": len(codes)},
            only_changes=False,
            now=now,
        )
    return codes
