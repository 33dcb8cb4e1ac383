"""Admin for coordination (read-only)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import (
    CalendarFeed,
    EscalationPolicy,
    LocalHoliday,
    Meeting,
    Request,
    RequestEvent,
)


@admin.register(Request)
class RequestAdmin(ReadOnlyAdmin):
    """Requests between agencies."""

    list_display = ("pk", "subject", "from_agency", "to_agency", "kind", "status", "due_date")
    list_filter = ("kind", "status")


admin.site.register(RequestEvent, ReadOnlyAdmin)
admin.site.register(Meeting, ReadOnlyAdmin)
admin.site.register(LocalHoliday, ReadOnlyAdmin)
admin.site.register(EscalationPolicy, ReadOnlyAdmin)


@admin.register(CalendarFeed)
class CalendarFeedAdmin(ReadOnlyAdmin):
    """Calendar feeds; the token hash is never shown."""

    list_display = ("user", "agency", "created_at", "revoked_at")
    exclude = ("token_hash",)
