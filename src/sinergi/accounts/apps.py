"""App configuration for accounts."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    """Accounts app; registers its permission rules."""

    name = "sinergi.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from django.conf import settings
        from django.core.exceptions import ImproperlyConfigured

        from . import permissions, twofactor

        del permissions
        unknown = set(settings.SINERGI_TOTP_REQUIRED_ROLES) - set(twofactor.KNOWN_ROLES)
        if unknown:
            raise ImproperlyConfigured(
                f"SINERGI_TOTP_REQUIRED_ROLES: unknown {sorted(unknown)}; "
                f"use {', '.join(twofactor.KNOWN_ROLES)}"
            )
