"""The CMDB API: the desk reads and records configuration items, end users get 403 and anonymous callers 401 on
every endpoint; attributes are validated per class and named in the errors; every change is in the CI's history;
relationships refuse duplicates and loops onto themselves; impact answers what fails with a CI and what a service
needs; the tickets of a CI come through the access rule."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from cmdb.models import AffectedCI, CIChange, ConfigurationItem, Relationship

pytestmark = pytest.mark.django_db

ENDPOINTS = [("get", "/api/v1/cmdb/classes/"), ("get", "/api/v1/cmdb/cis/"), ("post", "/api/v1/cmdb/cis/"),
             ("get", "/api/v1/cmdb/relationships/"), ("post", "/api/v1/cmdb/relationships/"),
             ("post", "/api/v1/cmdb/affected/")]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_end_users_get_403_and_anonymous_callers_401_everywhere(token_client, graph, requester_a, method, url):
    for caller, expected in ((APIClient(), 401), (token_client(requester_a), 403)):
        assert getattr(caller, method)(url, {}, format="json").status_code == expected
    esx = graph["esx"]
    for suffix in ("", "impact/", "history/", "tickets/"):
        assert token_client(requester_a).get(f"/api/v1/cmdb/cis/{esx.pk}/{suffix}").status_code == 403
    assert token_client(requester_a).patch(f"/api/v1/cmdb/cis/{esx.pk}/", {"location": "x"},
                                           format="json").status_code == 403


def test_an_agent_records_a_ci_with_validated_attributes(token_client, classes, agent_a):
    api = token_client(agent_a)
    bad = api.post("/api/v1/cmdb/cis/", {"name": "db-01", "ci_class": "server", "environment": "moon",
                                         "attributes": {"cpus": 0, "colour": "red"}}, format="json")
    assert bad.status_code == 400
    assert "environment" in str(bad.json())
    good = api.post("/api/v1/cmdb/cis/", {"name": "db-01", "ci_class": "server", "attributes": {"cpus": 0,
                                                                                                "colour": "red"}},
                    format="json")
    errors = str(good.json())
    assert good.status_code == 400 and "attributes.cpus" in errors and "attributes.colour" in errors
    assert "attributes.os" in errors  # required
    created = api.post("/api/v1/cmdb/cis/", {"name": "db-01", "ci_class": "server", "location": "Paris DC",
                                             "attributes": {"cpus": "8", "os": "Linux"}}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["attributes"] == {"cpus": "8", "os": "Linux"} and body["status"] == "in_use"
    again = api.post("/api/v1/cmdb/cis/", {"name": "DB-01", "ci_class": "server", "attributes": {"os": "Linux"}},
                     format="json")
    assert again.status_code == 400 and "already a server named" in str(again.json())


def test_a_change_is_journaled_and_a_stale_version_changes_nothing(token_client, graph, agent_a):
    api = token_client(agent_a)
    esx = graph["esx"]
    url = f"/api/v1/cmdb/cis/{esx.pk}/"
    changed = api.patch(url, {"status": "maintenance", "attributes": {"cpus": 128}, "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = api.patch(url, {"location": "Lyon", "version": 1}, format="json")
    assert stale.status_code == 400 and "version" in str(stale.json())
    assert ConfigurationItem.objects.get(pk=esx.pk).location == ""
    history = api.get(f"{url}history/").json()["results"]
    lines = {(h["field"], h["old_value"], h["new_value"]) for h in history}
    assert ("status", "In use", "In maintenance") in lines and ("attributes.cpus", "64", "128") in lines


def test_relationships_refuse_duplicates_and_self_and_are_journaled_on_both(token_client, graph, agent_a):
    api = token_client(agent_a)
    esx, vm = graph["esx"], graph["vm"]
    dup = api.post("/api/v1/cmdb/relationships/", {"source": vm.pk, "kind": "hosted_by", "target": esx.pk},
                   format="json")
    assert dup.status_code == 400 and "target" in str(dup.json())
    own = api.post("/api/v1/cmdb/relationships/", {"source": vm.pk, "kind": "depends_on", "target": vm.pk},
                   format="json")
    assert own.status_code == 400
    listed = api.get("/api/v1/cmdb/relationships/", {"ci": esx.pk}).json()["results"]
    assert [(r["source"]["name"], r["kind"], r["target"]["name"]) for r in listed] == [
        ("vm-payroll", "hosted_by", "esx-01")]
    relationship = Relationship.objects.get(source=vm, target=esx)
    assert api.delete(f"/api/v1/cmdb/relationships/{relationship.pk}/").status_code == 204
    assert CIChange.objects.filter(ci=esx, field="relationship", old_value="vm-payroll hosted by this").exists()


def test_impact_answers_what_fails_with_a_host_and_what_a_service_needs(token_client, graph, agent_a,
                                                                        service_email):
    graph["app"].services.add(service_email)
    api = token_client(agent_a)
    down = api.get(f"/api/v1/cmdb/cis/{graph['esx'].pk}/impact/").json()
    assert down["count"] == 3 and down["by_depth"] == {"1": 1, "2": 1, "3": 1}
    assert [c["name"] for c in down["cis"]] == ["vm-payroll", "payroll-app", "Payroll"]
    assert [s["name"] for s in down["services"]] == ["E-mail"]
    needs = api.get(f"/api/v1/cmdb/cis/{graph['payroll'].pk}/impact/", {"direction": "dependencies",
                                                                        "depth": 2}).json()
    assert [c["name"] for c in needs["cis"]] == ["payroll-app", "vm-payroll"]
    bad = api.get(f"/api/v1/cmdb/cis/{graph['esx'].pk}/impact/", {"depth": 99})
    assert bad.status_code == 400 and "depth" in str(bad.json())


def test_a_ci_lists_only_the_tickets_the_caller_may_see(token_client, graph, agent_a, agent_b, requester_a,
                                                       requester_b, make_incident, service_vpn):
    mine = make_incident(requester_a, title="Payroll is slow")  # the Service Desk's
    theirs = make_incident(requester_b, title="Host esx-01 down", service=service_vpn)  # the Network team's
    assert token_client(agent_a).post("/api/v1/cmdb/affected/", {"ticket": mine.number, "ci": graph["esx"].pk},
                                      format="json").status_code == 201
    refused = token_client(agent_a).post("/api/v1/cmdb/affected/", {"ticket": theirs.number,
                                                                    "ci": graph["esx"].pk}, format="json")
    assert refused.status_code == 400 and "ticket" in str(refused.json())  # not one agent_a may see
    assert token_client(agent_b).post("/api/v1/cmdb/affected/", {"ticket": theirs.number, "ci": graph["esx"].pk},
                                      format="json").status_code == 201
    seen_a = token_client(agent_a).get(f"/api/v1/cmdb/cis/{graph['esx'].pk}/tickets/").json()["results"]
    assert [t["number"] for t in seen_a] == [mine.number]
    assert AffectedCI.objects.count() == 2
    gone = token_client(agent_a).delete(f"/api/v1/cmdb/affected/?ticket={mine.number}&ci={graph['esx'].pk}")
    assert gone.status_code == 204 and AffectedCI.objects.count() == 1
