"""Top-level URLs."""

from django.contrib import admin
from django.urls import include, path

from .api import api

urlpatterns = [
    path("", include("sinergi.core.urls")),
    path("", include("sinergi.catalog.urls")),
    path("", include("sinergi.accounts.urls")),
    path("instansi/", include("sinergi.agencies.urls")),
    path("", include("sinergi.notifications.urls")),
    path("", include("sinergi.coordination.urls")),
    path("", include("sinergi.cases.urls")),
    path("program/", include("sinergi.programs.urls")),
    path("publik/program/", include("sinergi.programs.public_urls")),
    path("publik/", include("sinergi.portal.urls")),
    path("darah/", include("sinergi.blood.urls")),
    path("dasbor/", include("sinergi.insights.urls")),
    path("publik/skor/", include("sinergi.insights.public_urls")),
    path("api/v1/", api.urls),
    path("admin/", admin.site.urls),
]

handler400 = "sinergi.core.views.error_400"
handler403 = "sinergi.core.views.error_403"
handler404 = "sinergi.core.views.error_404"
handler500 = "sinergi.core.views.error_500"
