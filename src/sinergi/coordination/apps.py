"""App configuration for coordination."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoordinationConfig(AppConfig):
    """Requests between agencies, their SLA clock and escalation, meetings and the inbox."""

    name = "sinergi.coordination"
    label = "coordination"
    verbose_name = _("Coordination")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from sinergi.notifications.digest import register_section

        from . import digest, events, files, jobs, permissions

        register_section("coordination", digest.sections)
        files.register()
        del events, jobs, permissions
