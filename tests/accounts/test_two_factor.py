"""Two-factor login (TOTP) with real codes computed from the secret, and recovery codes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pyotp
import pytest
from django.test import Client
from django.utils import timezone

from sinergi.accounts import services
from sinergi.accounts.models import RecoveryCode, User
from sinergi.core.models import AuditEntry

pytestmark = pytest.mark.django_db
PASSWORD = "sanggau-demo-2026"


def enrol(username: str) -> tuple[User, str, list[str]]:
    """Turn on two-factor login for a demo user, confirmed with the previous step's code
    (so the current code is still unused)."""
    user = User.objects.get(username=username)
    secret = pyotp.random_base32(32)
    moment = timezone.now()
    earlier = pyotp.TOTP(secret).at(moment - dt.timedelta(seconds=30))
    codes = services.totp_enrol(actor=user, user=user, secret=secret, code=earlier, now=moment)
    return user, secret, codes


def password_login(username: str) -> tuple[Client, Any]:
    client = Client()
    response = client.post("/masuk/", {"username": username, "password": PASSWORD})
    return client, response


def test_enrolment_from_the_profile(client_as: Any) -> None:
    client = client_as("staff")
    page = client.get("/akun/dua-langkah/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<svg" in html and "segno" in html  # the QR code is drawn here, inline
    secret = client.session["sinergi_totp_pending"]
    assert re.sub(r"\s", "", re.search(r'id="totp-secret">([^<]+)<', html).group(1)) == secret
    assert client.post("/akun/dua-langkah/", {"code": "000000"}).status_code == 400
    done = client.post("/akun/dua-langkah/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    shown = re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", done.content.decode())
    assert len(shown) == 10
    user = User.objects.get(username="dinkes")
    assert user.totp_enabled and user.totp_secret == secret
    stored = list(RecoveryCode.objects.filter(user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not set(shown) & set(stored)  # only hashes are kept
    entry = AuditEntry.objects.filter(action="user.totp_enrol").latest("seq")
    assert secret not in str(entry.after)
    # This session did the second step; the page now manages it.
    assert client.get("/").status_code == 200
    assert client.get("/akun/dua-langkah/").status_code == 200


def test_login_asks_for_the_code_and_refuses_wrong_or_replayed_codes() -> None:
    _user, secret, _codes = enrol("dinkes")
    client, response = password_login("dinkes")
    assert response.status_code == 302 and response["Location"] == "/masuk/kode/"
    # Nothing else is reachable: pages redirect, session API calls are refused.
    assert client.get("/instansi/")["Location"] == "/masuk/kode/"
    refused = client.get("/api/v1/me")
    assert refused.status_code == 401 and refused.json()["code"] == "two_factor_required"
    assert not AuditEntry.objects.filter(action="user.login", actor_username="dinkes").exists()
    wrong = client.post("/masuk/kode/", {"code": "123456"})
    assert wrong.status_code == 400
    assert AuditEntry.objects.filter(action="user.totp_failed").exists()
    code = pyotp.TOTP(secret).now()
    ok = client.post("/masuk/kode/", {"code": code})
    assert ok.status_code == 302 and ok["Location"] == "/"
    assert client.get("/instansi/").status_code == 200
    assert client.get("/api/v1/me").json()["two_factor_enabled"] is True
    assert AuditEntry.objects.filter(action="user.login").exists()
    # The same code again, in a second browser within its window: refused.
    other, _ = password_login("dinkes")
    assert other.post("/masuk/kode/", {"code": code}).status_code == 400
    assert other.get("/")["Location"] == "/masuk/kode/"


def test_a_recovery_code_works_once() -> None:
    _user, _secret, codes = enrol("dinkes")
    client, _ = password_login("dinkes")
    used = client.post("/masuk/kode/", {"code": codes[0].upper().replace("-", " ")})
    assert used.status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEntry.objects.filter(action="user.totp_recovery_used").count() == 1
    again, _ = password_login("dinkes")
    assert again.post("/masuk/kode/", {"code": codes[0]}).status_code == 400
    assert again.post("/masuk/kode/", {"code": codes[1]}).status_code == 302


def test_admin_and_leader_must_enrol_before_anything(settings: Any, api_as: Any) -> None:
    settings.SINERGI_TOTP_REQUIRED_ROLES = ["platform_admin", "leader"]
    # A bearer token is not asked for a code (it is the product of a full login).
    assert api_as("admin").get("/api/v1/me").status_code == 200
    leader, response = password_login("bupati")
    assert response["Location"] == "/akun/dua-langkah/"
    client, response = password_login("admin")
    assert response["Location"] == "/akun/dua-langkah/"
    for url in ("/", "/instansi/", "/audit/", "/admin/", "/akun/token/", "/masuk/kode/"):
        assert client.get(url)["Location"] == "/akun/dua-langkah/", url
    assert client.get("/api/v1/agencies").status_code == 401
    assert client.post("/api/v1/me/tokens", {"name": "x"}).status_code == 401
    # A bad token next to the unfinished session gets nothing from the session.
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION="Bearer sng_bad").status_code == 401
    page = client.get("/akun/dua-langkah/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    secret = client.session["sinergi_totp_pending"]
    done = client.post("/akun/dua-langkah/", {"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200
    assert client.get("/audit/").status_code == 200
    assert client.get("/api/v1/agencies").status_code == 200
    # Required for their role: they cannot turn it off.
    off = client.post(
        "/akun/dua-langkah/", {"off-password": PASSWORD, "off-code": pyotp.TOTP(secret).now()}
    )
    assert off.status_code == 400
    assert User.objects.get(username="admin").totp_enabled
    # Staff are not asked.
    _staff, response = password_login("dinkes")
    assert response["Location"] == "/"


def test_wrong_codes_lock_the_account(settings: Any) -> None:
    settings.SINERGI_LOGIN_MAX_FAILURES = 3
    enrol("dinkes")
    client, _ = password_login("dinkes")
    assert client.post("/masuk/kode/", {"code": "111111"}).status_code == 400
    assert client.post("/masuk/kode/", {"code": "222222"}).status_code == 400
    locked = client.post("/masuk/kode/", {"code": "333333"})
    assert locked.status_code == 302 and locked["Location"] == "/masuk/"
    assert client.get("/").status_code == 302  # the session was ended
    assert AuditEntry.objects.filter(action="user.totp_failed").count() == 3
    assert AuditEntry.objects.filter(action="user.lockout").exists()
    # The right password is refused during the lockout too.
    _again, response = password_login("dinkes")
    assert response.status_code == 429


def test_disable_and_new_recovery_codes_need_a_code() -> None:
    user, secret, codes = enrol("dinkes")
    client = Client()
    client.force_login(user)
    session = client.session
    session["sinergi_2fa_user"] = user.pk
    session.save()
    page = client.get("/akun/dua-langkah/")
    assert page.status_code == 200 and "10" in page.content.decode()
    assert client.post("/akun/dua-langkah/", {"codes-code": "000000"}).status_code == 400
    new = client.post("/akun/dua-langkah/", {"codes-code": pyotp.TOTP(secret).now()})
    fresh = re.findall(r"<li><code>([a-z0-9-]{19})</code></li>", new.content.decode())
    assert len(fresh) == 10 and not set(fresh) & set(codes)
    assert AuditEntry.objects.filter(action="user.totp_recovery_regenerate").exists()
    # Turning it off needs the password and an unused code.
    assert (
        client.post("/akun/dua-langkah/", {"off-password": "wrong", "off-code": "1"}).status_code
        == 400
    )
    # A recovery code stands in for the app.
    off = client.post("/akun/dua-langkah/", {"off-password": PASSWORD, "off-code": fresh[0]})
    assert off.status_code == 302
    user.refresh_from_db()
    assert not user.totp_enabled and not RecoveryCode.objects.filter(user=user).exists()
    assert AuditEntry.objects.filter(action="user.totp_disable").exists()


def test_sensitive_changes_ask_for_a_code_when_two_factor_is_on(
    client_as: Any, openapi_schema: Any
) -> None:
    from sinergi.notifications.models import OutgoingEmail
    from tests.conftest import ApiClient

    user, secret, _codes = enrol("dinkes")
    old_email = user.email
    client = client_as("staff")
    session = client.session
    session["sinergi_2fa_user"] = user.pk
    session.save()
    api = ApiClient(openapi_schema, client=client)
    no_code = api.patch("/api/v1/me", {"email": "baru@example.org", "current_password": PASSWORD})
    assert no_code.status_code == 422 and "totp_code" in no_code.json()["fields"]
    ok = api.patch(
        "/api/v1/me",
        {
            "email": "baru@example.org",
            "current_password": PASSWORD,
            "totp_code": pyotp.TOTP(secret).now(),
        },
    )
    assert ok.status_code == 200 and ok.json()["email"] == "baru@example.org"
    assert any(old_email in m.to for m in OutgoingEmail.objects.all())
