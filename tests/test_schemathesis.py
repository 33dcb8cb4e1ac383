"""Property-based run over every API operation: no server error, no schema violation."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def wsgi_in_test_transaction() -> Any:
    """Keep the test's database connection open across in-process WSGI calls, as Django's
    own test client does (otherwise PostgreSQL's connection is closed mid-transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def admin_token(db: Any, now: Any, wsgi_in_test_transaction: Any) -> str:
    from sinergi.accounts.models import User
    from sinergi.accounts.services import token_create
    from sinergi.core.permissions import SYSTEM

    _token, secret = token_create(
        actor=SYSTEM, user=User.objects.get(username="admin"), name="fuzz", now=now
    )
    return secret


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operation_is_robust(case: Any, admin_token: str) -> None:
    # The in-process WSGI transport does not undo gzip as an HTTP client does.
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}", "Accept-Encoding": "identity"},
        checks=CHECKS,
    )


# Negative data: bodies that break the schema (wrong types, missing fields, not objects).
# An invalid body the API accepts (2xx) or any server error fails the test. Only the
# operations with a JSON body, a few examples each, to keep the suite's time bounded.
negative_schema = schemathesis.openapi.from_wsgi(
    "/api/v1/openapi.json", get_wsgi_application()
).include(method=["POST", "PATCH", "PUT"])
negative_schema.config.generation.update(modes=[GenerationMode.NEGATIVE])

NEGATIVE_CHECKS = [schemathesis.checks.not_a_server_error, negative_data_rejection]


@pytest.mark.django_db
@negative_schema.parametrize()
@settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_refuses_invalid_input(case: Any, admin_token: str) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {admin_token}", "Accept-Encoding": "identity"},
        checks=NEGATIVE_CHECKS,
    )
