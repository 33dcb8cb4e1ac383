"""Summary tables of the insights app, kept by the tick job (``metrics.refresh_facts``).

Nothing here is edited by people: every row is derived from the tables of the domain apps
and may be rebuilt at any time (``metrics.rebuild``). Every row carries its region code so
the tables shard by region like the rest (Citus-ready).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import HiddenQuerySet

#: Response-time histogram buckets: ``r0`` … ``r30`` hold requests answered in exactly that
#: many working days, ``r31`` those answered in more than 30 (median/p90 report 31 then).
RESPONSE_BUCKETS = 32


class RequestFact(models.Model):
    """One coordination request reduced to what the metrics need (see ``metrics.py``)."""

    request = models.OneToOneField(
        "coordination.Request", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    region_code = models.CharField(max_length=20, db_index=True)
    from_agency_id = models.IntegerField()
    to_agency_id = models.IntegerField()
    submitted_at = models.DateTimeField()
    submitted_day = models.DateField()  # local date in the handling agency's region
    is_open = models.BooleanField()
    due_at = models.DateTimeField()
    answered = models.BooleanField()
    on_time = models.BooleanField(null=True)
    response_days = models.IntegerField(null=True)
    forwarded = models.IntegerField(default=0)  # times forwarded as "bukan wewenang"
    days_to_forward = models.IntegerField(null=True)  # working days to the first forward
    esc_head = models.BooleanField(default=False)
    esc_sekda = models.BooleanField(default=False)
    esc_bupati = models.BooleanField(default=False)
    source_updated_at = models.DateTimeField()

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("request fact")
        verbose_name_plural = _("request facts")
        indexes = [
            models.Index(fields=["to_agency_id", "submitted_day"]),
            models.Index(fields=["from_agency_id", "submitted_day"]),
            models.Index(fields=["submitted_day"]),
            models.Index(fields=["is_open", "due_at"]),
            # Open and overdue now among the requests of a window: the open facts of the
            # window's days, not every open fact ever.
            # On PostgreSQL the agency ids ride along (INCLUDE), so the open-overdue
            # counts per agency and pair are index-only scans (SQLite ignores INCLUDE).
            models.Index(
                fields=["is_open", "submitted_day", "due_at"],
                include=["from_agency_id", "to_agency_id"],
                name="insights_fact_open_window",
            ),
        ]

    def __str__(self) -> str:
        return f"fact {self.request_id}"


class _Aggregate(models.Model):
    """Sums over the facts of one group of requests submitted in one period."""

    region_code = models.CharField(max_length=20)
    period = models.DateField()  # a day, or the first day of a month
    received = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)
    answered_on_time = models.IntegerField(default=0)
    forwarded = models.IntegerField(default=0)
    forward_days_sum = models.IntegerField(default=0)
    forward_days_n = models.IntegerField(default=0)
    esc_head = models.IntegerField(default=0)
    esc_sekda = models.IntegerField(default=0)
    esc_bupati = models.IntegerField(default=0)
    # The histogram of response days, one column per bucket (r0 … r31, see
    # RESPONSE_BUCKETS) so that the database sums it over any range of periods.
    for _i in range(RESPONSE_BUCKETS):
        locals()[f"r{_i}"] = models.IntegerField(default=0)
    del _i

    objects = HiddenQuerySet.as_manager()

    class Meta:
        abstract = True


class AgencyPeriod(_Aggregate):
    """Requests received by one agency, per day (``monthly`` false) or per month."""

    agency_id = models.IntegerField()
    monthly = models.BooleanField()

    class Meta:
        verbose_name = _("agency aggregate")
        verbose_name_plural = _("agency aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["monthly", "agency_id", "period"], name="insights_agency_period_once"
            )
        ]
        indexes = [models.Index(fields=["monthly", "period"])]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period}"


class PairPeriod(_Aggregate):
    """Requests from one agency to another, per day or per month."""

    from_agency_id = models.IntegerField()
    to_agency_id = models.IntegerField()
    monthly = models.BooleanField()

    class Meta:
        verbose_name = _("pair aggregate")
        verbose_name_plural = _("pair aggregates")
        constraints = [
            models.UniqueConstraint(
                fields=["monthly", "from_agency_id", "to_agency_id", "period"],
                name="insights_pair_period_once",
            )
        ]
        indexes = [models.Index(fields=["monthly", "period"])]

    def __str__(self) -> str:
        return f"{self.from_agency_id}->{self.to_agency_id} {self.period}"


class HandoffFact(models.Model):
    """A hand-off between work items of different agencies in a programme: the
    predecessor's agency owes it to the successor's agency by the baseline finish of the
    predecessor (its planned finish when the programme has no baseline)."""

    program_id = models.IntegerField(db_index=True)
    region_code = models.CharField(max_length=20, db_index=True)
    from_agency_id = models.IntegerField()
    to_agency_id = models.IntegerField()
    due_day = models.DateField()
    done_day = models.DateField(null=True)  # actual finish of the predecessor
    forecast_day = models.DateField()  # forecast finish of the predecessor
    critical = models.BooleanField()
    # Days the unfinished predecessor is forecast past the day owed; null when it is done
    # or on time (stored so that both databases find a country's late ones by an index).
    late_days = models.IntegerField(null=True)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("hand-off fact")
        verbose_name_plural = _("hand-off facts")
        indexes = [
            # The figures of the agencies in a scope: their hand-offs due in the window.
            models.Index(fields=["from_agency_id", "due_day"]),
            # The dashboard's late critical hand-offs of a whole country, read grouped by
            # programme from two small covering partial indexes: unfinished and forecast
            # after the day owed, and unfinished and forecast before today.
            models.Index(
                fields=["program_id", "late_days"],
                condition=Q(critical=True, late_days__isnull=False),
                name="insights_handoff_late_idx",
            ),
            models.Index(
                fields=["forecast_day", "program_id"],
                condition=Q(done_day__isnull=True, critical=True),
                name="insights_handoff_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.program_id} {self.from_agency_id}->{self.to_agency_id}"


class DelayFact(models.Model):
    """Working days of programme delay attributed to one agency in one status period."""

    program_id = models.IntegerField(db_index=True)
    region_code = models.CharField(max_length=20, db_index=True)
    agency_slug = models.CharField(max_length=100)
    day = models.DateField()  # data date closing the period
    days = models.IntegerField()

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("delay fact")
        verbose_name_plural = _("delay facts")

    def __str__(self) -> str:
        return f"{self.program_id} {self.agency_slug} {self.days}"


class ProgramFact(models.Model):
    """The health of one programme at the day it was computed."""

    program_id = models.IntegerField(primary_key=True)
    region_code = models.CharField(max_length=20, db_index=True)
    key = models.CharField(max_length=120)  # plan stamp, baseline and day it was computed for
    rag = models.CharField(max_length=5)
    slip_days = models.IntegerField(null=True)
    late_critical_handoffs = models.IntegerField(default=0)
    holding_agencies = models.JSONField(default=list)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme fact")
        verbose_name_plural = _("programme facts")

    def __str__(self) -> str:
        return f"{self.program_id} {self.rag}"


class RefreshState(models.Model):
    """Where the last refresh got to (one row)."""

    name = models.CharField(max_length=40, primary_key=True)
    high_water = models.DateTimeField(null=True)
    last_pk = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(null=True)
    # A new random value on every refresh: readers key their per-process cache of window
    # sums on it (``updated_at`` alone may repeat, e.g. two refreshes with the same ``now``).
    token = models.CharField(max_length=32, default="", blank=True)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("refresh state")
        verbose_name_plural = _("refresh states")

    def __str__(self) -> str:
        return self.name
