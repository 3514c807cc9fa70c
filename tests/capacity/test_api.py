"""The capacity API by role: anonymous 401 and end users 403 everywhere; agents read metrics, samples and the
report and post samples; managers also define metrics and read the desk. Metrics answer their last value,
utilisation and forecast; a bad metric is refused naming the field; lists cost a fixed number of queries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from capacity.models import Metric
from core import clock
from tests.capacity.conftest import NOW, series

pytestmark = pytest.mark.django_db

# (method, url, body); {metric} is replaced by a real metric's id
ENDPOINTS = [
    ("get", "/api/v1/capacity/metrics/", None), ("get", "/api/v1/capacity/metrics/{metric}/", None),
    ("post", "/api/v1/capacity/metrics/", "new"), ("patch", "/api/v1/capacity/metrics/{metric}/", {"unit": "TB"}),
    ("delete", "/api/v1/capacity/metrics/{metric}/", None),
    ("get", "/api/v1/capacity/samples/", None), ("post", "/api/v1/capacity/samples/", "sample"),
    ("get", "/api/v1/capacity/report/", None), ("get", "/api/v1/capacity/desk/", None),
]
READS = {"get"}
MANAGER_ONLY = {("post", "/api/v1/capacity/metrics/"), ("patch", "/api/v1/capacity/metrics/{metric}/"),
                ("delete", "/api/v1/capacity/metrics/{metric}/"), ("get", "/api/v1/capacity/desk/")}
EXPECTED_OK = {"get": 200, "post": 201, "patch": 200, "delete": 204}


def body_of(kind, storage, fs01):
    if kind == "new":
        return {"name": "Inodes", "capacity": 1000000, "ci": fs01.pk}
    if kind == "sample":
        return {"samples": [{"metric": storage.pk, "at": "2026-12-05T11:00:00Z", "value": 10}]}
    return kind


@pytest.mark.parametrize(("method", "url", "body"), ENDPOINTS)
@pytest.mark.parametrize("role", ["anonymous", "requester_a", "agent_a", "manager", "admin"])
def test_role_matrix(role, method, url, body, users, token_client, storage, fs01):
    caller = APIClient() if role == "anonymous" else token_client(users[role])
    with clock.frozen(NOW):
        response = getattr(caller, method)(url.format(metric=storage.pk), body_of(body, storage, fs01),
                                           format="json")
    if role == "anonymous":
        expected = 401
    elif role == "requester_a" or (role == "agent_a" and (method, url) in MANAGER_ONLY):
        expected = 403
    else:
        expected = EXPECTED_OK[method]
    assert response.status_code == expected, response.content


def test_a_metric_answers_its_figures_and_forecast(token_client, agent_a, storage, cpu, licences):
    series(storage, [100 + 10 * day for day in range(30)])
    api = token_client(agent_a)
    with clock.frozen(NOW):
        detail = api.get(f"/api/v1/capacity/metrics/{storage.pk}/").json()
        listed = api.get("/api/v1/capacity/metrics/", {"ci": storage.ci_id}).json()
        report = api.get("/api/v1/capacity/report/", {"limit": 2}).json()
    assert detail["last_value"] == 390 and detail["utilisation"] == 39.0 and detail["level"] == "ok"
    assert detail["forecast"]["outlook"] == "date" and detail["forecast"]["reach_at"].startswith("2027-02-04")
    assert [m["name"] for m in listed["results"]] == ["Storage"]
    assert report["count"] == 3 and report["results"][0]["name"] == "Storage"
    assert report["results"][0]["ci"] == {"id": storage.ci_id, "name": "fs-01"}
    assert api.get("/api/v1/capacity/report/", {"limit": 0}).status_code == 400


def test_a_bad_metric_is_refused_naming_the_field(token_client, manager, fs01, service_email, storage):
    api = token_client(manager)
    url = "/api/v1/capacity/metrics/"
    both = api.post(url, {"name": "Disk", "capacity": 10, "ci": fs01.pk, "service": service_email.pk},
                    format="json")
    assert both.status_code == 400 and "one of them" in str(both.json())
    zero = api.post(url, {"name": "Disk", "capacity": 0, "ci": fs01.pk}, format="json").json()
    assert zero["capacity"] == ["Give a capacity above zero."]
    order = api.post(url, {"name": "Disk", "capacity": 5, "ci": fs01.pk, "warning_pct": 90, "critical_pct": 50},
                     format="json")
    assert order.status_code == 400 and "warning threshold" in str(order.json())
    twice = api.post(url, {"name": "STORAGE", "capacity": 5, "ci": fs01.pk}, format="json")
    assert twice.status_code == 400 and "already has a metric of this name" in str(twice.json())
    assert "ci" in api.post(url, {"name": "Disk", "capacity": 5, "ci": 999999}, format="json").json()
    assert Metric.objects.count() == 1


def test_the_metric_list_costs_a_fixed_number_of_queries(token_client, agent_a, fs01, django_assert_max_num_queries):
    api = token_client(agent_a)
    for i in range(3):
        series(Metric.objects.create(name=f"Disk {i}", capacity=100, ci=fs01), [10, 20, 30])
    with django_assert_max_num_queries(8) as few:
        api.get("/api/v1/capacity/metrics/")
    for i in range(3, 20):
        series(Metric.objects.create(name=f"Disk {i}", capacity=100, ci=fs01), [10, 20, 30])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert len(api.get("/api/v1/capacity/metrics/").json()["results"]) == 20
