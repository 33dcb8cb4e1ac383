"""Template context of the UI shell: navigation and languages."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .permissions import can

NAV = [
    ("home", _("Home"), "core:home"),
    ("programs", _("Programs"), "programs:index"),
    ("requests", _("Requests"), "coordination:inbox"),
    ("services", _("Citizen services"), "cases:case_list"),
    ("data", _("Data"), "catalog:index"),
    ("blood", _("Blood"), "blood:index"),
    ("dashboard", _("Dashboard"), "insights:dashboard"),
    ("agencies", _("Agencies"), "agencies:list"),
]


def shell(request: HttpRequest) -> dict[str, Any]:
    """Navigation items with the current one marked, and the language choices."""
    path = request.path
    user = getattr(request, "user", None)
    signed_in = bool(user and user.is_authenticated)
    # Only leaders and agency heads may open the dashboard: nobody else is shown a 403.
    dashboard = signed_in and can(user, "insights.dashboard", None)
    items = []
    for key, label, name in NAV:
        if key == "dashboard" and not dashboard:
            continue
        url = reverse(name)
        current = path == url if url == "/" else path.startswith(url)
        items.append({"key": key, "label": label, "url": url, "current": current})

    def may_view_audit() -> bool:
        """Whether the account menu offers the audit log (asked only where it is drawn)."""
        user = getattr(request, "user", None)
        return bool(user and user.is_authenticated and can(user, "audit.view", None))

    return {
        "nav_items": items,
        "languages": settings.LANGUAGES,
        "sinergi_mode": settings.MODE,
        "may_view_audit": may_view_audit,
        "may_view_dashboard": dashboard,
    }
