"""The public ticker: JSON shape, ETag and 304, freshness, stale flag, framing, no
private data."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from sinergi.blood import services


@pytest.fixture
def at_demo_time(monkeypatch: Any, now: dt.datetime) -> dt.datetime:
    """Views read the clock at the edge; pin it to the demo's moment."""
    monkeypatch.setattr("sinergi.blood.views.now", lambda: now)
    monkeypatch.setattr("sinergi.blood.middleware.now", lambda: now)
    return now


def test_ticker_json_shape_and_stale_flag(db: Any, at_demo_time: Any) -> None:
    response = Client().get("/darah/ticker.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "max-age=5" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    # Answered by the fast path: no session, language or CSP work, no cookie.
    assert "Content-Language" not in response and not response.cookies
    units = {u["unit"]: u for u in json.loads(response.content)["units"]}
    assert set(units) >= {"udd-pmi-sanggau", "udd-pmi-sekadau", "udd-pmi-pontianak"}
    sanggau = units["udd-pmi-sanggau"]
    assert sanggau["ticker_name"] == "PMI SANGGAU"
    assert sanggau["stale"] is False and units["udd-pmi-pontianak"]["stale"] is True
    assert sanggau["updated_at"] == "2026-11-02T01:00:00Z"
    assert set(sanggau["groups"]) == {"A", "B", "O", "AB"}
    o = sanggau["groups"]["O"]
    assert set(o) == {
        "red_cells",
        "red_cells_rh_neg",
        "platelets",
        "plasma",
        "days_of_supply",
        "status",
    }
    # Demo: PRC O+ 3, O− 2, WB O+ 1 → 6 red cells, 2 of them Rh−; group O is critical.
    assert (o["red_cells"], o["red_cells_rh_neg"], o["status"]) == (6, 2, "critical")
    assert sanggau["groups"]["B"]["status"] == "alert"
    assert sanggau["groups"]["A"]["status"] == "safe"
    body = response.content.decode()
    for private in ("RM-", "rsud", "RSUD", "case"):
        assert private not in body


def test_etag_304_and_change_within_seconds(
    db: Any,
    at_demo_time: Any,
    sanggau: Any,
    prc: Any,
    pmi: Any,
    now: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = Client()
    first = client.get("/darah/ticker.json?unit=udd-pmi-sanggau")
    etag = first["ETag"]
    again = client.get("/darah/ticker.json?unit=udd-pmi-sanggau", HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    with django_capture_on_commit_callbacks(execute=True):
        services.stock_record_movement(
            actor=pmi,
            unit=sanggau,
            product=prc,
            abo="O",
            rh="pos",
            kind="collected",
            quantity=10,
            now=now,
        )
    changed = client.get("/darah/ticker.json?unit=udd-pmi-sanggau", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed["ETag"] != etag
    group = json.loads(changed.content)["units"][0]["groups"]["O"]
    assert group["red_cells"] == 16 and group["status"] != "critical"
    assert Client().get("/darah/ticker.json?unit=nope").status_code == 404


def test_stale_flag_follows_the_clock(db: Any, monkeypatch: Any, now: Any) -> None:
    later = now + dt.timedelta(hours=25)
    monkeypatch.setattr("sinergi.blood.views.now", lambda: later)
    monkeypatch.setattr("sinergi.blood.middleware.now", lambda: later)
    units = json.loads(Client().get("/darah/ticker.json").content)["units"]
    assert all(u["stale"] for u in units)


def test_ticker_html_is_frameable_and_familiar(db: Any, at_demo_time: Any) -> None:
    response = Client().get("/darah/ticker?unit=udd-pmi-sanggau")
    assert response.status_code == 200
    html = response.content.decode()
    assert "JUMLAH KETERSEDIAAN DARAH PMI SANGGAU &gt;&gt;&gt; GOLONGAN DARAH" in html
    assert "A: 21" in html and "O: 6" in html
    assert "X-Frame-Options" not in response
    assert "frame-ancestors *" in response["Content-Security-Policy"]
    assert "<script" not in html and "style=" not in html
    assert Client().get("/darah/ticker", HTTP_IF_NONE_MATCH=response["ETag"]).status_code in (
        200,
        304,
    )
    # Every other page still refuses to be framed.
    assert Client().get("/darah/stok/udd-pmi-sanggau/")["X-Frame-Options"] == "DENY"


def test_embed_js(db: Any) -> None:
    response = Client().get("/darah/embed.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    js = response.content.decode()
    assert "/darah/ticker" in js and "iframe" in js
    assert "http" not in js.replace("https://HOST", "")  # no external calls
    again = Client().get("/darah/embed.js", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_public_unit_page_has_chart_and_donor_call(
    db: Any, at_demo_time: Any, sanggau: Any, prc: Any, pmi: Any, now: Any
) -> None:
    services.donor_call_create(
        actor=pmi,
        unit=sanggau,
        abo="O",
        rh="",
        product=prc,
        place="Markas PMI Sanggau",
        starts_at=now,
        ends_at=now + dt.timedelta(hours=6),
        now=now,
    )
    response = Client().get("/darah/stok/udd-pmi-sanggau/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and html.count("<polyline") == 4
    assert "Markas PMI Sanggau" in html
    assert "RSUD" not in html and "RM-" not in html
    assert Client().get("/darah/stok/rsud-sanggau/").status_code == 404
