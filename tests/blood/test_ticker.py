"""The public ticker: JSON shape, ETag and 304, freshness, stale flag, framing, no
private data."""

from __future__ import annotations

import datetime as dt
import json
import re
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
    # One script, a file of the app's own (it tells the framing page its height): nothing
    # inline, no inline style.
    assert re.findall(r"<script[^>]*>", html) == ['<script src="/static/blood/ticker.js" defer>']
    assert "style=" not in html
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


# --- the WSGI fast path (sinergi.wsgi.application), called as granian calls it ----------

JSON_HEADERS = (
    "Content-Type",
    "ETag",
    "Cache-Control",
    "Access-Control-Allow-Origin",
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "Referrer-Policy",
    "Cross-Origin-Opener-Policy",
    "X-Frame-Options",
    "Content-Security-Policy",
    "Content-Language",
    "Set-Cookie",
    "Vary",
)


class Served:
    """One WSGI answer, and whether Django saw the request at all."""

    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes, django: bool):
        self.status = int(status.split()[0])
        self.headers = {k.lower(): v for k, v in headers}
        self.body = body
        self.django = django

    def pick(self) -> dict[str, str | None]:
        return {name: self.headers.get(name.lower()) for name in JSON_HEADERS}


def wsgi_get(app: Any, path: str = "/darah/ticker.json", query: str = "", **extra: str) -> Served:
    """Call a WSGI application in this thread (and this test's transaction), as the test
    client does: Django's connection-closing signal handlers are off during the call."""
    import io
    import sys

    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    seen: list[bool] = []

    def started(**_: Any) -> None:
        seen.append(True)

    environ: dict[str, Any] = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        **extra,
    }
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc: Any = None) -> None:
        answer.update(status=status, headers=headers)

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request_started.connect(started)
    try:
        chunks = app(environ, start_response)
        body = b"".join(chunks)
        if hasattr(chunks, "close"):
            chunks.close()
    finally:
        request_started.disconnect(started)
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return Served(answer["status"], answer["headers"], body, bool(seen))


@pytest.fixture
def wsgi_app() -> Any:
    from sinergi.wsgi import application

    return application


def test_fast_path_answers_what_the_view_answers(db: Any, at_demo_time: Any, wsgi_app: Any) -> None:
    from sinergi.blood.ticker import forget
    from sinergi.wsgi import django_application

    first = wsgi_get(wsgi_app)  # nothing checked yet: Django answers and fills the cache
    reference = wsgi_get(django_application)  # Django alone
    fast = wsgi_get(wsgi_app)
    assert reference.django and first.django and not fast.django
    assert reference.status == first.status == fast.status == 200
    assert fast.body == first.body == reference.body
    assert fast.pick() == first.pick() == reference.pick()
    assert fast.headers["content-type"] == "application/json"
    assert fast.headers["x-content-type-options"] == "nosniff"
    assert fast.headers["cache-control"] == "public, max-age=5"
    assert fast.headers["content-length"] == str(len(fast.body))
    # The test client (the view behind the middleware) sends the same bytes.
    assert Client().get("/darah/ticker.json").content == fast.body

    # One unit: the same bytes as the view for that unit, not the whole ticker.
    forget()
    one = wsgi_get(django_application, query="unit=udd-pmi-sanggau")
    one_fast = wsgi_get(wsgi_app, query="unit=udd-pmi-sanggau")
    assert not one_fast.django and one_fast.body == one.body != fast.body
    assert [u["unit"] for u in json.loads(one_fast.body)["units"]] == ["udd-pmi-sanggau"]


def test_fast_path_304_and_stock_change(
    db: Any,
    at_demo_time: Any,
    wsgi_app: Any,
    sanggau: Any,
    prc: Any,
    pmi: Any,
    now: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from sinergi.wsgi import django_application

    wsgi_get(wsgi_app)
    etag = wsgi_get(wsgi_app).headers["etag"]
    not_modified = wsgi_get(wsgi_app, HTTP_IF_NONE_MATCH=etag)
    reference = wsgi_get(django_application, HTTP_IF_NONE_MATCH=etag)
    assert not not_modified.django and not_modified.status == reference.status == 304
    assert not_modified.body == reference.body == b""
    assert not_modified.pick() == reference.pick()

    with django_capture_on_commit_callbacks(execute=True):
        services.stock_record_movement(
            actor=pmi, unit=sanggau, product=prc, abo="O", rh="pos",
            kind="collected", quantity=10, now=now,
        )  # fmt: skip
    changed = wsgi_get(wsgi_app, HTTP_IF_NONE_MATCH=etag)
    assert changed.status == 200 and changed.headers["etag"] != etag
    units = {u["unit"]: u for u in json.loads(changed.body)["units"]}
    assert units["udd-pmi-sanggau"]["groups"]["O"]["red_cells"] == 16
    assert wsgi_get(wsgi_app).body == changed.body


def test_fast_path_staleness_is_bounded(
    db: Any, at_demo_time: Any, wsgi_app: Any, sanggau: Any, prc: Any, pmi: Any, now: Any,
    monkeypatch: Any,
) -> None:  # fmt: skip
    """A movement committed by another process reaches this one only through the database:
    once the answer is due for a check, one request checks while the others get the
    previous answer, and after ``CHECK_SECONDS + REFRESH_GRACE_SECONDS`` nobody does."""
    from sinergi.blood import ticker

    wsgi_get(wsgi_app)
    before = wsgi_get(wsgi_app)
    assert not before.django
    # Recorded "elsewhere": this process is not told (no on-commit callback runs).
    services.stock_record_movement(
        actor=pmi, unit=sanggau, product=prc, abo="O", rh="pos",
        kind="collected", quantity=10, now=now,
    )  # fmt: skip
    assert wsgi_get(wsgi_app).body == before.body  # within CHECK_SECONDS: the cache
    monkeypatch.setattr(ticker, "CHECK_SECONDS", 0.0)
    # Due for a check: the first caller is sent to Django, the others keep the last answer.
    assert ticker.peek(now=now) is None
    assert ticker.peek(now=now) is not None
    monkeypatch.setattr(ticker, "REFRESH_GRACE_SECONDS", 0.0)
    assert ticker.peek(now=now) is None  # past the bound nobody gets the old answer
    checked = wsgi_get(wsgi_app)
    assert checked.django and checked.body != before.body
    assert json.loads(checked.body)["units"][0]["groups"]["O"]["red_cells"] == 16


@pytest.mark.parametrize(
    ("path", "query", "extra", "status"),
    [
        ("/darah/ticker.json", "", {"REQUEST_METHOD": "POST"}, 403),  # CSRF, as the view
        ("/darah/ticker.json", "", {"REQUEST_METHOD": "HEAD"}, 405),  # as the view
        ("/darah/ticker.json/", "", {}, 404),
        ("/darah/ticker.jsonx", "", {}, 404),
        ("/DARAH/ticker.json", "", {}, 404),
        ("/darah/ticker.json", "unit=nope", {}, 404),
        ("/darah/ticker.json", "unit=udd%00", {}, 400),
        ("/darah/ticker.json", "", {"HTTP_HOST": "evil.example"}, 400),
        ("/darah/ticker", "", {}, 200),
        ("/healthz", "", {}, 200),
    ],
)
def test_fast_path_leaves_everything_else_to_django(
    db: Any, at_demo_time: Any, wsgi_app: Any, path: str, query: str, extra: Any, status: int
) -> None:
    wsgi_get(wsgi_app)
    wsgi_get(wsgi_app, query="unit=udd-pmi-sanggau")  # the cache holds the answers
    from sinergi.wsgi import django_application

    served = wsgi_get(wsgi_app, path, query, **extra)
    reference = wsgi_get(django_application, path, query, **extra)
    assert served.django and served.status == reference.status == status
    if path != "/darah/ticker.json" or status != 200:
        assert b'"units"' not in served.body


def test_fast_path_in_production_security_settings(
    db: Any, at_demo_time: Any, settings: Any
) -> None:
    """Behind the TLS-terminating proxy: plain HTTP is redirected by Django, HTTPS gets
    the ticker with HSTS, exactly as the full stack sends it."""
    from django.core.handlers.wsgi import WSGIHandler

    from sinergi.blood.middleware import TickerFastPath

    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    django_app = WSGIHandler()  # its middleware reads these settings
    app = TickerFastPath(django_app)
    https = {"HTTP_X_FORWARDED_PROTO": "https"}
    plain = wsgi_get(app)
    assert plain.django and plain.status == 301
    assert plain.headers["location"] == "https://testserver/darah/ticker.json"
    wsgi_get(app, **https)
    fast = wsgi_get(app, **https)
    reference = wsgi_get(django_app, **https)
    assert not fast.django and fast.status == reference.status == 200
    assert fast.body == reference.body and fast.pick() == reference.pick()
    assert fast.headers["strict-transport-security"] == "max-age=3600"
    assert wsgi_get(app, HTTP_X_FORWARDED_PROTO="http").status == 301
