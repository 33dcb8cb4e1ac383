"""App configuration for the core module."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    """Core app: audit chain, permission registry, tick registry and the UI shell."""

    name = "sinergi.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from . import jobs

        del jobs
