"""Admin: a read-only window on the data.

Every write goes through a service (DESIGN rule 1), so the admin only lists and shows;
changes are made in the app's own pages, the API or the CLI.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import AuditEntry


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    """A model admin that shows and never writes."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The audit chain."""

    list_display = (
        "seq",
        "chain",
        "chain_seq",
        "at",
        "actor_username",
        "actor_agency",
        "action",
        "object_type",
        "object_id",
    )
    list_filter = ("action", "object_type")
    search_fields = ("actor_username", "actor_agency", "object_id", "object_repr")
