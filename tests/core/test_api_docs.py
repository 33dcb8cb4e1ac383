"""The API documentation page: light (what a browser downloads, compressed as served in
production), local, in the reader's language; and the favicon everywhere."""

from __future__ import annotations

import gzip
import re
from typing import Any

from django.contrib.staticfiles import finders
from django.test import Client

BUDGET = 500_000  # bytes on the wire for the whole page


def _wire_bytes(client: Client) -> dict[str, int]:
    """Compressed size of every part of /api/v1/docs: the page and the OpenAPI document as
    the app sends them (gzip), the static files as gzip of the file, which is what WhiteNoise
    serves in production (CompressedManifestStaticFilesStorage)."""
    page = client.get("/api/v1/docs", HTTP_ACCEPT_ENCODING="gzip")
    assert page.status_code == 200
    assert page["Content-Encoding"] == "gzip"
    sizes = {"/api/v1/docs": len(page.content)}
    html = gzip.decompress(page.content).decode()
    for url in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        path = finders.find(url.removeprefix("/static/"))
        assert path, f"{url} is not a static file of the app"
        with open(path, "rb") as handle:
            sizes[url] = len(gzip.compress(handle.read(), 9))
    schema = client.get("/api/v1/openapi.json", HTTP_ACCEPT_ENCODING="gzip")
    assert schema["Content-Encoding"] == "gzip"
    sizes["/api/v1/openapi.json"] = len(schema.content)
    return sizes


def test_api_docs_weigh_under_500_kb(db: Any) -> None:
    sizes = _wire_bytes(Client())
    assert any("redoc" in url for url in sizes), sizes
    assert sum(sizes.values()) < BUDGET, sizes


def test_api_docs_speak_the_readers_language(db: Any) -> None:
    client = Client()
    page = client.get("/api/v1/docs")
    html = page.content.decode()
    assert '<html lang="id">' in html and "<title>API Sinergi</title>" in html
    assert "'unsafe-inline'" in page["Content-Security-Policy"].split("style-src")[1]
    assert "script-src 'self';" in page["Content-Security-Policy"] + ";"
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "API Sinergi"
    assert "Galat" in schema["info"]["description"] or "token" in schema["info"]["description"]
    names = {t["name"]: t.get("x-displayName") for t in schema["tags"]}
    assert names["blood"] == "Darah" and names["requests"] == "Permintaan antarinstansi"
    english = client.get("/api/v1/openapi.json?lang=en").json()
    assert english["info"]["title"] == "Sinergi API"
    assert {t["name"]: t.get("x-displayName") for t in english["tags"]}["blood"] == "Blood"


def test_favicon_is_linked_and_served(db: Any) -> None:
    client = Client()
    html = client.get("/masuk/").content.decode()
    for name in ("favicon.ico", "favicon.svg"):
        assert f'href="/static/sinergi/img/{name}"' in html
        assert finders.find(f"sinergi/img/{name}")
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/sinergi/img/favicon.ico"
