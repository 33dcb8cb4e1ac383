"""Admin for cases (read-only, see docs/decisions/read-only-admin.md)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import Case, CaseDocument, CaseStep, Complaint, Rating, Service, ServiceVersion


@admin.register(Case)
class CaseAdmin(ReadOnlyAdmin):
    """Citizens' cases; personal fields are left out of the list."""

    list_display = ("code", "service", "status", "filed_at", "due_date")
    list_filter = ("status",)
    exclude = ("nik", "phone", "email", "applicant_name", "data")


admin.site.register(Service, ReadOnlyAdmin)
admin.site.register(ServiceVersion, ReadOnlyAdmin)
admin.site.register(CaseStep, ReadOnlyAdmin)
admin.site.register(CaseDocument, ReadOnlyAdmin)
admin.site.register(Rating, ReadOnlyAdmin)
admin.site.register(Complaint, ReadOnlyAdmin)
