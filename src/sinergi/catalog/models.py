"""Datasets of the Satu Data catalog, their tags and their versions (Parquet files)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import ReferenceQuerySet, TimestampedModel, VisibleQuerySet
from sinergi.core.paging import bound_ids

from .choices import (
    FREQUENCY_DAYS,
    AccessLevel,
    DatasetStatus,
    Frequency,
    Licence,
    SourceFormat,
)

# Agencies of these kinds are not government: "all government" access does not reach them.
NON_GOVERNMENT_KINDS = {"ngo", "business", "community", "bumn", "bumd"}


class Tag(models.Model):
    """A free keyword that groups datasets (``kesehatan``, ``stunting``)."""

    name = models.CharField(_("name"), max_length=60, unique=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.name


class DatasetQuerySet(VisibleQuerySet):
    """Who sees which dataset."""

    def published_for(self, user: Any) -> Self:
        """Published datasets whose access level lets the user read them."""
        if user is not None and user.is_authenticated and user.is_superuser:
            return self.filter(status=DatasetStatus.PUBLISHED)
        return self.filter(self._published_q(user))

    def _published_q(self, user: Any) -> Q:
        public = Q(status=DatasetStatus.PUBLISHED, access_level=AccessLevel.PUBLIC)
        if user is None or not user.is_authenticated or not user.is_active:
            return public
        from sinergi.agencies.selectors import user_memberships

        memberships = user_memberships(user)
        cond = public
        if any(m.agency.kind not in NON_GOVERNMENT_KINDS for m in memberships):
            cond |= Q(status=DatasetStatus.PUBLISHED, access_level=AccessLevel.GOVERNMENT)
        agency_ids = [m.agency_id for m in memberships]
        if agency_ids:
            # The access list by agency (its own index), read first: a few ids, so the OR
            # stays one of plain keys that PostgreSQL combines from the indexes.
            allowed = bound_ids(
                Dataset.allowed_agencies.through.objects.filter(agency_id__in=agency_ids)
                .order_by()
                .values_list("dataset_id", flat=True)
            )
            cond |= Q(
                status=DatasetStatus.PUBLISHED,
                access_level=AccessLevel.AGENCIES,
                pk__in=allowed,
            ) | Q(status=DatasetStatus.PUBLISHED, publisher_id__in=agency_ids)
        return cond

    def visible_to(self, user: Any) -> Self:
        """Anonymous visitors see published public datasets; signed-in users also what
        their access allows, every dataset of their own agency (and agencies below it),
        the datasets their agency verifies as walidata, and leaders all of their region."""
        if user is not None and user.is_authenticated and user.is_superuser:
            return self.all()
        if user is None or not user.is_authenticated or not user.is_active:
            return self.published_for(user)
        # Agencies and regions resolved first: an OR of IN-lists on
        # the indexed keys, no ``pk IN`` over joins, no subquery inside the OR and no
        # DISTINCT (docs/decisions/bounded-list-counts.md).
        own, below, regions = _catalog_scope(user)
        cond = self._published_q(user)
        if own:
            publishers = (
                Q(publisher_id__in=sorted(set(own) | set(below)))
                if isinstance(below, list)
                else Q(publisher_id__in=own) | Q(publisher_id__in=below)
            )
            cond |= publishers | Q(
                walidata_id__in=own,
                status__in=[DatasetStatus.SUBMITTED, DatasetStatus.PUBLISHED],
            )
        if not isinstance(regions, list) or regions:
            cond |= Q(region_id__in=regions)
        return self.filter(cond)


def _catalog_scope(user: Any) -> tuple[list[int], Any, Any]:
    """(the user's agencies, the agencies one or two levels below them, the ids of the
    regions they lead): two short indexed reads, so the dataset filter binds plain ids."""
    from sinergi.agencies.models import Agency
    from sinergi.agencies.selectors import leader_region_codes, user_memberships
    from sinergi.regions.models import Region

    own = [m.agency_id for m in user_memberships(user)]
    below: Any = []
    if own:
        below = bound_ids(
            Agency.objects.filter(Q(parent_id__in=own) | Q(parent__parent_id__in=own))
            .order_by()
            .values_list("pk", flat=True)
        )
    regions: Any = []
    codes = leader_region_codes(user)
    if codes:
        led = Q()
        for code in codes:
            led |= Q(code=code) | Q(code__startswith=code + ".")
        regions = bound_ids(Region.objects.filter(led).order_by().values_list("pk", flat=True))
    return own, below, regions


class Dataset(TimestampedModel):
    """A dataset an agency publishes once for every other agency (and, if public, for
    everyone), with Satu Data metadata and its verification state."""

    slug = models.SlugField(_("identifier"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    publisher = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("publisher"),
        on_delete=models.PROTECT,
        related_name="datasets",
    )
    walidata = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("walidata"),
        on_delete=models.PROTECT,
        related_name="datasets_verified",
        help_text=_("The data steward agency that verifies this dataset."),
    )
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="datasets")
    sector = models.ForeignKey(
        "agencies.Sector",
        verbose_name=_("sector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    affair = models.ForeignKey(
        "agencies.Affair",
        verbose_name=_("government affair"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    frequency = models.CharField(
        _("update frequency"), max_length=20, choices=Frequency.choices, default=Frequency.ANNUAL
    )
    licence = models.CharField(
        _("licence"), max_length=30, choices=Licence.choices, default=Licence.CC_BY
    )
    temporal_start = models.DateField(_("covers from"), null=True, blank=True)
    temporal_end = models.DateField(_("covers to"), null=True, blank=True)
    spatial_coverage = models.JSONField(
        _("spatial coverage (region codes)"), default=list, blank=True
    )
    reference_codes = models.CharField(
        _("reference codes used"),
        max_length=300,
        blank=True,
        help_text=_("Code lists the data uses, e.g. Kemendagri region codes, KBLI."),
    )
    contact_name = models.CharField(_("contact name"), max_length=150, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    access_level = models.CharField(
        _("access"), max_length=20, choices=AccessLevel.choices, default=AccessLevel.PUBLIC
    )
    allowed_agencies = models.ManyToManyField(
        "agencies.Agency",
        verbose_name=_("agencies allowed"),
        blank=True,
        related_name="datasets_shared",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=DatasetStatus.choices, default=DatasetStatus.DRAFT
    )
    filter_columns = models.JSONField(
        _("filter columns"),
        default=list,
        blank=True,
        help_text=_(
            "Columns people filter the data on (at most three, most used first); the stored "
            "table is sorted by them so that a filtered page answers quickly."
        ),
    )
    review_comment = models.TextField(_("walidata comments"), blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = DatasetQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        verbose_name = _("dataset")
        verbose_name_plural = _("datasets")
        indexes = [
            models.Index(fields=["region", "status", "access_level"]),
            # Lists are read by title: a page is the first rows of this index, not a sort of
            # every visible dataset (docs/decisions/national-catalog-agency-programme-lists.md).
            models.Index(fields=["title", "id"], name="catalog_dataset_title_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this dataset."""
        return self.region.code

    def latest_version(self) -> DatasetVersion | None:
        """The newest version, or None before the first upload."""
        return self.versions.order_by("-number").first()

    def is_overdue(self, now: dt.datetime) -> bool:
        """Whether the latest version is older than its update frequency allows."""
        days = FREQUENCY_DAYS.get(Frequency(self.frequency))
        if days is None:
            return False
        latest = self.latest_version()
        if latest is None:
            return False
        return now - latest.created_at > dt.timedelta(days=days)


class DatasetVersionQuerySet(VisibleQuerySet):
    """Versions are seen with their dataset."""

    def visible_to(self, user: Any) -> Self:
        """Versions of datasets the user sees."""
        return self.filter(dataset__in=Dataset.objects.visible_to(user))


class DatasetVersion(models.Model):
    """One upload of a dataset's data: the Parquet file, its schema, row count, checksum and
    what changed since the previous version."""

    dataset = models.ForeignKey(
        Dataset, verbose_name=_("dataset"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    file_name = models.CharField(_("stored file"), max_length=200)
    original_name = models.CharField(_("uploaded file"), max_length=255, blank=True)
    size_bytes = models.BigIntegerField(_("uploaded size (bytes)"))
    encoding = models.CharField(_("encoding"), max_length=20)
    delimiter = models.CharField(_("delimiter"), max_length=5)
    source_format = models.CharField(
        _("uploaded as"), max_length=10, choices=SourceFormat.choices, default=SourceFormat.CSV
    )
    sheet = models.CharField(_("sheet"), max_length=100, blank=True)
    columns = models.JSONField(_("schema"), default=list)
    row_count = models.BigIntegerField(_("rows"))
    checksum = models.CharField(_("SHA-256 checksum"), max_length=64)
    changes = models.JSONField(_("changes from the previous version"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_by_name = models.CharField(_("published by"), max_length=150)
    created_at = models.DateTimeField(_("created at"))

    objects = DatasetVersionQuerySet.as_manager()

    class Meta:
        ordering = ["dataset", "-number"]
        verbose_name = _("dataset version")
        verbose_name_plural = _("dataset versions")
        constraints = [
            models.UniqueConstraint(fields=["dataset", "number"], name="catalog_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.dataset_id} v{self.number}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this version."""
        return self.dataset.region.code

    @property
    def resource_id(self) -> str:
        """The CKAN resource id of this version."""
        return f"{self.dataset.slug}-v{self.number}"


class DataRequestQuerySet(VisibleQuerySet):
    """Data requests are seen with their coordination request."""

    def visible_to(self, user: Any) -> Self:
        """The requesting and producing agencies (and agencies the request passed through),
        leaders of their regions and platform admins: whoever sees the coordination
        request."""
        from sinergi.coordination.models import Request

        return self.filter(request__in=Request.objects.visible_to(user))


class DataRequest(models.Model):
    """An agency asks for data no one publishes yet. It travels as a coordination request of
    kind "data" to the agency that should produce it, and is fulfilled by linking a
    published dataset."""

    request = models.OneToOneField(
        "coordination.Request",
        verbose_name=_("coordination request"),
        on_delete=models.PROTECT,
        related_name="data_request",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"))
    requester = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("requesting agency"),
        on_delete=models.PROTECT,
        related_name="data_requests_sent",
    )
    producer = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("agency asked to produce it"),
        on_delete=models.PROTECT,
        related_name="data_requests_received",
    )
    dataset = models.ForeignKey(
        Dataset,
        verbose_name=_("dataset that fulfils it"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fulfils",
    )
    fulfilled_at = models.DateTimeField(_("fulfilled at"), null=True, blank=True)
    fulfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("fulfilled by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    objects = DataRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("data request")
        verbose_name_plural = _("data requests")

    def __str__(self) -> str:
        return self.title

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this data request."""
        return self.requester.region.code

    @property
    def is_fulfilled(self) -> bool:
        """Whether a published dataset answers the request."""
        return self.dataset_id is not None
