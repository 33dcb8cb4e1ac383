"""Reads of the catalog app."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL

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
        qs = datasets_matching(qs, q=q)
    for tag in tags or []:
        qs = qs.filter(Exists(_tagged(Q(tag__name=tag))))
    if publishers:
        qs = qs.filter(publisher__slug__in=publishers)
    if status:
        qs = qs.filter(status=status)
    # Tags are tested with EXISTS, so no row repeats and no DISTINCT or ``pk IN`` wrapper is
    # needed (docs/decisions/bounded-list-counts.md).
    return _listed(qs)


def _listed(qs: QuerySet[Dataset]) -> QuerySet[Dataset]:
    """What a dataset list shows of each row: its agencies, region, sector, tags, versions."""
    return qs.select_related("publisher", "region", "sector", "walidata").prefetch_related(
        Prefetch("tags", queryset=Tag.objects.order_by("name")),
        Prefetch("versions", queryset=DatasetVersion.objects.order_by("-number")),
    )


def datasets_by_ids(ids: list[int]) -> list[Dataset]:
    """The datasets of a page found as ids by ``datasets_search`` (visibility already
    applied there), in that order, with what a list shows of them."""
    found = _listed(Dataset.objects.filter(pk__in=ids)).in_bulk()
    return [found[pk] for pk in ids if pk in found]


TRIGRAM_MIN = 3  # characters: the trigram indexes find no shorter term
TRIGRAMS_MAX = 32  # trigrams of a term asked of the SQLite index (more narrow it no further)
DatasetsT = TypeVar("DatasetsT", bound=QuerySet[Dataset])


def datasets_matching(qs: DatasetsT, *, q: str) -> DatasetsT:
    """The datasets of ``qs`` whose title, description or slug contains ``q`` (``icontains``)
    or that carry a tag named ``q`` (``iexact``), found through the trigram index when ``q``
    has three characters or more (docs/decisions/catalog-text-search-index.md)."""
    text = Q(title__icontains=q) | Q(description__icontains=q) | Q(slug__icontains=q)
    tag = Q(tag__name__iexact=q)
    vendor = connections[qs.db].vendor
    # A NUL ends an FTS5 query string early (an error), so such a term is read as before.
    if len(q) < TRIGRAM_MIN or "\x00" in q or vendor not in ("sqlite", "postgresql"):
        return qs.filter(text | Q(Exists(_tagged(tag))))
    # The tags of that name first (a short read of a small table), so that their links are
    # found by the tag index, and left out when there is none.
    tag_pks = list(Tag.objects.filter(name__iexact=q).values_list("pk", flat=True))
    tagged = Dataset.tags.through.objects.filter(tag_id__in=tag_pks).values("dataset_id")
    if vendor == "postgresql":
        # One branch per column, each the icontains filter that the column's trigram index
        # on ``UPPER(col::text)`` answers: as one OR, PostgreSQL prices a single pass over
        # the table (``UPPER`` on every description) about as cheap as the three indexes,
        # and the pass takes twenty times longer.
        found: list[QuerySet[Any, Any]] = [
            Dataset.objects.filter(**{f"{col}__icontains": q}).values("pk")
            for col in ("title", "description", "slug")
        ]
        return qs.filter(pk__in=_union(found + ([tagged] if tag_pks else [])))
    # The index gives a superset of the rows: those holding every trigram of the term in any
    # order and column, with the case of every letter folded (SQLite's LIKE folds ASCII
    # letters only). The unchanged icontains filter then narrows them to today's answer.
    indexed = RawSQL(  # noqa: S611  # a fixed statement; the term is a bound parameter
        "SELECT rowid FROM catalog_dataset_fts WHERE catalog_dataset_fts MATCH %s",
        [fts_query(q)],
    )
    if tag_pks:
        both = _union([Dataset.objects.filter(pk__in=indexed).values("pk"), tagged])
        return qs.filter(text | Q(Exists(_tagged(tag))), pk__in=both)
    return qs.filter(text, pk__in=indexed)


def _union(parts: list[QuerySet[Any, Any]]) -> QuerySet[Any, Any]:
    """The rows of one-column queries, each once (one ``pk IN`` the planner can drive)."""
    first, *rest = [part.order_by() for part in parts]
    return first.union(*rest) if rest else first


def fts_query(q: str) -> str:
    """The FTS5 query for the rows holding every trigram of ``q`` (at most
    ``TRIGRAMS_MAX``; any of them still finds every row containing ``q``): each trigram a
    quoted string with its double quotes doubled, so no character of ``q`` is syntax."""
    grams = list(dict.fromkeys(q[i : i + 3] for i in range(len(q) - 2)))
    if len(grams) > TRIGRAMS_MAX:  # spread over the term, its last trigram included
        step = (len(grams) - 1) / (TRIGRAMS_MAX - 1)
        grams = [grams[round(i * step)] for i in range(TRIGRAMS_MAX)]
    return " ".join('"' + gram.replace('"', '""') + '"' for gram in grams)


def _tagged(cond: Q) -> QuerySet[Any]:
    """The dataset–tag links matching ``cond`` for the outer dataset (an EXISTS body)."""
    through = Dataset.tags.through
    return through.objects.filter(cond, dataset_id=OuterRef("pk"))


FACET_PUBLISHERS = 20  # publishers listed in the public catalog's facet (the most datasets)


def facets(
    datasets: QuerySet[Dataset],
    *,
    selected: list[str] | None = None,
    publisher_q: str = "",
    limit: int = FACET_PUBLISHERS,
) -> dict[str, Any]:
    """Counts per publisher and per tag over a result set: (key, label, count).

    Publishers: the ``limit`` with the most datasets (those whose name contains
    ``publisher_q`` when given, and the ``selected`` slugs always), counted by one grouped
    query on the dataset table's ``publisher_id`` with the names read for those rows only;
    ``organization_more`` says whether more publishers are in the result. Tags: counted
    by one grouped query over the tag links."""
    base = datasets.order_by()
    grouped = base.filter(publisher__name__icontains=publisher_q) if publisher_q else base
    counts = [
        (r["publisher_id"], int(r["n"]))
        for r in grouped.values("publisher_id")
        .annotate(n=Count("pk"))
        .order_by("-n", "publisher_id")[: limit + 1]
    ]
    more = len(counts) > limit
    counts = counts[:limit]
    if selected:
        shown = [pk for pk, _n in counts]
        extra = (
            base.filter(publisher__slug__in=selected)
            .exclude(publisher_id__in=shown)
            .values("publisher_id")
            .annotate(n=Count("pk"))
        )
        counts += [(r["publisher_id"], int(r["n"])) for r in extra]
    names = Agency.objects.only("slug", "name", "short_name").in_bulk([pk for pk, _n in counts])
    pubs = sorted(
        ((names[pk].slug, str(names[pk]), n) for pk, n in counts if pk in names),
        key=lambda x: (-x[2], x[1]),
    )
    tag_rows = (
        Dataset.tags.through.objects.filter(dataset_id__in=base.values("pk"))
        .values("tag__name")
        .annotate(n=Count("pk"))
        .order_by("-n", "tag__name")
    )
    return {
        "organization": pubs,
        "organization_more": more,
        "tags": [(r["tag__name"], r["tag__name"], int(r["n"])) for r in tag_rows],
    }


def awaiting_verification(*, user: Any) -> list[Dataset]:
    """Submitted datasets the user may verify as walidata, by title.

    Read through the walidata (and status) filter and sorted here: ordered by title in
    SQL, SQLite walks the whole title index to find the few submitted rows."""
    from sinergi.agencies.selectors import user_memberships

    if user.is_superuser:
        qs = Dataset.objects.all()
    else:
        own = [m.agency_id for m in user_memberships(user) if m.role != "viewer"]
        qs = Dataset.objects.filter(walidata__in=own)
    found = qs.filter(status=DatasetStatus.SUBMITTED).select_related("publisher").order_by()
    return sorted(found, key=lambda d: (d.title, d.pk))


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
