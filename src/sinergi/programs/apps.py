"""App configuration for cross-sector programs."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    """Programs app; registers its permission rules."""

    name = "sinergi.programs"
    label = "programs"
    verbose_name = _("Programs")

    def ready(self) -> None:
        from . import events, permissions

        del events, permissions
