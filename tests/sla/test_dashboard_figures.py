"""The SLA dashboard's headline figures reconcile with the tables below them and with their drill-down lists.

The seeded month (dashboard_world) plus two incidents that make the breach counts differ:
  N  VPN     P5  opened Oct 19 08:00, replied 08:10, resolved Nov 2 10:00 -> resolution breached Oct 19 16:00
                                                                            (before the period), stopped in it
  P  E-mail  P5  opened Nov 12 08:00, nobody replies, cancelled Nov 13   -> both breached in the period, then
                                                                            cancelled (not in the compliance tables)
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client

from core import clock
from incidents import services
from incidents.choices import State
from sla.models import SlaTimer, Stage
from sla.sweep import record_due
from tests.sla.dashboard_world import UTC, build_world
from tests.sla.test_dashboard import get, queue_numbers, table

pytestmark = pytest.mark.django_db
DIMENSIONS = ("definition", "service", "team", "priority")


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.fixture
def world(requester_a, agent_a, agent_b, service_email, service_vpn):
    world = build_world(requester=requester_a, agent_email=agent_a, agent_vpn=agent_b, service_email=service_email,
                        service_vpn=service_vpn)

    def at(instant, action, *args, **kwargs):
        with clock.frozen(instant):
            return action(*args, **kwargs)

    n = at(datetime(2026, 10, 19, 8, tzinfo=UTC), services.create_incident, requester_a,
           {"title": "Incident N", "service": service_vpn})
    at(datetime(2026, 10, 19, 8, 10, tzinfo=UTC), services.add_comment, n, agent_b, "On it.")
    at(datetime(2026, 11, 2, 10, tzinfo=UTC), services.transition, n, agent_b, State.RESOLVED,
       resolution_code="solved", resolution_notes="Fixed.")
    p = at(datetime(2026, 11, 12, 8, tzinfo=UTC), services.create_incident, requester_a,
           {"title": "Incident P", "service": service_email})
    record_due(datetime(2026, 11, 13, 7, tzinfo=UTC))
    at(datetime(2026, 11, 13, 8, tzinfo=UTC), services.transition, p, agent_a, State.CANCELLED)
    world.incidents.update({"N": n, "P": p})
    return world


@pytest.mark.parametrize("period", [{}, {"period": "custom", "since": "2026-11-02", "until": "2026-11-12"},
                                    {"period": "7d"}])
def test_headline_figures_equal_their_tables_and_drill_downs(world, manager_client, period):
    response = get(manager_client, **period)
    assert response.status_code == 200
    summary = response.context["summary"]
    for name in DIMENSIONS:  # every compliance table adds up to the compliance headline
        rows = table(response, name)["rows"]
        assert sum(r["total"] for r in rows) == summary["total"], name
        assert sum(r["met"] for r in rows) == summary["met"], name
        assert sum(r["breached"] for r in rows) == summary["breached_completed"], name
    # the breaches headline is the sum of the chart's days
    assert sum(b["count"] for b in response.context["breaches"]) == summary["breaches"]
    # each headline's "on N incidents" is the number of incidents its link lists
    assert len(queue_numbers(manager_client, summary["total_url"])) == summary["total_tickets"]
    assert len(queue_numbers(manager_client, summary["breaches_url"])) == summary["breach_tickets"]
    # and the page says why the two breach counts differ, with figures that add up
    assert summary["breaches"] - summary["breaches_not_completed"] + summary["breached_earlier"] == \
        summary["breached_completed"]
    body = response.content.decode()
    assert 'data-testid="figures-explained"' in body
    for href, count in re.findall(r'<a href="(/agent/incidents/\?[^"]*)"[^>]*data-figure="incidents">(\d+)</a>',
                                  body):
        assert len(queue_numbers(manager_client, href.replace("&amp;", "&"))) == int(count)


def test_the_default_month_explains_its_differing_breach_counts(world, manager_client):
    """Breached in the period: B x2, D, G x2 (still running), P x2 (then cancelled) = 7 timers on 4 incidents.
    Completed in the period and breached (the tables): B x2, D, and N, which breached in October = 4 = 7 - 4 + 1."""
    response = get(manager_client)
    summary = response.context["summary"]
    cancelled = SlaTimer.objects.filter(ticket=world.incidents["P"], breached=True)
    assert cancelled.count() == 2 and set(cancelled.values_list("stage", flat=True)) <= {Stage.CANCELLED,
                                                                                         Stage.BREACHED}
    assert (summary["breaches"], summary["breach_tickets"], summary["breaches_running"]) == (7, 4, 2)
    assert (summary["breached_completed"], summary["breached_earlier"]) == (4, 1)
    assert summary["breaches_not_completed"] == 4  # G's two (running) and P's two (cancelled)
    body = " ".join(response.content.decode().split())
    assert "timers that breached in the period, on" in body and "(2 still running)" in body
    assert "of the 7 breaches, 4 did not complete in the period" in body
    assert "breached timers include 1 that breached before the period" in body
