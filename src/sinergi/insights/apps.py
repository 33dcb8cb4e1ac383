"""App configuration for insights (coordination metrics)."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    """Coordination metrics, the leader dashboard, the rakor report and the scoreboard."""

    name = "sinergi.insights"
    label = "insights"
    verbose_name = _("Insights")

    def ready(self) -> None:
        from . import jobs, permissions

        del jobs, permissions
