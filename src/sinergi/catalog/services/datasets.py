"""Datasets: creation, metadata changes, submission for verification and the verdict."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sinergi.agencies.models import Affair, Agency, Sector
from sinergi.core.audit import audit_record, snapshot
from sinergi.core.exceptions import Conflict, InvalidTransition, ValidationFailed
from sinergi.core.permissions import ensure_can
from sinergi.core.services import validate_model
from sinergi.notifications.events import events_emit
from sinergi.regions.models import Region

from ..choices import AccessLevel, DatasetStatus, VerifyDecision
from ..models import Dataset, Tag
from ..selectors import walidata_for

EDITABLE = {DatasetStatus.DRAFT, DatasetStatus.RETURNED}


METADATA_FIELDS = (
    "title",
    "description",
    "tags",
    "sector",
    "affair",
    "frequency",
    "licence",
    "temporal_start",
    "temporal_end",
    "spatial_coverage",
    "reference_codes",
    "contact_name",
    "contact_email",
    "access_level",
    "allowed_agencies",
)


MAX_TAGS = 20


#: Path words of the catalog pages under /data/ that a dataset identifier cannot take.
RESERVED_SLUGS = frozenset({"baru", "kesehatan-data", "permintaan"})


def _tags(names: list[str]) -> list[Tag]:
    cleaned = sorted({n.strip().lower() for n in names if n and n.strip()})
    if len(cleaned) > MAX_TAGS:
        raise ValidationFailed(fields={"tags": [_("At most 20 tags.")]})
    for n in cleaned:
        if len(n) > 60:
            raise ValidationFailed(fields={"tags": [_("A tag is at most 60 characters long.")]})
    return [Tag.objects.get_or_create(name=n)[0] for n in cleaned]


def _spatial(codes: list[str]) -> list[str]:
    codes = sorted({c.strip() for c in codes if c and c.strip()})
    known = set(Region.objects.filter(code__in=codes).values_list("code", flat=True))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise ValidationFailed(
            fields={
                "spatial_coverage": [
                    _("Unknown region code: %(codes)s.") % {"codes": ", ".join(unknown[:5])}
                ]
            }
        )
    return codes


def _apply(
    dataset: Dataset, values: dict[str, Any]
) -> tuple[list[Tag] | None, list[Agency] | None]:
    tags = allowed = None
    for name, value in values.items():
        if name == "tags":
            tags = _tags(list(value or []))
        elif name == "allowed_agencies":
            allowed = list(value or [])
        elif name == "sector":
            dataset.sector = (
                value
                if isinstance(value, Sector) or value is None
                else Sector.objects.filter(slug=value).first()
            )
            if value and dataset.sector is None:
                raise ValidationFailed(fields={"sector": [_("Unknown sector.")]})
        elif name == "affair":
            dataset.affair = (
                value
                if isinstance(value, Affair) or value is None
                else Affair.objects.filter(code=value).first()
            )
            if value and dataset.affair is None:
                raise ValidationFailed(fields={"affair": [_("Unknown government affair.")]})
        elif name == "spatial_coverage":
            dataset.spatial_coverage = _spatial(list(value or []))
        elif name in METADATA_FIELDS:
            setattr(dataset, name, "" if value is None and name not in _NULLABLE else value)
        else:
            raise ValidationFailed(fields={name: [_("This field cannot be changed.")]})
    if (
        dataset.temporal_start
        and dataset.temporal_end
        and dataset.temporal_end < dataset.temporal_start
    ):
        raise ValidationFailed(
            fields={"temporal_end": [_("The end of the period is before its start.")]}
        )
    return tags, allowed


_NULLABLE = {"temporal_start", "temporal_end"}


def _check_access(dataset: Dataset) -> None:
    if dataset.access_level == AccessLevel.AGENCIES and not dataset.allowed_agencies.exists():
        raise ValidationFailed(
            fields={"allowed_agencies": [_("Name at least one agency that may read the data.")]}
        )


@transaction.atomic
def dataset_create(
    *,
    actor: Any,
    publisher: Agency,
    slug: str,
    title: str,
    now: dt.datetime,
    **metadata: Any,
) -> Dataset:
    """Start a draft dataset published by the agency; the walidata is chosen from its region."""
    ensure_can(actor, "catalog.create", publisher)
    walidata = walidata_for(publisher)
    if walidata is None:
        raise ValidationFailed(
            fields={"publisher": [_("No walidata (Diskominfo) agency serves this region.")]}
        )
    dataset = Dataset(
        slug=slug,
        title=title,
        publisher=publisher,
        walidata=walidata,
        region=publisher.region,
        status=DatasetStatus.DRAFT,
        created_at=now,
        updated_at=now,
    )
    tags, allowed = _apply(dataset, metadata)
    validate_model(dataset, exclude=["tags", "allowed_agencies"])
    if slug in RESERVED_SLUGS or Dataset.objects.filter(slug=slug).exists():
        raise ValidationFailed(fields={"slug": [_("This identifier is already taken.")]})
    try:
        with transaction.atomic():
            dataset.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationFailed(fields={"slug": [_("This identifier is already taken.")]}) from exc
    if tags is not None:
        dataset.tags.set(tags)
    if allowed is not None:
        dataset.allowed_agencies.set(allowed)
    _check_access(dataset)
    audit_record(actor=actor, action="dataset.create", obj=dataset, now=now)
    return dataset


@transaction.atomic
def dataset_update(*, actor: Any, dataset: Dataset, now: dt.datetime, **changes: Any) -> Dataset:
    """Change the metadata of a draft or returned dataset. The filter columns alone may
    change at any status: they change how the data is stored, not what is published."""
    ensure_can(actor, "catalog.change", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    filter_columns = changes.pop("filter_columns", None)
    if dataset.status not in EDITABLE and (changes or filter_columns is None):
        raise Conflict(_("Only a draft or a returned dataset can be changed."))
    before = snapshot(dataset)
    tags, allowed = _apply(dataset, changes)
    if filter_columns is not None:
        dataset.filter_columns = _filter_columns(dataset, list(filter_columns))
    dataset.updated_at = now
    validate_model(dataset, exclude=["tags", "allowed_agencies"])
    dataset.save()
    if tags is not None:
        dataset.tags.set(tags)
    if allowed is not None:
        dataset.allowed_agencies.set(allowed)
    _check_access(dataset)
    audit_record(actor=actor, action="dataset.update", obj=dataset, before=before, now=now)
    if filter_columns is not None and dataset.filter_columns != before.get("filter_columns"):
        latest = dataset.latest_version()
        if latest is not None and dataset.filter_columns:
            version_cluster_later(latest)
    return dataset


def _filter_columns(dataset: Dataset, names: list[str]) -> list[str]:
    """The filter columns asked for, checked against the latest version's schema."""
    from .. import tabular

    if not names:
        return []
    latest = dataset.latest_version()
    if latest is None:
        raise ValidationFailed(
            fields={"filter_columns": [_("Upload the data before choosing filter columns.")]}
        )
    if len(names) != len(set(names)):
        raise ValidationFailed(fields={"filter_columns": [_("A column is named twice.")]})
    if len(names) > tabular.MAX_FILTER_COLUMNS:
        raise ValidationFailed(
            fields={
                "filter_columns": [
                    _("Choose at most %(n)d filter columns.") % {"n": tabular.MAX_FILTER_COLUMNS}
                ]
            }
        )
    known = {c["name"] for c in latest.columns}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationFailed(
            fields={
                "filter_columns": [
                    _("The data has no column %(c)s.") % {"c": ", ".join(repr(n) for n in unknown)}
                ]
            }
        )
    return names


def version_cluster_later(version: Any) -> None:
    """Queue the sorted copy of a version by its dataset's filter columns, after the
    transaction commits (the worker builds it; pages use it once it exists)."""
    from ..tasks import cluster_version

    pk = version.pk
    transaction.on_commit(lambda: cluster_version.enqueue(pk))


def metadata_problems(dataset: Dataset) -> dict[str, list[str]]:
    """What the Satu Data metadata standard still misses, per field."""
    missing = _("Required by the metadata standard.")
    problems: dict[str, list[str]] = {}
    for name in ("description", "contact_name", "contact_email"):
        if not getattr(dataset, name):
            problems[name] = [missing]
    if dataset.sector_id is None:
        problems["sector"] = [missing]
    if not dataset.tags.exists():
        problems["tags"] = [missing]
    if not dataset.versions.exists():
        problems["versions"] = [_("Upload the data before submitting.")]
    return problems


@transaction.atomic
def dataset_submit(*, actor: Any, dataset: Dataset, now: dt.datetime) -> Dataset:
    """Send a draft (or returned) dataset to the walidata for verification."""
    ensure_can(actor, "catalog.change", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    if dataset.status not in EDITABLE:
        raise InvalidTransition(dataset.status, DatasetStatus.SUBMITTED)
    problems = metadata_problems(dataset)
    if problems:
        raise ValidationFailed(_("The metadata is not complete."), fields=problems)
    before = snapshot(dataset)
    dataset.status = DatasetStatus.SUBMITTED
    dataset.submitted_at = now
    dataset.updated_at = now
    dataset.save(update_fields=["status", "submitted_at", "updated_at"])
    audit_record(actor=actor, action="dataset.submit", obj=dataset, before=before, now=now)
    events_emit("catalog.dataset.submitted", dataset, actor=actor, now=now)
    return dataset


@transaction.atomic
def dataset_verify(
    *, actor: Any, dataset: Dataset, decision: str, comment: str = "", now: dt.datetime
) -> Dataset:
    """The walidata publishes a submitted dataset or returns it to the publisher with
    comments."""
    ensure_can(actor, "catalog.verify", dataset)
    dataset = Dataset.objects.select_for_update().get(pk=dataset.pk)
    target = (
        DatasetStatus.PUBLISHED if decision == VerifyDecision.PUBLISH else DatasetStatus.RETURNED
    )
    if decision not in VerifyDecision.values:
        raise ValidationFailed(fields={"decision": [_("Choose one of the allowed values.")]})
    if dataset.status != DatasetStatus.SUBMITTED:
        raise InvalidTransition(dataset.status, target)
    comment = comment.strip()
    if target == DatasetStatus.RETURNED and not comment:
        raise ValidationFailed(fields={"comment": [_("Say what the publisher must change.")]})
    before = snapshot(dataset)
    dataset.status = target
    dataset.review_comment = comment
    dataset.updated_at = now
    if target == DatasetStatus.PUBLISHED:
        dataset.published_at = dataset.published_at or now
        dataset.verified_by = actor if getattr(actor, "pk", None) else None
    dataset.save()
    action = "dataset.publish" if target == DatasetStatus.PUBLISHED else "dataset.return"
    audit_record(actor=actor, action=action, obj=dataset, before=before, now=now)
    verb = "published" if target == DatasetStatus.PUBLISHED else "returned"
    events_emit(f"catalog.dataset.{verb}", dataset, actor=actor, now=now)
    return dataset
