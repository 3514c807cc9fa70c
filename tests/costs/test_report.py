"""The cost of each contact from time logs, against hand computation: labour at the team's hourly rate (else the
rate for every team), the fixed cost per ticket, the channel's cost, each valid on the day the contact was opened;
per month and per channel, team or service; agents get their teams' contacts only; one query."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from core import clock, writes
from costs import kpis, report
from costs.models import CostRate, RateKind
from incidents import services as incident_services
from incidents.choices import Channel

pytestmark = pytest.mark.django_db
NOVEMBER, OCTOBER = date(2026, 11, 1), date(2026, 10, 1)


@pytest.fixture
def priced(agent_a, agent_b, requester_a, team_service_desk, team_network, service_email, service_vpn):
    """Rates, and three incidents with time logged:
    - INC a (November, portal, service desk, e-mail): 30 + 60 min at 60/h = 90, + 5 fixed + 0 portal = 95
    - INC b (November, phone, network, VPN): 20 min at the default 30/h = 10, + 5 fixed + 10 phone = 25
    - INC c (October, phone, service desk, e-mail): 60 min at October's 40/h = 40, + 5 + 10 = 55
    """
    CostRate.objects.create(kind=RateKind.TEAM_HOUR, team=team_service_desk, amount=60, valid_from=NOVEMBER)
    CostRate.objects.create(kind=RateKind.TEAM_HOUR, team=team_service_desk, amount=40, valid_until=date(2026, 10, 31))
    CostRate.objects.create(kind=RateKind.TEAM_HOUR, amount=30)
    CostRate.objects.create(kind=RateKind.TICKET, amount=5)
    CostRate.objects.create(kind=RateKind.CHANNEL, channel=Channel.PHONE, amount=10)
    CostRate.objects.create(kind=RateKind.CHANNEL, channel=Channel.EMAIL, amount=2)

    def raise_(when, team, service, channel, logs):
        with clock.frozen(when):
            incident = incident_services.create_incident(agent_a, {
                "title": "Cannot work", "description": "It fails.", "requester": requester_a, "team": team,
                "service": service}, channel=channel)
            for minutes, who in logs:
                writes.comment(incident, who, "Worked on it.", internal=True, time_spent=minutes)
            writes.comment(incident, who, "No time logged here.", internal=True)
        return incident

    return {
        "a": raise_(datetime(2026, 11, 3, 9, tzinfo=UTC), team_service_desk, service_email, Channel.PORTAL,
                    [(30, agent_a), (60, agent_a)]),
        "b": raise_(datetime(2026, 11, 20, 9, tzinfo=UTC), team_network, service_vpn, Channel.PHONE, [(20, agent_b)]),
        "c": raise_(datetime(2026, 10, 15, 9, tzinfo=UTC), team_service_desk, service_email, Channel.PHONE,
                    [(60, agent_a)]),
    }


def test_cost_per_contact_per_month(priced, manager, django_assert_num_queries):
    with django_assert_num_queries(1):
        rows = report.rows(manager, [OCTOBER, NOVEMBER])
    assert [(r.month, r.contacts, r.minutes, r.labour, r.fixed, r.channel, r.total, r.per_contact) for r in rows] == [
        (OCTOBER, 1, 60, Decimal("40.00"), Decimal("5.00"), Decimal("10.00"), Decimal("55.00"), Decimal("55.00")),
        (NOVEMBER, 2, 110, Decimal("100.00"), Decimal("10.00"), Decimal("10.00"), Decimal("120.00"),
         Decimal("60.00")),
    ]


@pytest.mark.parametrize(("group_by", "expected"), [
    ("channel", [("Phone", 1, "25.00"), ("Portal", 1, "95.00")]),
    ("team", [("Network", 1, "25.00"), ("Service Desk", 1, "95.00")]),
    ("service", [("E-mail", 1, "95.00"), ("VPN", 1, "25.00")]),
])
def test_cost_per_contact_by_channel_team_and_service(priced, manager, group_by, expected):
    rows = [r for r in report.rows(manager, [NOVEMBER], group_by)]
    assert sorted((r.label, r.contacts, str(r.per_contact)) for r in rows) == expected


def test_agents_get_their_teams_contacts_and_end_users_none(priced, agent_a, agent_b, requester_a):
    assert [(r.month, r.contacts, r.per_contact) for r in report.rows(agent_b, [OCTOBER, NOVEMBER])] == [
        (NOVEMBER, 1, Decimal("25.00"))]
    assert [r.contacts for r in report.rows(agent_a, [OCTOBER, NOVEMBER])] == [1, 1]
    assert report.rows(requester_a, [NOVEMBER]) == []


def test_the_kpi_series_and_its_drill_url(priced, manager, requester_a, client):
    assert kpis.cost_per_contact_series(manager, [date(2026, 9, 1), OCTOBER, NOVEMBER]) == [None, 55.0, 60.0]
    assert kpis.cost_per_contact_series(requester_a, [NOVEMBER]) == [None]
    url = kpis.cost_per_contact_drill_url(NOVEMBER)
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert priced["a"].number in page and priced["b"].number in page and priced["c"].number not in page


def test_without_rates_a_contact_costs_nothing(agent_a, requester_a, manager):
    with clock.frozen(datetime(2026, 11, 3, 9, tzinfo=UTC)):
        incident = incident_services.create_incident(agent_a, {"title": "x", "description": "y",
                                                               "requester": requester_a})
        writes.comment(incident, agent_a, "Worked.", internal=True, time_spent=45)
    [row] = report.rows(manager, [NOVEMBER])
    assert (row.contacts, row.minutes, row.total, row.per_contact) == (1, 45, Decimal("0.00"), Decimal("0.00"))
