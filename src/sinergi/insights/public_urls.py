"""Public URLs served by insights (under /publik/skor/)."""

from django.urls import path

from . import public_views

app_name = "insights_public"

urlpatterns = [
    path("", public_views.scoreboard, name="scoreboard"),
]
