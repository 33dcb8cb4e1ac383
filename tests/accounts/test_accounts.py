"""Login, lockout, sessions, password change and reset, API tokens, language."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client

from sinergi.accounts.models import ApiToken, User
from sinergi.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "sanggau-demo-2026"


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/masuk/", {"username": username, "password": password})


def test_passwords_are_hashed_with_argon2() -> None:
    assert User.objects.get(username="dinkes").password.startswith("argon2")


def test_login_rotates_the_session_and_is_audited(client: Client) -> None:
    session = client.session
    session["planted"] = "x"
    session.save()
    planted_key = session.session_key
    response = login(client, "dinkes", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != planted_key
    assert AuditEntry.objects.filter(action="user.login", actor_username="dinkes").exists()


def test_login_redirects_only_to_local_next(client: Client) -> None:
    response = client.post(
        "/masuk/?next=https://evil.example/", {"username": "dinkes", "password": PASSWORD}
    )
    assert response["Location"] == "/"


def test_wrong_password_is_refused_in_indonesian(client: Client) -> None:
    response = login(client, "dinkes", "wrong-password")
    assert response.status_code == 400
    assert "_auth_user_id" not in client.session
    assert 'lang="id"' in response.content.decode()


def test_repeated_failures_lock_the_account(client: Client, settings: Any) -> None:
    for _ in range(settings.SINERGI_LOGIN_MAX_FAILURES - 1):
        assert login(client, "dinkes", "wrong-password").status_code == 400
    assert login(client, "dinkes", "wrong-password").status_code == 429
    # Even the right password is refused during the lockout.
    assert login(client, "dinkes", PASSWORD).status_code == 429
    user = User.objects.get(username="dinkes")
    assert user.locked_until is not None
    assert AuditEntry.objects.filter(action="user.lockout", object_id=str(user.pk)).exists()
    # When the lockout has passed, the right password works again.
    User.objects.filter(pk=user.pk).update(locked_until=user.locked_until - dt.timedelta(hours=1))
    assert login(client, "dinkes", PASSWORD).status_code == 302


def test_logout_needs_post_and_ends_the_session(client_as: Any) -> None:
    client = client_as("staff")
    assert client.get("/keluar/").status_code == 405
    assert client.post("/keluar/").status_code == 302
    assert client.get("/").status_code == 302


def test_password_change(client_as: Any) -> None:
    client = client_as("staff")
    bad = client.post(
        "/akun/sandi/",
        {
            "old_password": "nope",
            "new_password1": "a-new-long-pass-2026",
            "new_password2": "a-new-long-pass-2026",
        },
    )
    assert bad.status_code == 400
    weak = client.post(
        "/akun/sandi/", {"old_password": PASSWORD, "new_password1": "123", "new_password2": "123"}
    )
    assert weak.status_code == 400
    ok = client.post(
        "/akun/sandi/",
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-pass-2026",
            "new_password2": "a-new-long-pass-2026",
        },
    )
    assert ok.status_code == 302
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert User.objects.get(username="dinkes").check_password("a-new-long-pass-2026")
    assert AuditEntry.objects.filter(
        action="user.password_change", actor_username="dinkes"
    ).exists()


def test_password_reset_by_email(client: Client) -> None:
    response = client.post("/sandi/lupa/", {"email": "dinkes@demo.sinergi.invalid"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/sandi/atur/\S+/)", mail.outbox[0].body)
    assert link, mail.outbox[0].body
    form_page = client.get(link.group(1), follow=True)
    assert form_page.status_code == 200
    set_url = form_page.redirect_chain[-1][0] if form_page.redirect_chain else link.group(1)
    done = client.post(
        set_url, {"new_password1": "reset-pass-sanggau-1", "new_password2": "reset-pass-sanggau-1"}
    )
    assert done.status_code == 302
    assert login(Client(), "dinkes", "reset-pass-sanggau-1").status_code == 302
    # Unknown addresses get the same answer and no email.
    client.post("/sandi/lupa/", {"email": "nobody@example.org"})
    assert len(mail.outbox) == 1


def test_profile_update_and_bad_email(client_as: Any) -> None:
    client = client_as("staff")
    bad = client.post(
        "/akun/", {"full_name": "X", "email": "not-an-email", "phone": "", "language": "id"}
    )
    assert bad.status_code == 400
    assert User.objects.get(username="dinkes").full_name == "Staf Dinas Kesehatan (demo)"
    no_password = client.post(
        "/akun/",
        {"full_name": "Rina", "email": "rina@example.org", "phone": "0812", "language": "id"},
    )
    assert no_password.status_code == 400  # a new email needs the current password
    ok = client.post(
        "/akun/",
        {
            "full_name": "Rina",
            "email": "rina@example.org",
            "phone": "0812",
            "language": "id",
            "current_password": PASSWORD,
        },
    )
    assert ok.status_code == 302
    assert User.objects.get(username="dinkes").full_name == "Rina"


def test_language_switch_is_saved_on_the_profile(client_as: Any) -> None:
    client = client_as("staff")
    response = client.post("/bahasa/", {"language": "en", "next": "/akun/"})
    assert response.status_code == 302
    assert response["Location"] == "/akun/"
    assert User.objects.get(username="dinkes").language == "en"
    assert 'lang="en"' in client.get("/akun/").content.decode()
    # An anonymous visitor keeps the choice in a cookie.
    anon = Client()
    anon.post("/bahasa/", {"language": "en", "next": "https://evil.example/"})
    assert 'lang="en"' in anon.get("/masuk/").content.decode()
    assert 'lang="id"' in Client().get("/masuk/").content.decode()


def test_token_lifecycle_through_the_ui_and_api(client_as: Any) -> None:
    client = client_as("staff")
    page = client.post("/akun/token/", {"name": "SIMRS"})
    assert page.status_code == 200
    secret = re.search(r'id="new-token">(sng_[^<]+)<', page.content.decode()).group(1)
    token = ApiToken.objects.get(name="SIMRS")
    assert secret not in str(token.__dict__)  # only the hash is stored
    api = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    me = api.get("/api/v1/me")
    assert me.status_code == 200 and me.json()["username"] == "dinkes"
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert client.post(f"/akun/token/{token.pk}/cabut/").status_code == 302
    denied = api.get("/api/v1/me")
    assert denied.status_code == 401
    assert denied["Content-Type"].startswith("application/json")
    assert denied.json()["code"] == "unauthenticated"


@pytest.mark.parametrize(
    "header", ["Bearer sng_wrong", "Bearer ", "Basic abc", "Bearer " + "x" * 500]
)
def test_bad_tokens_get_401_json(header: str) -> None:
    response = Client(HTTP_AUTHORIZATION=header).get("/api/v1/agencies")
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"


def test_token_api_create_and_revoke(client_as: Any, openapi_schema: Any) -> None:
    from tests.conftest import ApiClient

    api = ApiClient(openapi_schema, client=client_as("staff"))  # the session, not a token
    created = api.post("/api/v1/me/tokens", {"name": "integrasi"})
    assert created.status_code == 201
    body = created.json()
    assert body["token"].startswith("sng_")
    assert api.get("/api/v1/me/tokens").status_code == 200
    assert api.post("/api/v1/me/tokens", {"name": ""}).json()["fields"]["name"]
    assert api.delete(f"/api/v1/me/tokens/{body['id']}").status_code == 204
    assert Client(HTTP_AUTHORIZATION=f"Bearer {body['token']}").get("/api/v1/me").status_code == 401


def test_two_factor_fields_are_ready() -> None:
    names = {f.name for f in User._meta.get_fields()}
    assert {"totp_secret", "totp_confirmed_at", "totp_required"} <= names


def test_login_throttle_reads_the_address_behind_the_proxy(settings: Any) -> None:
    from django.test import RequestFactory

    from sinergi.accounts.views import _client_ip

    request = RequestFactory().get(
        "/", HTTP_X_FORWARDED_FOR="10.1.1.1, 203.0.113.7", REMOTE_ADDR="127.0.0.1"
    )
    settings.SINERGI_PROXY_COUNT = 0
    assert _client_ip(request) == "127.0.0.1"
    settings.SINERGI_PROXY_COUNT = 1
    assert _client_ip(request) == "203.0.113.7"


def test_token_audit_entries_hold_no_hash(client_as: Any) -> None:
    client_as("staff").post(
        "/api/v1/me/tokens", {"name": "tanpa-hash"}, content_type="application/json"
    )
    entry = AuditEntry.objects.filter(action="token.create").latest("seq")
    assert "token_hash" not in entry.after
