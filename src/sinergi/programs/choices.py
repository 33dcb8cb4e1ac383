"""Choices of the programs app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgramStatus(models.TextChoices):
    """Where a program is in its life."""

    PLANNING = "planning", _("Planning")
    ACTIVE = "active", _("Active")
    ON_HOLD = "on_hold", _("On hold")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Visibility(models.TextChoices):
    """Who may see a program."""

    PUBLIC = "public", _("Public")
    INTERNAL = "internal", _("Internal")


class PartnershipMode(models.TextChoices):
    """The two modes of whole-of-government work."""

    INTER_SECTORAL = "inter_sectoral", _("Inter-sectoral (resources at the coordinator's disposal)")
    MULTI_SECTORAL = "multi_sectoral", _("Multi-sectoral (each partner delivers its own part)")


class CommitmentKind(models.TextChoices):
    """What a partner pledges."""

    BUDGET = "budget", _("Budget")
    STAFF = "staff", _("Staff")
    EQUIPMENT = "equipment", _("Equipment")
    DATA = "data", _("Data")
    PERMIT = "permit", _("Permit or recommendation")


class CommitmentStatus(models.TextChoices):
    """How far a commitment is fulfilled."""

    PLEDGED = "pledged", _("Pledged")
    PARTIAL = "partial", _("Partly fulfilled")
    FULFILLED = "fulfilled", _("Fulfilled")
    CANCELLED = "cancelled", _("Cancelled")


class WorkStatus(models.TextChoices):
    """State of a work item, derived from its progress."""

    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")


class LinkType(models.TextChoices):
    """Dependency types of the critical path method."""

    FS = "FS", _("Finish to start")
    SS = "SS", _("Start to start")
    FF = "FF", _("Finish to finish")
    SF = "SF", _("Start to finish")


class Zoom(models.TextChoices):
    """Time scale of the Gantt chart."""

    WEEK = "week", _("Week")
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")


class ExchangeFormat(models.TextChoices):
    """File formats for schedule exchange."""

    MSPDI = "mspdi", _("MS Project XML (MSPDI)")
    XER = "xer", _("Primavera P6 XER")
    CSV = "csv", _("CSV (work items)")
    XLSX = "xlsx", _("Excel workbook (work items, .xlsx)")


class ImportState(models.TextChoices):
    """Where a background schedule import is."""

    QUEUED = "queued", _("Queued")
    READING = "reading", _("Reading the file")
    CHECKING = "checking", _("Checking the rows")
    WRITING = "writing", _("Writing the work items")
    DONE = "done", _("Imported")
    FAILED = "failed", _("Nothing imported")


class ProposalKind(models.TextChoices):
    """What a partner proposes to change in the plan."""

    CHANGE_ITEM = "change_item", _("Change a work item's duration, dates or constraint")
    ADD_DEPENDENCY = "add_dependency", _("Add a dependency")
    REMOVE_DEPENDENCY = "remove_dependency", _("Remove a dependency")
    ADD_ITEM = "add_item", _("Add a work item")


class ProposalStatus(models.TextChoices):
    """Outcome of a plan change proposal."""

    PENDING = "pending", _("Awaiting decision")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
