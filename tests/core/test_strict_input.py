"""Strict API input: bodies must be JSON objects, values of the exact type, dates in queries
as YYYY-MM-DD, an empty dataset version is refused; messages in the token owner's
language."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytestmark = pytest.mark.django_db


def _post(api: Any, url: str, body: str) -> Any:
    return api.client.post(url, data=body, content_type="application/json", **api.headers)


@pytest.mark.parametrize("body", ["[null,null]", "true", '"x"', "null", "1", "[]"])
def test_a_body_that_is_not_an_object_is_refused(api_as: Any, body: str) -> None:
    from sinergi.coordination.models import Request

    api = api_as("admin")
    request = Request.objects.exclude(status="closed").order_by("pk").first()
    assert request is not None
    r = _post(api, f"/api/v1/requests/{request.pk}/close", body)
    assert r.status_code == 422, r.content
    assert r.json()["code"] == "body_not_object"
    assert r.json()["message"] == "Isi permintaan harus berupa objek JSON."
    request.refresh_from_db()
    assert request.status != "closed"


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"region": False, "date": "2026-12-24", "name": "Libur"}, "region", None),
        ({"date": 0, "name": "Libur"}, "date", "Tulis tanggal sebagai YYYY-MM-DD."),
        ({"date": "2026-12-24", "name": 5}, "name", "Masukkan teks."),
        ({"date": "2026-12-24T00:00:00", "name": "x"}, "date", "Tulis tanggal sebagai YYYY-MM-DD."),
    ],
)
def test_values_must_have_the_exact_type(
    api_as: Any, body: dict[str, Any], field: str, message: str | None
) -> None:
    r = _post(api_as("admin"), "/api/v1/requests/holidays", json.dumps(body))
    assert r.status_code == 422, r.content
    assert field in r.json()["fields"], r.json()
    if message:
        assert message in r.json()["fields"][field]


def test_an_integer_field_refuses_false(api_as: Any) -> None:
    from sinergi.programs.models import Program

    program = Program.objects.order_by("pk").first()
    assert program is not None
    api = api_as("admin")
    r = api.client.patch(
        f"/api/v1/programs/{program.code}",
        data=json.dumps({"budget": False}),
        content_type="application/json",
        **api.headers,
    )
    assert r.status_code == 422, r.content


def test_dates_in_queries_must_look_like_dates(api_as: Any, users: Any) -> None:
    api = api_as("admin")
    r = api.get("/api/v1/audit?until=0")
    assert r.status_code == 422
    assert r.json()["fields"] == {"until": ["Tulis tanggal sebagai YYYY-MM-DD."]}
    assert api.get("/api/v1/audit?until=2026-11-02&limit=1").status_code == 200
    # The token owner's language answers.
    users["admin"].language = "en"
    users["admin"].save(update_fields=["language"])
    r = api_as("admin").get("/api/v1/audit?until=1")
    assert r.json()["fields"] == {"until": ["Enter a date as YYYY-MM-DD."]}


@pytest.mark.parametrize(
    "body", [{"rows": [{}], "columns": []}, {"rows": [{}]}, {"rows": [{"a": None}]}]
)
def test_an_empty_version_is_refused_and_the_good_one_stays(
    api_as: Any, body: dict[str, Any]
) -> None:
    from sinergi.catalog.models import Dataset

    dataset = next(d for d in Dataset.objects.order_by("pk") if d.latest_version() is not None)
    before = dataset.latest_version()
    api = api_as("admin")
    r = _post(api, f"/api/v1/datasets/{dataset.slug}/versions/json", json.dumps(body))
    assert r.status_code == 422, r.content
    assert dataset.latest_version() == before
