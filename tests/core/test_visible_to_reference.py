"""The list filters rewritten on indexed keys (issue 17: datasets, agencies, programmes and
the programmes behind "my work" and hand-offs) show exactly the rows the plain rules
show: for every demo user, and nobody, the ids match a reference filter written here the
straightforward way — joins and DISTINCT, as the rules read before the rewrite."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.utils import timezone

from sinergi.accounts.models import User
from sinergi.agencies.choices import GOVERNMENT_KINDS
from sinergi.agencies.models import Agency, Membership
from sinergi.catalog.choices import AccessLevel, DatasetStatus
from sinergi.catalog.models import NON_GOVERNMENT_KINDS, Dataset, Tag
from sinergi.catalog.selectors import datasets_search
from sinergi.core.permissions import Role
from sinergi.programs.models import Program
from sinergi.programs.selectors import _involved

pytestmark = pytest.mark.django_db


def _people() -> list[Any]:
    users: list[Any] = list(User.objects.order_by("pk"))
    assert len(users) > 10, "the demo users are missing"
    return [AnonymousUser(), *users]


def _signed_in(user: Any) -> bool:
    return bool(user.is_authenticated and user.is_active)


def _own(user: Any) -> list[int]:
    return list(
        Membership.objects.filter(user=user, agency__is_active=True).values_list(
            "agency_id", flat=True
        )
    )


def _led_region_q(user: Any, field: str) -> Q:
    cond = Q(pk__in=[])
    for m in Membership.objects.filter(user=user, agency__is_active=True).select_related(
        "agency__region"
    ):
        if m.agency.kind in GOVERNMENT_KINDS and Role.of(m.role) >= Role.MANAGER:
            code = m.agency.region.code
            cond |= Q(**{f"{field}__code": code}) | Q(**{f"{field}__code__startswith": code + "."})
    return cond


def _reference_datasets(user: Any) -> set[int]:
    if user.is_authenticated and user.is_superuser:
        return set(Dataset.objects.values_list("pk", flat=True))
    published = Q(status=DatasetStatus.PUBLISHED)
    cond = published & Q(access_level=AccessLevel.PUBLIC)
    if _signed_in(user):
        own = _own(user)
        kinds = set(Agency.objects.filter(pk__in=own).values_list("kind", flat=True))
        if kinds - NON_GOVERNMENT_KINDS:
            cond |= published & Q(access_level=AccessLevel.GOVERNMENT)
        cond |= published & Q(access_level=AccessLevel.AGENCIES, allowed_agencies__in=own)
        cond |= (
            Q(publisher__in=own)
            | Q(publisher__parent__in=own)
            | Q(publisher__parent__parent__in=own)
            | Q(walidata__in=own, status__in=[DatasetStatus.SUBMITTED, DatasetStatus.PUBLISHED])
            | _led_region_q(user, "region")
        )
    return set(Dataset.objects.filter(cond).distinct().values_list("pk", flat=True))


def _reference_agencies(user: Any) -> set[int]:
    if not _signed_in(user):
        return set()
    if user.is_superuser:
        return set(Agency.objects.values_list("pk", flat=True))
    cond = Q(is_active=True) | Q(memberships__user=user)
    headed = Membership.objects.filter(
        user=user, agency__is_active=True, role__in=["head", "admin"]
    ).values_list("agency_id", flat=True)
    cond |= (
        Q(parent__in=list(headed))
        | Q(parent__parent__in=list(headed))
        | Q(parent__parent__parent__in=list(headed))
        | _led_region_q(user, "region")
    )
    return set(Agency.objects.filter(cond).distinct().values_list("pk", flat=True))


def _reference_programs(user: Any) -> set[int]:
    cond = Q(visibility="public")
    if _signed_in(user):
        if user.is_superuser:
            return set(Program.objects.values_list("pk", flat=True))
        own = _own(user)
        cond |= (
            Q(coordinator__in=own) | Q(partnerships__agency__in=own) | _led_region_q(user, "region")
        )
    return set(Program.objects.filter(cond).distinct().values_list("pk", flat=True))


def _ids(qs: Any) -> set[int]:
    return set(qs.values_list("pk", flat=True))


def _widen_the_demo() -> None:
    """Rows the demo lacks that the rules treat specially: a dataset shared with named
    agencies, an inactive agency with a member, a sub-agency's dataset."""
    dinkes = Agency.objects.get(slug="dinkes-sanggau")
    other = Agency.objects.exclude(pk=dinkes.pk).filter(kind="opd", is_active=True).first()
    assert other is not None
    source = Dataset.objects.order_by("pk").first()
    assert source is not None
    at = {"created_at": timezone.now(), "updated_at": timezone.now()}
    shared = Dataset.objects.create(
        **at,
        slug="uji-dibagikan",
        title="Uji dibagikan",
        publisher=other,
        walidata=source.walidata,
        region=source.region,
        status=DatasetStatus.PUBLISHED,
        access_level=AccessLevel.AGENCIES,
    )
    shared.allowed_agencies.add(dinkes)
    child = Agency.objects.create(
        **at, slug="uji-uptd", name="UPTD Uji", kind="opd", parent=dinkes, region=dinkes.region
    )
    Dataset.objects.create(
        **at,
        slug="uji-uptd-draft",
        title="Draf UPTD",
        publisher=child,
        walidata=source.walidata,
        region=source.region,
    )
    closed = Agency.objects.create(
        **at, slug="uji-tutup", name="Tutup Uji", kind="opd", region=dinkes.region, is_active=False
    )
    member = Membership.objects.filter(agency=dinkes).select_related("user").first()
    assert member is not None
    Membership.objects.create(**at, user=member.user, agency=closed, role="staff")


def test_datasets_match_the_reference() -> None:
    _widen_the_demo()
    tag = Tag.objects.order_by("pk").first()
    assert tag is not None
    for user in _people():
        expected = _reference_datasets(user)
        assert _ids(Dataset.objects.visible_to(user)) == expected, user
        assert _ids(datasets_search(user=user)) == expected, user
        tagged = set(
            Dataset.objects.filter(pk__in=expected, tags__name=tag.name).values_list(
                "pk", flat=True
            )
        )
        assert _ids(datasets_search(user=user, tags=[tag.name])) == tagged, user
        by_word = set(
            Dataset.objects.filter(pk__in=expected)
            .filter(Q(title__icontains=tag.name) | Q(tags__name__iexact=tag.name))
            .values_list("pk", flat=True)
        ) | {
            pk
            for pk in expected
            if tag.name.lower() in Dataset.objects.get(pk=pk).description.lower()
            or tag.name.lower() in Dataset.objects.get(pk=pk).slug.lower()
        }
        assert _ids(datasets_search(user=user, q=tag.name)) == by_word, user


def test_agencies_match_the_reference() -> None:
    _widen_the_demo()
    for user in _people():
        assert _ids(Agency.objects.visible_to(user)) == _reference_agencies(user), user


def test_programmes_match_the_reference() -> None:
    for user in _people():
        assert _ids(Program.objects.visible_to(user)) == _reference_programs(user), user


def test_programmes_of_my_work_match_the_reference() -> None:
    for user in _people():
        if not _signed_in(user):
            continue
        own = _own(user)
        expected = set(
            Program.objects.visible_to(user)
            .filter(Q(coordinator_id__in=own) | Q(work_items__owner_id__in=own))
            .distinct()
            .values_list("pk", flat=True)
        )
        assert _ids(_involved(user)) == expected, user
