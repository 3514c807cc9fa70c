"""The OpenAPI schema documents the SLA API, validly, and the SLA endpoints add no generator warning."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/sla/schedules/": {"get", "post"},
    "/api/v1/sla/schedules/{id}/": {"get", "put", "patch", "delete"},
    "/api/v1/sla/schedules/{id}/load_holidays/": {"post"},
    "/api/v1/sla/definitions/": {"get", "post"},
    "/api/v1/sla/definitions/{id}/": {"get", "put", "patch", "delete"},
    "/api/v1/sla/timers/": {"get"},
    "/api/v1/sla/timers/{id}/": {"get"},
    "/api/v1/sla/report/": {"get"},
}


def test_the_sla_endpoints_are_documented_without_warnings():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [w for w in GENERATOR_STATS._warn_cache if "/sla/" in w or "Sla" in w or "Timer" in w or "Schedule" in w]
    assert not ours and not GENERATOR_STATS._error_cache, ours
    for path, methods in PATHS.items():
        assert set(schema["paths"][path]) == methods, path
    timer_params = {p["name"] for p in schema["paths"]["/api/v1/sla/timers/"]["get"]["parameters"]}
    assert {"stage", "breached", "team", "definition", "target", "due_after", "due_before", "ordering", "limit",
            "offset"} <= timer_params
    report_params = {p["name"] for p in schema["paths"]["/api/v1/sla/report/"]["get"]["parameters"]}
    assert report_params == {"period", "kind", "since", "until"}
    components = schema["components"]["schemas"]
    assert "sla" in components["IncidentDetail"]["properties"]
    write = components["SlaDefinitionWriteRequest"]["properties"]
    assert "id" not in write and {"schedule", "duration", "start_condition", "actions"} <= set(write)


def test_the_served_schema_is_valid_openapi(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    spec = response.json()
    validate(spec)
    assert set(PATHS) <= set(spec["paths"])


def test_the_api_root_lists_the_sla_endpoints(token_client, manager):
    body = token_client(manager).get("/api/v1/").json()
    assert {"sla/schedules", "sla/definitions", "sla/timers"} <= set(body)
