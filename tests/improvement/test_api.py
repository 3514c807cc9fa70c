"""The KPI API's role matrix (every endpoint for every role: anonymous 401, end users 403, agents read, managers
write) and what it answers: scoped series, targets with their status, the improvement register."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.test import APIClient

from core import clock
from improvement import kpis, services
from improvement.models import ImprovementAction, KpiTarget
from tests.improvement.conftest import NOW

pytestmark = pytest.mark.django_db
ROLES = ["anonymous", "requester_a", "agent_a", "manager", "admin"]
READERS = {"agent_a", "manager", "admin"}
MANAGERS = {"manager", "admin"}


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: str
    body: dict[str, Any] | None
    ok: int
    allowed: set[str]


def endpoints(action_pk: int) -> list[Endpoint]:
    return [
        Endpoint("kpis", "get", "/api/v1/kpis/", None, 200, READERS),
        Endpoint("kpi", "get", "/api/v1/kpis/fcr/", None, 200, READERS),
        Endpoint("targets", "get", "/api/v1/kpis/targets/", None, 200, READERS),
        Endpoint("target", "get", "/api/v1/kpis/targets/ttr_mean/", None, 200, READERS),
        Endpoint("set target", "post", "/api/v1/kpis/targets/", {"kpi": "fcr", "target": 80, "amber_band": 5},
                 201, MANAGERS),
        Endpoint("remove target", "delete", "/api/v1/kpis/targets/ttr_mean/", None, 204, MANAGERS),
        Endpoint("actions", "get", "/api/v1/improvements/", None, 200, READERS),
        Endpoint("action", "get", f"/api/v1/improvements/{action_pk}/", None, 200, MANAGERS | {"agent_a"}),
        Endpoint("raise action", "post", "/api/v1/improvements/",
                 {"kpi": "backlog", "title": "Clear the backlog", "owner": "agent_a", "month": "2026-11"},
                 201, MANAGERS),
        Endpoint("edit action", "patch", f"/api/v1/improvements/{action_pk}/", {"status": "in_progress"},
                 200, MANAGERS),
    ]


@pytest.fixture
def api_world(users):
    with clock.frozen(NOW):
        services.set_target(users["manager"], "ttr_mean", 8, 2)
        action = services.raise_action(users["manager"], {"kpi": "ttr_mean", "title": "Runbook",
                                                          "owner": users["agent_a"]})
    return action


def client_for(users, role: str) -> APIClient:
    client = APIClient()
    if role != "anonymous":
        client.force_authenticate(users[role])
    return client


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", [e.name for e in endpoints(0)])
def test_every_endpoint_for_every_role(users, api_world, role, name):
    endpoint = next(e for e in endpoints(api_world.pk) if e.name == name)
    before = (KpiTarget.objects.count(), ImprovementAction.objects.count(),
              list(ImprovementAction.objects.values_list("status", flat=True)))
    with clock.frozen(NOW):
        response = getattr(client_for(users, role), endpoint.method)(endpoint.path, endpoint.body, format="json")
    if role == "anonymous":
        assert response.status_code == 401
    elif role in endpoint.allowed:
        assert response.status_code == endpoint.ok, response.content
        return
    else:
        assert response.status_code == 403, response.content
    after = (KpiTarget.objects.count(), ImprovementAction.objects.count(),
             list(ImprovementAction.objects.values_list("status", flat=True)))
    assert after == before  # nothing changed


def test_the_series_are_scoped_and_carry_target_status_and_drill_links(users, kpi_world, api_world,
                                                                      team_network):
    with clock.frozen(NOW):
        manager = client_for(users, "manager").get("/api/v1/kpis/", {"months": 2}).json()
        agent = client_for(users, "agent_b").get("/api/v1/kpis/ttr_mean/", {"months": 2}).json()
        fresh = client_for(users, "manager").get("/api/v1/kpis/ttr_mean/", {"months": 2, "fresh": "true",
                                                                           "team": team_network.pk}).json()
    ttr = next(k for k in manager["results"] if k["key"] == "ttr_mean")
    assert [p["month"] for p in ttr["series"]] == ["2026-10", "2026-11"]
    assert [p["value"] for p in ttr["series"]] == [pytest.approx(22 / 3, abs=1e-3), 6.5]
    assert ttr["target"]["target"] == 8 and ttr["status"] == "green" and ttr["current"] == 6.5
    assert ttr["series"][1]["drill_url"] == "/manager/kpis/ttr_mean/2026-11/"
    assert [p["value"] for p in agent["series"]] == [6.0, 3.0]  # agent_b: Network's tickets only
    assert [p["value"] for p in fresh["series"]] == [6.0, 3.0]
    assert len(manager["results"]) == len(kpis.registered())


@pytest.mark.parametrize(("params", "field"), [
    ({"months": 0}, "months"), ({"months": 37}, "months"), ({"months": "x"}, "months"), ({"team": "x"}, "team"),
    ({"team": 999999}, "team"), ({"kind": "chores"}, "kind"), ({"priority": 9}, "priority"),
])
def test_bad_parameters_answer_400_naming_the_field(users, params, field):
    response = client_for(users, "manager").get("/api/v1/kpis/", params)
    assert response.status_code == 400 and field in response.json()


def test_an_unknown_kpi_is_a_404(users):
    assert client_for(users, "manager").get("/api/v1/kpis/nope/").status_code == 404
    assert client_for(users, "manager").get("/api/v1/kpis/targets/nope/").status_code == 404


def test_targets_and_actions_are_validated_by_field(users, api_world):
    manager = client_for(users, "manager")
    for body, field in (({"kpi": "nope", "target": 1}, "kpi"), ({"kpi": "fcr"}, "target"),
                        ({"kpi": "fcr", "target": 80, "amber_band": -1}, "amber_band")):
        response = manager.post("/api/v1/kpis/targets/", body, format="json")
        assert response.status_code == 400 and field in response.json()
    for body, field in (({"kpi": "fcr", "title": "x", "owner": "requester_a"}, "owner"),
                        ({"kpi": "fcr", "title": "x", "owner": "agent_a", "month": "2099-01"}, "month"),
                        ({"kpi": "fcr", "title": "x", "owner": "agent_a", "filters": {"colour": "red"}}, "filters"),
                        ({"kpi": "fcr", "owner": "agent_a"}, "title")):
        response = manager.post("/api/v1/improvements/", body, format="json")
        assert response.status_code == 400 and field in response.json(), response.json()
    response = manager.patch(f"/api/v1/improvements/{api_world.pk}/", {"status": "someday"}, format="json")
    assert response.status_code == 400 and "status" in response.json()


def test_setting_a_target_replaces_it_with_who_and_when(users):
    manager = client_for(users, "manager")
    with clock.frozen(NOW):
        manager.post("/api/v1/kpis/targets/", {"kpi": "fcr", "target": 70}, format="json")
        response = manager.post("/api/v1/kpis/targets/", {"kpi": "fcr", "target": 80, "amber_band": 5},
                                format="json")
    assert response.status_code == 201
    assert response.json() == {"kpi": "fcr", "target": 80.0, "amber_band": 5.0, "updated_by": "manager",
                               "updated_at": "2026-11-20T10:00:00Z"}
    assert KpiTarget.objects.count() == 1


def test_an_agent_reads_only_the_actions_they_own(users, api_world):
    with clock.frozen(NOW):
        other = services.raise_action(users["manager"], {"kpi": "fcr", "title": "Coach", "owner": users["agent_b"]})
    mine = client_for(users, "agent_a").get("/api/v1/improvements/").json()
    assert [a["id"] for a in mine["results"]] == [api_world.pk]
    assert client_for(users, "agent_a").get(f"/api/v1/improvements/{other.pk}/").status_code == 404
    everything = client_for(users, "manager").get("/api/v1/improvements/").json()
    assert {a["id"] for a in everything["results"]} == {api_world.pk, other.pk}
    assert everything["results"][0]["month"] == "2026-11"


def test_closing_an_action_through_the_api_freezes_the_after_value(users, kpi_world):
    manager = client_for(users, "manager")
    with clock.frozen(NOW):
        created = manager.post("/api/v1/improvements/", {"kpi": "ttr_mean", "title": "Runbook", "owner": "agent_a",
                                                         "month": "2026-10", "filters": {"team": ""}},
                               format="json").json()
        assert created["value_before"] == pytest.approx(22 / 3, abs=1e-3) and created["status"] == "open"
        done = manager.patch(f"/api/v1/improvements/{created['id']}/", {"status": "done", "kpi": "fcr"},
                             format="json").json()
    assert done["status"] == "done" and done["value_after"] == 6.5 and done["after_month"] == "2026-11"
    assert done["kpi"] == "ttr_mean"  # what an action is about does not change
