"""App configuration for regions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegionsConfig(AppConfig):
    """Regions app."""

    name = "sinergi.regions"
    label = "regions"
    verbose_name = _("Regions")
