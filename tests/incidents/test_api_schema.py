"""The OpenAPI schema documents the incident API, and generating it raises no warning."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

PATHS = [
    "/api/v1/incidents/", "/api/v1/incidents/{number}/", "/api/v1/incidents/{number}/transition/",
    "/api/v1/incidents/{number}/take/", "/api/v1/incidents/{number}/comments/",
    "/api/v1/incidents/{number}/history/", "/api/v1/incidents/{number}/attachments/",
    "/api/v1/incidents/{number}/watchers/", "/api/v1/incidents/{number}/links/", "/api/v1/services/",
    "/api/v1/categories/", "/api/v1/users/",
]


def test_the_schema_generates_without_warnings_and_lists_the_incident_api():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS._warn_cache and not GENERATOR_STATS._error_cache, dict(GENERATOR_STATS._warn_cache)
    assert set(PATHS) <= set(schema["paths"])
    incident_list = schema["paths"]["/api/v1/incidents/"]
    assert set(incident_list) == {"get", "post"}
    assert set(schema["paths"]["/api/v1/incidents/{number}/"]) == {"get", "patch"}
    params = {p["name"] for p in incident_list["get"]["parameters"]}
    assert {"state", "priority", "team", "q", "search", "ordering", "limit", "offset"} <= params
    write = schema["components"]["schemas"]["PatchedIncidentWriteRequest"]["properties"]
    assert "priority" not in write and "number" not in write and "version" in write


def test_the_schema_endpoint_serves_it(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/incidents/{number}/transition/" in response.json()["paths"]
