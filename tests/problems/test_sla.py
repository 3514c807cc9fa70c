"""SLA for problems: a definition targets the problem kind, its clock stops on the problem's resolution, and the
dashboard reports each kind apart (?kind=problem), its drill-downs listing problems on the problem queue."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
from django.test import Client

from core import clock
from problems import services
from sla.models import AgreementType, Schedule, SlaDefinition, SlaTimer, Stage, Target

pytestmark = pytest.mark.django_db
UTC = ZoneInfo("UTC")
START = datetime(2026, 11, 2, 8, tzinfo=UTC)
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


@pytest.fixture
def breached_problem(agent_a, team_service_desk, make_incident, requester_a):
    always = Schedule.objects.create(name="24x7 problems", slug="24x7-problems", time_zone="UTC", is_24x7=True)
    SlaDefinition.objects.create(name="Problem fix in 3 days", ticket_kind="problem", target=Target.RESOLUTION,
                                 agreement_type=AgreementType.OLA, duration=timedelta(days=3), schedule=always)
    with clock.frozen(START):
        incident = make_incident(requester_a, title="Incidents keep coming")  # incidents have no definition here
        problem = services.create_problem(agent_a, {"title": "Recurring outage", "team": team_service_desk},
                                          incidents=[incident])
        services.take(problem, agent_a)
    with clock.frozen(START + timedelta(days=5)):
        services.transition(problem, agent_a, "resolved", fix="Replaced the switch.")
    return problem


def test_a_problem_timer_stops_on_resolution_and_counts_on_the_problem_dashboard_only(
        breached_problem, manager):
    timer = SlaTimer.objects.get(ticket_id=breached_problem.pk)
    assert (timer.stage, timer.breached) == (Stage.BREACHED, True)
    client = Client()
    client.force_login(manager)
    with clock.frozen(NOW):
        incidents_page = client.get("/manager/sla/")
        problems_page = client.get("/manager/sla/", {"kind": "problem"})
    assert incidents_page.context["summary"]["total"] == 0
    assert problems_page.context["summary"]["total"] == 1
    text = problems_page.content.decode()
    assert "1 problem" in text and 'data-testid="kind-tabs"' in text
    link = unescape(re.search(r'href="(/agent/problems/\?[^"]*sla_stage=breached[^"]*)"', text).group(1))
    with clock.frozen(NOW):
        listed = client.get(link)
    assert listed.status_code == 200
    assert [p.number for p in listed.context["page"].object_list] == [breached_problem.number]


def test_the_report_api_and_the_page_refuse_an_unknown_kind(manager, token_client, breached_problem):
    api = token_client(manager)
    with clock.frozen(NOW):
        figures = api.get("/api/v1/sla/report/", {"kind": "problem"}).json()
        refused = api.get("/api/v1/sla/report/", {"kind": "chores"})
    assert sum(row["total"] for row in figures["compliance"]["definition"]) == 1
    assert refused.status_code == 400 and "kind" in refused.json()
    client = Client()
    client.force_login(manager)
    assert client.get("/manager/sla/", {"kind": "chores"}).status_code == 400
