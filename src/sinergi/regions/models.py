"""Regions by their Kemendagri code."""

from __future__ import annotations

from typing import Any, Self

from django.db import models
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import VisibleQuerySet

from .choices import RegionLevel


class RegionQuerySet(VisibleQuerySet):
    """Regions are public reference data."""

    def visible_to(self, user: Any) -> Self:
        """Everyone sees every region."""
        return self.all()

    def within(self, code: str) -> Self:
        """The region with this code and every region below it."""
        return self.filter(models.Q(code=code) | models.Q(code__startswith=code + "."))


class Region(models.Model):
    """A province, kabupaten/kota or kecamatan with its Kemendagri code and time zone."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=120)
    level = models.CharField(_("level"), max_length=20, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    timezone = models.CharField(_("time zone"), max_length=40)

    objects = RegionQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        indexes = [models.Index(fields=["level", "code"])]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this region."""
        return self.code
