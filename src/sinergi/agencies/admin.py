"""Admin for agencies (read-only)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import Affair, Agency, Membership, Sector


@admin.register(Agency)
class AgencyAdmin(ReadOnlyAdmin):
    """Agencies."""

    list_display = ("name", "slug", "kind", "region", "is_active")
    list_filter = ("kind", "is_active")
    search_fields = ("name", "short_name", "slug")


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    """Memberships."""

    list_display = ("user", "agency", "role", "position_title", "is_primary")
    list_filter = ("role",)


admin.site.register(Sector, ReadOnlyAdmin)
admin.site.register(Affair, ReadOnlyAdmin)
