"""The insights API on the demo: figures equal counts over the request API, who sees
what, and bad input answered with a clear error."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from typing import Any
from zoneinfo import ZoneInfo

import pytest

WINDOW = "from=2026-08-05&to=2026-11-02"
FIRST, LAST = dt.date(2026, 8, 5), dt.date(2026, 11, 2)
SANGGAU = ZoneInfo("Asia/Pontianak")


def _local_day(stamp: str) -> dt.date:
    """The day of a moment in Sanggau, the demo's region (the window is in local days)."""
    return dt.datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(SANGGAU).date()


@pytest.fixture(autouse=True)
def _built(db: Any, now: Any) -> None:
    from sinergi.insights.metrics import refresh_facts

    refresh_facts(now=now)


def _body(response: Any) -> Any:
    return json.loads(response.content)


def _all_requests(api: Any) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = _body(api.get(f"/api/v1/requests?limit=500&offset={offset}"))
        items += page["items"]
        offset += 500
        if offset >= page["count"]:
            return items


def test_agency_figures_equal_counts_from_the_request_api(api_as: Any) -> None:
    """As the Bupati: per agency, received/answered/on time/open overdue of the insights API
    equal what one counts from /api/v1/requests (current to_agency, submitted in window)."""
    api = api_as("leader")
    requests = [r for r in _all_requests(api) if FIRST <= _local_day(r["submitted_at"]) <= LAST]
    assert requests, "the demo has requests in the window"
    expected: dict[str, Counter[str]] = {}
    for r in requests:
        c = expected.setdefault(r["to_agency"], Counter())
        c["received"] += 1
        c["answered"] += r["answered_at"] is not None
        c["answered_on_time"] += r["answered_late"] is False
        c["open_overdue"] += r["overdue"]
    body = _body(api.get(f"/api/v1/insights/agencies?{WINDOW}"))
    got = {row["agency"]: row for row in body["items"]}
    assert body["count"] >= 10
    for slug, c in expected.items():
        if slug not in got:  # agencies outside the Bupati's region
            continue
        row = got[slug]
        assert row["received"] == c["received"], slug
        assert row["answered"] == c["answered"], slug
        assert row["answered_on_time"] == c["answered_on_time"], slug
        assert row["open_overdue"] == c["open_overdue"], slug
    assert sum(r["received"] for r in got.values()) == sum(
        c["received"] for s, c in expected.items() if s in got
    )


def test_staff_see_their_agency_and_its_pairs_only(api_as: Any) -> None:
    api = api_as("staff")
    agencies = _body(api.get(f"/api/v1/insights/agencies?{WINDOW}"))["items"]
    assert {a["agency"] for a in agencies} == {"dinkes-sanggau"}
    pairs = _body(api.get(f"/api/v1/insights/pairs?{WINDOW}"))["items"]
    assert pairs
    assert all("dinkes-sanggau" in (p["from_agency"], p["to_agency"]) for p in pairs)
    other = api.get(f"/api/v1/insights/agencies?{WINDOW}&agency=kantah-sanggau")
    assert other.status_code == 404


def test_leader_sees_the_region_and_the_summary(api_as: Any) -> None:
    api = api_as("leader")
    rows = _body(api.get(f"/api/v1/insights/agencies?{WINDOW}&region=61.03"))["items"]
    assert rows and all(r["region"].startswith("61.03") for r in rows)
    summary = _body(api.get(f"/api/v1/insights/summary?{WINDOW}"))
    assert summary["received"] == sum(r["received"] for r in rows)
    assert summary["updated_at"]
    programs = _body(api.get("/api/v1/insights/programs"))["items"]
    assert programs and {p["rag"] for p in programs} <= {"red", "amber", "green"}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-11-02&to=2026-08-01", "from"),
        ("from=kemarin", "from"),
        ("to=2026-13-45", "to"),
        ("from=2020-01-01&to=2026-01-01", "to"),
        ("region=99.99", "region"),
        ("agency=tidak-ada", "agency"),
    ],
)
@pytest.mark.parametrize("path", ["agencies", "pairs", "summary"])
def test_bad_input_is_a_clear_error_in_indonesian(
    api_as: Any, query: str, field: str, path: str
) -> None:
    response = api_as("leader").get(f"/api/v1/insights/{path}?{query}")
    assert response.status_code == 422
    body = _body(response)
    assert body["code"] == "validation_error"
    assert field in body["fields"]
    assert body["message"] and body["message"] != "Some fields are not valid."


def test_anonymous_is_refused_and_scoreboard_is_public(api_as: Any) -> None:
    anon = api_as(None)
    assert anon.get("/api/v1/insights/agencies").status_code == 401
    body = _body(anon.get(f"/api/v1/public/scoreboard?{WINDOW}"))
    assert body["count"] > 5
    assert set(body["items"][0]) == {
        "agency",
        "name",
        "received",
        "on_time_rate",
        "median_response_days",
        "open_overdue",
    }
    bad = anon.get("/api/v1/public/scoreboard?from=2026-11-02&to=2026-01-01")
    assert bad.status_code == 422
