"""Reads of the regions app."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from .models import Region


def regions_search(
    *, user: Any, q: str = "", level: str = "", parent: str = "", within: str = ""
) -> QuerySet[Region]:
    """Regions filtered by text, level, parent code or an enclosing region code."""
    qs = Region.objects.visible_to(user).select_related("parent")
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__startswith=q))
    if level:
        qs = qs.filter(level=level)
    if parent:
        qs = qs.filter(parent__code=parent)
    if within:
        qs = qs.within(within)
    return qs
