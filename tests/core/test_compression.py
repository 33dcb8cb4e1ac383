"""Public answers are served gzipped; signed-in pages never are (BREACH); static files are
compressed when collected."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings


def _get(client: Client, path: str) -> Any:
    return client.get(path, HTTP_ACCEPT_ENCODING="gzip, deflate, br")


@pytest.mark.parametrize("path", ["/publik/", "/publik/instansi/", "/api/v1/public/scoreboard"])
def test_public_answers_are_gzipped_for_visitors(db: Any, path: str) -> None:
    response = _get(Client(), path)
    assert response.status_code == 200
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    body = gzip.decompress(response.content)
    assert len(body) > len(response.content)
    assert body.startswith((b"<!DOCTYPE", b"{"))


def test_signed_in_pages_are_not_compressed(client_as: Any) -> None:
    client = client_as("head")
    for path in ("/publik/", "/", "/permintaan/"):
        response = _get(client, path)
        assert response.status_code == 200, path
        assert not response.has_header("Content-Encoding"), path


def test_private_pages_and_the_ticker_json_stay_plain_for_visitors(db: Any) -> None:
    client = Client()
    login = _get(client, "/masuk/")
    assert login.status_code == 200
    assert not login.has_header("Content-Encoding")
    ticker = _get(client, "/darah/ticker.json")
    assert ticker.status_code == 200
    assert not ticker.has_header("Content-Encoding")
    assert ticker.json()  # plain JSON, byte for byte what the fast path sends


def test_collected_static_files_are_precompressed(tmp_path: Path) -> None:
    storages = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    with override_settings(STATIC_ROOT=tmp_path, STORAGES=storages):
        call_command("collectstatic", "--no-input", "-v", "0")
    css = [p for p in tmp_path.rglob("*.css") if ".gz" not in p.suffixes]
    assert css
    assert all(p.with_name(p.name + ".gz").exists() for p in css)
