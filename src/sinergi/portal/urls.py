"""URLs of the public portal (under /publik/)."""

from django.urls import path

from . import views

app_name = "portal"

urlpatterns = [
    path("", views.index, name="index"),
    path("instansi/", views.agencies, name="agencies"),
    path("instansi/<slug:slug>/", views.agency, name="agency"),
    path("darah/", views.blood, name="blood"),
]
