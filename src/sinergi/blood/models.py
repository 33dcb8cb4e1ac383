"""Blood products, the stock ledger and its per-cell balances, hospital requests, dropping
between blood units and donor calls."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import ReferenceQuerySet, VisibleQuerySet

from .choices import (
    Abo,
    BagStatus,
    BloodRequestStatus,
    BloodUrgency,
    Component,
    DonorCallStatus,
    DroppingStatus,
    MovementKind,
    Rh,
)


def _region_q(field: str, codes: list[str]) -> Q:
    cond = Q(pk__in=[])
    for code in codes:
        cond |= Q(**{field: code}) | Q(**{f"{field}__startswith": code + "."})
    return cond


class Product(models.Model):
    """A blood product (WB, PRC, TC, FFP, LP, Cryo) with its shelf life and storage."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=100)
    component = models.CharField(_("component"), max_length=20, choices=Component.choices)
    shelf_life_days = models.PositiveIntegerField(_("shelf life (days)"))
    storage_min_c = models.DecimalField(
        _("storage from (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    storage_max_c = models.DecimalField(
        _("storage to (°C)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "code"]
        verbose_name = _("blood product")
        verbose_name_plural = _("blood products")

    def __str__(self) -> str:
        return self.code

    @property
    def storage(self) -> str:
        """Storage temperature as people write it: ``2–6 °C``, ``≤ −25 °C``."""
        lo, hi = self.storage_min_c, self.storage_max_c
        fmt = lambda v: f"{v:g}".replace("-", "−")  # noqa: E731
        if lo is not None and hi is not None:
            return f"{fmt(lo)}–{fmt(hi)} °C"
        if hi is not None:
            return f"≤ {fmt(hi)} °C"
        if lo is not None:
            return f"≥ {fmt(lo)} °C"
        return ""


class UnitProfile(models.Model):
    """Blood-specific settings and the change counter of one blood unit (an Agency of kind
    blood_unit). ``version`` and ``last_change_at`` move in the same transaction as every
    stock movement, so the public ticker can key its cache and ETag on them."""

    unit = models.OneToOneField(
        "agencies.Agency", on_delete=models.CASCADE, related_name="blood_profile"
    )
    ticker_name = models.CharField(_("name on the ticker"), max_length=60, blank=True)
    stale_after_minutes = models.PositiveIntegerField(_("stale after (minutes)"), default=24 * 60)
    safe_days = models.DecimalField(
        _("safe from (days of supply)"), max_digits=5, decimal_places=1, default=4
    )
    critical_days = models.DecimalField(
        _("critical below (days of supply)"), max_digits=5, decimal_places=1, default=2
    )
    rate_window_days = models.PositiveSmallIntegerField(_("issue rate window (days)"), default=30)
    bag_products = models.ManyToManyField(
        Product,
        verbose_name=_("products tracked by bag"),
        blank=True,
        related_name="+",
        help_text=_("For these products every bag is recorded with its donation number."),
    )
    version = models.BigIntegerField(default=0)
    last_change_at = models.DateTimeField(_("last stock change"), null=True, blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("blood unit profile")
        verbose_name_plural = _("blood unit profiles")

    def __str__(self) -> str:
        return f"profile of {self.unit_id}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this unit."""
        return self.unit.region.code


class TravelTime(models.Model):
    """Road travel time between two blood units, used to rank neighbours for dropping."""

    from_unit = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="blood_travel_from"
    )
    to_unit = models.ForeignKey(
        "agencies.Agency", on_delete=models.CASCADE, related_name="blood_travel_to"
    )
    minutes = models.PositiveIntegerField(_("travel time (minutes)"))

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["from_unit", "to_unit"], name="blood_travel_unique")
        ]

    def __str__(self) -> str:
        return f"{self.from_unit_id}→{self.to_unit_id} {self.minutes} min"


class Stock(models.Model):
    """The current balance of one cell (unit × product × ABO × RhD), kept in step with the
    ledger in the same transaction and locked with ``select_for_update`` on every change."""

    unit = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices)
    quantity = models.IntegerField(_("quantity (bags)"), default=0)
    updated_at = models.DateTimeField(_("updated at"))

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        verbose_name = _("stock balance")
        verbose_name_plural = _("stock balances")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "product", "abo", "rh"], name="blood_stock_cell_unique"
            ),
            models.CheckConstraint(condition=Q(quantity__gte=0), name="blood_stock_never_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} {self.product_id} {self.abo}{self.rh}: {self.quantity}"


class MovementQuerySet(VisibleQuerySet):
    """Who reads a unit's ledger."""

    def visible_to(self, user: Any) -> Self:
        """The unit's own people, the leaders and the health office of its region, the
        counterpart agency of a movement, and platform admins."""
        from .selectors import acting_agency_ids, oversight_region_codes

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = acting_agency_ids(user)
        cond = Q(unit_id__in=ids) | Q(counterpart_id__in=ids)
        cond |= _region_q("region_code", oversight_region_codes(user))
        return self.filter(cond)


class Movement(models.Model):
    """One entry of the stock ledger; ``delta`` is signed, ``balance_after`` the cell's
    balance once it was applied. Entries are never changed: a correction is a new
    adjustment."""

    unit = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="blood_movements"
    )
    region_code = models.CharField(max_length=20, db_index=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="movements")
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices)
    kind = models.CharField(_("kind"), max_length=20, choices=MovementKind.choices)
    delta = models.IntegerField(_("change (bags)"))
    balance_after = models.IntegerField(_("balance after"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    counterpart = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("hospital or unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        "BloodRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    dropping = models.ForeignKey(
        "Dropping", null=True, blank=True, on_delete=models.PROTECT, related_name="movements"
    )
    occurred_at = models.DateTimeField(_("time"))
    recorded_at = models.DateTimeField(_("recorded at"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(_("source"), max_length=20, default="form")

    objects = MovementQuerySet.as_manager()

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("stock movement")
        verbose_name_plural = _("stock movements")
        indexes = [
            models.Index(fields=["unit", "occurred_at"]),
            models.Index(fields=["unit", "kind", "occurred_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.delta:+d} {self.product_id} {self.abo}{self.rh}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with the audit entry of this movement."""
        return self.region_code


class BloodRequestQuerySet(VisibleQuerySet):
    """Who sees a hospital's blood request (never the public)."""

    def visible_to(self, user: Any) -> Self:
        """The requesting hospital, the addressed unit, a unit asked for dropping for it,
        the leaders and the health office of the region, platform admins."""
        from .selectors import acting_agency_ids, oversight_region_codes

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = acting_agency_ids(user)
        cond = Q(hospital_id__in=ids) | Q(unit_id__in=ids) | Q(droppings__to_unit_id__in=ids)
        cond |= _region_q("region_code", oversight_region_codes(user))
        return self.filter(cond).distinct()


class BloodRequest(models.Model):
    """A hospital's request to a blood unit, identified by the hospital's case number
    (never a patient's name)."""

    hospital = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="blood_requests_made"
    )
    unit = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="blood_requests_received"
    )
    region_code = models.CharField(max_length=20, db_index=True)
    case_number = models.CharField(_("case number"), max_length=40)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices)
    quantity = models.PositiveIntegerField(_("quantity (bags)"))
    quantity_allocated = models.PositiveIntegerField(_("allocated (bags)"), default=0)
    urgency = models.CharField(_("urgency"), max_length=10, choices=BloodUrgency.choices)
    needed_by = models.DateTimeField(_("needed by"))
    note = models.CharField(_("note"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=BloodRequestStatus.choices,
        default=BloodRequestStatus.SUBMITTED,
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("requested at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    due_at = models.DateTimeField(_("answer due by"), null=True, blank=True)
    escalation_step = models.PositiveSmallIntegerField(default=0)

    objects = BloodRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("blood request")
        verbose_name_plural = _("blood requests")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["hospital"]),
            models.Index(fields=["status", "due_at"]),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.product_id} {self.abo}{self.rh} ×{self.quantity}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this request."""
        return self.region_code

    @property
    def outstanding(self) -> int:
        """Bags still to allocate."""
        return max(self.quantity - self.quantity_allocated, 0)


class AllocationQuerySet(VisibleQuerySet):
    """Allocations are seen by whoever sees their blood request."""

    def visible_to(self, user: Any) -> Self:
        """Allocations of the requests the user sees."""
        return self.filter(request__in=BloodRequest.objects.visible_to(user).values("pk"))


class Allocation(models.Model):
    """Bags a unit issued against a request, possibly of a compatible substitute group."""

    request = models.ForeignKey(BloodRequest, on_delete=models.PROTECT, related_name="allocations")
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices)
    quantity = models.PositiveIntegerField(_("quantity (bags)"))
    is_substitute = models.BooleanField(_("substitute"), default=False)
    movement = models.OneToOneField(Movement, on_delete=models.PROTECT, related_name="allocation")
    created_at = models.DateTimeField(_("allocated at"))

    objects = AllocationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")

    def __str__(self) -> str:
        return f"{self.abo}{self.rh} ×{self.quantity}"


class DroppingQuerySet(VisibleQuerySet):
    """Who sees a dropping request between two units."""

    def visible_to(self, user: Any) -> Self:
        """Both units, the oversight of either region, platform admins."""
        from .selectors import acting_agency_ids, oversight_region_codes

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = acting_agency_ids(user)
        codes = oversight_region_codes(user)
        cond = Q(from_unit_id__in=ids) | Q(to_unit_id__in=ids)
        cond |= _region_q("region_code", codes) | _region_q("to_unit__region__code", codes)
        return self.filter(cond)


class Dropping(models.Model):
    """A blood unit asks another unit to send bags (dropping), often for a request."""

    from_unit = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="blood_droppings_asked"
    )
    to_unit = models.ForeignKey(
        "agencies.Agency", on_delete=models.PROTECT, related_name="blood_droppings_received"
    )
    region_code = models.CharField(max_length=20, db_index=True)
    request = models.ForeignKey(
        BloodRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="droppings"
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices)
    quantity = models.PositiveIntegerField(_("quantity (bags)"))
    quantity_sent = models.PositiveIntegerField(_("sent (bags)"), default=0)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DroppingStatus.choices,
        default=DroppingStatus.REQUESTED,
    )
    decline_reason = models.CharField(_("reason for declining"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("requested at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = DroppingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("dropping")
        verbose_name_plural = _("droppings")

    def __str__(self) -> str:
        return f"dropping #{self.pk} {self.product_id} {self.abo}{self.rh} ×{self.quantity}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this dropping."""
        return self.region_code


class DonorCallQuerySet(VisibleQuerySet):
    """Published and closed donor calls are public; drafts stay with the unit."""

    def visible_to(self, user: Any) -> Self:
        """Every call that is not a draft; drafts for the people of the unit (or above it)
        and platform admins."""
        from .selectors import acting_agency_ids

        shown = ~Q(status=DonorCallStatus.DRAFT)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.filter(shown)
        if user.is_superuser:
            return self.all()
        return self.filter(shown | Q(unit_id__in=acting_agency_ids(user)))


class DonorCall(models.Model):
    """A unit's public call for donors of a group, shown on its public page."""

    unit = models.ForeignKey("agencies.Agency", on_delete=models.CASCADE, related_name="+")
    region_code = models.CharField(max_length=20)
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices, blank=True)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="+")
    place = models.CharField(_("place"), max_length=200)
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("until"))
    message = models.CharField(_("message"), max_length=500, blank=True)
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=DonorCallStatus.choices,
        default=DonorCallStatus.PUBLISHED,
    )
    created_at = models.DateTimeField(_("created at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = DonorCallQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("donor call")
        verbose_name_plural = _("donor calls")

    def __str__(self) -> str:
        return f"donor call {self.abo}{self.rh} at {self.place}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this call."""
        return self.region_code


class BagQuerySet(VisibleQuerySet):
    """Who sees a unit's tracked bags (never the public)."""

    def visible_to(self, user: Any) -> Self:
        """The unit's people, the leaders and the health office of its region, the hospital
        or unit a bag went to, platform admins."""
        from .selectors import acting_agency_ids, oversight_region_codes

        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = acting_agency_ids(user)
        cond = Q(unit_id__in=ids) | Q(counterpart_id__in=ids)
        cond |= _region_q("region_code", oversight_region_codes(user))
        return self.filter(cond)


class Bag(models.Model):
    """One bag of a product a unit tracks by bag. Only ``available`` bags are stock; every
    change of status comes with the ledger movement that moved the stock, so the available
    bags of a cell always number the cell's balance."""

    unit = models.ForeignKey("agencies.Agency", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=20, db_index=True)
    donation_number = models.CharField(_("donation number"), max_length=30)
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="bags")
    abo = models.CharField(_("ABO group"), max_length=2, choices=Abo.choices)
    rh = models.CharField(_("RhD"), max_length=3, choices=Rh.choices)
    collected_at = models.DateTimeField(_("collected at"))
    expires_at = models.DateTimeField(_("expires at"))
    status = models.CharField(
        _("status"), max_length=15, choices=BagStatus.choices, default=BagStatus.AVAILABLE
    )
    counterpart = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("hospital or unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    request = models.ForeignKey(
        BloodRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="bags"
    )
    in_movement = models.ForeignKey(
        Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="bags_in"
    )
    out_movement = models.ForeignKey(
        Movement, null=True, blank=True, on_delete=models.PROTECT, related_name="bags_out"
    )
    created_at = models.DateTimeField(_("recorded at"))
    updated_at = models.DateTimeField(_("updated at"))

    objects = BagQuerySet.as_manager()

    class Meta:
        ordering = ["expires_at", "pk"]
        verbose_name = _("blood bag")
        verbose_name_plural = _("blood bags")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "donation_number"], name="blood_bag_number_unique_per_unit"
            )
        ]
        indexes = [
            models.Index(fields=["unit", "product", "abo", "rh", "status", "expires_at"]),
            models.Index(fields=["status", "expires_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.donation_number} {self.product_id} {self.abo}{self.rh}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this bag."""
        return self.region_code
