"""Every answer under /api/v1/ is JSON, also for paths no endpoint matches and errors Django raises itself."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from core import views

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "options"])
@pytest.mark.parametrize("path", ["/api/v1/nonexistent/", "/api/v1/incidents/INC0000001/nope/", "/api/v1/x/y/z",
                                  "/api/v2/incidents/"])
def test_unknown_api_paths_answer_json_404(api_client, manager, method, path):
    api_client.force_authenticate(manager)
    response = getattr(api_client, method)(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


def test_anonymous_unknown_api_path_is_json_too(api_client):
    response = api_client.get("/api/v1/nonexistent/")
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_a_missing_trailing_slash_still_redirects_a_get(api_client, manager):
    api_client.force_authenticate(manager)
    response = api_client.get("/api/v1/incidents?limit=1")
    assert response.status_code == 301 and response["Location"] == "/api/v1/incidents/?limit=1"
    assert api_client.post("/api/v1/incidents", {}).json() == {"detail": "Not found."}


def test_methods_not_allowed_are_json(api_client, manager):
    api_client.force_authenticate(manager)
    response = api_client.delete("/api/v1/incidents/")
    assert response.status_code == 405 and "detail" in response.json()


@pytest.mark.parametrize(("handler", "status"), [(views.error_400, 400), (views.error_403, 403),
                                                 (views.error_404, 404), (views.error_500, 500)])
def test_error_handlers_answer_json_under_the_api_and_html_elsewhere(handler, status):
    api = handler(RequestFactory().get("/api/v1/incidents/"))
    assert api.status_code == status and api["Content-Type"] == "application/json"
    page = handler(RequestFactory().get("/agent/incidents/"))
    assert page.status_code == status and page["Content-Type"].startswith("text/html")
