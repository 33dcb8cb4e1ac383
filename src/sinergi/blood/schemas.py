"""Schemas of the blood API."""

import datetime as dt
from typing import Annotated, Any

from ninja import Field, Schema

from .choices import (
    Abo,
    BagStatus,
    BloodRequestStatus,
    BloodUrgency,
    DonorCallStatus,
    DroppingStatus,
    MovementKind,
    Rh,
)

DonationNumber = Annotated[str, Field(min_length=1, max_length=40)]

MANUAL = MovementKind


class BloodProductOut(Schema):
    """A blood product."""

    code: str
    name: str
    component: str
    shelf_life_days: int
    storage: str


class BloodCellOut(Schema):
    """The balance of one cell."""

    product: str
    abo: Abo
    rh: Rh
    quantity: int


class BloodGroupOut(Schema):
    """Totals of one ABO group."""

    abo: Abo
    red_cells: int
    red_cells_rh_neg: int
    platelets: int
    plasma: int
    days_of_supply: float | None
    status: str


class BloodStockOut(Schema):
    """A unit's current stock: every non-empty cell and the totals per group."""

    unit: str
    updated_at: dt.datetime | None
    stale: bool
    cells: list[BloodCellOut]
    groups: list[BloodGroupOut]


class BloodMovementIn(Schema):
    """A movement recorded by hand or by a unit's system."""

    kind: MovementKind
    product: str = Field(..., max_length=10)
    abo: Abo
    rh: Rh
    quantity: int = Field(..., ge=-10_000, le=10_000, description="bags; signed for adjustment")
    reason: str = Field("", max_length=300)
    counterpart: str | None = Field(None, max_length=100, description="hospital slug for issues")
    occurred_at: dt.datetime | None = None
    donation_numbers: list[DonationNumber] = Field(
        [],
        max_length=500,
        description="bags tracked by donation number: the new ones of a collection "
        "(required there), the ones taken out (optional: first expiry first out)",
    )


class BloodMovementOut(Schema):
    """One ledger entry."""

    id: int
    unit: str
    product: str
    abo: str
    rh: str
    kind: str
    delta: int
    balance_after: int
    reason: str
    counterpart: str | None
    request_id: int | None
    dropping_id: int | None
    occurred_at: dt.datetime
    recorded_at: dt.datetime
    source: str

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.slug)

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return str(obj.product.code)

    @staticmethod
    def resolve_counterpart(obj: Any) -> str | None:
        return obj.counterpart.slug if obj.counterpart_id else None


class BloodMovementFilters(Schema):
    """Filters of the ledger."""

    kind: MovementKind | None = None
    product: str | None = Field(None, max_length=10)
    since: dt.date | None = None


class BloodLevelRow(Schema):
    """One SIMDONDAR row: counted bags of a product per group and RhD."""

    produk: str = Field(..., max_length=10)
    a_pos: int = Field(..., ge=0, le=10_000)
    a_neg: int = Field(..., ge=0, le=10_000)
    b_pos: int = Field(..., ge=0, le=10_000)
    b_neg: int = Field(..., ge=0, le=10_000)
    o_pos: int = Field(..., ge=0, le=10_000)
    o_neg: int = Field(..., ge=0, le=10_000)
    ab_pos: int = Field(..., ge=0, le=10_000)
    ab_neg: int = Field(..., ge=0, le=10_000)
    updated_at: dt.datetime | None = None


class BloodPushIn(Schema):
    """A SIMDONDAR push: rows applied all or nothing as adjustments."""

    rows: list[BloodLevelRow] = Field(..., max_length=100)
    reason: str = Field("", max_length=300)


class BloodPushOut(Schema):
    """What a push changed."""

    adjustments: int
    unchanged: int


class BloodStokdarahIn(Schema):
    """SIMDONDAR's stokdarah rows as exported (``udd, produk, nama, a_pos, b_pos, o_pos,
    ab_pos, a_neg, b_neg, o_neg, ab_neg, ket, update_on``), applied all or nothing."""

    rows: list[dict[str, Any]] = Field(..., max_length=500)


class BloodStokdarahOut(Schema):
    """What a stokdarah import changed: adjustments, the UDD named, when SIMDONDAR counted
    and the emergency Rh+ stock noted in ``ket`` per product (included in the counts)."""

    adjustments: int
    unchanged: int
    udd: str
    counted_at: dt.datetime | None
    emergency: dict[str, int]


class BloodRequestIn(Schema):
    """A hospital's blood request (case number, never a name)."""

    hospital: str = Field(..., max_length=100)
    unit: str = Field(..., max_length=100)
    case_number: str = Field(..., min_length=1, max_length=40)
    product: str = Field(..., max_length=10)
    abo: Abo
    rh: Rh
    quantity: int = Field(..., ge=1, le=100)
    urgency: BloodUrgency
    needed_by: dt.datetime
    note: str = Field("", max_length=500)


class BloodAllocationOut(Schema):
    """Bags issued against a request."""

    abo: str
    rh: str
    quantity: int
    is_substitute: bool
    created_at: dt.datetime


class BloodRequestOut(Schema):
    """A blood request and its allocations."""

    id: int
    hospital: str
    unit: str
    case_number: str
    product: str
    abo: str
    rh: str
    quantity: int
    quantity_allocated: int
    urgency: BloodUrgency
    needed_by: dt.datetime
    status: BloodRequestStatus
    decline_reason: str
    note: str
    created_at: dt.datetime
    accepted_at: dt.datetime | None
    closed_at: dt.datetime | None
    due_at: dt.datetime | None = Field(None, description="when the unit's answer is due")
    allocations: list[BloodAllocationOut]

    @staticmethod
    def resolve_hospital(obj: Any) -> str:
        return str(obj.hospital.slug)

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.slug)

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return str(obj.product.code)

    @staticmethod
    def resolve_allocations(obj: Any) -> list[Any]:
        return list(obj.allocations.all())


class BloodRequestFilters(Schema):
    """Filters of the request list."""

    status: BloodRequestStatus | None = None
    unit: str | None = Field(None, max_length=100)
    hospital: str | None = Field(None, max_length=100)


class BloodAllocateLine(Schema):
    """Bags of one cell to allocate."""

    abo: Abo
    rh: Rh
    quantity: int = Field(..., ge=1, le=100)


class BloodAllocateIn(Schema):
    """Cells to allocate from the unit's stock (the requested one or substitutes)."""

    lines: list[BloodAllocateLine] = Field(..., min_length=1, max_length=8)


class BloodReasonIn(Schema):
    """A reason for declining."""

    reason: str = Field(..., min_length=1, max_length=300)


class BloodOptionCell(Schema):
    """A cell the unit may allocate, with the bags it holds."""

    abo: str
    rh: str
    in_stock: int


class BloodNeighbourOut(Schema):
    """Another unit that holds compatible bags."""

    unit: str
    name: str
    cells: list[BloodOptionCell]
    total: int
    travel_minutes: int | None


class BloodOptionsOut(Schema):
    """Substitutes allowed by the compatibility rules and neighbours to ask."""

    outstanding: int
    cells: list[BloodOptionCell]
    neighbours: list[BloodNeighbourOut]


class BloodDroppingIn(Schema):
    """Ask another unit for bags for this request."""

    to_unit: str = Field(..., max_length=100)
    abo: Abo
    rh: Rh
    quantity: int = Field(..., ge=1, le=500)


class BloodDroppingOut(Schema):
    """A dropping request between two units."""

    id: int
    from_unit: str
    to_unit: str
    request_id: int | None
    product: str
    abo: str
    rh: str
    quantity: int
    quantity_sent: int
    status: DroppingStatus
    decline_reason: str
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_from_unit(obj: Any) -> str:
        return str(obj.from_unit.slug)

    @staticmethod
    def resolve_to_unit(obj: Any) -> str:
        return str(obj.to_unit.slug)

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return str(obj.product.code)


class BloodFulfilIn(Schema):
    """How many bags the asked unit sends (all when left out)."""

    quantity: int | None = Field(None, ge=1, le=500)


class BloodUnitSettingsIn(Schema):
    """A unit's ticker name, stale limit and safe levels; fields left out stay."""

    ticker_name: str | None = Field(None, max_length=60)
    stale_after_minutes: int | None = Field(None, ge=5, le=60 * 24 * 30)
    safe_days: float | None = Field(None, gt=0, le=60)
    critical_days: float | None = Field(None, gt=0, le=60)
    rate_window_days: int | None = Field(None, ge=7, le=365)


class BloodUnitSettingsOut(Schema):
    """A unit's settings."""

    unit: str
    ticker_name: str
    stale_after_minutes: int
    safe_days: float
    critical_days: float
    rate_window_days: int


class BloodBagOut(Schema):
    """One bag of a product the unit tracks by bag."""

    id: int
    unit: str
    donation_number: str
    product: str
    abo: str
    rh: str
    collected_at: dt.datetime
    expires_at: dt.datetime
    status: BagStatus
    counterpart: str | None
    request_id: int | None

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.slug)

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return str(obj.product.code)

    @staticmethod
    def resolve_counterpart(obj: Any) -> str | None:
        return obj.counterpart.slug if obj.counterpart_id else None


class BloodBagFilters(Schema):
    """Filters of the bag list."""

    product: str | None = Field(None, max_length=10)
    abo: Abo | None = None
    rh: Rh | None = None
    status: BagStatus | None = None
    expiring_within_days: int | None = Field(None, ge=0, le=400)
    donation_number: str | None = Field(None, max_length=40)


class BloodBagPatchIn(Schema):
    """Corrections from the bag's label; fields left out stay."""

    expires_at: dt.datetime | None = None
    donation_number: str | None = Field(None, max_length=40)


class BloodBagRecordIn(Schema):
    """A bag already in stock, labelled when the unit starts tracking by bag."""

    donation_number: DonationNumber
    abo: Abo
    rh: Rh
    collected_at: dt.datetime
    expires_at: dt.datetime | None = None


class BloodTrackIn(Schema):
    """Start tracking a product by bag: one record per bag in stock, per cell exactly as
    many as the ledger holds."""

    product: str = Field(..., max_length=10)
    bags: list[BloodBagRecordIn] = Field(..., max_length=10_000)


class BloodTrackOut(Schema):
    """What tracking recorded."""

    product: str
    bags: int


class BloodUntrackIn(Schema):
    """Stop tracking a product by bag; its stock is counted per cell again."""

    product: str = Field(..., max_length=10)


class BloodUntrackOut(Schema):
    """What switching off did: the bags that were in stock keep their history with the
    status ``untracked``; the ledger (the stock) is unchanged."""

    product: str
    bags_in_stock: int


class BloodDonorCallIn(Schema):
    """A call for donors of a group (published at once unless ``draft``)."""

    abo: Abo
    rh: Rh | None = None
    product: str = Field(..., max_length=10)
    place: str = Field(..., min_length=1, max_length=200)
    starts_at: dt.datetime
    ends_at: dt.datetime
    message: str = Field("", max_length=500)
    draft: bool = False


class BloodDonorCallOut(Schema):
    """A donor call."""

    id: int
    unit: str
    abo: str
    rh: str
    product: str
    place: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    message: str
    status: DonorCallStatus
    created_at: dt.datetime
    closed_at: dt.datetime | None

    @staticmethod
    def resolve_unit(obj: Any) -> str:
        return str(obj.unit.slug)

    @staticmethod
    def resolve_product(obj: Any) -> str:
        return str(obj.product.code)
