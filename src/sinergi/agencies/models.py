"""Agencies and the memberships that give users a role in them."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from sinergi.core.models import ReferenceQuerySet, TimestampedModel, VisibleQuerySet

from .choices import AffairCategory, AgencyKind, MembershipRole


class Sector(models.Model):
    """A development sector (kesehatan, infrastruktur, …) that agencies and programs work in."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=120)
    name_en = models.CharField(_("name in English"), max_length=120, blank=True)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name


class Affair(models.Model):
    """A government affair (urusan pemerintahan) of UU 23/2014 by its nomenclature code."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name in English"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=40, choices=AffairCategory.choices)

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("government affair")
        verbose_name_plural = _("government affairs")

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class AgencyQuerySet(VisibleQuerySet):
    """Who sees which agency."""

    def public(self) -> Self:
        """Agencies everyone sees on the public portal, signed in or not: the active ones.
        Name, kind, mandate and office contact are public information; people are not."""
        return self.filter(is_active=True)

    def visible_to(self, user: Any) -> Self:
        """Signed-in users see every active agency; inactive ones only admins, the agency's
        own members and the leaders of its region."""
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser:
            return self.all()
        from .selectors import leader_region_codes, user_memberships

        # The user's own agencies (all their memberships, active or not) by a subquery on
        # the membership table rather than a join that repeats agencies and needs DISTINCT;
        # the parent and region conditions follow foreign keys, which repeat nothing
        # (docs/decisions/bounded-list-counts.md). Most agencies are active, so the list
        # is read in order and its count is bounded, not collected through indexes.
        member_of = Membership.objects.filter(user=user).values("agency_id")
        cond = Q(is_active=True) | Q(pk__in=member_of)
        # Heads see the (possibly inactive) agencies below theirs, so they can switch them
        # back on; agency trees here are a few levels deep.
        headed = [m.agency_id for m in user_memberships(user) if m.role in ("head", "admin")]
        if headed:
            cond |= (
                Q(parent__in=headed)
                | Q(parent__parent__in=headed)
                | Q(parent__parent__parent__in=headed)
            )
        for code in leader_region_codes(user):
            cond |= Q(region__code=code) | Q(region__code__startswith=code + ".")
        return self.filter(cond)


class Agency(TimestampedModel):
    """A government body or partner that takes part in coordination."""

    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    name = models.CharField(_("name"), max_length=200)
    short_name = models.CharField(_("short name"), max_length=60, blank=True)
    kind = models.CharField(_("kind"), max_length=40, choices=AgencyKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        related_name="agencies",
    )
    sectors = models.ManyToManyField(Sector, verbose_name=_("sectors"), blank=True)
    affairs = models.ManyToManyField(Affair, verbose_name=_("government affairs"), blank=True)
    mandate = models.TextField(_("mandate (tugas dan fungsi)"), blank=True)
    head_title = models.CharField(_("head's position title"), max_length=150, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = AgencyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("agency")
        verbose_name_plural = _("agencies")
        indexes = [models.Index(fields=["region", "kind"])]

    def __str__(self) -> str:
        return self.short_name or self.name

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this agency."""
        return self.region.code

    def ancestors(self) -> list[Agency]:
        """Parent, grandparent, … up to the root (guarded against cycles)."""
        chain: list[Agency] = []
        node = self.parent
        seen = {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


class MembershipQuerySet(VisibleQuerySet):
    """Who sees which membership."""

    def visible_to(self, user: Any) -> Self:
        """Memberships of agencies the user sees (the government staff directory)."""
        return self.filter(agency__in=Agency.objects.visible_to(user))


class Membership(TimestampedModel):
    """Gives a user a role in one agency; a user may belong to several agencies."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    agency = models.ForeignKey(
        Agency, verbose_name=_("agency"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=MembershipRole.choices)
    position_title = models.CharField(_("position title"), max_length=150, blank=True)
    is_primary = models.BooleanField(_("primary agency"), default=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["agency__name", "user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "agency"], name="agencies_membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.agency} ({self.role})"

    @property
    def audit_region(self) -> str:
        """Region code recorded with audit entries about this membership."""
        return self.agency.region.code
