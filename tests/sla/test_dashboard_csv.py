"""CSV downloads of the SLA dashboard's tables: attachments, the figures of the page, and cells that a
spreadsheet would run as formulas neutralised."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta

import pytest
from django.test import Client

from accounts.models import Team
from catalog.models import Service
from core import clock
from core.csv_export import neutralise
from incidents import services
from incidents.choices import State
from tests.sla.dashboard_world import NOW, UTC, build_world

pytestmark = pytest.mark.django_db
URL = "/manager/sla/"


@pytest.fixture
def manager_client(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


def download(client: Client, export: str, **params) -> list[list[str]]:
    with clock.frozen(NOW):
        response = client.get(URL, {"export": export, **params})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=\"sla-") and disposition.endswith('.csv"')
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


@pytest.fixture
def world(requester_a, agent_a, agent_b, service_email, service_vpn):
    return build_world(requester=requester_a, agent_email=agent_a, agent_vpn=agent_b, service_email=service_email,
                       service_vpn=service_vpn)


def test_each_table_downloads_with_the_figures_of_the_page(world, manager_client):
    assert download(manager_client, "compliance_definition") == [
        ["SLA definition", "Met", "Breached", "Total", "Compliance %", "Incidents"],
        ["Default resolution", "2", "1", "3", "66.7", "3"],
        ["P1 resolution", "0", "1", "1", "0.0", "1"],
        ["Response", "4", "1", "5", "80.0", "5"],
    ]
    assert download(manager_client, "compliance_priority")[1:] == [["1 - Critical", "1", "1", "2", "50.0", "1"],
                                                                   ["5 - Planning", "5", "2", "7", "71.4", "4"]]
    assert download(manager_client, "compliance_service")[0][0] == "Service"
    assert download(manager_client, "compliance_team")[0][0] == "Assignment group"
    breaches = download(manager_client, "breaches")
    assert breaches[0] == ["Day", "Breached timers"] and len(breaches) == 32
    assert ["2026-11-10", "3"] in breaches
    [header, risk] = download(manager_client, "at_risk")
    assert header[0] == "Incident" and risk[0] == world.incidents["F"].number
    assert risk[4] == (NOW + timedelta(hours=1)).isoformat()
    assert download(manager_client, "mean_times")[1:] == [["Time to acknowledge", "1.37", "5", "1.37", "5"],
                                                          ["Time to resolve", "10.25", "4", "10.5", "4"]]
    backlog = download(manager_client, "backlog")
    assert [r[:2] for r in backlog] == [["Age", "Open incidents"], ["< 1 day", "2"], ["1-3 days", "2"],
                                        ["3-7 days", "0"], ["7-30 days", "1"], ["> 30 days", "1"]]


def test_a_custom_period_names_the_file_after_its_dates(world, manager_client):
    with clock.frozen(NOW):
        response = manager_client.get(URL, {"export": "breaches", "period": "custom", "since": "2026-11-01",
                                            "until": "2026-11-15"})
    assert response["Content-Disposition"] == 'attachment; filename="sla-breaches-20261101-20261115.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 16 and rows[1][0] == "2026-11-01"


@pytest.mark.parametrize("dangerous", ["=cmd()", "+1", "@x", "-2", "\tTAB", "\rCR", '=HYPERLINK("http://x")'])
def test_cells_that_a_spreadsheet_would_run_are_neutralised(dangerous):
    assert neutralise(dangerous) == f"'{dangerous}"


def test_plain_cells_and_numbers_are_written_as_they_are():
    assert [neutralise(v) for v in ("E-mail", "a=b", 12, 66.7, None, "")] == ["E-mail", "a=b", 12, 66.7, "", ""]


def test_names_that_look_like_formulas_are_neutralised_in_the_download(requester_a, agent_a, team_service_desk,
                                                                      always, make_definition, manager_client):
    # one timer each on the same incident: three agreement types of resolution, and a response
    for name, target, agreement in (("=cmd()", "resolution", "sla"), ("+1", "resolution", "ola"),
                                    ("@x", "resolution", "uc"), ("-2", "response", "sla")):
        make_definition(name, target, schedule=always, hours=8, agreement_type=agreement)
    team = Team.objects.create(name="@evil team", slug="evil-team")
    agent_a.teams.add(team)
    service = Service.objects.create(name="=HYPERLINK(\"http://evil\")", slug="evil", support_team=team)
    opened = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with clock.frozen(opened):
        incident = services.create_incident(requester_a, {"title": "-1+1 broke", "service": service})
    with clock.frozen(opened + timedelta(hours=1)):
        services.add_comment(incident, agent_a, "On it.")
    with clock.frozen(opened + timedelta(hours=2)):
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")

    definitions = download(manager_client, "compliance_definition")
    assert sorted(r[0] for r in definitions[1:]) == ["'+1", "'-2", "'=cmd()", "'@x"]
    assert download(manager_client, "compliance_service")[1][0] == "'=HYPERLINK(\"http://evil\")"
    assert download(manager_client, "compliance_team")[1][0] == "'@evil team"
    for row in definitions + download(manager_client, "compliance_service"):
        assert not row[0].startswith(("=", "+", "-", "@", "\t", "\r"))


def test_a_formula_after_a_separator_is_neutralised_in_the_download(requester_a, agent_a, team_service_desk,
                                                                    always, make_definition, manager_client):
    make_definition("Fix;=1+1", "resolution", schedule=always, hours=8)
    service = Service.objects.create(name="VPN,@SUM(1+1)", slug="vpn-evil", support_team=team_service_desk)
    opened = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with clock.frozen(opened):
        incident = services.create_incident(requester_a, {"title": "t", "service": service})
    with clock.frozen(opened + timedelta(hours=2)):
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    assert download(manager_client, "compliance_definition")[1][0] == "Fix;'=1+1"
    assert download(manager_client, "compliance_service")[1][0] == "VPN,'@SUM(1+1)"
