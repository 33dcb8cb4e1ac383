"""Base models and the append-only, hash-chained audit log."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.utils.translation import gettext_lazy as _

GENESIS_HASH = "0" * 64

#: The chain of the entries written before the log was chained per region (migration 0003):
#: one chain, hashed without the chain fields, closed to new entries. Never a region code.
LEGACY_CHAIN = "legacy"


class VisibleQuerySet(models.QuerySet[Any]):
    """A queryset that knows which rows a user may see; every list goes through it."""

    def visible_to(self, user: Any) -> Self:
        """Rows the user may see. Models override this; the default hides everything."""
        return self.none()


class HiddenQuerySet(VisibleQuerySet):
    """Rows no page or API shows to anyone (internal bookkeeping read only by services and
    the worker). Declaring it says so deliberately; the model-walk test accepts it."""

    def visible_to(self, user: Any) -> Self:
        """Nobody sees these rows through ``visible_to``."""
        return self.none()


class ReferenceQuerySet(VisibleQuerySet):
    """Reference data and public figures anyone may read (code lists, products, published
    stock): declaring it says so deliberately."""

    def visible_to(self, user: Any) -> Self:
        """Every row, for everyone."""
        return self.all()


class TimestampedModel(models.Model):
    """Adds creation and last-change times (UTC) to a model."""

    created_at = models.DateTimeField(_("created at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        abstract = True


class AuditEntryQuerySet(VisibleQuerySet):
    """Who reads which audit entries."""

    def visible_to(self, user: Any) -> Self:
        """Platform admins read everything; leaders the entries of their regions."""
        from .audit import audit_scope

        scope = audit_scope(user)
        if scope is None:
            return self.all()
        if not scope:
            return self.none()
        cond = models.Q()
        for code in scope:
            cond |= models.Q(region=code) | models.Q(region__startswith=code + ".")
        return self.filter(cond)


class AuditEntry(models.Model):
    """One change in the system, chained to the previous entry by a SHA-256 hash."""

    # The entry's number across all chains: unique, increasing with time (within a chain
    # strictly with ``chain_seq``), the number pages, the API and the admin show. Numbers
    # taken by a rolled-back write are skipped; gaps are checked per chain, not here.
    seq = models.BigIntegerField(_("sequence"), unique=True)
    # The chain the entry belongs to (``audit.chain_key`` of its region) and its position in
    # it, 1, 2, 3 … without gaps: the hash links to the previous entry of the same chain.
    chain = models.CharField(_("audit chain"), max_length=20, blank=True, default="")
    chain_seq = models.BigIntegerField(_("position in its chain"), default=0)
    at = models.DateTimeField(_("time"))
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor"), max_length=150, blank=True)
    actor_agency = models.CharField(_("actor's agency"), max_length=100, blank=True)
    region = models.CharField(_("region"), max_length=20, blank=True, db_index=True)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object id"), max_length=100, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["actor_agency", "at"]),
        ]
        constraints = [
            models.UniqueConstraint(fields=["chain", "chain_seq"], name="core_auditentry_chain_seq")
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.action} {self.object_type}:{self.object_id}"


class AuditHead(models.Model):
    """The head of one audit chain: its last position and hash.

    There is one chain per kabupaten/kota (``audit.chain_key``), one per province for
    province-level entries, the platform chain ``""`` and the closed legacy chain. A writer
    locks the head of its entry's chain only, so writers in different regions never wait on
    each other; ``sinergi audit verify`` compares each head with the last entry of its chain,
    so entries cut off the end of a chain are noticed too.
    """

    chain = models.CharField(primary_key=True, max_length=20, blank=True)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default=GENESIS_HASH)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"audit head {self.chain or '-'} #{self.seq}"


class TickRun(models.Model):
    """One run of a periodic job for one period, so a job runs once per period however often
    the tick is called."""

    job = models.CharField(max_length=100)
    period = models.CharField(max_length=50)
    ran_at = models.DateTimeField()
    result = models.JSONField(default=dict, blank=True)

    objects = HiddenQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["job", "period"], name="core_tickrun_job_period")
        ]

    def __str__(self) -> str:
        return f"{self.job}@{self.period}"
