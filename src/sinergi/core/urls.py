"""URLs of the core app."""

from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("program/", views.module_pending, {"module": "programs"}, name="programs"),
    path("permintaan/", views.module_pending, {"module": "requests"}, name="requests"),
    path("data/", views.module_pending, {"module": "data"}, name="data"),
    path("darah/", views.module_pending, {"module": "blood"}, name="blood"),
    path("dasbor/", views.module_pending, {"module": "dashboard"}, name="dashboard"),
    path("publik/", views.public, name="public"),
    path("audit/", views.audit, name="audit"),
    path("healthz", views.healthz, name="healthz"),
]
