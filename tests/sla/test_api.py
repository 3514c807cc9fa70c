"""The SLA API's role matrix, and the schedules and definitions endpoints (admins write; agents and up read).

Every endpoint is a row: method, path, body, the status an allowed caller gets and who is allowed. Each row
runs for every role: anonymous 401, a role not allowed 403 (and nothing changes), an allowed one the row's status.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from core import clock
from sla.models import Holiday, Schedule, SlaDefinition, SlaTimer, WorkingHours
from tests.sla.api_support import (
    ADMINS,
    API,
    MANAGERS,
    READERS,
    ROLES,
    T0,
    SlaWorld,
    sla_world_fixture,  # noqa: F401
)

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")

NEW_SCHEDULE = {
    "name": "Weekend desk", "slug": "weekend", "time_zone": "Europe/Paris",
    "hours": [{"weekday": 5, "start": "10:00", "end": "14:00"}, {"weekday": 6, "start": "10:00", "end": "14:00"}],
}


def new_definition(world: SlaWorld) -> dict[str, Any]:
    return {
        "name": "P1 resolution", "target": "resolution", "agreement_type": "sla", "duration": "04:00:00",
        "schedule": world.schedules["always"].pk, "start_condition": {"priority": [1]},
        "pause_condition": {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]},
        "thresholds": [50, 75], "actions": {"75": ["notify_assignee"], "100": ["notify_team_lead"]},
    }


def spare_schedule() -> Schedule:
    return Schedule.objects.create(name="Spare", slug="spare", time_zone="UTC", is_24x7=True)


def spare_definition(world: SlaWorld) -> SlaDefinition:
    return SlaDefinition.objects.create(name="Unused", target="resolution", ticket_kind="problem",
                                        duration=timedelta(hours=1), schedule=world.schedules["always"])


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[SlaWorld], str]
    ok: int
    allowed: frozenset[str]
    body: Callable[[SlaWorld], dict[str, Any]] | None = None


ENDPOINTS = [
    Endpoint("schedules", "get", lambda w: f"{API}schedules/", 200, READERS),
    Endpoint("schedule", "get", lambda w: f"{API}schedules/{w.schedules['office'].pk}/", 200, READERS),
    Endpoint("schedule-create", "post", lambda w: f"{API}schedules/", 201, ADMINS, lambda w: NEW_SCHEDULE),
    Endpoint("schedule-patch", "patch", lambda w: f"{API}schedules/{w.schedules['office'].pk}/", 200, ADMINS,
             lambda w: {"description": "Paris office"}),
    Endpoint("schedule-delete", "delete", lambda w: f"{API}schedules/{spare_schedule().pk}/", 204, ADMINS),
    Endpoint("load-holidays", "post", lambda w: f"{API}schedules/{w.schedules['office'].pk}/load_holidays/", 200,
             ADMINS, lambda w: {"country": "FR", "years": [2026]}),
    Endpoint("definitions", "get", lambda w: f"{API}definitions/", 200, READERS),
    Endpoint("definition", "get", lambda w: f"{API}definitions/{w.definitions['ola'].pk}/", 200, READERS),
    Endpoint("definition-create", "post", lambda w: f"{API}definitions/", 201, ADMINS, new_definition),
    Endpoint("definition-patch", "patch", lambda w: f"{API}definitions/{w.definitions['ola'].pk}/", 200, ADMINS,
             lambda w: {"duration": "20:00:00"}),
    Endpoint("definition-delete", "delete", lambda w: f"{API}definitions/{spare_definition(w).pk}/", 204, ADMINS),
    Endpoint("timers", "get", lambda w: f"{API}timers/", 200, READERS),
    Endpoint("report", "get", lambda w: f"{API}report/", 200, MANAGERS),
]


def snapshot() -> tuple:
    """Everything an SLA write could change."""
    return (
        list(Schedule.objects.order_by("pk").values()), list(WorkingHours.objects.order_by("pk").values()),
        list(Holiday.objects.order_by("pk").values()), list(SlaDefinition.objects.order_by("pk").values()),
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_every_endpoint_for_every_role(sla_world, endpoint, role):
    path = endpoint.path(sla_world)
    before = snapshot()
    client = sla_world.client(role)
    body = endpoint.body(sla_world) if endpoint.body else None
    response = getattr(client, endpoint.method)(path, body, format="json") if body is not None \
        else getattr(client, endpoint.method)(path)

    expected = 401 if role == "anonymous" else endpoint.ok if role in endpoint.allowed else 403
    assert response.status_code == expected, response.content
    if expected != 204:
        assert response["Content-Type"].startswith("application/json")
    if expected >= 400:
        assert snapshot() == before  # a refusal changes nothing
    if expected == 403 and endpoint.method != "get":
        assert "administrators" in response.json()["detail"]


@pytest.mark.parametrize("role", ["requester_a", "agent_a", "anonymous"])
@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS if e.method == "get"], ids=lambda e: e.name)
def test_options_head_and_the_browsable_api_never_fail(sla_world, endpoint, role):
    client = sla_world.client(role)
    path = endpoint.path(sla_world)
    for response in (client.options(path), client.head(path), client.get(path, HTTP_ACCEPT="text/html")):
        assert response.status_code in (200, 401, 403), (response.status_code, response.content[:300])


# --- schedules ----------------------------------------------------------------------------------------------


def test_a_schedule_reads_with_its_hours_and_holidays(sla_world):
    office = sla_world.schedules["office"]
    body = sla_world.client("agent_a").get(f"{API}schedules/{office.pk}/").json()
    assert body["time_zone"] == "Europe/Paris" and body["is_24x7"] is False
    assert body["hours"][0] == {"weekday": 0, "start": "09:00:00", "end": "17:00:00"}
    assert len(body["hours"]) == 5
    assert body["holidays"] == [{"date": "2026-11-11", "name": "Armistice"}]


def test_admins_create_a_schedule_with_hours_and_holidays(sla_world):
    payload = {**NEW_SCHEDULE, "holidays": [{"date": "2026-12-26", "name": "Boxing day"}]}
    response = sla_world.client("admin").post(f"{API}schedules/", payload, format="json")
    assert response.status_code == 201, response.content
    schedule = Schedule.objects.get(slug="weekend")
    assert [(h.weekday, f"{h.start:%H:%M}", f"{h.end:%H:%M}") for h in schedule.hours.all()] == [
        (5, "10:00", "14:00"), (6, "10:00", "14:00")]
    business = schedule.to_business()
    assert date(2026, 12, 26) in business.holidays
    assert response.json()["holidays"] == [{"date": "2026-12-26", "name": "Boxing day"}]


def test_sending_hours_replaces_them_and_leaving_them_out_keeps_them(sla_world):
    office = sla_world.schedules["office"]
    client = sla_world.client("admin")
    response = client.patch(f"{API}schedules/{office.pk}/", {"hours": [
        {"weekday": 0, "start": "08:00", "end": "12:00"}, {"weekday": 0, "start": "13:00", "end": "00:00"}]},
        format="json")
    assert response.status_code == 200, response.content
    assert [(h["start"], h["end"]) for h in response.json()["hours"]] == [("08:00:00", "12:00:00"),
                                                                          ("13:00:00", "00:00:00")]
    client.patch(f"{API}schedules/{office.pk}/", {"description": "Mondays only"}, format="json")
    assert office.hours.count() == 2 and office.holidays.count() == 1


@pytest.mark.parametrize(("payload", "field", "message"), [
    ({"time_zone": "Mars/Olympus"}, "time_zone", "not a known time zone"),
    ({"time_zone": ""}, "time_zone", "blank"),
    ({"hours": [{"weekday": 0, "start": "17:00", "end": "09:00"}]}, "hours", "end must come after"),
    ({"hours": [{"weekday": 7, "start": "09:00", "end": "17:00"}]}, "hours", "valid choice"),
    ({"hours": [{"weekday": 0, "start": "25:00", "end": "17:00"}]}, "hours", "wrong format"),
    ({"hours": [{"weekday": 0, "start": "09:00", "end": "12:00"}, {"weekday": 0, "start": "11:00", "end": "13:00"}]},
     "hours", "Monday: 09:00-12:00 overlaps 11:00-13:00"),
    ({"hours": []}, "hours", "needs working hours"),
    ({"holidays": [{"date": "2026-07-14"}, {"date": "2026-07-14", "name": "again"}]}, "holidays", "more than once"),
    ({"holidays": [{"date": "14/07/2026"}]}, "holidays", "wrong format"),
    ({"name": "24x7"}, "name", "already exists"),
    ({"colour": "blue"}, "colour", "Unknown field"),
    ({"id": 5}, "id", "read-only"),
])
def test_schedule_validation_names_the_field(sla_world, payload, field, message):
    office = sla_world.schedules["office"]
    before = snapshot()
    response = sla_world.client("admin").patch(f"{API}schedules/{office.pk}/", payload, format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert message in str(body[field]), body
    assert snapshot() == before


def test_a_24x7_schedule_needs_no_hours(sla_world):
    response = sla_world.client("admin").post(f"{API}schedules/", {"name": "Always on", "slug": "always-on",
                                                                   "is_24x7": True}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["hours"] == []


def test_a_schedule_in_use_cannot_be_deleted(sla_world):
    office = sla_world.schedules["office"]
    response = sla_world.client("admin").delete(f"{API}schedules/{office.pk}/")
    assert response.status_code == 409
    assert "Desk OLA" in response.json()["detail"]
    assert Schedule.objects.filter(pk=office.pk).exists()


# --- public holidays from the holidays package ----------------------------------------------------------------


def test_loading_french_holidays_adds_the_national_day_once(sla_world):
    office = sla_world.schedules["office"]
    client = sla_world.client("admin")
    url = f"{API}schedules/{office.pk}/load_holidays/"
    response = client.post(url, {"country": "fr", "years": [2026, 2027]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    added = {row["date"] for row in body["added"]}
    assert {"2026-07-14", "2027-07-14", "2026-12-25", "2027-01-01"} <= added
    assert "2026-11-11" not in added and body["skipped"] == 1  # the schedule already had the Armistice
    assert Holiday.objects.get(schedule=office, date=date(2026, 11, 11)).name == "Armistice"  # kept as it was
    assert date(2026, 7, 14) in office.to_business().holidays
    assert {"date": "2026-07-14", "name": next(r["name"] for r in body["added"] if r["date"] == "2026-07-14")} \
        in body["schedule"]["holidays"]
    # loading again adds nothing
    again = client.post(url, {"country": "FR", "years": [2026, 2027]}, format="json").json()
    assert again["added"] == [] and again["skipped"] == len(added) + 1
    assert office.holidays.count() == len(added) + 1


def test_a_subdivision_adds_its_own_holidays(sla_world):
    office = sla_world.schedules["office"]
    client = sla_world.client("admin")
    national = client.post(f"{API}schedules/{office.pk}/load_holidays/", {"country": "FR", "years": [2026]},
                           format="json").json()
    assert "2026-04-03" not in {r["date"] for r in national["added"]}
    moselle = client.post(f"{API}schedules/{office.pk}/load_holidays/",
                          {"country": "FR", "subdiv": "57", "years": [2026]}, format="json").json()
    assert {r["date"] for r in moselle["added"]} == {"2026-04-03", "2026-12-26"}  # Good Friday, St Stephen's


def test_holidays_count_on_the_clock(sla_world, requester_a, make_incident, make_definition):
    """After loading FR holidays, an office-hours timer opened on 13 July 2026 skips the 14th."""
    office = sla_world.schedules["office"]
    sla_world.client("admin").post(f"{API}schedules/{office.pk}/load_holidays/", {"country": "FR", "years": [2026]},
                                   format="json")
    make_definition("Office 8h", schedule=office, hours=8, order=0)
    with clock.frozen(datetime(2026, 7, 13, 13, tzinfo=PARIS)):  # Monday 13:00
        incident = make_incident(requester_a)
    timer = SlaTimer.objects.get(ticket=incident, definition__name="Office 8h")
    # 4 h on Monday, Tuesday 14 July is a holiday, 4 h on Wednesday
    assert timer.due_at == datetime(2026, 7, 15, 13, tzinfo=PARIS)


@pytest.mark.parametrize(("payload", "field"), [
    ({"country": "XX", "years": [2026]}, "country"),
    ({"country": "", "years": [2026]}, "country"),
    ({"country": "FR", "years": []}, "years"),
    ({"country": "FR", "years": [1800]}, "years"),
    ({"country": "FR", "years": list(range(2020, 2032))}, "years"),
    ({"country": "FR", "years": "2026"}, "years"),
    ({"country": "FR"}, "years"),
    ({"country": "FR", "years": [2026], "subdiv": "Narnia"}, "subdiv"),
    ({"country": "FR", "years": [2026], "language": "tlh"}, "language"),
    ({"country": "FR", "years": [2026], "overwrite": True}, "overwrite"),
])
def test_loading_holidays_validates_its_input(sla_world, payload, field):
    office = sla_world.schedules["office"]
    response = sla_world.client("admin").post(f"{API}schedules/{office.pk}/load_holidays/", payload, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert office.holidays.count() == 1


def test_loading_holidays_into_an_unknown_schedule_is_a_404(sla_world):
    response = sla_world.client("admin").post(f"{API}schedules/999999/load_holidays/",
                                              {"country": "FR", "years": [2026]}, format="json")
    assert response.status_code == 404


# --- definitions --------------------------------------------------------------------------------------------


def test_admins_create_a_definition_and_it_starts_timers(sla_world, requester_a, make_incident):
    # order 0: it comes before the catch-all "Resolution 8h" (the lowest order of a type and target applies)
    response = sla_world.client("admin").post(f"{API}definitions/", {**new_definition(sla_world), "order": 0},
                                              format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    always = sla_world.schedules["always"]
    assert body["schedule"] == {"id": always.pk, "name": always.name}
    assert body["duration"] == "04:00:00" and body["escalation_team"] is None
    assert body["pause_condition"] == {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]}
    incident = make_incident(requester_a, actor=sla_world.users["agent_a"], impact=1, urgency=1)  # priority 1
    assert SlaTimer.objects.filter(ticket=incident, definition_id=body["id"]).exists()


def test_a_definition_reads_with_every_field(sla_world):
    ola = sla_world.definitions["ola"]
    body = sla_world.client("agent_a").get(f"{API}definitions/{ola.pk}/").json()
    assert set(body) == {"id", "name", "agreement_type", "target", "ticket_kind", "start_condition",
                         "pause_condition", "duration", "schedule", "thresholds", "actions", "escalation_team",
                         "order", "active"}
    assert body["agreement_type"] == "ola" and body["duration"] == "16:00:00"
    assert body["schedule"]["name"] == "Office hours"


def test_definitions_filter_by_type(sla_world):
    client = sla_world.client("manager")
    body = client.get(f"{API}definitions/", {"agreement_type": "ola"}).json()
    assert [d["name"] for d in body["results"]] == ["Desk OLA"] and body["count"] == 1
    assert client.get(f"{API}definitions/", {"agreement_type": "xla"}).status_code == 400


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"start_condition": {"colour": ["red"]}}, "start_condition", "Unknown field 'colour'"),
    ({"start_condition": {"priority": []}}, "start_condition", "non-empty list"),
    ({"start_condition": ["priority"]}, "start_condition", "A condition is an object"),
    ({"pause_condition": {"priority": [1]}}, "pause_condition", "Unknown field 'priority'"),
    ({"thresholds": [0]}, "thresholds", "between 1 and 99"),
    ({"thresholds": [50, 150]}, "thresholds", "between 1 and 99"),
    ({"thresholds": "50"}, "thresholds", "between 1 and 99"),
    ({"thresholds": [True]}, "thresholds", "between 1 and 99"),
    ({"actions": {"75": ["explode"]}}, "actions", "notify_assignee"),
    ({"actions": {"60": ["notify_assignee"]}}, "actions", "60 are not among the thresholds"),
    ({"actions": {"100": ["reassign"]}}, "escalation_team", "needs an escalation team"),
    ({"duration": "00:00:00"}, "duration", "positive"),
    ({"duration": "soon"}, "duration", "wrong format"),
    ({"schedule": 999999}, "schedule", "does not exist"),
    ({"agreement_type": "xla"}, "agreement_type", "valid choice"),
    ({"name": "Desk OLA"}, "name", "already exists"),
    ({"timers": []}, "timers", "Unknown field"),
])
def test_definition_validation_names_the_field(sla_world, change, field, message):
    before = snapshot()
    response = sla_world.client("admin").post(f"{API}definitions/", {**new_definition(sla_world), **change},
                                              format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert field in body, body
    assert message in str(body[field]), body
    assert snapshot() == before


def test_a_partial_update_is_checked_with_the_stored_fields(sla_world):
    """Dropping the 75 % threshold while an action still hangs on it is refused: the action would never run."""
    resolution = sla_world.definitions["resolution"]  # actions on 75 and 100 (the model's default)
    client = sla_world.client("admin")
    response = client.patch(f"{API}definitions/{resolution.pk}/", {"thresholds": [50]}, format="json")
    assert response.status_code == 400 and "actions" in response.json()
    team = sla_world.users["agent_b"].teams.get()
    response = client.patch(f"{API}definitions/{resolution.pk}/", {
        "thresholds": [50, 90], "actions": {"90": ["notify_assignee"], "100": ["reassign"]},
        "escalation_team": team.pk}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["escalation_team"] == {"id": team.pk, "name": team.name}


def test_editing_a_definition_keeps_the_terms_of_running_timers(sla_world, requester_a, make_incident):
    resolution = sla_world.definitions["resolution"]
    response = sla_world.client("admin").patch(f"{API}definitions/{resolution.pk}/", {"duration": "02:00:00"},
                                               format="json")
    assert response.status_code == 200 and response.json()["duration"] == "02:00:00"
    running = SlaTimer.objects.get(ticket=sla_world.incidents["inc_a"], definition=resolution)
    assert running.duration == timedelta(hours=8)
    with clock.frozen(T0 + timedelta(hours=1)):
        new = make_incident(requester_a)
    assert SlaTimer.objects.get(ticket=new, definition=resolution).duration == timedelta(hours=2)


def test_a_definition_with_timers_cannot_be_deleted_but_can_be_deactivated(sla_world, requester_a, make_incident):
    resolution = sla_world.definitions["resolution"]
    client = sla_world.client("admin")
    response = client.delete(f"{API}definitions/{resolution.pk}/")
    assert response.status_code == 409
    assert "2 timer(s)" in response.json()["detail"] and "deactivate" in response.json()["detail"]
    assert client.patch(f"{API}definitions/{resolution.pk}/", {"active": False}, format="json").status_code == 200
    new = make_incident(requester_a)
    assert not SlaTimer.objects.filter(ticket=new, definition=resolution).exists()


def test_put_replaces_a_definition(sla_world):
    ola = sla_world.definitions["ola"]
    payload = {**new_definition(sla_world), "name": "Desk OLA v2", "agreement_type": "ola"}
    response = sla_world.client("admin").put(f"{API}definitions/{ola.pk}/", payload, format="json")
    assert response.status_code == 200, response.content
    ola.refresh_from_db()
    assert ola.name == "Desk OLA v2" and ola.duration == timedelta(hours=4) and ola.start_condition == {"priority": [1]}
