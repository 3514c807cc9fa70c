"""Teams, services and categories shown with tickets come from the process's kept rows (core.reference_cache.rows,
TicketQuerySet.kept): no join and no query for them, yet a rename shows at once and a row the process does not
know yet is read."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from catalog.models import Service
from incidents.models import Incident

pytestmark = pytest.mark.django_db

API = "/api/v1/incidents/"


def test_the_list_names_teams_services_and_categories_without_reading_them(
        api_client, agent_a, requester_a, make_incident, category_hardware):
    make_incident(requester_a, category=category_hardware.pk)
    api_client.force_authenticate(agent_a)
    api_client.get(API)
    with CaptureQueriesContext(connection) as ctx:
        row = api_client.get(API).json()["results"][0]
    assert row["team"]["name"] == "Service Desk" and row["service"]["name"] == "E-mail"
    assert row["category"]["name"] == category_hardware.name
    tables = " ".join(q["sql"] for q in ctx.captured_queries)
    assert '"accounts_team"' not in tables and '"catalog_service"' not in tables
    assert '"incidents_category"' not in tables


def test_a_rename_shows_at_once(api_client, agent_a, requester_a, make_incident, service_email):
    make_incident(requester_a)
    api_client.force_authenticate(agent_a)
    assert api_client.get(API).json()["results"][0]["service"]["name"] == "E-mail"
    service_email.name = "Mail"
    service_email.save()
    assert api_client.get(API).json()["results"][0]["service"]["name"] == "Mail"


def test_a_service_the_process_does_not_keep_yet_is_read(client, manager, requester_a, make_incident):
    make_incident(requester_a)
    client.force_login(manager)
    client.get(reverse("agent-incidents"))  # the services are kept now
    # created elsewhere (another worker): no signal reaches this process
    [added] = Service.objects.bulk_create([Service(name="Telephony", slug="telephony")])
    incident = make_incident(requester_a, service=added.pk)
    response = client.get(reverse("agent-incident", args=[incident.number]))
    assert "Telephony" in response.content.decode()


def test_each_read_gets_its_own_copy(agent_a, requester_a, make_incident):
    make_incident(requester_a)
    first = Incident.objects.visible_to(agent_a).kept("team")[0]
    first.team.name = "Changed by one request"
    assert Incident.objects.visible_to(agent_a).kept("team")[0].team.name == "Service Desk"
