"""Admin for the blood app (read-only)."""

from django.contrib import admin

from sinergi.core.admin import ReadOnlyAdmin

from .models import (
    Allocation,
    Bag,
    BloodRequest,
    DonorCall,
    Dropping,
    Movement,
    Product,
    Stock,
    UnitProfile,
)


@admin.register(Movement)
class MovementAdmin(ReadOnlyAdmin):
    """The stock ledger."""

    list_display = ("occurred_at", "unit", "product", "abo", "rh", "kind", "delta", "balance_after")
    list_filter = ("kind", "abo", "rh")


@admin.register(BloodRequest)
class BloodRequestAdmin(ReadOnlyAdmin):
    """Hospital requests."""

    list_display = ("pk", "hospital", "unit", "product", "abo", "rh", "quantity", "status")
    list_filter = ("status", "urgency")


for model in (Product, Stock, UnitProfile, Allocation, Dropping, DonorCall, Bag):
    admin.site.register(model, ReadOnlyAdmin)
