"""The rules every filter follows (core.filters): hostile date-times and booleans are a 400 naming the parameter,
and a filter never tells an end user about what they may not see (people, SLA definitions, major incidents,
the desk's OLA timers), for the incident API, the SLA timer API, the SLA report and the agent queue page.
"""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from core import clock
from incidents import services
from sla.models import SlaTimer, Stage
from tests.factories import UserFactory
from tests.sla.api_support import API, INCIDENTS, T0, SlaWorld, sla_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
TIMERS = f"{API}timers/"
REPORT = f"{API}report/"
QUEUE = reverse("agent-incidents")
BAD_INSTANTS = ["2026-01-01T00:00:00+23:00", "2026-01-01T00:00:00-16:00", "2026-01-01T00:00:00+16:00",
                "2026-01-01T00:00:00+14:01", "0001-01-01T00:00:00+01:00", "2026-01-01T00:00:00+99:00"]


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def numbers(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


# --- date-times with a UTC offset no time zone has: 400 naming the field, for every role ------------------


@pytest.mark.parametrize("value", BAD_INSTANTS)
@pytest.mark.parametrize("role", ["requester_a", "agent_a", "manager"])
@pytest.mark.parametrize("field", ["opened_after", "updated_after", "resolved_before", "sla_breached_after"])
def test_incident_date_filters_refuse_impossible_offsets(sla_world: SlaWorld, role, field, value):
    response = sla_world.client(role).get(INCIDENTS, {field: value})
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize("field", ["sla_due_before", "responded_after", "sla_stopped_before"])
def test_desk_only_date_filters_refuse_impossible_offsets(sla_world: SlaWorld, field):
    response = sla_world.client("agent_a").get(INCIDENTS, {field: "2026-01-01T00:00:00+23:00"})
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("value", BAD_INSTANTS)
@pytest.mark.parametrize("field", ["due_after", "due_before"])
def test_timer_date_filters_refuse_impossible_offsets(sla_world: SlaWorld, field, value):
    response = sla_world.client("agent_a").get(TIMERS, {field: value})
    assert response.status_code == 400, response.content
    assert field in response.json()


@pytest.mark.parametrize(("field", "value"), [("since", "2026-01-01T00:00:00+23:00"),
                                              ("until", "2026-01-05T00:00:00-16:30")])
def test_the_report_refuses_impossible_offsets(sla_world: SlaWorld, field, value):
    params = {"period": "custom", "since": "2026-01-01", "until": "2026-01-05", field: value}
    response = sla_world.client("manager").get(REPORT, params)
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_real_offsets_still_work_and_mean_the_same_instant(sla_world: SlaWorld):
    client = sla_world.client("manager")
    everything = {sla_world.incidents["inc_a"].number, sla_world.incidents["inc_b"].number}
    # T0 = 08:00 UTC = 22:00 the day before at -10:00 = 22:00 the same day at +14:00
    assert numbers(client.get(INCIDENTS, {"opened_after": "2026-11-01T22:00:00-10:00"})) == everything
    assert numbers(client.get(INCIDENTS, {"opened_after": "2026-11-01T22:00:01-10:00"})) == set()
    assert numbers(client.get(INCIDENTS, {"opened_before": "2026-11-02T22:00:01+14:00"})) == everything
    assert client.get(REPORT, {"period": "custom", "since": "2026-11-01T00:00:00+14:00",
                               "until": "2026-11-03"}).status_code == 200


@pytest.mark.parametrize("value", ["2026-01-01T00:00:00+23:00", "2026-01-01T00:00:00-16:00"])
def test_the_agent_queue_shows_a_form_error_for_impossible_offsets(sla_world: SlaWorld, value):
    response = page_client(sla_world.users["agent_a"]).get(QUEUE, {"queue": "recent", "updated_after": value})
    assert response.status_code == 400
    assert "time zones go from -12:00 to +14:00" in response.content.decode()


# --- booleans: a value that is neither true nor false is a 400 naming the field ---------------------------


@pytest.mark.parametrize("field", ["active", "unassigned", "sla_breached"])
def test_a_boolean_filter_refuses_values_it_does_not_know(sla_world: SlaWorld, field):
    client = sla_world.client("agent_a")
    response = client.get(INCIDENTS, {field: "maybe"})
    assert response.status_code == 400 and field in response.json()
    for value in ("true", "False", "1", "0", "yes", "", "unknown"):
        assert client.get(INCIDENTS, {field: value}).status_code == 200


def test_the_timer_list_refuses_an_unknown_boolean(sla_world: SlaWorld):
    response = sla_world.client("agent_a").get(TIMERS, {"breached": "maybe"})
    assert response.status_code == 400 and "breached" in response.json()


def test_the_agent_queue_refuses_an_unknown_boolean(sla_world: SlaWorld):
    response = page_client(sla_world.users["agent_a"]).get(QUEUE, {"active": "maybe"})
    assert response.status_code == 400 and "Enter true or false." in response.content.decode()


# --- end users: an id they may not see answers exactly like an id that does not exist ----------------------


def _ids(sla_world: SlaWorld) -> dict[str, tuple[int, int]]:
    """Per filter: (an id that exists but requester_a may not see, an id that does not exist)."""
    stranger = UserFactory(username="stranger")
    return {
        "requester": (sla_world.users["requester_b"].pk, stranger.pk + 1000),
        "assignee": (sla_world.users["agent_b"].pk, stranger.pk + 1001),
        "sla_definition": (sla_world.definitions["ola"].pk, 999_999),
    }


@pytest.mark.parametrize("name", ["requester", "assignee", "sla_definition"])
def test_an_invisible_id_and_a_missing_id_answer_the_same_to_end_users(sla_world: SlaWorld, name):
    services.take(sla_world.incidents["inc_b"], sla_world.users["agent_b"])
    invisible, missing = _ids(sla_world)[name]
    client = sla_world.client("requester_a")
    first, second = client.get(INCIDENTS, {name: invisible}), client.get(INCIDENTS, {name: missing})
    assert first.status_code == second.status_code
    body = first.json()
    assert body == second.json() if first.status_code == 200 else (
        body[name] == [m.replace(str(missing), str(invisible)) for m in second.json()[name]])


def test_end_users_filter_on_the_people_of_their_own_tickets(sla_world: SlaWorld):
    agent = sla_world.users["agent_a"]
    services.take(sla_world.incidents["inc_a"], agent)
    client = sla_world.client("requester_a")
    mine = {sla_world.incidents["inc_a"].number}
    assert numbers(client.get(INCIDENTS, {"requester": sla_world.users["requester_a"].pk})) == mine
    assert numbers(client.get(INCIDENTS, {"assignee": agent.pk})) == mine


@pytest.mark.parametrize("value", ["true", "false", "maybe"])
def test_the_major_flag_is_not_a_filter_for_end_users(sla_world: SlaWorld, value):
    services.update_incident(sla_world.incidents["inc_a"], sla_world.users["manager"], {"major": True})
    client = sla_world.client("requester_a")
    mine = {sla_world.incidents["inc_a"].number}
    assert numbers(client.get(INCIDENTS, {"major": value})) == mine  # ignored, whatever the value
    agents = sla_world.client("agent_a")
    assert numbers(agents.get(INCIDENTS, {"major": "false"})) == set()  # the desk still filters on it


def test_sla_filters_of_end_users_read_only_their_sla_timers(sla_world: SlaWorld):
    """Only the OLA of inc_a is breached: end users find nothing breached; the desk finds inc_a."""
    incident = sla_world.incidents["inc_a"]
    SlaTimer.objects.filter(ticket=incident, definition=sla_world.definitions["ola"]).update(
        breached=True, breached_at=T0, stage=Stage.BREACHED, stopped_at=T0)
    with clock.frozen(T0):
        query = {"sla_breached": "true"}
        assert numbers(sla_world.client("requester_a").get(INCIDENTS, query)) == set()
        assert numbers(sla_world.client("requester_a").get(INCIDENTS, {"sla_stage": "breached"})) == set()
        assert numbers(sla_world.client("agent_a").get(INCIDENTS, query)) == {incident.number}
    SlaTimer.objects.filter(ticket=incident, definition=sla_world.definitions["response"]).update(
        stage=Stage.CANCELLED)
    assert numbers(sla_world.client("requester_a").get(INCIDENTS, {"sla_stage": "cancelled"})) == set()


@pytest.mark.parametrize("name", ["sla_definition", "sla_at_risk", "sla_due_before", "responded_after", "major"])
def test_desk_only_filters_are_ignored_for_end_users_whatever_the_value(sla_world: SlaWorld, name):
    client = sla_world.client("requester_a")
    mine = {sla_world.incidents["inc_a"].number}
    for value in ("1", "999999", "not a value", "2026-01-01T00:00:00+23:00"):
        assert numbers(client.get(INCIDENTS, {name: value})) == mine


# --- every other FilterSet of the API follows the same rules --------------------------------------------------


@pytest.mark.parametrize(("role", "path", "params", "field"), [
    ("agent_a", "/api/v1/sla/definitions/", {"active": "maybe"}, "active"),
    ("requester_a", "/api/v1/categories/", {"top_level": "maybe"}, "top_level"),
    ("agent_a", "/api/v1/users/", {"team": "999999"}, "team"),
])
def test_other_lists_refuse_bad_filter_values(sla_world: SlaWorld, role, path, params, field):
    response = sla_world.client(role).get(path, params)
    assert response.status_code == 400 and field in response.json()


@pytest.mark.parametrize("role", ["requester_a", "agent_a"])
def test_an_inactive_category_is_refused_like_a_missing_one(sla_world: SlaWorld, role):
    from incidents.models import Category

    retired = Category.objects.create(name="Fax", active=False)
    client = sla_world.client(role)
    first, second = client.get("/api/v1/categories/", {"parent": retired.pk}), \
        client.get("/api/v1/categories/", {"parent": 999_999})
    assert first.status_code == second.status_code == 400 and first.json() == second.json()


def test_end_users_keep_the_public_filters_of_teams_services_and_categories(sla_world: SlaWorld):
    client = sla_world.client("requester_a")
    teams = client.get("/api/v1/teams/", {"slug": "network"}).json()["results"]
    assert [t["slug"] for t in teams] == ["network"]
    assert [s["slug"] for s in client.get("/api/v1/services/", {"slug": "vpn"}).json()["results"]] == ["vpn"]
    assert client.get("/api/v1/categories/", {"top_level": "true"}).status_code == 200


def test_end_users_cannot_sort_on_the_sla_due_time(sla_world: SlaWorld):
    response = sla_world.client("requester_a").get(INCIDENTS, {"ordering": "sla_due_at"})
    assert response.status_code == 400 and "ordering" in response.json()
    assert sla_world.client("requester_a").get(INCIDENTS, {"ordering": "-opened_at"}).status_code == 200
    assert sla_world.client("agent_a").get(INCIDENTS, {"ordering": "sla_due_at"}).status_code == 200
