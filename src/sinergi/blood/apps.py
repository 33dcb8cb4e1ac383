"""App configuration for blood availability."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BloodConfig(AppConfig):
    """Blood stock of PMI blood units, the public ticker, hospital requests and dropping."""

    name = "sinergi.blood"
    label = "blood"
    verbose_name = _("Blood")

    def ready(self) -> None:
        from . import events, jobs, permissions

        del events, jobs, permissions
