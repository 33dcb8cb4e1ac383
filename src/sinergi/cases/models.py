"""Citizen services: the service catalogue (standar pelayanan) with its versions, cases
filed once and fanned out to agencies, their steps, documents and SKM ratings."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import HiddenQuerySet, TimestampedModel, VisibleQuerySet

from .choices import CaseStatus, Channel, DocumentSource, NotifyBy, StepStatus


def _member_agency_ids(user: Any) -> list[int]:
    from sinergi.agencies.selectors import user_memberships

    return [m.agency_id for m in user_memberships(user)]


class ServiceQuerySet(VisibleQuerySet):
    """Service standards are public information (UU 25/2009 art. 15): everyone reads them."""

    def visible_to(self, user: Any) -> Self:
        """Every service; inactive ones only to those who may edit them."""
        if user is not None and user.is_authenticated and user.is_superuser:
            return self.all()
        if user is not None and user.is_authenticated:
            ids = _member_agency_ids(user)
            return self.filter(Q(is_active=True) | Q(front_agency_id__in=ids))
        return self.filter(is_active=True)


class Service(TimestampedModel):
    """A public service offered through one front door; its standard lives in versions."""

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    front_agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("front-door agency"),
        on_delete=models.PROTECT,
        related_name="front_services",
    )
    current = models.ForeignKey(
        "ServiceVersion",
        verbose_name=_("current version"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    is_active = models.BooleanField(_("open for applications"), default=True)

    objects = ServiceQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return self.current.name if self.current else self.slug

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this service."""
        return self.front_agency.region.code


class ServiceVersionQuerySet(VisibleQuerySet):
    """A standard's versions are seen by whoever sees the service."""

    def visible_to(self, user: Any) -> Self:
        """Versions of the services the user sees."""
        return self.filter(service__in=Service.objects.visible_to(user).values("pk"))


class ServiceVersion(models.Model):
    """One version of a service standard (PermenPANRB 15/2014 components); never changed
    once written, so a case keeps the standard it was filed under.

    ``requirements`` is a list of ``{"code", "label", "kind": "document"|"field",
    "required"}``; ``steps`` a list of ``{"group", "agency", "title", "days",
    "documents": [codes]}``: steps with the same group run in parallel, groups in order.
    """

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    requirements = models.JSONField(_("requirements"), default=list)
    steps = models.JSONField(_("steps"), default=list)
    verify_days = models.PositiveSmallIntegerField(_("working days to verify"), default=1)
    issue_days = models.PositiveSmallIntegerField(_("working days to issue"), default=1)
    total_days = models.PositiveSmallIntegerField(_("time limit in working days"))
    fee = models.CharField(_("fee"), max_length=200)
    product = models.CharField(_("product"), max_length=200)
    complaint_channel = models.CharField(_("complaint channel"), max_length=300)
    legal_basis = models.TextField(_("legal basis"))
    retention_days = models.PositiveIntegerField(_("document retention in days"), default=365)
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ServiceVersionQuerySet.as_manager()

    class Meta:
        ordering = ["service", "-number"]
        verbose_name = _("service version")
        verbose_name_plural = _("service versions")
        constraints = [
            models.UniqueConstraint(fields=["service", "number"], name="cases_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.name} v{self.number}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this version."""
        return self.service.audit_region

    def documents(self) -> list[dict[str, Any]]:
        """Document requirements."""
        return [r for r in self.requirements if r.get("kind") == "document"]

    def fields(self) -> list[dict[str, Any]]:
        """Field requirements."""
        return [r for r in self.requirements if r.get("kind") == "field"]

    def groups(self) -> list[list[dict[str, Any]]]:
        """Steps grouped: each inner list runs in parallel, the lists one after another."""
        out: dict[int, list[dict[str, Any]]] = {}
        for step in self.steps:
            out.setdefault(int(step["group"]), []).append(step)
        return [out[k] for k in sorted(out)]


class CaseQuerySet(VisibleQuerySet):
    """Who sees which case: officers of its front-door agency and of the agencies with a
    step in it (UU 27/2022: nobody else, not even leaders)."""

    def visible_to(self, user: Any) -> Self:
        """Front-door agency members, members of agencies with a started step, admins."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = _member_agency_ids(user)
        if not ids:
            return self.none()
        # Two indexed lookups (services by front agency, steps by agency), no ``pk IN``
        # over an OR across joins (docs/decisions/bounded-list-counts.md).
        services = Service.objects.filter(front_agency_id__in=ids).values("pk")
        stepped = CaseStep.objects.filter(agency_id__in=ids, request__isnull=False)
        return self.filter(Q(service_id__in=services) | Q(pk__in=stepped.values("case_id")))

    def open(self) -> Self:
        """Cases still being worked on."""
        from .choices import OPEN_CASE_STATUSES

        return self.filter(status__in=OPEN_CASE_STATUSES)


class Case(TimestampedModel):
    """A citizen's application, filed once at the front door and tracked by its code."""

    code = models.CharField(_("tracking code"), max_length=30, unique=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="cases")
    version = models.ForeignKey(ServiceVersion, on_delete=models.PROTECT, related_name="cases")
    status = models.CharField(
        _("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.VERIFICATION
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    applicant_name = models.CharField(_("applicant's name"), max_length=150)
    nik = models.CharField(_("NIK"), max_length=16)
    phone = models.CharField(_("phone"), max_length=20)
    email = models.EmailField(_("email"), blank=True)
    notify_by = models.CharField(
        _("messages by"), max_length=10, choices=NotifyBy.choices, blank=True, default=""
    )
    data = models.JSONField(_("application fields"), default=dict)
    filed_at = models.DateTimeField(_("filed at"), db_index=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("filed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    due_date = models.DateField(_("expected finish date"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    working_days = models.PositiveSmallIntegerField(_("working days taken"), null=True, blank=True)
    within_standard = models.BooleanField(_("within the standard"), null=True, blank=True)
    reject_reason = models.TextField(_("reason for rejection"), blank=True)
    purged_at = models.DateTimeField(_("personal data purged at"), null=True, blank=True)

    objects = CaseQuerySet.as_manager()

    class Meta:
        ordering = ["-filed_at"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [models.Index(fields=["service", "status"])]

    def __str__(self) -> str:
        # Never personal data: this string lands in audit entries and logs.
        return self.code

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this case."""
        return self.service.audit_region

    @property
    def front_agency(self) -> Any:
        """The agency at whose front door the case was filed."""
        return self.service.front_agency


class CaseStepQuerySet(VisibleQuerySet):
    """Each agency sees only its own step; the front-door agency sees every step."""

    def visible_to(self, user: Any) -> Self:
        """Steps of the user's agencies and every step of cases at their front door."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = _member_agency_ids(user)
        return self.filter(
            Q(agency_id__in=ids, request__isnull=False) | Q(case__service__front_agency_id__in=ids)
        )


class RatingQuerySet(VisibleQuerySet):
    """A case's SKM answers are seen by those who see the case; the public sees aggregates."""

    def visible_to(self, user: Any) -> Self:
        """Ratings of the cases the user sees."""
        return self.filter(case__in=Case.objects.visible_to(user).values("pk"))


class CaseStep(models.Model):
    """One agency's part of a case; once started it travels as a coordination request."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    group = models.PositiveSmallIntegerField(_("group"))
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    days = models.PositiveSmallIntegerField(_("working days"))
    documents = models.JSONField(_("documents it needs"), default=list)
    status = models.CharField(
        _("status"), max_length=20, choices=StepStatus.choices, default=StepStatus.PENDING
    )
    request = models.OneToOneField(
        "coordination.Request",
        verbose_name=_("coordination request"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="case_step",
    )
    question = models.TextField(_("what is asked of the applicant"), blank=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    note = models.TextField(_("answer"), blank=True)

    objects = CaseStepQuerySet.as_manager()

    class Meta:
        ordering = ["case", "position"]
        verbose_name = _("case step")
        verbose_name_plural = _("case steps")
        constraints = [
            models.UniqueConstraint(fields=["case", "position"], name="cases_step_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case.code} #{self.position} {self.title}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this step."""
        return self.case.audit_region


class CaseDocument(models.Model):
    """A file of a case: stored outside the web root under a random name."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="documents")
    requirement = models.CharField(_("requirement"), max_length=40)
    label = models.CharField(_("document"), max_length=200)
    source = models.CharField(_("source"), max_length=10, choices=DocumentSource.choices)
    name = models.CharField(_("file name"), max_length=120)
    ext = models.CharField(_("type"), max_length=8)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    stored_name = models.CharField(max_length=80, unique=True)
    uploaded_at = models.DateTimeField(_("uploaded at"))
    purged_at = models.DateTimeField(_("purged at"), null=True, blank=True)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        ordering = ["case", "uploaded_at", "pk"]
        verbose_name = _("case document")
        verbose_name_plural = _("case documents")

    def __str__(self) -> str:
        return f"{self.case.code} {self.requirement}"


class Rating(models.Model):
    """A citizen's SKM answers (PermenPANRB 14/2017) for a finished case: nine elements,
    each 1–4."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="rating")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="ratings")
    scores = models.JSONField(_("scores"))
    comment = models.TextField(_("suggestion"), blank=True, max_length=2000)
    created_at = models.DateTimeField(_("rated at"))

    objects = RatingQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("SKM rating")
        verbose_name_plural = _("SKM ratings")

    def __str__(self) -> str:
        return f"SKM {self.case.code}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this rating."""
        return self.case.audit_region


class ComplaintQuerySet(VisibleQuerySet):
    """Complaints are handled by the front-door agency: its members (and admins) see them."""

    def visible_to(self, user: Any) -> Self:
        """Complaints about cases at the user's front door."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        return self.filter(case__service__front_agency_id__in=_member_agency_ids(user))


class Complaint(models.Model):
    """A citizen's complaint (pengaduan) about a case, for the head of the front-door agency
    on a clock of working days; may carry the SP4N-LAPOR! reference it was also filed under."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="complaints")
    body = models.TextField(_("complaint"), max_length=2000)
    lapor_ref = models.CharField(_("SP4N-LAPOR! reference"), max_length=40, blank=True)
    filed_at = models.DateTimeField(_("filed at"))
    due_date = models.DateField(_("due date"))
    answer = models.TextField(_("answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reminded_at = models.DateTimeField(_("reminded at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        ordering = ["case", "filed_at", "pk"]
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")

    def __str__(self) -> str:
        return f"{self.case.code} pengaduan {self.pk}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this complaint."""
        return self.case.audit_region
