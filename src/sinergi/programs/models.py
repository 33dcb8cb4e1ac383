"""Cross-sector programs: partners, commitments, indicators, work items, hand-offs,
baselines and progress."""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import HiddenQuerySet, TimestampedModel, VisibleQuerySet
from sinergi.core.paging import bound_ids

from .choices import (
    CommitmentKind,
    CommitmentStatus,
    ExchangeFormat,
    ImportState,
    LinkType,
    PartnershipMode,
    ProgramStatus,
    ProposalKind,
    ProposalStatus,
    Visibility,
    WorkStatus,
)

CODE_RE = r"^[A-Z0-9][A-Z0-9-]{1,39}$"
MAX_DAYS = 10_000


def involved_program_filter(user: Any, prefix: str = "") -> Q:
    """Programs a signed-in user takes part in (coordinator or partner member), or leads."""
    from sinergi.agencies.selectors import leader_region_codes, user_memberships

    agency_ids = {m.agency_id for m in user_memberships(user)}
    cond = Q(**{f"{prefix}coordinator_id__in": agency_ids}) | Q(
        **{f"{prefix}partnerships__agency_id__in": agency_ids}
    )
    for code in leader_region_codes(user):
        cond |= Q(**{f"{prefix}region__code": code}) | Q(
            **{f"{prefix}region__code__startswith": code + "."}
        )
    return cond


class ProgramQuerySet(VisibleQuerySet):
    """Who sees which program."""

    def visible_to(self, user: Any) -> Self:
        """Public programs to everyone; internal ones to their coordinator, partners and the
        region's leaders; all to platform admins."""
        public = Q(visibility=Visibility.PUBLIC)
        if user is None or not user.is_authenticated or not user.is_active:
            return self.filter(public)
        if user.is_superuser:
            return self.all()
        # Indexed keys only (coordinator, the partnerships by agency, the led regions' ids),
        # no ``pk IN`` over an OR across joins (docs/decisions/bounded-list-counts.md).
        from sinergi.agencies.selectors import leader_region_codes, user_memberships
        from sinergi.regions.models import Region

        # The partnered programmes and the led regions are read first (short indexed reads)
        # and bound as ids: a subquery inside the OR keeps PostgreSQL from combining the
        # indexes and makes it scan every programme.
        agency_ids = sorted({m.agency_id for m in user_memberships(user)})
        cond = public
        if agency_ids:
            partnered = Partnership.objects.filter(agency_id__in=agency_ids).order_by()
            cond |= Q(coordinator_id__in=agency_ids) | Q(
                pk__in=bound_ids(partnered.values_list("program_id", flat=True))
            )
        codes = leader_region_codes(user)
        if codes:
            led = Q()
            for code in codes:
                led |= Q(code=code) | Q(code__startswith=code + ".")
            regions = Region.objects.filter(led).order_by().values_list("pk", flat=True)
            cond |= Q(region_id__in=bound_ids(regions))
        return self.filter(cond)


class Program(TimestampedModel):
    """A cross-sector program run by a coordinator agency with partner agencies."""

    code = models.CharField(
        _("code"),
        max_length=40,
        unique=True,
        validators=[RegexValidator(CODE_RE, _("Use capital letters, digits and hyphens (2–40)."))],
    )
    title = models.CharField(_("title"), max_length=200)
    goal = models.TextField(_("goal"), blank=True)
    region = models.ForeignKey(
        "regions.Region", verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    coordinator = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("coordinator agency"),
        on_delete=models.PROTECT,
        related_name="coordinated_programs",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProgramStatus.choices, default=ProgramStatus.PLANNING
    )
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.INTERNAL
    )
    planned_start = models.DateField(_("planned start"))
    budget = models.DecimalField(
        _("budget (Rp)"),
        max_digits=18,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(0)],
    )
    sectors = models.ManyToManyField("agencies.Sector", verbose_name=_("sectors"), blank=True)
    plan_codes = models.TextField(_("plan codes (SIPD/RPJMD)"), blank=True)
    plan_version = models.PositiveIntegerField(_("plan version"), default=1)
    # Changes with every plan or progress change and is never reused (a rolled-back change
    # may have bumped the version number): computed schedules are cached under it.
    plan_stamp = models.CharField(_("plan stamp"), max_length=32, blank=True, editable=False)
    baseline = models.ForeignKey(
        "Baseline",
        verbose_name=_("baseline compared against"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = ProgramQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("program")
        verbose_name_plural = _("programs")

    def __str__(self) -> str:
        return f"{self.code} {self.title}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this program."""
        return self.region.code


class ProgramPartQuerySet(VisibleQuerySet):
    """Rows that belong to a program are seen by whoever sees the program."""

    def visible_to(self, user: Any) -> Self:
        """Rows of the programs the user sees."""
        return self.filter(program__in=Program.objects.visible_to(user).values("pk"))


class ProgramPart(models.Model):
    """A row that belongs to one program (its audit region is the program's)."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="+"
    )

    objects = ProgramPartQuerySet.as_manager()

    class Meta:
        abstract = True

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this row."""
        return self.program.region.code


class Partnership(ProgramPart):
    """A partner agency of a program, in one of the two modes, with its role."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="partnerships"
    )
    agency = models.ForeignKey(
        "agencies.Agency", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    mode = models.CharField(_("mode"), max_length=20, choices=PartnershipMode.choices)
    role = models.CharField(_("role in the program"), max_length=200, blank=True)
    joined_at = models.DateTimeField(_("joined at"))

    class Meta:
        ordering = ["program", "agency__name"]
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        constraints = [
            models.UniqueConstraint(fields=["program", "agency"], name="programs_partner_unique")
        ]

    def __str__(self) -> str:
        return f"{self.agency} in {self.program.code}"


class Commitment(ProgramPart):
    """What a partner pledged to a program: budget, staff, equipment, data or a permit."""

    partnership = models.ForeignKey(
        Partnership,
        verbose_name=_("partner"),
        on_delete=models.CASCADE,
        related_name="commitments",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CommitmentKind.choices)
    description = models.CharField(_("description"), max_length=300)
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    unit = models.CharField(_("unit"), max_length=40)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.PLEDGED,
    )
    fulfilled_amount = models.DecimalField(
        _("fulfilled"), max_digits=18, decimal_places=2, default=Decimal(0)
    )

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")

    def __str__(self) -> str:
        return f"{self.description} ({self.amount} {self.unit})"


class Fulfilment(ProgramPart):
    """A dated delivery against a commitment."""

    commitment = models.ForeignKey(
        Commitment,
        verbose_name=_("commitment"),
        on_delete=models.CASCADE,
        related_name="fulfilments",
    )
    date = models.DateField(_("date"))
    amount = models.DecimalField(
        _("amount"), max_digits=18, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("fulfilment")
        verbose_name_plural = _("fulfilments")

    def __str__(self) -> str:
        return f"{self.date} {self.amount}"


class Indicator(ProgramPart):
    """A result the program measures, with baseline and target."""

    name = models.CharField(_("name"), max_length=200)
    unit = models.CharField(_("unit"), max_length=40)
    baseline_value = models.DecimalField(_("baseline"), max_digits=18, decimal_places=4)
    target_value = models.DecimalField(_("target"), max_digits=18, decimal_places=4)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.name


class IndicatorActual(ProgramPart):
    """A dated measurement of an indicator."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="actuals"
    )
    date = models.DateField(_("date"))
    value = models.DecimalField(_("value"), max_digits=18, decimal_places=4)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("indicator actual")
        verbose_name_plural = _("indicator actuals")

    def __str__(self) -> str:
        return f"{self.date}: {self.value}"


class WorkItem(ProgramPart):
    """A WBS-coded piece of work owned by one agency."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="work_items"
    )
    wbs = models.CharField(
        _("WBS code"),
        max_length=40,
        validators=[RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")],
    )
    title = models.CharField(_("title"), max_length=200)
    owner = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("owner agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    duration = models.PositiveIntegerField(
        _("duration (working days)"), validators=[MaxValueValidator(MAX_DAYS)]
    )
    milestone = models.BooleanField(_("milestone"), default=False)
    earliest_start = models.DateField(_("start no earlier than"), null=True, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, validators=[MaxValueValidator(100)]
    )
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    remaining_duration = models.PositiveIntegerField(
        _("remaining working days"), null=True, blank=True, validators=[MaxValueValidator(MAX_DAYS)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=WorkStatus.choices, default=WorkStatus.NOT_STARTED
    )
    blocker = models.CharField(_("blocked by"), max_length=300, blank=True)

    class Meta:
        ordering = ["program", "wbs"]
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        constraints = [
            models.UniqueConstraint(fields=["program", "wbs"], name="programs_workitem_wbs")
        ]

    def __str__(self) -> str:
        return f"{self.wbs} {self.title}"


class Dependency(ProgramPart):
    """A CPM link between two work items; between two agencies it is a hand-off."""

    predecessor = models.ForeignKey(
        WorkItem, verbose_name=_("predecessor"), on_delete=models.CASCADE, related_name="+"
    )
    successor = models.ForeignKey(
        WorkItem, verbose_name=_("successor"), on_delete=models.CASCADE, related_name="+"
    )
    type = models.CharField(_("type"), max_length=2, choices=LinkType.choices, default="FS")
    lag = models.IntegerField(
        _("lag (working days)"),
        default=0,
        validators=[MinValueValidator(-MAX_DAYS), MaxValueValidator(MAX_DAYS)],
    )

    class Meta:
        ordering = ["pk"]
        verbose_name = _("dependency")
        verbose_name_plural = _("dependencies")
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="programs_dependency_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.predecessor.wbs} -> {self.successor.wbs} {self.type}{self.lag:+d}"

    @property
    def is_handoff(self) -> bool:
        """A dependency between work items of two agencies is a hand-off."""
        return bool(self.predecessor.owner_id != self.successor.owner_id)


class Baseline(ProgramPart):
    """A named snapshot of the plan and its planned dates, to compare the forecast with."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="baselines"
    )
    name = models.CharField(_("name"), max_length=100)
    taken_at = models.DateTimeField(_("taken at"))
    data_date = models.DateField(_("data date"))
    finish_date = models.DateField(_("planned finish"))
    # {"tasks": [...], "links": [...]} in the engine's document form, plus planned dates.
    snapshot = models.JSONField(_("snapshot"))

    class Meta:
        ordering = ["taken_at", "pk"]
        verbose_name = _("baseline")
        verbose_name_plural = _("baselines")

    def __str__(self) -> str:
        return self.name


class ProgressUpdate(ProgramPart):
    """The dated status of one work item as its agency reported it."""

    work_item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="updates"
    )
    data_date = models.DateField(_("status date"))
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), validators=[MaxValueValidator(100)]
    )
    actual_start = models.DateField(_("actual start"), null=True, blank=True)
    actual_finish = models.DateField(_("actual finish"), null=True, blank=True)
    remaining_duration = models.PositiveIntegerField(
        _("remaining working days"), null=True, blank=True, validators=[MaxValueValidator(MAX_DAYS)]
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    blocker = models.CharField(_("blocked by"), max_length=300, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["data_date", "pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        indexes = [models.Index(fields=["program", "data_date"])]

    def __str__(self) -> str:
        return f"{self.work_item.wbs} @ {self.data_date}: {self.percent_complete}%"


class ScheduleImport(ProgramPart):
    """A large schedule file imported in the background, with its progress and outcome."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="imports"
    )
    format = models.CharField(_("format"), max_length=10, choices=ExchangeFormat.choices)
    filename = models.CharField(_("file name"), max_length=200, blank=True)
    size = models.PositiveIntegerField(_("size (bytes)"), default=0)
    # The uploaded file until the import has run (then emptied).
    data = models.BinaryField(_("file"), default=b"", editable=False)
    language = models.CharField(_("language"), max_length=10, default="id")
    state = models.CharField(
        _("state"), max_length=10, choices=ImportState.choices, default=ImportState.QUEUED
    )
    done = models.PositiveIntegerField(_("rows done"), default=0)
    total = models.PositiveIntegerField(_("rows in total"), default=0)
    errors = models.JSONField(_("problems"), default=list, blank=True)
    counts = models.JSONField(_("imported"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("started by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("schedule import")
        verbose_name_plural = _("schedule imports")

    def __str__(self) -> str:
        return f"{self.program.code} {self.filename} ({self.state})"

    @property
    def finished(self) -> bool:
        """Whether the import has ended, one way or the other."""
        return self.state in (ImportState.DONE, ImportState.FAILED)

    @property
    def percent(self) -> int:
        """Rough progress for the progress bar."""
        if self.state == ImportState.DONE:
            return 100
        if self.state == ImportState.WRITING:
            return 90
        if self.state == ImportState.CHECKING:
            return 75
        if self.total:
            return min(70, round(70 * self.done / self.total))
        return 0


class ProposalQuerySet(VisibleQuerySet):
    """Plan change proposals are seen by the program's parties and its region's leaders."""

    def visible_to(self, user: Any) -> Self:
        """Proposals of programs the user takes part in or leads; all for platform admins."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        ids = Program.objects.filter(involved_program_filter(user)).values("pk")
        return self.filter(program__in=ids)


class PlanProposal(models.Model):
    """A partner's proposal to change the plan, accepted or rejected by the coordinator."""

    program = models.ForeignKey(
        Program, verbose_name=_("program"), on_delete=models.CASCADE, related_name="proposals"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ProposalKind.choices)
    work_item = models.ForeignKey(
        WorkItem,
        verbose_name=_("work item"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    dependency = models.ForeignKey(
        Dependency,
        verbose_name=_("dependency"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The proposed values (work-item fields, or the link's ends by WBS, type and lag).
    changes = models.JSONField(_("proposed changes"), default=dict)
    summary = models.CharField(_("summary"), max_length=300)
    reason = models.TextField(_("reason"), max_length=2000)
    agency = models.ForeignKey(
        "agencies.Agency",
        verbose_name=_("proposing agency"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=ProposalStatus.choices,
        default=ProposalStatus.PENDING,
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True, max_length=2000)

    objects = ProposalQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("plan change proposal")
        verbose_name_plural = _("plan change proposals")

    def __str__(self) -> str:
        return f"{self.program.code}: {self.summary}"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this proposal."""
        return self.program.region.code


class PlanRevision(ProgramPart):
    """The plan as it stood before the first plan change of a day (kept once a baseline
    exists), so that delay attribution can replay plan history period by period."""

    date = models.DateField(_("date of the change"))
    # plan_rows() output with ISO dates: {"rows": [...], "links": [...]}.
    plan = models.JSONField(_("plan before the change"))
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        ordering = ["program", "date"]
        verbose_name = _("plan revision")
        verbose_name_plural = _("plan revisions")
        constraints = [
            models.UniqueConstraint(fields=["program", "date"], name="programs_revision_day")
        ]

    def __str__(self) -> str:
        return f"{self.program.code} {self.date}"


class ScheduleSnapshot(models.Model):
    """The last schedule computed for a large program, shared by every process: its page
    shows it (noting that a recomputation runs) while the worker computes the new one
    after a plan change. See docs/decisions/programs-schedule-off-request.md."""

    program = models.OneToOneField(
        Program, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    key = models.CharField(_("plan stamp, data date and baseline"), max_length=120)
    computed_at = models.DateTimeField(_("computed at"))
    payload = models.BinaryField(_("computed schedule"))

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("schedule snapshot")
        verbose_name_plural = _("schedule snapshots")

    def __str__(self) -> str:
        return f"{self.program_id} {self.key}"


class ScheduleSnapshotPatch(models.Model):
    """A change of work-item durations applied to a large program's stored schedule since
    it was last computed in full: ``items`` maps work item ids to their new duration and
    milestone flag. Readers apply the chain from the snapshot's key to this one's
    incrementally, so an edit writes one small row instead of the whole schedule. See
    docs/decisions/incremental-reschedule.md."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="+")
    seq = models.PositiveIntegerField(_("sequence"))
    prev_key = models.CharField(_("key it applies to"), max_length=120)
    key = models.CharField(_("plan stamp, data date and baseline"), max_length=120)
    plan_version = models.PositiveIntegerField(_("plan version"))
    computed_at = models.DateTimeField(_("computed at"))
    items = models.JSONField(_("changed work items"))

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("schedule snapshot patch")
        verbose_name_plural = _("schedule snapshot patches")
        constraints = [
            models.UniqueConstraint(fields=["program", "seq"], name="programs_snapshot_patch_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.key}"
