"""Public pages of the programs app (under /publik/program/, no sign-in)."""

from django.urls import path

from . import views

app_name = "programs_public"

urlpatterns = [
    path("", views.public_index, name="index"),
    path("<str:code>/", views.public_detail, name="detail"),
]
