"""Views of the leader dashboard (placeholders until the dashboard lands)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from sinergi.core.views import AuthedRequest, module_pending


@login_required
def dashboard(request: AuthedRequest) -> HttpResponse:
    """The leader dashboard at /dasbor/."""
    return module_pending(request, "dashboard")


@login_required
def agency(request: AuthedRequest, slug: str) -> HttpResponse:
    """An agency's scorecard at /dasbor/instansi/<slug>/."""
    return module_pending(request, "dashboard")


@login_required
def pairs(request: AuthedRequest) -> HttpResponse:
    """The pair view at /dasbor/pasangan/."""
    return module_pending(request, "dashboard")


@login_required
def report(request: AuthedRequest) -> HttpResponse:
    """The rakor report at /dasbor/laporan/."""
    return module_pending(request, "dashboard")
