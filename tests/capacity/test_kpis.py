"""The capacity KPI: capacity alerts raised per month, equal to a direct count of the firing capacity events in each
month (in the desk's time zone), scoped to the caller's teams' CIs for agents; its drill-down lists them."""

from __future__ import annotations

import datetime
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from capacity import kpis
from events.models import Event
from tests.events.support import store

pytestmark = pytest.mark.django_db
MONTHS = [datetime.date(2026, 10, 1), datetime.date(2026, 11, 1), datetime.date(2026, 12, 1)]


@pytest.fixture
def alerts(storage, cpu, fs01, esx01):
    """fs-01 (service desk): 2 in November (one on its last evening, Paris time: 30 Nov 23:30 UTC is 1 Dec in
    Paris), 1 in December; esx-01 (network): 1 in October; plus a resolved one and a non-capacity event."""
    def at(*args):
        return datetime.datetime(*args, tzinfo=UTC)

    for when, ci, status in [(at(2026, 11, 3, 9), fs01, "firing"), (at(2026, 11, 20, 9), fs01, "firing"),
                             (at(2026, 11, 30, 23, 30), fs01, "firing"), (at(2026, 10, 5, 9), esx01, "firing"),
                             (at(2026, 11, 21, 9), fs01, "resolved")]:
        store(source="capacity", received_at=when, ci=ci, status=status, node=ci.name, fingerprint=f"c/{when}")
    store(source="nagios", received_at=at(2026, 11, 4, 9), ci=fs01)


def direct(user_teams=None, tz="UTC") -> list[float]:
    zone = ZoneInfo(tz)
    out = []
    for month in MONTHS:
        start = datetime.datetime(month.year, month.month, 1, tzinfo=zone)
        end = (start + timedelta(days=32)).replace(day=1)
        rows = Event.objects.filter(source="capacity", status="firing", received_at__gte=start, received_at__lt=end)
        if user_teams is not None:
            rows = rows.filter(ci__support_team__in=user_teams)
        out.append(float(rows.count()))
    return out


def test_the_series_equals_a_direct_count(alerts, manager, agent_a, settings):
    assert kpis.capacity_alerts_series(manager, MONTHS) == direct() == [1.0, 3.0, 0.0]
    assert kpis.capacity_alerts_series(agent_a, MONTHS) == direct(agent_a.teams.all()) == [0.0, 3.0, 0.0]
    settings.TIME_ZONE = "Europe/Paris"
    assert kpis.capacity_alerts_series(manager, MONTHS) == direct(tz="Europe/Paris") == [1.0, 2.0, 1.0]
    assert kpis.capacity_alerts_series(manager, []) == []


def test_the_drill_down_lists_the_months_alerts(alerts, manager, requester_a):
    client = Client()
    client.force_login(manager)
    url = kpis.capacity_alerts_drill_url(datetime.date(2026, 11, 1))
    assert url == "/agent/capacity/alerts/?month=2026-11"
    html = client.get(url).content.decode()
    assert html.count('data-testid="alert-row"') == 3 and "November 2026" in html
    assert client.get("/agent/capacity/alerts/?month=nope").status_code == 400
    client.force_login(requester_a)
    assert client.get(url).status_code == 403
