"""The OpenAPI schema documents the availability and cost endpoints without generator warnings, and the comments'
`time_spent` as a field some roles do not get."""

from __future__ import annotations

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator

pytestmark = pytest.mark.django_db

PATHS = {
    "/api/v1/availability/": {"get"},
    "/api/v1/availability/outages/": {"get", "post"},
    "/api/v1/availability/outages/{id}/": {"get", "patch", "delete"},
    "/api/v1/costs/": {"get"},
}


def test_the_endpoints_are_documented_without_warnings():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ours = [w for w in GENERATOR_STATS._warn_cache if "vailab" in w or "Outage" in w or "Cost" in w]
    assert not ours and not GENERATOR_STATS._error_cache, ours
    for path, methods in PATHS.items():
        assert set(schema["paths"][path]) == methods, path
    params = {p["name"] for p in schema["paths"]["/api/v1/availability/"]["get"]["parameters"]}
    assert params == {"month", "since", "until", "service"}
    assert {p["name"] for p in schema["paths"]["/api/v1/costs/"]["get"]["parameters"]} == {"months", "group_by"}
    comment = schema["components"]["schemas"]["Comment"]
    assert "time_spent" in comment["properties"] and "time_spent" not in comment.get("required", [])
