"""One helper turns an agency slug from a form or an API body into an agency, with the same
messages everywhere, in the user's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from sinergi.agencies.models import Agency
from sinergi.agencies.selectors import agency_from_slug
from sinergi.core.exceptions import ValidationFailed

pytestmark = pytest.mark.django_db


def refusal(value: Any, field: str, **kw: Any) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        agency_from_slug(value, field, **kw)
    return caught.value.fields


def test_known_active_agency_is_returned() -> None:
    found = agency_from_slug("dinkes-sanggau", "agency")
    assert found.slug == "dinkes-sanggau"
    assert agency_from_slug(found, "agency") is found


def test_unknown_and_inactive_agencies_are_refused_in_indonesian() -> None:
    Agency.objects.filter(slug="bps-sanggau").update(is_active=False)
    with translation.override("id"):
        assert refusal("tidak-ada", "owner") == {"owner": ["Instansi tidak dikenal."]}
        assert refusal("bps-sanggau", "owner") == {"owner": ["Instansi ini tidak aktif."]}
    with translation.override("en"):
        assert refusal("tidak-ada", "owner") == {"owner": ["Unknown agency."]}


def test_a_slug_outside_the_allowed_rows_is_unknown() -> None:
    among = Agency.objects.filter(slug="dinkes-sanggau")
    with translation.override("id"):
        fields = refusal("dpupr-sanggau", "requester", among=among)
    assert fields == {"requester": ["Instansi tidak dikenal."]}


def test_the_programs_api_names_an_unknown_coordinator_in_the_users_language(
    api_as: Any,
) -> None:
    from sinergi.accounts.models import User

    User.objects.filter(username="admin").update(language="id")
    response = api_as("admin").post(
        "/api/v1/programs",
        {"code": "X-1", "title": "X", "coordinator": "tidak-ada", "planned_start": "2026-12-01"},
    )
    assert response.status_code == 422, response.content
    assert response.json()["fields"]["coordinator"] == ["Instansi tidak dikenal."]
