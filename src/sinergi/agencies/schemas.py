"""API schemas of the agencies app."""

import datetime as dt

from ninja import Field, Schema

from .choices import AffairCategory, AgencyKind, MembershipRole

SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"


class SectorOut(Schema):
    """A development sector."""

    slug: str
    name: str
    name_en: str


class AffairOut(Schema):
    """A government affair (urusan pemerintahan)."""

    code: str
    name: str
    name_en: str
    category: AffairCategory


class AgencyOut(Schema):
    """An agency in the directory."""

    slug: str
    name: str
    short_name: str
    kind: AgencyKind
    parent: str | None = Field(None, alias="parent.slug")
    region: str = Field(alias="region.code")
    is_active: bool


class AgencyDetailOut(AgencyOut):
    """An agency with its mandate, contacts, sectors and affairs."""

    mandate: str
    head_title: str
    address: str
    phone: str
    email: str
    website: str
    sectors: list[str]
    affairs: list[str]
    created_at: dt.datetime
    updated_at: dt.datetime

    @staticmethod
    def resolve_sectors(obj: object) -> list[str]:
        return sorted(s.slug for s in obj.sectors.all())  # type: ignore[attr-defined]

    @staticmethod
    def resolve_affairs(obj: object) -> list[str]:
        return sorted(a.code for a in obj.affairs.all())  # type: ignore[attr-defined]


class AgencyIn(Schema):
    """A new agency."""

    slug: str = Field(..., min_length=2, max_length=100, pattern=SLUG_PATTERN)
    name: str = Field(..., min_length=2, max_length=200)
    short_name: str = Field("", max_length=60)
    kind: AgencyKind
    region: str = Field(..., min_length=1, max_length=20, description="region code")
    parent: str | None = Field(None, max_length=100, description="parent agency slug")
    sectors: list[str] = Field(default_factory=list, max_length=50)
    affairs: list[str] = Field(default_factory=list, max_length=50)
    mandate: str = Field("", max_length=10000)
    head_title: str = Field("", max_length=150)
    address: str = Field("", max_length=300)
    phone: str = Field("", max_length=40)
    email: str = Field("", max_length=254)
    website: str = Field("", max_length=200)


class AgencyPatch(Schema):
    """Changes to an agency; fields left out stay as they are."""

    name: str | None = Field(None, min_length=2, max_length=200)
    short_name: str | None = Field(None, max_length=60)
    kind: AgencyKind | None = None
    region: str | None = Field(None, min_length=1, max_length=20)
    parent: str | None = Field(None, max_length=100)
    sectors: list[str] | None = Field(None, max_length=50)
    affairs: list[str] | None = Field(None, max_length=50)
    mandate: str | None = Field(None, max_length=10000)
    head_title: str | None = Field(None, max_length=150)
    address: str | None = Field(None, max_length=300)
    phone: str | None = Field(None, max_length=40)
    email: str | None = Field(None, max_length=254)
    website: str | None = Field(None, max_length=200)


class AgencyFilters(Schema):
    """Filters of the agency directory."""

    q: str | None = Field(None, max_length=100, description="text in name, short name or mandate")
    kind: AgencyKind | None = None
    sector: str | None = Field(None, max_length=60)
    affair: str | None = Field(None, max_length=10)
    region: str | None = Field(None, max_length=20, description="region code, includes sub-regions")
    parent: str | None = Field(None, max_length=100)
    include_inactive: bool = False


class MembershipOut(Schema):
    """A person's role in an agency."""

    id: int
    username: str = Field(alias="user.username")
    full_name: str = Field(alias="user.full_name")
    agency: str = Field(alias="agency.slug")
    role: MembershipRole
    position_title: str
    is_primary: bool


class MembershipIn(Schema):
    """Add a person to an agency."""

    username: str = Field(..., min_length=1, max_length=150)
    role: MembershipRole
    position_title: str = Field("", max_length=150)
    is_primary: bool = False


class MembershipPatch(Schema):
    """Change a person's role in an agency."""

    role: MembershipRole | None = None
    position_title: str | None = Field(None, max_length=150)
    is_primary: bool | None = None
