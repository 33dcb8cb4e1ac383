"""Schemas of the catalog API."""

import datetime as dt
from typing import Any

from ninja import Field, Schema

from .choices import AccessLevel, DatasetStatus, Frequency, Licence, VerifyDecision

SLUG = r"^[a-z0-9][a-z0-9-]{0,99}$"


class ColumnOut(Schema):
    """One column of a version's schema."""

    name: str
    type: str
    unit: str = ""


class VersionOut(Schema):
    """One version of a dataset's data."""

    number: int
    resource_id: str
    original_name: str
    size_bytes: int
    encoding: str
    delimiter: str
    source_format: str = Field(description="csv, xlsx or json")
    sheet: str = Field("", description="the workbook sheet read, for xlsx")
    columns: list[ColumnOut]
    row_count: int
    checksum: str
    changes: dict[str, Any]
    note: str
    published_by: str = Field(alias="published_by_name")
    created_at: dt.datetime


class ColumnIn(Schema):
    """One column of the schema of pushed rows."""

    name: str = Field(..., min_length=1, max_length=100)
    type: str = Field(..., pattern=r"^(integer|number|boolean|date|datetime|text)$")
    unit: str = Field("", max_length=40)


class RowsIn(Schema):
    """Rows pushed as JSON objects for the next version."""

    rows: list[dict[str, Any]] = Field(
        ..., min_length=1, max_length=1_000_000, description="one object per row"
    )
    columns: list[ColumnIn] | None = Field(
        None,
        min_length=1,
        max_length=500,
        description="the schema; default: the confirmed schema of the latest version",
    )
    infer: bool = Field(False, description="infer the types from the values instead")
    note: str = Field("", max_length=300)


class DatasetOut(Schema):
    """A dataset with its metadata and workflow state."""

    slug: str
    title: str
    description: str
    publisher: str
    publisher_name: str
    walidata: str
    region: str
    tags: list[str]
    sector: str | None
    affair: str | None
    frequency: Frequency
    licence: Licence
    temporal_start: dt.date | None
    temporal_end: dt.date | None
    spatial_coverage: list[str]
    reference_codes: str
    contact_name: str
    contact_email: str
    access_level: AccessLevel
    allowed_agencies: list[str]
    status: DatasetStatus
    review_comment: str
    submitted_at: dt.datetime | None
    published_at: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    latest_version: int | None
    row_count: int | None
    filter_columns: list[str] = Field(
        description=(
            "kolom penyaring: the columns people filter the data on, most used first; the "
            "data is stored sorted by them so that a page filtered on the first one is fast"
        )
    )


class DatasetFilters(Schema):
    """Filters of the dataset list."""

    q: str | None = Field(None, max_length=200, description="text in title or description")
    tag: str | None = Field(None, max_length=60)
    publisher: str | None = Field(None, max_length=100, description="agency slug")
    status: DatasetStatus | None = None


class _Metadata(Schema):
    description: str | None = Field(None, max_length=5000)
    tags: list[str] | None = Field(None, max_length=20)
    sector: str | None = Field(None, max_length=60, description="sector slug")
    affair: str | None = Field(None, max_length=10, description="government affair code")
    frequency: Frequency | None = None
    licence: Licence | None = None
    temporal_start: dt.date | None = None
    temporal_end: dt.date | None = None
    spatial_coverage: list[str] | None = Field(None, max_length=100)
    reference_codes: str | None = Field(None, max_length=300)
    contact_name: str | None = Field(None, max_length=150)
    contact_email: str | None = Field(None, max_length=254)
    access_level: AccessLevel | None = None
    allowed_agencies: list[str] | None = Field(None, max_length=100)


class DatasetIn(_Metadata):
    """A new draft dataset."""

    publisher: str = Field(..., max_length=100, description="agency slug")
    slug: str = Field(..., pattern=SLUG)
    title: str = Field(..., min_length=1, max_length=200)


class DatasetPatch(_Metadata):
    """Changes to a draft or returned dataset's metadata, or to any dataset's filter
    columns alone."""

    title: str | None = Field(None, min_length=1, max_length=200)
    filter_columns: list[str] | None = Field(
        None,
        max_length=3,
        description=(
            "kolom penyaring: at most three column names of the latest version, most used "
            "first ([] removes them). May change at any status, alone: it changes how the "
            "data is stored (sorted in the background), never the rows a query answers"
        ),
    )


class VerifyIn(Schema):
    """The walidata's decision."""

    decision: VerifyDecision
    comment: str = Field("", max_length=2000)


class DataQuery(Schema):
    """A query on a version's rows (CKAN ``datastore_search`` parameters)."""

    version: int | None = Field(None, ge=1, le=100_000, description="default: the latest")
    filters: str | None = Field(
        None, max_length=4000, description='JSON object of equality filters: {"column": value}'
    )
    q: str | None = Field(None, max_length=200, description="text in any text column")
    fields: str | None = Field(None, max_length=4000, description="comma-separated columns")
    sort: str | None = Field(None, max_length=1000, description='"column asc, other desc"')
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class AggregateQuery(Schema):
    """A summary of a version's rows: groups with counts, sums, means, minimums, maximums."""

    version: int | None = Field(None, ge=1, le=100_000, description="default: the latest")
    group_by: str | None = Field(
        None, max_length=1000, description="comma-separated columns (at most 5)"
    )
    metrics: str | None = Field(
        None,
        max_length=1000,
        description='comma-separated summaries: "count", "sum:col", "avg:col", "min:col", '
        '"max:col" (sum and avg of number columns); default "count"',
    )
    filters: str | None = Field(
        None, max_length=4000, description='JSON object of equality filters: {"column": value}'
    )
    q: str | None = Field(None, max_length=200, description="text in any text column")
    sort: str | None = Field(
        None, max_length=1000, description='output columns, "sum_col desc"; default: groups'
    )
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10_000_000)


class AggregateOut(Schema):
    """A page of groups with their summaries and how many groups there are."""

    resource_id: str
    group_by: list[str]
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class DataOut(Schema):
    """A page of rows with the total that match."""

    resource_id: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


class DataRequestIn(Schema):
    """Ask another agency for data no one publishes yet."""

    requester: str = Field(..., max_length=100, description="your agency's slug")
    producer: str = Field(..., max_length=100, description="slug of the agency asked")
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field(..., min_length=1, max_length=5000)
    due_date: dt.date | None = Field(None, description="default: the SLA of data requests")


class FulfilIn(Schema):
    """The published dataset that fulfils a data request."""

    dataset: str = Field(..., pattern=SLUG, description="dataset slug")
    note: str = Field("", max_length=2000)


class DataRequestOut(Schema):
    """A data request and where its coordination request stands."""

    id: int
    title: str
    description: str
    requester: str
    producer: str
    handled_by: str = Field(description="agency now handling the coordination request")
    request_id: int = Field(description="the coordination request (/api/v1/requests/{id})")
    request_status: str
    dataset: str | None = Field(description="slug of the dataset that fulfils it")
    fulfilled_at: dt.datetime | None
    created_at: dt.datetime


class DataRequestFilters(Schema):
    """Filters of the data request list."""

    status: str | None = Field(None, pattern=r"^(open|fulfilled)$")
