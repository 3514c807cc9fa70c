import pytest
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db


def test_schema_is_valid_openapi_3(api_client):
    response = api_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    validate(spec)
    assert "/api/v1/me/" in spec["paths"] and "/api/v1/auth/token/" in spec["paths"]
    assert "tokenAuth" in spec["components"]["securitySchemes"]


def test_interactive_docs_are_served_without_a_cdn(client):
    response = client.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn" not in html.lower() and "unpkg" not in html.lower() and "jsdelivr" not in html.lower()
