"""API tokens: scopes checked centrally, expiry, last use, and what no token may do."""

from __future__ import annotations

import datetime as dt
import email
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from sinergi.accounts import scopes, services
from sinergi.accounts.models import ApiToken, User
from sinergi.core.exceptions import Forbidden, ValidationFailed
from sinergi.core.permissions import SYSTEM

pytestmark = pytest.mark.django_db
PASSWORD = "sanggau-demo-2026"


def token(username: str, scope: Any, **kwargs: Any) -> tuple[ApiToken, Client]:
    user = User.objects.get(username=username)
    moment = timezone.now()
    item, secret = services.token_create(
        actor=SYSTEM,
        user=user,
        name="t",
        scopes=scope,
        now=moment,
        expires_at=kwargs.get("expires_at", moment + dt.timedelta(days=30)),
    )
    return item, Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def post_json(client: Client, url: str, data: Any, method: str = "post") -> Any:
    return getattr(client, method)(url, data, content_type="application/json")


def test_scopes_are_enforced_for_every_write() -> None:
    _t, reader = token("dinkes", ["read"])
    assert reader.get("/api/v1/requests").status_code == 200
    denied = post_json(reader, "/api/v1/requests", {})
    assert denied.status_code == 403
    assert denied.json()["code"] == "token_scope"
    assert "write:coordination" in denied.json()["message"]
    _t, coord = token("dinkes", ["write:coordination"])
    assert coord.get("/api/v1/requests").status_code == 403  # no read scope
    # Past the scope check, the request's own validation answers.
    assert post_json(coord, "/api/v1/requests", {}).status_code == 422
    assert post_json(coord, "/api/v1/programs", {}).status_code == 403
    _t, writer = token("dinkes", "read write")
    assert post_json(writer, "/api/v1/programs", {}).status_code == 422


def test_tokens_made_before_scopes_keep_every_right() -> None:
    item, client = token("dinkes", None)
    assert item.scopes == "read write"
    field = ApiToken._meta.get_field("scopes")
    assert field.default == "read write"  # the migration's value for existing rows
    assert post_json(client, "/api/v1/me", {"phone": "0564-1"}, "patch").status_code == 200


def test_a_kiosk_token_files_cases() -> None:
    _t, kiosk = token("dinkes", ["read", "write:cases"])
    response = post_json(kiosk, "/api/v1/cases", {"service": "nope"})
    assert response.status_code == 422  # the scope passed; the body is checked


def test_no_token_creates_tokens_or_changes_email_password_or_two_factor() -> None:
    _t, client = token("dinkes", ["read", "write"])
    created = post_json(client, "/api/v1/me/tokens", {"name": "more", "scopes": ["write"]})
    assert created.status_code == 403 and created.json()["code"] == "token_not_allowed"
    email = post_json(
        client,
        "/api/v1/me",
        {"email": "attacker@example.org", "current_password": PASSWORD},
        "patch",
    )
    assert email.status_code == 403
    password = post_json(
        client,
        "/api/v1/me",
        {"password": "another-long-password-1", "current_password": PASSWORD},
        "patch",
    )
    assert password.status_code == 403
    user = User.objects.get(username="dinkes")
    assert user.email != "attacker@example.org" and user.check_password(PASSWORD)
    assert ApiToken.objects.filter(user=user).count() == 1
    # Two-factor settings are pages of the browser session only.
    assert client.get("/akun/dua-langkah/").status_code == 302


def test_token_api_scopes_expiry_and_revoke(client_as: Any, openapi_schema: Any) -> None:
    from tests.conftest import ApiClient

    api = ApiClient(openapi_schema, client=client_as("staff"))
    made = api.post("/api/v1/me/tokens", {"name": "kios", "scopes": ["read", "write:cases"]})
    assert made.status_code == 201
    body = made.json()
    assert body["scopes"] == ["read", "write:cases"]
    lifetime = dt.datetime.fromisoformat(body["expires_at"]) - timezone.now()
    assert dt.timedelta(days=89) < lifetime <= dt.timedelta(days=90)
    default = api.post("/api/v1/me/tokens", {"name": "baca"}).json()
    assert default["scopes"] == ["read"]
    too_long = (timezone.now() + dt.timedelta(days=400)).isoformat()
    refused = api.post("/api/v1/me/tokens", {"name": "x", "expires_at": too_long})
    assert refused.status_code == 422 and "expires_at" in refused.json()["fields"]
    bad_scope = api.post("/api/v1/me/tokens", {"name": "x", "scopes": ["admin"]})
    assert bad_scope.status_code == 422 and "scopes" in bad_scope.json()["fields"]
    listed = api.get("/api/v1/me/tokens").json()
    assert {t["name"] for t in listed} >= {"kios", "baca"}
    # A token with write:accounts may revoke (not create) tokens.
    _t, own = token("dinkes", ["write:accounts"])
    assert own.delete(f"/api/v1/me/tokens/{body['id']}").status_code == 204
    assert ApiToken.objects.get(pk=body["id"]).revoked_at is not None


def test_expired_tokens_are_refused_and_last_use_is_written_once_a_minute() -> None:
    item, client = token("dinkes", ["read"])
    assert client.get("/api/v1/me").status_code == 200
    item.refresh_from_db()
    first = item.last_used_at
    assert first is not None
    assert client.get("/api/v1/me").status_code == 200
    item.refresh_from_db()
    assert item.last_used_at == first  # not written again within the minute
    ApiToken.objects.filter(pk=item.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    client.get("/api/v1/me")
    item.refresh_from_db()
    assert item.last_used_at > first - dt.timedelta(minutes=2)
    ApiToken.objects.filter(pk=item.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/v1/me").status_code == 401


def test_token_page_creates_with_scopes_and_expiry(client_as: Any) -> None:
    client = client_as("staff")
    page = client.post(
        "/akun/token/", {"name": "SIMRS", "scopes": ["read", "write:blood"], "expires_days": 30}
    )
    assert page.status_code == 200 and "write:blood" in page.content.decode()
    item = ApiToken.objects.get(name="SIMRS")
    assert item.scopes == "read write:blood"
    assert item.expires_at is not None
    assert client.post("/akun/token/", {"name": "x", "expires_days": 9999}).status_code == 400


def test_changing_email_or_password_asks_for_the_password_and_tells_the_old_address(
    client_as: Any, openapi_schema: Any
) -> None:
    from sinergi.notifications.models import OutgoingEmail
    from tests.conftest import ApiClient

    api = ApiClient(openapi_schema, client=client_as("staff"))
    old = User.objects.get(username="dinkes").email
    missing = api.patch("/api/v1/me", {"email": "rina@example.org"})
    assert missing.status_code == 422 and "current_password" in missing.json()["fields"]
    wrong = api.patch("/api/v1/me", {"email": "rina@example.org", "current_password": "nope"})
    assert wrong.status_code == 422
    assert User.objects.get(username="dinkes").failed_login_count == 1  # counted
    ok = api.patch("/api/v1/me", {"email": "rina@example.org", "current_password": PASSWORD})
    assert ok.status_code == 200
    bodies = [
        email.message_from_bytes(bytes(m.message)).get_payload(decode=True).decode()
        for m in OutgoingEmail.objects.all()
        if old in m.to
    ]
    assert any("rina@example.org" in b and old in b for b in bodies)
    changed = api.patch(
        "/api/v1/me", {"password": "kopi-sanggau-2027-baru", "current_password": PASSWORD}
    )
    assert changed.status_code == 200
    assert User.objects.get(username="dinkes").check_password("kopi-sanggau-2027-baru")
    assert api.get("/api/v1/me").status_code == 200  # this session stays signed in


def test_token_allows_for_other_entry_points() -> None:
    item, _client = token("dinkes", ["read", "write:catalog"])
    assert scopes.token_allows(item, "catalog", write=True)
    assert not scopes.token_allows(item, "blood", write=True)
    assert scopes.token_allows(item, "blood", write=False)
    assert scopes.token_allows(None, "blood", write=True)  # the browser session
    user = services.token_authenticate(
        ApiToken.objects.get(pk=item.pk).prefix, timezone.now()
    )  # a prefix is not a token
    assert user is None
    with pytest.raises(ValidationFailed):
        scopes.scopes_clean(["write:nothing"])
    with pytest.raises(Forbidden):
        scopes.ensure_token_allows(type("R", (), {"api_token": item})(), "blood")


def test_cli_token_create_takes_scope_and_expiry(capsys: Any) -> None:
    from sinergi.cli import main

    assert (
        main(["token", "create", "dinkes", "--scope", "read,write:cases", "--expires", "30"]) == 0
    )
    item = ApiToken.objects.filter(user__username="dinkes").latest("created_at")
    assert item.scopes == "read write:cases"
    assert dt.timedelta(days=29) < item.expires_at - timezone.now() <= dt.timedelta(days=30)
    assert main(["token", "create", "dinkes", "--expires", "800"]) == 2
    assert main(["token", "create", "dinkes", "--scope", "root"]) == 2
    assert main(["token", "create", "dinkes", "--expires", "kemarin"]) == 2


def test_ckan_actions_check_the_token_scope_too() -> None:
    """CKAN's action API authenticates its own way (bare key or Bearer): the same scopes."""
    _t, reader = token("walidata", ["read"])
    assert reader.get("/api/3/action/package_list").json()["success"] is True
    denied = reader.post(
        "/api/3/action/package_create",
        {"name": "uji-cakupan", "title": "Uji"},
        content_type="application/json",
    )
    assert denied.status_code == 403
    assert denied.json()["error"]["__type"] == "Authorization Error"
    assert "write:catalog" in denied.json()["error"]["message"]
    _t, blind = token("walidata", ["write:catalog"])
    assert blind.get("/api/3/action/package_list").status_code == 403
