"""Regions API: public reference data."""

from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from sinergi.core.api import READ_ERRORS, ApiRequest, Pagination, responses
from sinergi.core.exceptions import NotFound

from .choices import RegionLevel
from .models import Region
from .selectors import regions_search

router = Router(tags=["regions"])


class RegionOut(Schema):
    """A region with its Kemendagri code."""

    code: str
    name: str
    level: RegionLevel
    parent: str | None = Field(None, alias="parent.code")
    timezone: str


class RegionFilters(Schema):
    """Filters of the region list."""

    q: str | None = Field(None, max_length=100, description="name or code prefix")
    level: RegionLevel | None = None
    parent: str | None = Field(None, max_length=20, description="parent region code")
    within: str | None = Field(None, max_length=20, description="enclosing region code")


@router.get(
    "", response=responses(list[RegionOut], errors=READ_ERRORS), auth=None, summary="List regions"
)
@paginate(Pagination)
def region_list(request: ApiRequest, filters: Query[RegionFilters]) -> Any:
    """Provinces, kabupaten/kota and kecamatan, by Kemendagri code."""
    return regions_search(
        user=request.user,
        q=filters.q or "",
        level=filters.level or "",
        parent=filters.parent or "",
        within=filters.within or "",
    )


@router.get(
    "/{code}", response=responses(RegionOut, errors=READ_ERRORS), auth=None, summary="Get a region"
)
def region_detail(request: ApiRequest, code: str) -> Any:
    """One region by its Kemendagri code, e.g. ``61.03``."""
    region = (
        Region.objects.visible_to(request.user).select_related("parent").filter(code=code).first()
    )
    if region is None:
        raise NotFound()
    return region
