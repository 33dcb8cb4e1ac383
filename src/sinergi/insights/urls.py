"""URLs of the leader dashboard (under /dasbor/)."""

from django.urls import path

from . import views

app_name = "insights"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("instansi/<slug:slug>/", views.agency, name="agency"),
    path("pasangan/", views.pairs, name="pairs"),
    path("laporan/", views.report, name="report"),
]
