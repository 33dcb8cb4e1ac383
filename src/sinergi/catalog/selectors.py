"""Reads of the catalog app."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet

from sinergi.agencies.models import Agency

from .choices import DatasetStatus
from .models import DataRequest, Dataset, DatasetVersion, Tag


def storage_root() -> Path:
    """The folder that holds the Parquet files of every version."""
    return Path(getattr(settings, "CATALOG_ROOT", Path(settings.MEDIA_ROOT) / "catalog"))


def version_path(version: DatasetVersion) -> Path:
    """The Parquet file of a version."""
    return storage_root() / version.file_name


def walidata_for(agency: Agency) -> Agency | None:
    """The data steward of an agency: the Diskominfo (else another OPD for data and
    informatics) of the agency's region or the nearest region above it."""
    code = agency.region.code
    while code:
        candidates = Agency.objects.filter(is_active=True, region__code=code, kind="opd")
        found = (
            candidates.filter(slug__startswith="diskominfo").first()
            or candidates.filter(sectors__slug="data_informatika")
            .exclude(slug__startswith="bappeda")
            .first()
        )
        if found is not None:
            return found
        code = code.rpartition(".")[0]
    return None


def datasets_search(
    *,
    user: Any,
    q: str = "",
    tags: list[str] | None = None,
    publishers: list[str] | None = None,
    status: str = "",
    public_only: bool = False,
) -> QuerySet[Dataset]:
    """Datasets the user sees (or, for the public catalog, may read), filtered."""
    qs = Dataset.objects.published_for(user) if public_only else Dataset.objects.visible_to(user)
    if q:
        qs = qs.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(tags__name__iexact=q)
            | Q(slug__icontains=q)
        )
    for tag in tags or []:
        qs = qs.filter(tags__name=tag)
    if publishers:
        qs = qs.filter(publisher__slug__in=publishers)
    if status:
        qs = qs.filter(status=status)
    if q or tags:
        # Filtering through the tags relation may repeat a dataset; keep each once. Without
        # it the visibility filter stays on the outer query, where the region key prunes
        # (a Citus shard, tests/core/test_region_key.py) and the indexes apply directly.
        qs = Dataset.objects.filter(pk__in=qs.values("pk"))
    return qs.select_related("publisher", "region", "sector", "walidata").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("versions", queryset=DatasetVersion.objects.order_by("-number")),
    )


def facets(datasets: QuerySet[Dataset]) -> dict[str, list[tuple[str, str, int]]]:
    """Counts per publisher and per tag over a result set: (key, label, count)."""
    ids = datasets.values("pk")
    pubs = (
        Agency.objects.filter(datasets__in=ids)
        .annotate(n=Count("datasets", filter=Q(datasets__in=ids)))
        .order_by("-n", "name")
    )
    tag_counts: Counter[str] = Counter(
        Tag.objects.filter(datasets__in=ids).values_list("name", flat=True)
    )
    return {
        "organization": [(a.slug, str(a), int(a.n)) for a in pubs],
        "tags": [(t, t, n) for t, n in sorted(tag_counts.items(), key=lambda x: (-x[1], x[0]))],
    }


def awaiting_verification(*, user: Any) -> QuerySet[Dataset]:
    """Submitted datasets the user may verify as walidata."""
    from sinergi.agencies.selectors import user_memberships

    if user.is_superuser:
        qs = Dataset.objects.all()
    else:
        own = [m.agency_id for m in user_memberships(user) if m.role != "viewer"]
        qs = Dataset.objects.filter(walidata__in=own)
    return qs.filter(status=DatasetStatus.SUBMITTED).select_related("publisher")


def publishers_of(user: Any) -> list[Agency]:
    """Agencies the user may create datasets for."""
    from sinergi.agencies.selectors import user_memberships
    from sinergi.core.permissions import can

    if user.is_superuser:
        return list(Agency.objects.filter(is_active=True).order_by("name"))
    return [m.agency for m in user_memberships(user) if can(user, "catalog.create", m.agency)]


COMPLETENESS_FIELDS = (
    "description",
    "sector_id",
    "contact_name",
    "contact_email",
    "temporal_start",
    "spatial_coverage",
    "reference_codes",
)


def metadata_completeness(dataset: Dataset) -> float:
    """Share (0–1) of the optional Satu Data metadata a dataset fills, tags included."""
    filled = sum(1 for f in COMPLETENESS_FIELDS if getattr(dataset, f))
    filled += 1 if list(dataset.tags.all()) else 0
    return filled / (len(COMPLETENESS_FIELDS) + 1)


def data_health(*, user: Any, now: Any) -> list[dict[str, Any]]:
    """Per publishing agency, over the datasets the user sees: how many, how many published,
    how many overdue for their update frequency, and the mean metadata completeness."""
    rows: dict[int, dict[str, Any]] = {}
    qs = datasets_search(user=user).order_by("publisher__name", "title")
    for d in qs:
        row = rows.setdefault(
            d.publisher_id,
            {"agency": d.publisher, "total": 0, "published": 0, "overdue": [], "scores": []},
        )
        row["total"] += 1
        row["published"] += 1 if d.status == DatasetStatus.PUBLISHED else 0
        if d.status == DatasetStatus.PUBLISHED and d.is_overdue(now):
            row["overdue"].append(d)
        row["scores"].append(metadata_completeness(d))
    out = []
    for row in rows.values():
        scores = row.pop("scores")
        row["completeness"] = round(100 * sum(scores) / len(scores))
        out.append(row)
    return out


def agency_may_read(dataset: Dataset, agency: Agency) -> bool:
    """Whether members of an agency may read a published dataset under its access level."""
    from .choices import AccessLevel
    from .models import NON_GOVERNMENT_KINDS

    if dataset.status != DatasetStatus.PUBLISHED:
        return False
    if dataset.publisher_id == agency.pk or dataset.access_level == AccessLevel.PUBLIC:
        return True
    if dataset.access_level == AccessLevel.GOVERNMENT:
        return agency.kind not in NON_GOVERNMENT_KINDS
    return any(a.pk == agency.pk for a in dataset.allowed_agencies.all())


def data_requests_of(*, user: Any, status: str = "") -> QuerySet[DataRequest]:
    """Data requests the user sees (sent or received by their agencies), newest first;
    ``status`` "open" or "fulfilled" narrows them."""
    qs = DataRequest.objects.visible_to(user).select_related(
        "requester", "producer", "dataset", "request", "request__to_agency"
    )
    if status == "open":
        qs = qs.filter(dataset__isnull=True)
    elif status == "fulfilled":
        qs = qs.filter(dataset__isnull=False)
    return qs.order_by("-created_at", "-pk")


def fulfilment_candidates(*, user: Any, data_request: DataRequest) -> list[Dataset]:
    """Published datasets the user sees that the requesting agency may read, the handling
    agency's own first."""
    handler = data_request.request.to_agency_id
    qs = (
        Dataset.objects.published_for(user)
        .select_related("publisher")
        .prefetch_related("allowed_agencies")
        .distinct()
    )
    found = [d for d in qs if agency_may_read(d, data_request.requester)]
    return sorted(found, key=lambda d: (d.publisher_id != handler, d.title))


def requesters_of(user: Any) -> list[Agency]:
    """Agencies in whose name the user may ask for data."""
    from sinergi.agencies.selectors import user_memberships
    from sinergi.core.permissions import can

    if user.is_superuser:
        return list(Agency.objects.filter(is_active=True).order_by("name"))
    return [m.agency for m in user_memberships(user) if can(user, "catalog.request_data", m.agency)]


def agency_datasets(*, user: Any, agency: Agency) -> list[Dataset]:
    """Published datasets of an agency that the user may read, newest first."""
    return list(
        Dataset.objects.published_for(user)
        .filter(publisher=agency)
        .distinct()
        .prefetch_related(Prefetch("versions", queryset=DatasetVersion.objects.order_by("-number")))
        .order_by("-published_at", "title")
    )
