"""Calling the API through Django's WSGI application and checking its answers against the served OpenAPI schema.

Shared by test_schema.py (direct cases) and test_schemathesis.py (generated cases); tests/core/conftest.py
registers the `wsgi_app` fixture.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from werkzeug.test import Client, TestResponse

SCHEMA_URL = "/api/v1/schema/?format=json"


@pytest.fixture(name="wsgi_app")
def wsgi_app_fixture():
    """Django's WSGI application, answering inside the test's transaction: as Django's test client does, the
    database connection is not closed at the start and end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield WSGIHandler()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def load_schema(app: Any) -> Any:
    """The schema as /api/v1/schema/ serves it, loaded by schemathesis."""
    return schemathesis.openapi.from_wsgi(SCHEMA_URL, app)


def call(app: Any, method: str, path: str, token: str | None = None, **kwargs: Any) -> TestResponse:
    """One request through the WSGI application, as `token`'s owner (anonymous without one)."""
    headers = {**kwargs.pop("headers", {}), **({"Authorization": f"Token {token}"} if token else {})}
    return Client(app).open(path, method=method, headers=headers, **kwargs)


def assert_documented(api_schema: Any, method: str, template: str, response: TestResponse) -> None:
    """The answer's status code is documented for the operation, and its body matches that status's schema."""
    operation = api_schema[template][method]
    documented = operation.definition.raw["responses"]
    assert str(response.status_code) in documented, (response.status_code, sorted(documented), response.text)
    assert response.content_type == "application/json", response.content_type
    operation.validate_response(response)
