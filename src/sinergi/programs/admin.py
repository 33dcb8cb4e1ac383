"""Admin for programs (read-only)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import (
    Baseline,
    Commitment,
    Dependency,
    Indicator,
    Partnership,
    Program,
    ProgressUpdate,
    WorkItem,
)


@admin.register(Program)
class ProgramAdmin(ReadOnlyAdmin):
    """Programs."""

    list_display = ("code", "title", "coordinator", "status", "visibility", "plan_version")
    list_filter = ("status", "visibility")
    search_fields = ("code", "title")


@admin.register(WorkItem)
class WorkItemAdmin(ReadOnlyAdmin):
    """Work items."""

    list_display = ("program", "wbs", "title", "owner", "duration", "percent_complete")
    list_select_related = ("program", "owner")


for model in (Partnership, Commitment, Indicator, Dependency, Baseline, ProgressUpdate):
    admin.site.register(model, ReadOnlyAdmin)
