"""App configuration for cases (citizen services, UI "Layanan")."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    """Service catalogue (standar pelayanan), citizens' cases fanned out to agencies as
    coordination requests, tracking, SKM ratings and public statistics."""

    name = "sinergi.cases"
    label = "cases"
    verbose_name = _("Citizen services")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import events, files, jobs, permissions

        files.register()
        del events, jobs, permissions
