"""Agencies API: the directory, agency profiles and memberships."""

from typing import Any

from ninja import Path as PathParam
from ninja import Query, Router
from ninja.pagination import paginate

from sinergi.core.api import MAX_ID, READ_ERRORS, ApiRequest, Pagination, responses
from sinergi.core.clock import now
from sinergi.core.permissions import get_visible_or_404

from . import services
from .models import Affair, Agency, Membership, Sector
from .schemas import (
    AffairOut,
    AgencyDetailOut,
    AgencyFilters,
    AgencyIn,
    AgencyOut,
    AgencyPatch,
    MembershipIn,
    MembershipOut,
    MembershipPatch,
    SectorOut,
)
from .selectors import agencies_search, agency_members

router = Router(tags=["agencies"])
reference_router = Router(tags=["reference"])


def _agency(request: ApiRequest, slug: str) -> Agency:
    return get_visible_or_404(request.auth, Agency, slug=slug)


def _detail(agency: Agency) -> Agency:
    return (
        Agency.objects.select_related("region", "parent")
        .prefetch_related("sectors", "affairs")
        .get(pk=agency.pk)
    )


@router.get("", response=responses(list[AgencyOut], errors=READ_ERRORS), summary="List agencies")
@paginate(Pagination)
def agency_list(request: ApiRequest, filters: Query[AgencyFilters]) -> Any:
    """The agency directory, filterable by text, kind, sector, affair, region and parent."""
    return agencies_search(
        user=request.auth,
        q=filters.q or "",
        kind=filters.kind or "",
        sector=filters.sector or "",
        affair=filters.affair or "",
        region=filters.region or "",
        parent=filters.parent or "",
        include_inactive=filters.include_inactive,
    )


@router.post("", response=responses(AgencyDetailOut, 201), summary="Create an agency")
def agency_create(request: ApiRequest, data: AgencyIn) -> Any:
    """Register an agency under a parent agency the caller heads (platform admins: anywhere)."""
    payload = data.model_dump()
    agency = services.agency_create(actor=request.auth, now=now(), **payload)
    return 201, _detail(agency)


@router.get(
    "/{slug}", response=responses(AgencyDetailOut, errors=READ_ERRORS), summary="Get an agency"
)
def agency_detail(request: ApiRequest, slug: str) -> Any:
    """An agency's profile: mandate, contacts, sectors, affairs."""
    return _detail(_agency(request, slug))


@router.patch("/{slug}", response=responses(AgencyDetailOut), summary="Update an agency")
def agency_update(request: ApiRequest, slug: str, data: AgencyPatch) -> Any:
    """Change an agency's profile; fields left out stay as they are."""
    agency = _agency(request, slug)
    payload = data.model_dump(exclude_unset=True)
    fields: dict[str, Any] = {
        k: ("" if v is None else v)
        for k, v in payload.items()
        if k not in {"region", "parent", "sectors", "affairs"}
    }
    services.agency_update(
        actor=request.auth,
        agency=agency,
        now=now(),
        region=payload.get("region"),
        parent=payload.get("parent"),
        sectors=payload.get("sectors"),
        affairs=payload.get("affairs"),
        **fields,
    )
    return _detail(agency)


@router.post(
    "/{slug}/deactivate", response=responses(AgencyDetailOut), summary="Deactivate an agency"
)
def agency_deactivate(request: ApiRequest, slug: str) -> Any:
    """Switch an agency off; its history stays."""
    agency = services.agency_set_active(
        actor=request.auth, agency=_agency(request, slug), active=False, now=now()
    )
    return _detail(agency)


@router.post("/{slug}/activate", response=responses(AgencyDetailOut), summary="Activate an agency")
def agency_activate(request: ApiRequest, slug: str) -> Any:
    """Switch a deactivated agency back on."""
    agency = services.agency_set_active(
        actor=request.auth, agency=_agency(request, slug), active=True, now=now()
    )
    return _detail(agency)


@router.get(
    "/{slug}/memberships",
    response=responses(list[MembershipOut], errors=READ_ERRORS),
    summary="List an agency's members",
)
@paginate(Pagination)
def membership_list(request: ApiRequest, slug: str) -> Any:
    """People of an agency with their roles."""
    return agency_members(user=request.auth, agency=_agency(request, slug)).select_related("agency")


@router.post("/{slug}/memberships", response=responses(MembershipOut, 201), summary="Add a member")
def membership_add(request: ApiRequest, slug: str, data: MembershipIn) -> Any:
    """Give a user a role in the agency."""
    agency = _agency(request, slug)
    membership = services.membership_add(
        actor=request.auth,
        agency=agency,
        user=services.user_by_username(data.username),
        role=data.role,
        position_title=data.position_title,
        is_primary=data.is_primary,
        now=now(),
    )
    return 201, membership


def _membership(request: ApiRequest, slug: str, membership_id: int) -> Membership:
    agency = _agency(request, slug)
    return get_visible_or_404(request.auth, Membership, pk=membership_id, agency=agency)


@router.patch(
    "/{slug}/memberships/{membership_id}",
    response=responses(MembershipOut),
    summary="Change a member's role",
)
def membership_change(
    request: ApiRequest,
    slug: str,
    data: MembershipPatch,
    membership_id: int = PathParam(..., ge=1, le=MAX_ID),
) -> Any:
    """Change a member's role, position title or primary agency."""
    membership = _membership(request, slug, membership_id)
    return services.membership_change(
        actor=request.auth, membership=membership, now=now(), **data.model_dump(exclude_unset=True)
    )


@router.delete(
    "/{slug}/memberships/{membership_id}", response=responses(None, 204), summary="Remove a member"
)
def membership_remove(
    request: ApiRequest, slug: str, membership_id: int = PathParam(..., ge=1, le=MAX_ID)
) -> Any:
    """Take a user out of the agency."""
    services.membership_remove(
        actor=request.auth, membership=_membership(request, slug, membership_id), now=now()
    )
    return 204, None


@reference_router.get(
    "/sectors",
    response=responses(list[SectorOut], errors=READ_ERRORS),
    auth=None,
    summary="List sectors",
)
def sector_list(request: ApiRequest) -> Any:
    """Development sectors."""
    return Sector.objects.all()


@reference_router.get(
    "/affairs",
    response=responses(list[AffairOut], errors=READ_ERRORS),
    auth=None,
    summary="List government affairs",
)
def affair_list(request: ApiRequest) -> Any:
    """Government affairs (urusan pemerintahan, UU 23/2014)."""
    return Affair.objects.all()
