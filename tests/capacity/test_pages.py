"""The capacity pages: the report (closest to exhaustion first), a metric's page with its chart data, the panel
on the CI page, the managers' metric form (errors named, no 500), who may open what, and constant query counts."""

from __future__ import annotations

import json
import re

import pytest
from django.urls import reverse

from capacity.models import Metric
from core import clock
from tests.capacity.conftest import NOW, series

pytestmark = pytest.mark.django_db


@pytest.fixture
def filled(storage, cpu, licences):
    series(storage, [100 + 10 * day for day in range(30)])  # 390 GB, full on 4 Feb 2027
    series(cpu, [40] * 30)
    series(licences, [480 + (day % 2) for day in range(30)])  # 96%: critical, flat-ish
    return {"storage": storage, "cpu": cpu, "licences": licences}


def test_the_report_lists_the_closest_to_exhaustion_first(client, agent_a, filled, django_assert_max_num_queries):
    client.force_login(agent_a)
    with clock.frozen(NOW), django_assert_max_num_queries(8) as few:
        html = client.get(reverse("capacity-report")).content.decode()
    assert html.index("Storage") < html.index("Licences") < html.index("CPU")
    assert "4 Feb 2027" in html and "in 61 days" in html and "Not rising" in html
    assert "Critical" in html and "fs-01" in html and "E-mail" in html
    assert "New metric" not in html  # agents read; managers define
    fs = filled["storage"].ci
    for i in range(10):
        series(Metric.objects.create(name=f"Disk {i}", capacity=100, ci=fs), [10, 20])
    with clock.frozen(NOW), django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("capacity-report"))


def test_a_metric_page_draws_its_samples_forecast_and_limit(client, agent_a, filled, django_assert_max_num_queries):
    client.force_login(agent_a)
    storage = filled["storage"]
    with clock.frozen(NOW), django_assert_max_num_queries(10):
        response = client.get(reverse("capacity-metric", args=[storage.pk]))
    html = response.content.decode()
    text = " ".join(re.sub(r"<[^>]+>", " ", html).split())
    assert "Limit reached 4 Feb 2027 in 61 days" in text and "Trend +10 GB a day" in text and "Used 39%" in text
    data = json.loads(html.split('id="capacity-chart-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["samples"]) == 30 and data["capacity"] == 1000 and data["warning"] == 800
    assert data["forecast"][-1]["y"] == pytest.approx(1000)  # the line ends at the capacity
    assert client.get(reverse("capacity-metric", args=[999999])).status_code == 404


def test_the_ci_page_shows_its_capacity(client, agent_a, manager, filled):
    fs = filled["storage"].ci
    client.force_login(agent_a)
    with clock.frozen(NOW):
        html = client.get(reverse("agent-ci", args=[fs.pk])).content.decode()
    assert 'data-testid="ci-capacity"' in html and "Storage" in html and "4 Feb 2027" in html
    assert "Add a capacity metric" not in html
    client.force_login(manager)
    assert "Add a capacity metric" in client.get(reverse("agent-ci", args=[fs.pk])).content.decode()


def test_a_manager_defines_and_changes_a_metric(client, manager, fs01, service_email):
    client.force_login(manager)
    url = reverse("capacity-metric-new")
    assert 'value="fs-01"' in client.get(url, {"ci": fs01.pk}).content.decode()
    bad = client.post(url, {"name": "", "capacity": "-1", "ci_name": "nowhere", "warning_pct": 80,
                            "critical_pct": 95, "window_days": 90, "alert_within_days": 30})
    text = bad.content.decode()
    assert bad.status_code == 400 and "No configuration item named “nowhere”" in text
    assert "Give a capacity above zero." in text and "This field is required." in text
    both = client.post(url, {"name": "Disk", "capacity": 5, "ci_name": "fs-01", "service": service_email.pk,
                             "warning_pct": 80, "critical_pct": 95, "window_days": 90, "alert_within_days": 30})
    assert both.status_code == 400 and "not both" in both.content.decode()
    made = client.post(url, {"name": "Disk", "unit": "GB", "capacity": 500, "ci_name": "fs-01", "warning_pct": 70,
                             "critical_pct": 90, "window_days": 30, "alert_within_days": 14})
    metric = Metric.objects.get(name="Disk")
    assert made.status_code == 302 and metric.ci == fs01 and metric.capacity == 500
    order = client.post(reverse("capacity-metric-edit", args=[metric.pk]), {
        "name": "Disk", "capacity": 500, "ci_name": "fs-01", "warning_pct": 95, "critical_pct": 90,
        "window_days": 30, "alert_within_days": 14})
    assert order.status_code == 400 and "must not be above the critical" in order.content.decode()


@pytest.mark.parametrize(("name", "report", "form", "desk"), [
    ("requester_a", 403, 403, 403), ("agent_a", 200, 403, 403), ("manager", 200, 200, 200), ("admin", 200, 200, 200)])
def test_who_may_open_what(client, users, filled, name, report, form, desk):
    client.force_login(users[name])
    assert client.get(reverse("capacity-report")).status_code == report
    assert client.get(reverse("capacity-metric", args=[filled["cpu"].pk])).status_code == report
    assert client.get(reverse("capacity-metric-new")).status_code == form
    assert client.get(reverse("capacity-metric-edit", args=[filled["cpu"].pk])).status_code == form
    assert client.get(reverse("capacity-desk")).status_code == desk
