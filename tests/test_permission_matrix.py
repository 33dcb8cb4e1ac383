"""Every route × every kind of user → the status they get.

Roles (see conftest.ROLE_USERS): a platform admin, a leader (Bupati), the head and a staff
member of the owning agency (Dinas Kesehatan), staff of another agency (Kantor
Pertanahan), a viewer (Bappeda) and an anonymous visitor. The meta-tests at the bottom fail
when a URL pattern or an API operation has no row here.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from tests.matrix import API_READ, PUBLIC, ROLES, SIGNED_IN, Case, expect, managers

UI = [
    Case("core:home", "get", "/", SIGNED_IN),
    Case("core:healthz", "get", "/healthz", expect(200)),
    Case("core:favicon", "get", "/favicon.ico", expect(302)),
    Case("core:audit", "get", "/audit/", expect(403, anonymous=302, admin=200, leader=200)),
    Case("accounts:login", "get", "/masuk/", expect(302, anonymous=200)),
    Case("accounts:logout", "post", "/keluar/", expect(302)),
    Case("accounts:profile", "get", "/akun/", SIGNED_IN),
    Case("accounts:password_change", "get", "/akun/sandi/", SIGNED_IN),
    Case("accounts:tokens", "get", "/akun/token/", SIGNED_IN),
    Case(
        "accounts:token_revoke",
        "post",
        "/akun/token/{token}/cabut/",
        expect(404, anonymous=302, staff=302),
    ),
    Case("accounts:language", "post", "/bahasa/", expect(302), data={"language": "en"}),
    Case("accounts:password_reset", "get", "/sandi/lupa/", expect(200)),
    Case("accounts:password_reset_done", "get", "/sandi/lupa/terkirim/", expect(200)),
    Case("accounts:password_reset_confirm", "get", "/sandi/atur/MQ/set-password/", expect(200)),
    Case("accounts:password_reset_complete", "get", "/sandi/atur/selesai/", expect(200)),
    Case("agencies:list", "get", "/instansi/", SIGNED_IN),
    Case(
        "agencies:create", "get", "/instansi/baru/?parent=dinkes-sanggau", managers(200, 403, 302)
    ),
    Case("agencies:pick", "get", "/instansi/pilih/?field=to_agency&q=dinas", SIGNED_IN),
    Case("agencies:detail", "get", "/instansi/dinkes-sanggau/", SIGNED_IN),
    Case("agencies:edit", "get", "/instansi/dinkes-sanggau/ubah/", managers(200, 403, 302)),
    Case(
        "agencies:deactivate",
        "post",
        "/instansi/pkm-entikong/nonaktifkan/",
        managers(302, 403, 302),
    ),
    Case("agencies:activate", "post", "/instansi/pkm-entikong/aktifkan/", managers(302, 403, 302)),
    Case(
        "agencies:member_add",
        "post",
        "/instansi/dinkes-sanggau/anggota/",
        managers(302, 403, 302),
        data={"username": "pupr", "role": "viewer"},
    ),
    Case(
        "agencies:member_remove",
        "post",
        "/instansi/dinkes-sanggau/anggota/{membership}/hapus/",
        managers(302, 403, 302),
    ),
]

API = [
    Case("get /api/v1/me", "get", "/api/v1/me", API_READ),
    Case("patch /api/v1/me", "patch", "/api/v1/me", API_READ, data={"phone": "0564-21000"}),
    Case("get /api/v1/me/tokens", "get", "/api/v1/me/tokens", API_READ),
    Case(
        "post /api/v1/me/tokens",
        "post",
        "/api/v1/me/tokens",
        # The matrix calls with bearer tokens, and no token creates tokens.
        expect(403, anonymous=401),
        data={"name": "matrix"},
    ),
    Case(
        "delete /api/v1/me/tokens/{token_id}",
        "delete",
        "/api/v1/me/tokens/{token}",
        expect(404, anonymous=401, staff=204),
    ),
    Case("get /api/v1/agencies", "get", "/api/v1/agencies", API_READ),
    Case(
        "post /api/v1/agencies",
        "post",
        "/api/v1/agencies",
        managers(201, 403, 401),
        data={
            "slug": "upt-lab-kesehatan",
            "name": "UPT Laboratorium Kesehatan",
            "kind": "opd",
            "region": "61.03",
            "parent": "dinkes-sanggau",
        },
    ),
    Case("get /api/v1/agencies/{slug}", "get", "/api/v1/agencies/dinkes-sanggau", API_READ),
    Case(
        "patch /api/v1/agencies/{slug}",
        "patch",
        "/api/v1/agencies/dinkes-sanggau",
        managers(200, 403, 401),
        data={"phone": "0564-21001"},
    ),
    Case(
        "post /api/v1/agencies/{slug}/deactivate",
        "post",
        "/api/v1/agencies/pkm-entikong/deactivate",
        managers(200, 403, 401),
    ),
    Case(
        "post /api/v1/agencies/{slug}/activate",
        "post",
        "/api/v1/agencies/pkm-entikong/activate",
        managers(200, 403, 401),
    ),
    Case(
        "get /api/v1/agencies/{slug}/memberships",
        "get",
        "/api/v1/agencies/dinkes-sanggau/memberships",
        API_READ,
    ),
    Case(
        "post /api/v1/agencies/{slug}/memberships",
        "post",
        "/api/v1/agencies/dinkes-sanggau/memberships",
        managers(201, 403, 401),
        data={"username": "pupr", "role": "viewer"},
    ),
    Case(
        "patch /api/v1/agencies/{slug}/memberships/{membership_id}",
        "patch",
        "/api/v1/agencies/dinkes-sanggau/memberships/{membership}",
        managers(200, 403, 401),
        data={"position_title": "Epidemiolog"},
    ),
    Case(
        "delete /api/v1/agencies/{slug}/memberships/{membership_id}",
        "delete",
        "/api/v1/agencies/dinkes-sanggau/memberships/{membership}",
        managers(204, 403, 401),
    ),
    Case("get /api/v1/sectors", "get", "/api/v1/sectors", PUBLIC),
    Case("get /api/v1/affairs", "get", "/api/v1/affairs", PUBLIC),
    Case("get /api/v1/regions", "get", "/api/v1/regions", PUBLIC),
    Case("get /api/v1/regions/{code}", "get", "/api/v1/regions/61.03", PUBLIC),
    Case(
        "get /api/v1/audit",
        "get",
        "/api/v1/audit",
        expect(403, anonymous=401, admin=200, leader=200),
    ),
    Case(
        "get /api/v1/audit/{seq}",
        "get",
        "/api/v1/audit/{seq}",
        expect(403, anonymous=401, admin=200, leader=200),
    ),
]

DOCS = [
    Case("api:openapi-json", "get", "/api/v1/openapi.json", PUBLIC),
    Case("api:openapi-view", "get", "/api/v1/docs", PUBLIC),
]


def _app_cases() -> tuple[list[Case], list[Case]]:
    ui: list[Case] = []
    api: list[Case] = []
    for path in sorted(Path(__file__).parent.glob("*/permission_cases.py")):
        module = importlib.import_module(f"tests.{path.parent.name}.permission_cases")
        ui += getattr(module, "UI_CASES", [])
        api += getattr(module, "API_CASES", [])
    return ui, api


_APP_UI, _APP_API = _app_cases()
UI += _APP_UI
API += _APP_API


def _placeholders(now: Any) -> dict[str, str]:
    from sinergi.accounts.models import User
    from sinergi.accounts.services import token_create
    from sinergi.agencies.models import Membership
    from sinergi.core.models import AuditEntry
    from sinergi.core.permissions import SYSTEM

    staff = User.objects.get(username="dinkes")
    token, _secret = token_create(actor=SYSTEM, user=staff, name="matrix target", now=now)
    membership = Membership.objects.get(user=staff, agency__slug="dinkes-sanggau")
    entry = AuditEntry.objects.filter(object_type="agencies.agency", region="61.03").first()
    assert entry is not None
    return {"token": str(token.pk), "membership": str(membership.pk), "seq": str(entry.seq)}


def _call(client: Any, case: Case, url: str) -> Any:
    method = getattr(client, case.method)
    if case.method == "get":
        return method(url)
    if url.startswith("/api/"):
        return client.request(case.method, url, case.data) if hasattr(client, "schema") else None
    return method(url, data=case.data or {})


@pytest.mark.parametrize("case", UI + DOCS, ids=lambda c: f"{c.method} {c.route}")
@pytest.mark.parametrize("role", ROLES)
def test_ui_route(case: Case, role: str, client_as: Any, now: Any) -> None:
    url = case.url.format(**(case.setup or _placeholders)(now))
    client = client_as(None if role == "anonymous" else role)
    response = _call(client, case, url)
    assert response.status_code == case.expected[role], (
        f"{role} {case.method.upper()} {url}: got {response.status_code}"
    )


@pytest.mark.parametrize("case", API, ids=lambda c: c.route)
@pytest.mark.parametrize("role", ROLES)
def test_api_operation(case: Case, role: str, api_as: Any, now: Any) -> None:
    url = case.url.format(**(case.setup or _placeholders)(now))
    client = api_as(None if role == "anonymous" else role)
    response = client.request(case.method, url, case.data)
    assert response.status_code == case.expected[role], (
        f"{role} {case.method.upper()} {url}: got {response.status_code} {response.content[:300]!r}"
    )


@pytest.mark.parametrize("role", ROLES)
def test_admin_site(role: str, client_as: Any) -> None:
    """Only platform admins reach the (read-only) admin; each registered model lists."""
    from django.contrib import admin

    client = client_as(None if role == "anonymous" else role)
    urls = ["/admin/"] + [
        f"/admin/{m._meta.app_label}/{m._meta.model_name}/" for m in admin.site._registry
    ]
    for url in urls:
        response = client.get(url)
        expected = 200 if role == "admin" else 302
        assert response.status_code == expected, f"{role} {url}: {response.status_code}"


def _named_routes() -> set[str]:
    names: set[str] = set()

    def walk(patterns: list[Any], namespace: str) -> None:
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = p.namespace or namespace
                if ns in {"admin"}:
                    continue
                walk(p.url_patterns, f"{ns}" if ns else namespace)
            elif isinstance(p, URLPattern):
                assert p.name, f"URL pattern {p.pattern} has no name"
                names.add(f"{namespace}:{p.name}" if namespace else p.name)

    walk(get_resolver().url_patterns, "")
    return names


def test_every_url_pattern_is_in_the_matrix() -> None:
    covered = {c.route for c in UI + DOCS}
    api_names = {n for n in _named_routes() if n.startswith("api:")}
    ui_names = _named_routes() - api_names
    missing = ui_names - covered
    assert not missing, f"routes missing from the permission matrix: {sorted(missing)}"
    # Ninja names one URL pattern per path; the operations are checked against the schema.
    assert {"api:openapi-json", "api:openapi-view"} <= api_names


def test_every_api_operation_is_in_the_matrix(openapi_schema: dict[str, Any]) -> None:
    operations = {
        f"{method} {path}" for path, ops in openapi_schema["paths"].items() for method in ops
    }
    covered = {c.route for c in API}
    assert operations == covered, (
        f"missing: {sorted(operations - covered)}; stale: {sorted(covered - operations)}"
    )
