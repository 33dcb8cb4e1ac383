"""Production settings, CSP without unsafe-inline, no external assets, error shapes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_production_settings_pass_check_deploy(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env.update(
        SINERGI_MODE="production",
        SINERGI_SECRET_KEY="k3Yq!" + "x8#Lm2@pQz9&vR4" * 4,
        SINERGI_ALLOWED_HOSTS="sinergi.sanggau.go.id",
        SINERGI_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        SINERGI_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="sinergi.settings",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SINERGI_", "DJANGO_"))}
    env.update(
        SINERGI_MODE="production",
        SINERGI_DATA_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="sinergi.settings",
    )
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "django", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SINERGI_SECRET_KEY" in result.stderr


PAGES = [
    "/",
    "/instansi/",
    "/instansi/dinkes-sanggau/",
    "/akun/",
    "/akun/token/",
    "/audit/",
    "/publik/",
]


@pytest.mark.parametrize("url", PAGES)
def test_pages_have_strict_csp_and_no_inline_or_external_code(client_as: Any, url: str) -> None:
    response = client_as("admin").get(url)
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "script-src 'self'" in csp
    html = response.content.decode()
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"\son[a-z]+=", html), "inline event handler"
    for ref in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert (
            not re.match(r"^(https?:)?//", ref)
            or "sanggau.go.id" in ref
            or "kalbarprov" in ref
            or "bps.go.id" in ref
        ), ref


def test_pages_are_light(client_as: Any) -> None:
    html = client_as("admin").get("/instansi/").content
    assert len(html) < 60_000
    css = Path(__file__).parents[2] / "src/sinergi/core/static/sinergi/css/sinergi.css"
    assert css.stat().st_size < 20_000


def test_security_headers(client: Client) -> None:
    response = client.get("/masuk/")
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_api_docs_are_served_locally(client: Client) -> None:
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/redoc.standalone.js" in html
    assert "cdn" not in html.lower()


@pytest.mark.parametrize(
    ("method", "url", "body", "status", "code"),
    [
        ("get", "/api/v1/no-such-thing", None, 404, "not_found"),
        ("post", "/api/v1/agencies", "{not json", 400, "invalid_json"),
        ("get", "/api/v1/agencies?limit=abc", None, 422, "validation_error"),
        ("get", "/api/v1/agencies/x%00y", None, 400, "bad_request"),
        ("post", "/api/v1/agencies", '{"slug": "a\\u0000b"}', 400, "bad_request"),
        ("put", "/api/v1/agencies/dinkes-sanggau", "{}", 405, "method_not_allowed"),
    ],
)
def test_api_errors_are_json(
    api_as: Any, method: str, url: str, body: str | None, status: int, code: str | None
) -> None:
    client = api_as("admin").client
    headers = api_as("admin").headers
    kwargs: dict[str, Any] = dict(headers)
    if body is not None:
        kwargs.update(data=body, content_type="application/json")
    response = getattr(client, method)(url, **kwargs)
    assert response.status_code == status, response.content
    if code:
        assert response.json()["code"] == code
        assert "message" in response.json()


def test_oversized_and_nul_form_input_is_refused(client_as: Any) -> None:
    client = client_as("head")
    response = client.post("/instansi/dinkes-sanggau/ubah/", {"name": "x\x00y"})
    assert response.status_code in {400}


def test_api_405_is_json_in_indonesian_by_default(api_as: Any) -> None:
    client = api_as("admin")
    response = client.client.put("/api/v1/agencies/dinkes-sanggau", **client.headers)
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert "PATCH" in response["Allow"]
    assert response["Content-Language"] == "id"
