"""App configuration of the public portal."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PortalConfig(AppConfig):
    """Public pages for everyone, without signing in; reads the domain apps, owns no data."""

    name = "sinergi.portal"
    label = "portal"
    verbose_name = _("Public portal")
