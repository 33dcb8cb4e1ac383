"""Users and API tokens."""

from __future__ import annotations

from typing import Any, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import VisibleQuerySet


class UserQuerySet(VisibleQuerySet):
    """Who sees which user account."""

    def visible_to(self, user: Any) -> Self:
        """Signed-in users see active accounts (the people directory); admins see all."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(is_active=True)


class SinergiUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    """User manager with ``visible_to``."""


class User(AbstractUser):
    """A person who signs in to Sinergi.

    The two-factor fields are here from the start so that TOTP for admins and leaders is a
    feature switch, not a migration of the user table.
    """

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=[("id", "Bahasa Indonesia"), ("en", "English")],
        default="id",
    )
    failed_login_count = models.PositiveIntegerField(_("failed logins"), default=0)
    last_failed_login_at = models.DateTimeField(_("last failed login"), null=True, blank=True)
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)
    totp_secret = models.CharField(_("TOTP secret"), max_length=64, blank=True)
    totp_confirmed_at = models.DateTimeField(_("TOTP confirmed at"), null=True, blank=True)
    totp_required = models.BooleanField(_("two-factor required"), default=False)
    # The last 30-second step whose code was accepted: the same code is never taken twice.
    totp_last_step = models.BigIntegerField(_("last TOTP step used"), null=True, blank=True)

    objects = SinergiUserManager()  # type: ignore[misc]  # django-stubs: AbstractUser declares a ClassVar

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def totp_enabled(self) -> bool:
        """Whether the user confirmed an authenticator app (two-factor login is on)."""
        return bool(self.totp_secret and self.totp_confirmed_at)

    @property
    def display_name(self) -> str:
        """Name shown on screen."""
        return self.full_name or self.get_full_name() or self.username

    @property
    def time_zone(self) -> str | None:
        """Time zone of the region of the user's primary agency."""
        from sinergi.agencies.selectors import user_memberships

        memberships = user_memberships(self)
        return memberships[0].agency.region.timezone if memberships else None


class ApiTokenQuerySet(VisibleQuerySet):
    """Who sees which API token."""

    def visible_to(self, user: Any) -> Self:
        """A user sees their own tokens only (never the secret, which is not stored)."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class ApiToken(models.Model):
    """A named bearer token for machines; only a SHA-256 hash of the secret is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    # Space-separated: "read", "write" (every module) and "write:<module>" (see scopes.py).
    # Tokens made before scopes existed keep every right they had ("read write").
    scopes = models.CharField(_("scopes"), max_length=500, default="read write")

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        """Not revoked (expiry is checked against the request time by the authenticator)."""
        return self.revoked_at is None

    @property
    def scope_list(self) -> list[str]:
        """The token's scopes as a list."""
        return self.scopes.split()


class RecoveryCodeQuerySet(VisibleQuerySet):
    """Who sees which recovery code (hashes only)."""

    def visible_to(self, user: Any) -> Self:
        """A user sees their own codes' bookkeeping only."""
        if user is None or not user.is_authenticated:
            return self.none()
        return self.filter(user=user)


class RecoveryCode(models.Model):
    """A one-time code that stands in for the authenticator app; only a hash is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="recovery_codes")
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    objects = RecoveryCodeQuerySet.as_manager()

    class Meta:
        ordering = ["pk"]
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        indexes = [models.Index(fields=["user", "code_hash"], name="accounts_recovery_lookup")]

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"
