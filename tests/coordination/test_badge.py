"""The navigation badge: open and overdue requests waiting for the user's agencies, in one
COUNT query, only for signed-in users."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from sinergi.coordination.choices import OPEN_STATUSES
from sinergi.coordination.context_processors import badge, badge_counts
from sinergi.coordination.models import Request
from sinergi.core.clock import now

from .helpers import user

pytestmark = pytest.mark.django_db


def test_one_count_query_and_nothing_for_anonymous(django_assert_num_queries: Any) -> None:
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert badge(request) == {}
    request.user = user("pertanahan")
    with django_assert_num_queries(0):
        lazy = badge(request)["coordination_badge"]
    with django_assert_num_queries(1):
        counts = dict(lazy.items())
    waiting = Request.objects.filter(status__in=OPEN_STATUSES, to_agency__slug="kantah-sanggau")
    assert counts == {
        "open": waiting.count(),
        "overdue": waiting.filter(due_at__lt=now()).count(),
    }
    assert counts["open"] > 0  # the demo has requests waiting for the Kantor Pertanahan


def test_badge_in_the_navigation(client_as: Any) -> None:
    counts = badge_counts(user("pertanahan"))
    page = client_as("pertanahan").get("/permintaan/").content.decode()
    assert f'<span aria-hidden="true">{counts["open"]}' in page
    anonymous = client_as(None).get("/").content.decode()
    assert "main-nav" not in anonymous
