"""Choices of the catalog app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessLevel(models.TextChoices):
    """Who may read a published dataset."""

    PUBLIC = "public", _("Public")
    GOVERNMENT = "government", _("All government agencies")
    AGENCIES = "agencies", _("Named agencies only")


class DatasetStatus(models.TextChoices):
    """Where a dataset is in the Satu Data workflow (produsen → walidata → published)."""

    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Awaiting verification")
    RETURNED = "returned", _("Returned for changes")
    PUBLISHED = "published", _("Published")


class Frequency(models.TextChoices):
    """How often the publisher promises a new version."""

    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")
    SEMIANNUAL = "semiannual", _("Every six months")
    ANNUAL = "annual", _("Yearly")
    IRREGULAR = "irregular", _("Irregular")


# Days after the latest version when a dataset of this frequency is overdue (with slack).
FREQUENCY_DAYS = {
    Frequency.DAILY: 2,
    Frequency.WEEKLY: 10,
    Frequency.MONTHLY: 35,
    Frequency.QUARTERLY: 100,
    Frequency.SEMIANNUAL: 190,
    Frequency.ANNUAL: 380,
}


class Licence(models.TextChoices):
    """Licence under which the data is published."""

    CC_BY = "cc-by-4.0", _("Creative Commons Attribution 4.0")
    CC0 = "cc0-1.0", _("Creative Commons Zero (public domain)")
    ODBL = "odbl-1.0", _("Open Data Commons ODbL")
    GOVERNMENT = "government-use", _("Government use only")


class VerifyDecision(models.TextChoices):
    """What the walidata decides about a submitted dataset."""

    PUBLISH = "publish", _("Verify and publish")
    RETURN = "return", _("Return with comments")


class SourceFormat(models.TextChoices):
    """How a version's rows arrived."""

    CSV = "csv", _("CSV file")
    XLSX = "xlsx", _("Excel workbook")
    JSON = "json", _("JSON rows (API)")
