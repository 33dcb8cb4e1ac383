"""Public pages served by insights: the coordination scoreboard at /publik/skor/."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET


@require_GET
def scoreboard(request: HttpRequest) -> HttpResponse:
    """The coordination scoreboard: per agency received, on-time rate, median response,
    open overdue. Anonymous, aggregates only."""
    return render(request, "insights/public_scoreboard.html", {"rows": []})
