"""Admin for regions (read-only)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import Region


@admin.register(Region)
class RegionAdmin(ReadOnlyAdmin):
    """Regions by Kemendagri code."""

    list_display = ("code", "name", "level", "timezone")
    list_filter = ("level", "timezone")
    search_fields = ("code", "name")
