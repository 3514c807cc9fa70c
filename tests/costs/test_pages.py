"""The cost page (/manager/costs/) and GET /api/v1/costs/: the figures of costs.report, a breakdown, a CSV,
bad input named, role rules (agents their teams, end users 403), constant queries."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core import clock
from tests.costs.test_report import priced  # noqa: F401 - the shared fixture

pytestmark = pytest.mark.django_db


def test_the_cost_page_in_constant_queries(client, manager, priced, django_assert_max_num_queries):  # noqa: F811
    client.force_login(manager)
    with clock.frozen(priced["a"].opened_at.replace(day=25)):
        client.get("/manager/costs/")
        with django_assert_max_num_queries(8):
            page = client.get("/manager/costs/", {"months": "3", "group_by": "team"})
        html = page.content.decode()
        assert page.status_code == 200
        assert "November 2026" in html and "60.00 EUR" in html and "55.00 EUR" in html
        assert "Service Desk" in html and "Network" in html and "1 h 50 min" in html
        csv = client.get("/manager/costs/", {"months": "3", "group_by": "channel", "export": "csv"})
        assert csv["Content-Type"].startswith("text/csv")
        assert '"2026-11","Phone",1,20,' in csv.content.decode()
        bad = client.get("/manager/costs/", {"months": "99", "group_by": "moon"})
        assert bad.status_code == 400 and "Period" in bad.content.decode()


def test_the_costs_api(token_client, manager, agent_b, requester_a, priced):  # noqa: F811
    with clock.frozen(priced["a"].opened_at.replace(day=25)):
        rows = token_client(manager).get("/api/v1/costs/", {"months": 2}).json()
        assert [(r["month"], r["contacts"], r["per_contact"]) for r in rows] == [
            ("2026-10", 1, "55.00"), ("2026-11", 2, "60.00")]
        by_team = token_client(agent_b).get("/api/v1/costs/", {"months": 2, "group_by": "team"}).json()
        assert [(r["label"], r["total"], r["currency"]) for r in by_team] == [("Network", "25.00", "EUR")]
        bad = token_client(manager).get("/api/v1/costs/", {"group_by": "moon", "months": 0})
        assert bad.status_code == 400 and set(bad.json()) == {"group_by", "months"}
    assert token_client(requester_a).get("/api/v1/costs/").status_code == 403
    assert APIClient().get("/api/v1/costs/").status_code == 401


def test_end_users_get_403_on_the_cost_page(client, requester_a):
    client.force_login(requester_a)
    assert client.get("/manager/costs/").status_code == 403
