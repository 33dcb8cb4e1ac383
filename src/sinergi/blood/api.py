"""Blood API: products, stock, the ledger, the SIMDONDAR push, hospital requests and
dropping."""

import datetime as dt
import json
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Path as PathParam
from ninja import Query, Router
from ninja.pagination import paginate

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.api import MAX_ID, READ_ERRORS, ApiRequest, ErrorOut, Pagination, responses
from sinergi.core.clock import now
from sinergi.core.exceptions import NotFound, ValidationFailed
from sinergi.core.permissions import get_visible_or_404

from . import fhir, services
from .choices import Abo, BagStatus, Rh
from .models import Bag, BloodRequest, DonorCall, Dropping, Movement, Product
from .schemas import (
    BloodAllocateIn,
    BloodBagFilters,
    BloodBagOut,
    BloodBagPatchIn,
    BloodCellOut,
    BloodDonorCallIn,
    BloodDonorCallOut,
    BloodDroppingIn,
    BloodDroppingOut,
    BloodFulfilIn,
    BloodGroupOut,
    BloodMovementFilters,
    BloodMovementIn,
    BloodMovementOut,
    BloodNeighbourOut,
    BloodOptionCell,
    BloodOptionsOut,
    BloodProductOut,
    BloodPushIn,
    BloodPushOut,
    BloodReasonIn,
    BloodRequestFilters,
    BloodRequestIn,
    BloodRequestOut,
    BloodStockOut,
    BloodStokdarahIn,
    BloodStokdarahOut,
    BloodTrackIn,
    BloodTrackOut,
    BloodUnitSettingsIn,
    BloodUnitSettingsOut,
    BloodUntrackIn,
    BloodUntrackOut,
)
from .selectors import (
    bags_for,
    blood_units,
    donor_calls_for,
    droppings_for,
    is_stale,
    neighbours_with_stock,
    products,
    profile_of,
    requests_for,
    stock_cells,
    unit_summary,
)

router = Router(tags=["blood"])
Id = PathParam(..., ge=1, le=MAX_ID)


def _unit(slug: str) -> Agency:
    unit = blood_units().filter(slug=slug[:100]).first()
    if unit is None:
        raise NotFound()
    return unit


def _product(code: str, field: str = "product") -> Product:
    product = Product.objects.filter(code=code.upper()[:10], is_active=True).first()
    if product is None:
        raise ValidationFailed(fields={field: ["Unknown product."]})
    return product


@router.get(
    "/products",
    response=responses(list[BloodProductOut], errors=READ_ERRORS),
    summary="List blood products",
)
def product_list(request: ApiRequest) -> Any:
    """Products with shelf life and storage temperature."""
    return products()


@router.get(
    "/units/{slug}/stock",
    response=responses(BloodStockOut, errors=READ_ERRORS),
    summary="Get a unit's stock",
)
def unit_stock(request: ApiRequest, slug: str) -> Any:
    """Every non-empty cell of the unit and the totals, days of supply and status per group."""
    unit = _unit(slug)
    moment = now()
    profile = profile_of(unit)
    cells = [
        BloodCellOut(product=p, abo=Abo(a), rh=Rh(r), quantity=q)
        for (p, a, r), q in sorted(stock_cells(unit).items())
        if q
    ]
    return {
        "unit": unit.slug,
        "updated_at": profile.last_change_at,
        "stale": is_stale(profile, now=moment),
        "cells": cells,
        "groups": [BloodGroupOut(**g.__dict__) for g in unit_summary(unit, now=moment)],
    }


def _settings(unit: Agency) -> dict[str, Any]:
    profile = profile_of(unit)
    return {
        "unit": unit.slug,
        "ticker_name": profile.ticker_name,
        "stale_after_minutes": profile.stale_after_minutes,
        "safe_days": float(profile.safe_days),
        "critical_days": float(profile.critical_days),
        "rate_window_days": profile.rate_window_days,
    }


@router.patch(
    "/units/{slug}/settings",
    response=responses(BloodUnitSettingsOut),
    summary="Change a unit's safe levels and stale limit",
)
def unit_settings(request: ApiRequest, slug: str, data: BloodUnitSettingsIn) -> Any:
    """Ticker name, stale limit (minutes), safe and critical days of supply, rate window."""
    unit = _unit(slug)
    payload = data.model_dump(exclude_unset=True, exclude_none=True)
    for key in ("safe_days", "critical_days"):
        if key in payload:
            payload[key] = Decimal(str(round(payload[key], 1)))
    services.unit_configure(actor=request.auth, unit=unit, now=now(), **payload)
    return _settings(_unit(slug))


@router.get(
    "/units/{slug}/movements",
    response=responses(list[BloodMovementOut], errors=READ_ERRORS),
    summary="List a unit's movements",
)
@paginate(Pagination)
def movement_list(request: ApiRequest, slug: str, filters: Query[BloodMovementFilters]) -> Any:
    """The unit's ledger, newest first (the unit's people, oversight and counterparts)."""
    unit = _unit(slug)
    qs = (
        Movement.objects.visible_to(request.auth)
        .filter(unit=unit)
        .select_related("unit", "product", "counterpart")
    )
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.product:
        qs = qs.filter(product__code=filters.product.upper())
    if filters.since:
        qs = qs.filter(occurred_at__date__gte=filters.since)
    return qs


@router.post(
    "/units/{slug}/movements",
    response=responses(BloodMovementOut, 201),
    summary="Record a movement",
)
def movement_create(request: ApiRequest, slug: str, data: BloodMovementIn) -> Any:
    """Record a collection, issue, expiry, discard or adjustment (reason required)."""
    unit = _unit(slug)
    movement = services.stock_record_movement(
        actor=request.auth,
        unit=unit,
        product=_product(data.product),
        abo=data.abo,
        rh=data.rh,
        kind=data.kind,
        quantity=data.quantity,
        reason=data.reason,
        counterpart=(
            agency_from_slug(data.counterpart, "counterpart")
            if data.counterpart is not None
            else None
        ),
        occurred_at=data.occurred_at,
        now=now(),
        source="api",
        donation_numbers=data.donation_numbers,
    )
    return 201, movement


@router.post(
    "/units/{slug}/simdondar",
    response=responses(BloodPushOut),
    summary="Push counted stock (SIMDONDAR rows)",
)
def simdondar_push(request: ApiRequest, slug: str, data: BloodPushIn) -> Any:
    """Rows ``produk, a_pos … ab_neg, updated_at`` applied all or nothing as adjustments."""
    unit = _unit(slug)
    result = services.stock_push_rows(
        actor=request.auth,
        unit=unit,
        rows=[r.model_dump() for r in data.rows],
        reason=data.reason,
        now=now(),
    )
    return {"adjustments": result.adjustments, "unchanged": result.unchanged}


@router.post(
    "/units/{slug}/stokdarah",
    response=responses(BloodStokdarahOut),
    summary="Apply SIMDONDAR's stokdarah table",
)
def stokdarah_import(request: ApiRequest, slug: str, data: BloodStokdarahIn) -> Any:
    """SIMDONDAR's ``stokdarah`` rows as its JSON export holds them (``udd, produk, nama,
    a_pos … ab_neg, ket, update_on``; numbers may be strings, empty cells count 0),
    applied all or nothing as counted levels; bad rows reported as ``rows.<n>``."""
    unit = _unit(slug)
    result = services.stock_import_stokdarah(
        actor=request.auth, unit=unit, rows=data.rows, now=now()
    )
    return {
        "adjustments": result.adjustments,
        "unchanged": result.unchanged,
        "udd": result.udd,
        "counted_at": result.counted_at,
        "emergency": result.emergency,
    }


@router.get(
    "/requests",
    response=responses(list[BloodRequestOut], errors=READ_ERRORS),
    summary="List blood requests",
)
@paginate(Pagination)
def request_list(request: ApiRequest, filters: Query[BloodRequestFilters]) -> Any:
    """Requests of the caller's hospital or unit, or of the region they oversee."""
    qs = requests_for(request.auth).prefetch_related("allocations")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.unit:
        qs = qs.filter(unit__slug=filters.unit)
    if filters.hospital:
        qs = qs.filter(hospital__slug=filters.hospital)
    return qs


@router.post("/requests", response=responses(BloodRequestOut, 201), summary="Request blood")
def request_create(request: ApiRequest, data: BloodRequestIn) -> Any:
    """A hospital asks a unit for bags under its case number."""
    hospital = agency_from_slug(data.hospital, "hospital")
    unit = agency_from_slug(data.unit, "unit")
    assert hospital is not None and unit is not None  # noqa: S101 - str slugs resolve or raise
    req = services.request_create(
        actor=request.auth,
        hospital=hospital,
        unit=unit,
        product=_product(data.product),
        abo=data.abo,
        rh=data.rh,
        quantity=data.quantity,
        urgency=data.urgency,
        needed_by=data.needed_by,
        case_number=data.case_number,
        note=data.note,
        now=now(),
    )
    return 201, req


def _request(request: ApiRequest, pk: int) -> BloodRequest:
    return get_visible_or_404(request.auth, BloodRequest, pk=pk)


@router.get(
    "/requests/{pk}",
    response=responses(BloodRequestOut, errors=READ_ERRORS),
    summary="Get a blood request",
)
def request_detail(request: ApiRequest, pk: int = Id) -> Any:
    """One request with its allocations."""
    return _request(request, pk)


@router.post(
    "/requests/{pk}/accept", response=responses(BloodRequestOut), summary="Accept a request"
)
def request_accept(request: ApiRequest, pk: int = Id) -> Any:
    """The unit confirms it works on the request."""
    return services.request_accept(actor=request.auth, request=_request(request, pk), now=now())


@router.get(
    "/requests/{pk}/options",
    response=responses(BloodOptionsOut, errors=READ_ERRORS | {403: ErrorOut}),
    summary="Substitutes and neighbours for a request",
)
def request_options(request: ApiRequest, pk: int = Id) -> Any:
    """Cells the compatibility rules allow, with stock, and other units holding them."""
    from sinergi.core.permissions import ensure_can

    req = _request(request, pk)
    ensure_can(request.auth, "blood.handle_request", req)
    cells = services.request_substitutes(req)
    neighbours = neighbours_with_stock(
        req.unit,
        product=req.product,
        cells=[(a, r) for a, r, _q in cells],
        needed=max(req.outstanding - sum(q for _a, _r, q in cells), 1),
    )
    return {
        "outstanding": req.outstanding,
        "cells": [BloodOptionCell(abo=a, rh=r, in_stock=q) for a, r, q in cells],
        "neighbours": [
            BloodNeighbourOut(
                unit=n.unit.slug,
                name=n.unit.name,
                cells=[BloodOptionCell(abo=a, rh=r, in_stock=q) for a, r, q in n.cells],
                total=n.total,
                travel_minutes=n.minutes,
            )
            for n in neighbours
        ],
    }


@router.post(
    "/requests/{pk}/allocate", response=responses(BloodRequestOut), summary="Allocate bags"
)
def request_allocate(request: ApiRequest, data: BloodAllocateIn, pk: int = Id) -> Any:
    """Issue bags of the requested cell or allowed substitutes; partial leaves the rest open."""
    return services.request_allocate(
        actor=request.auth,
        request=_request(request, pk),
        lines=[(line.abo, line.rh, line.quantity) for line in data.lines],
        now=now(),
    )


@router.post(
    "/requests/{pk}/decline", response=responses(BloodRequestOut), summary="Decline a request"
)
def request_decline(request: ApiRequest, data: BloodReasonIn, pk: int = Id) -> Any:
    """Decline what is still outstanding, with a reason."""
    return services.request_decline(
        actor=request.auth, request=_request(request, pk), reason=data.reason, now=now()
    )


@router.post(
    "/requests/{pk}/dropping",
    response=responses(BloodDroppingOut, 201),
    summary="Ask a unit for dropping",
)
def request_dropping(request: ApiRequest, data: BloodDroppingIn, pk: int = Id) -> Any:
    """Ask a neighbouring unit to send bags for this request."""
    req = _request(request, pk)
    to_unit = agency_from_slug(data.to_unit, "to_unit")
    assert to_unit is not None  # noqa: S101 - a str slug always resolves or raises
    dropping = services.dropping_create(
        actor=request.auth,
        from_unit=req.unit,
        to_unit=to_unit,
        product=req.product,
        abo=data.abo,
        rh=data.rh,
        quantity=data.quantity,
        request=req,
        now=now(),
    )
    return 201, dropping


@router.get(
    "/droppings",
    response=responses(list[BloodDroppingOut], errors=READ_ERRORS),
    summary="List dropping requests",
)
@paginate(Pagination)
def dropping_list(request: ApiRequest) -> Any:
    """Dropping requests of the caller's units or of the regions they oversee."""
    return droppings_for(request.auth)


def _dropping(request: ApiRequest, pk: int) -> Dropping:
    return get_visible_or_404(request.auth, Dropping, pk=pk)


@router.post(
    "/droppings/{pk}/fulfil", response=responses(BloodDroppingOut), summary="Send a dropping"
)
def dropping_fulfil(request: ApiRequest, data: BloodFulfilIn, pk: int = Id) -> Any:
    """The asked unit sends the bags: both ledgers change in one transaction."""
    return services.dropping_fulfil(
        actor=request.auth, dropping=_dropping(request, pk), quantity=data.quantity, now=now()
    )


@router.post(
    "/droppings/{pk}/decline", response=responses(BloodDroppingOut), summary="Decline a dropping"
)
def dropping_decline(request: ApiRequest, data: BloodReasonIn, pk: int = Id) -> Any:
    """The asked unit cannot send; the asking unit sees why."""
    return services.dropping_decline(
        actor=request.auth, dropping=_dropping(request, pk), reason=data.reason, now=now()
    )


# --- bags -------------------------------------------------------------------------------


def _bags(request: ApiRequest, filters: BloodBagFilters, unit: Agency | None) -> Any:
    qs = bags_for(request.auth)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if filters.product:
        qs = qs.filter(product__code=filters.product.upper())
    if filters.abo:
        qs = qs.filter(abo=filters.abo)
    if filters.rh:
        qs = qs.filter(rh=filters.rh)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.donation_number:
        qs = qs.filter(donation_number__iexact=filters.donation_number.strip())
    if filters.expiring_within_days is not None:
        qs = qs.filter(
            status=BagStatus.AVAILABLE,
            expires_at__lte=now() + dt.timedelta(days=filters.expiring_within_days),
        )
    return qs


@router.get(
    "/units/{slug}/bags",
    response=responses(list[BloodBagOut], errors=READ_ERRORS),
    summary="List a unit's bags",
)
@paginate(Pagination)
def bag_list(request: ApiRequest, slug: str, filters: Query[BloodBagFilters]) -> Any:
    """Bags of the products the unit tracks by bag, first expiry first (the unit's people,
    oversight, and the hospital or unit a bag went to)."""
    return _bags(request, filters, _unit(slug))


@router.post(
    "/units/{slug}/bags/track",
    response=responses(BloodTrackOut, 201),
    summary="Start tracking a product by bag",
)
def bag_track(request: ApiRequest, slug: str, data: BloodTrackIn) -> Any:
    """Label the bags in stock (per cell exactly as many as the ledger holds); from then
    on every movement of the product names its bags (managers of the unit)."""
    unit = _unit(slug)
    product = _product(data.product)
    count = services.unit_track_bags(
        actor=request.auth,
        unit=unit,
        product=product,
        bags=[
            services.BagRecord(
                donation_number=b.donation_number,
                abo=b.abo,
                rh=b.rh,
                collected_at=b.collected_at,
                expires_at=b.expires_at,
            )
            for b in data.bags
        ],
        now=now(),
    )
    return 201, {"product": product.code, "bags": count}


@router.post(
    "/units/{slug}/bags/untrack",
    response=responses(BloodUntrackOut),
    summary="Stop tracking a product by bag",
)
def bag_untrack(request: ApiRequest, slug: str, data: BloodUntrackIn) -> Any:
    """Count the product per cell again (managers of the unit). The ledger stays the
    stock; the bags keep their history and those in stock become ``untracked``."""
    unit = _unit(slug)
    product = _product(data.product)
    released = services.unit_untrack_bags(actor=request.auth, unit=unit, product=product, now=now())
    return {"product": product.code, "bags_in_stock": released}


def _bag(request: ApiRequest, pk: int) -> Bag:
    return get_visible_or_404(request.auth, Bag, pk=pk)


@router.get("/bags/{pk}", response=responses(BloodBagOut, errors=READ_ERRORS), summary="Get a bag")
def bag_detail(request: ApiRequest, pk: int = Id) -> Any:
    """One tracked bag."""
    return _bag(request, pk)


@router.patch("/bags/{pk}", response=responses(BloodBagOut), summary="Correct a bag")
def bag_patch(request: ApiRequest, data: BloodBagPatchIn, pk: int = Id) -> Any:
    """Correct the expiry or donation number of a bag in stock from its label."""
    return services.bag_update(
        actor=request.auth,
        bag=_bag(request, pk),
        expires_at=data.expires_at,
        donation_number=data.donation_number,
        now=now(),
    )


# --- donor calls ------------------------------------------------------------------------


@router.get(
    "/units/{slug}/donor-calls",
    response=responses(list[BloodDonorCallOut], errors=READ_ERRORS),
    summary="List a unit's donor calls",
)
@paginate(Pagination)
def donor_call_list(request: ApiRequest, slug: str) -> Any:
    """Published and closed calls; drafts too for the unit's officers."""
    return donor_calls_for(request.auth, _unit(slug))


@router.post(
    "/units/{slug}/donor-calls",
    response=responses(BloodDonorCallOut, 201),
    summary="Publish a donor call",
)
def donor_call_create(request: ApiRequest, slug: str, data: BloodDonorCallIn) -> Any:
    """Publish a call for donors on the unit's public page (``draft``: prepare it only)."""
    call = services.donor_call_create(
        actor=request.auth,
        unit=_unit(slug),
        abo=data.abo,
        rh=data.rh or "",
        product=_product(data.product),
        place=data.place,
        starts_at=data.starts_at,
        ends_at=data.ends_at,
        message=data.message,
        draft=data.draft,
        now=now(),
    )
    return 201, call


def _donor_call(request: ApiRequest, pk: int) -> DonorCall:
    call = DonorCall.objects.select_related("unit", "product").filter(pk=pk).first()
    if call is None:
        raise NotFound()
    return call


@router.post(
    "/donor-calls/{pk}/publish",
    response=responses(BloodDonorCallOut),
    summary="Publish a drafted donor call",
)
def donor_call_publish(request: ApiRequest, pk: int = Id) -> Any:
    """The officer confirms a prepared draft."""
    return services.donor_call_publish(actor=request.auth, call=_donor_call(request, pk), now=now())


@router.post(
    "/donor-calls/{pk}/close", response=responses(BloodDonorCallOut), summary="Close a donor call"
)
def donor_call_close(request: ApiRequest, pk: int = Id) -> Any:
    """End a call (or drop a draft); it leaves the public page."""
    return services.donor_call_close(actor=request.auth, call=_donor_call(request, pk), now=now())


# --- FHIR R5 ----------------------------------------------------------------------------


def _fhir(body: dict[str, Any]) -> HttpResponse:
    return HttpResponse(json.dumps(body, ensure_ascii=False), content_type=fhir.FHIR_JSON)


FHIR_RESPONSE = {
    "responses": {
        200: {
            "description": "A FHIR R5 resource",
            "content": {fhir.FHIR_JSON: {"schema": {"type": "object"}}},
        }
    }
}


def _fhir_base(request: ApiRequest) -> str:
    return request.build_absolute_uri("/api/v1/blood/fhir")


@router.get(
    "/fhir/BiologicallyDerivedProduct",
    response=responses(dict[str, Any], errors=READ_ERRORS),
    openapi_extra=FHIR_RESPONSE,
    summary="FHIR R5 searchset of bags",
)
def fhir_search(
    request: ApiRequest,
    unit: str | None = Query(None, max_length=100),
    status: str | None = Query(None, max_length=20, description="available or unavailable"),
    count: int = Query(100, ge=1, le=1000, alias="_count"),
) -> Any:
    """Tracked bags the caller may see as a Bundle of BiologicallyDerivedProduct
    (``application/fhir+json``): the unit's people, oversight, and the hospital a bag
    went to; never the public."""
    qs = bags_for(request.auth).order_by("expires_at", "pk")
    if unit:
        qs = qs.filter(unit=_unit(unit))
    if status == "available":
        qs = qs.filter(status=BagStatus.AVAILABLE)
    elif status == "unavailable":
        qs = qs.exclude(status=BagStatus.AVAILABLE)
    elif status:
        raise ValidationFailed(fields={"status": [_("Use available or unavailable.")]})
    base = _fhir_base(request)
    return _fhir(
        fhir.searchset(
            list(qs[:count]),
            total=qs.count(),
            base=base,
            self_url=request.build_absolute_uri(),
            now=now(),
        )
    )


@router.get(
    "/fhir/BiologicallyDerivedProduct/{pk}",
    response=responses(dict[str, Any], errors=READ_ERRORS),
    openapi_extra=FHIR_RESPONSE,
    summary="FHIR R5 view of one bag",
)
def fhir_read(request: ApiRequest, pk: int = Id) -> Any:
    """One tracked bag as a BiologicallyDerivedProduct (``application/fhir+json``)."""
    return _fhir(fhir.bag_resource(_bag(request, pk), base=_fhir_base(request)))
