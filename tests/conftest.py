"""Shared fixtures: the Sanggau demo data loaded once, users per role, an API client that
checks every response against the OpenAPI schema."""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import jsonschema
import pytest
from django.test import Client
from hypothesis import settings

# The suite shares a 2-core machine with other runs: a property test's examples are judged
# on what they find, never on how long one example took under load (Hypothesis' default
# 200 ms deadline failed a calendar test at load average 10).
settings.register_profile("sinergi", deadline=None)
settings.load_profile("sinergi")

NOW = dt.datetime(2026, 11, 2, 2, 0, tzinfo=dt.UTC)  # a Monday, 09:00 in Sanggau
PASSWORD = "sanggau-demo-2026"

# Role in the permission matrix -> demo username. The "owning agency" is dinkes-sanggau.
ROLE_USERS = {
    "admin": "admin",
    "leader": "bupati",
    "head": "kadinkes",
    "staff": "dinkes",
    "other_staff": "pertanahan",
    "viewer": "pengamat",
}


@pytest.fixture(autouse=True)
def _fresh_insights_caches() -> None:
    """Each test starts without the insights figures an earlier test kept in this process
    (they are keyed by the refresh token and the minute; two tests may share both while
    their databases differ)."""
    from sinergi.insights import dashboard, kept, selectors

    for copies in (selectors._SUMS_CACHE, selectors._DUES_CACHE, dashboard._BLOOD_KEPT):
        copies.clear()
    kept.clear()
    selectors._SUMS_CACHE_TOKEN[0] = ""
    # A background rebuild would not see the test's transaction (one test turns it on).
    kept.BACKGROUND = False


@pytest.fixture(scope="session", autouse=True)
def _private_data_dir(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Files the suite writes (uploads, Parquet, attachments) go to a folder of this test
    process, so parallel workers and the developer's ./sinergi-data never mix."""
    from django.conf import settings

    folder = tmp_path_factory.mktemp("sinergi-data")
    settings.DATA_DIR = folder
    settings.MEDIA_ROOT = folder / "media"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any, _private_data_dir: None) -> None:
    """Load the demo once for the session; each test runs in a rolled-back transaction."""
    from sinergi.demo import load_demo

    with django_db_blocker.unblock():
        load_demo(now=NOW)


@pytest.fixture
def demo(transactional_db: Any) -> None:
    """Demo data for tests that commit (browser, live server): those start from an empty
    database, because the previous such test flushed it."""
    from sinergi.demo import load_demo

    load_demo(now=NOW)


@pytest.fixture
def users(db: Any) -> dict[str, Any]:
    """Demo users by matrix role."""
    from sinergi.accounts.models import User

    found = {u.username: u for u in User.objects.filter(username__in=ROLE_USERS.values())}
    return {role: found[name] for role, name in ROLE_USERS.items()}


@pytest.fixture
def now() -> dt.datetime:
    """The fixed moment tests pass to services."""
    return NOW


@pytest.fixture(scope="session")
def openapi_schema() -> dict[str, Any]:
    """The served OpenAPI document."""
    from sinergi.api import api

    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/"), default=str))


class ApiClient:
    """Calls the API like an integrator and validates each response against the schema."""

    def __init__(
        self, schema: dict[str, Any], token: str | None = None, client: Client | None = None
    ) -> None:
        self.schema = schema
        self.client = client or Client()
        self.headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        self._ops = []
        for path, ops in schema["paths"].items():
            pattern = "^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"
            self._ops.append((re.compile(pattern), path, ops))

    def _operation(self, method: str, url: str) -> dict[str, Any]:
        path = url.split("?", 1)[0]
        for pattern, _template, ops in self._ops:
            if pattern.match(path) and method in ops:
                return ops[method]
        raise AssertionError(f"{method.upper()} {path} is not in the OpenAPI schema")

    def _validate(self, method: str, url: str, response: Any) -> None:
        op = self._operation(method, url)
        status = str(response.status_code)
        assert status in op["responses"], f"{method.upper()} {url}: status {status} not documented"
        content = op["responses"][status].get("content")
        if response.status_code == 204 or not content:
            assert not response.content, (
                f"{method.upper()} {url}: body on a documented empty response"
            )
            return
        if "application/json" not in content:  # a file download (e.g. .xlsx): not JSON
            assert response["Content-Type"].split(";")[0] in content
            return
        body = json.loads(response.content)
        schema = dict(content["application/json"]["schema"])
        schema["components"] = self.schema.get("components", {})
        jsonschema.validate(body, schema, cls=jsonschema.Draft202012Validator)

    def request(self, method: str, url: str, data: Any = None) -> Any:
        kwargs: dict[str, Any] = dict(self.headers)
        if data is not None:
            kwargs["data"] = json.dumps(data)
            kwargs["content_type"] = "application/json"
        response = getattr(self.client, method)(url, **kwargs)
        self._validate(method, url, response)
        return response

    def get(self, url: str) -> Any:
        return self.request("get", url)

    def post(self, url: str, data: Any = None) -> Any:
        return self.request("post", url, data if data is not None else {})

    def patch(self, url: str, data: Any) -> Any:
        return self.request("patch", url, data)

    def delete(self, url: str) -> Any:
        return self.request("delete", url)


@pytest.fixture
def api_as(db: Any, openapi_schema: dict[str, Any], now: dt.datetime) -> Any:
    """``api_as("staff")`` gives an API client with a bearer token of that role's demo user;
    ``api_as(None)`` an anonymous one."""
    from sinergi.accounts.models import User
    from sinergi.accounts.services import token_create
    from sinergi.core.permissions import SYSTEM

    def make(role: str | None) -> ApiClient:
        if role is None:
            return ApiClient(openapi_schema)
        user = User.objects.get(username=ROLE_USERS.get(role, role))
        _token, secret = token_create(actor=SYSTEM, user=user, name="test", now=now)
        return ApiClient(openapi_schema, secret)

    return make


@pytest.fixture
def client_as(db: Any) -> Any:
    """``client_as("head")`` gives a browser-like client signed in as that role's demo user."""
    from sinergi.accounts.models import User

    def make(role: str | None) -> Client:
        client = Client()
        if role is not None:
            client.force_login(User.objects.get(username=ROLE_USERS.get(role, role)))
        return client

    return make


def schema_validates(validator_schema: dict[str, Any], body: Any) -> None:
    """Validate a body against a schema with components (helper for ad-hoc checks)."""
    jsonschema.validate(body, validator_schema, cls=jsonschema.Draft202012Validator)
