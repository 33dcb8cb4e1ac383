"""App configuration for agencies."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AgenciesConfig(AppConfig):
    """Agencies app; registers its permission rules and the audit actor-agency resolver."""

    name = "sinergi.agencies"
    label = "agencies"
    verbose_name = _("Agencies")

    def ready(self) -> None:
        from sinergi.core.audit import set_actor_agency_resolver, set_audit_scope

        from . import permissions
        from .selectors import audit_scope_for, primary_agency_slug

        set_actor_agency_resolver(primary_agency_slug)
        set_audit_scope(audit_scope_for)
        del permissions
