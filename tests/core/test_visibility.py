"""Visibility by default: every model of Sinergi says deliberately who sees its rows, and
anything without a rule is hidden."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.contrib.auth.models import AnonymousUser, Group
from django.db import models

from sinergi.blood.models import DonorCall
from sinergi.coordination.models import Attendance, RequestEvent
from sinergi.core.models import VisibleQuerySet
from sinergi.core.permissions import is_visible
from sinergi.notifications.models import OutgoingEmail

pytestmark = pytest.mark.django_db


def sinergi_models() -> list[type[models.Model]]:
    """Every concrete model of every Sinergi app, including apps added later."""
    return [m for m in apps.get_models() if m.__module__.startswith("sinergi.")]


def test_every_model_has_a_deliberate_visible_to() -> None:
    missing = []
    for model in sinergi_models():
        queryset = type(model._default_manager.get_queryset())
        rule = getattr(queryset, "visible_to", None)
        # The base class's visible_to hides everything by default; relying on it silently is
        # what this test forbids: subclass it with a rule (or HiddenQuerySet on purpose).
        if rule is None or rule is VisibleQuerySet.visible_to:
            missing.append(model._meta.label)
    assert sinergi_models(), "no models found"
    assert missing == [], f"models without a deliberate visible_to: {missing}"


@pytest.mark.parametrize("who", ["anonymous", "staff", "admin"])
def test_every_rule_runs_for_anyone(users: dict[str, Any], who: str) -> None:
    user = AnonymousUser() if who == "anonymous" else users[who]
    for model in sinergi_models():
        rows = model._default_manager.visible_to(user)  # type: ignore[attr-defined]
        assert rows.count() >= 0, model._meta.label


def test_base_queryset_hides_everything(users: dict[str, Any]) -> None:
    rows = VisibleQuerySet(model=Group).visible_to(users["admin"])
    Group.objects.create(name="tanpa aturan")
    assert list(rows) == []


def test_is_visible_fails_closed_for_a_model_without_a_rule(users: dict[str, Any]) -> None:
    group = Group.objects.create(name="tanpa aturan")
    assert not is_visible(users["staff"], group)


def test_parts_follow_their_parent(users: dict[str, Any]) -> None:
    from sinergi.coordination.models import Meeting, Request

    event = RequestEvent.objects.select_related("request").first()
    assert event is not None
    for who in ("staff", "admin"):
        sees_request = Request.objects.visible_to(users[who]).filter(pk=event.request_id).exists()
        assert is_visible(users[who], event) == sees_request
    attendance = Attendance.objects.first()
    assert attendance is not None
    sees_meeting = Meeting.objects.visible_to(users["staff"]).filter(pk=attendance.meeting_id)
    assert is_visible(users["staff"], attendance) == sees_meeting.exists()


def test_outgoing_email_is_hidden_and_draft_donor_calls_stay_with_the_unit(
    users: dict[str, Any],
) -> None:
    assert not OutgoingEmail.objects.visible_to(users["admin"]).exists()
    anonymous = AnonymousUser()
    shown = DonorCall.objects.visible_to(anonymous)
    assert not shown.filter(status="draft").exists()
    assert shown.count() == DonorCall.objects.exclude(status="draft").count()
