"""POST /api/v1/cmdb/import/: dry run and real run, idempotent, 400 with the path of each bad field, the valid
items only when asked, relationships, and who may call it."""

from __future__ import annotations

import pytest

from cmdb.models import CIChange, ConfigurationItem, Relationship

pytestmark = pytest.mark.django_db

URL = "/api/v1/cmdb/import/"
ITEMS = [
    {"name": "web01", "class": "server", "environment": "Production", "owner_team": "Service Desk",
     "attributes": {"cpus": 8, "os": "Linux"}, "services": ["email", "VPN"]},
    {"name": "payroll", "class": "Application", "status": "in_use"},
]
RELATIONSHIPS = [{"source": {"class": "application", "name": "payroll"}, "kind": "Runs on",
                  "target": {"class": "Server", "name": "WEB01"}}]


@pytest.fixture
def client(server_class, app_class, team_service_desk, service_email, service_vpn, agent_a, token_client):
    return token_client(agent_a)


def test_a_dry_run_answers_what_would_happen_and_writes_nothing(client):
    response = client.post(URL, {"items": ITEMS, "relationships": RELATIONSHIPS, "dry_run": True}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["dry_run"] is True and body["applied"] is False
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 0}
    assert body["relationship_counts"] == {"created": 1, "unchanged": 0, "error": 0}
    assert [item["outcome"] for item in body["items"]] == ["created", "created"]
    assert ConfigurationItem.objects.count() == 0 and Relationship.objects.count() == 0


def test_a_real_run_then_the_same_again_changes_nothing(client):
    response = client.post(URL, {"items": ITEMS, "relationships": RELATIONSHIPS}, format="json")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["applied"] is True and body["counts"]["created"] == 2
    web01 = ConfigurationItem.objects.get(name="web01")
    assert body["items"][0]["id"] == web01.pk
    assert web01.attributes == {"cpus": "8", "os": "Linux"} and web01.owner_team.slug == "service-desk"
    assert Relationship.objects.get().source.name == "payroll"
    history = CIChange.objects.count()
    again = client.post(URL, {"items": ITEMS, "relationships": RELATIONSHIPS}, format="json").json()
    assert again["counts"] == {"created": 0, "updated": 0, "unchanged": 2, "error": 0}
    assert again["relationship_counts"] == {"created": 0, "unchanged": 1, "error": 0}
    assert CIChange.objects.count() == history


def test_an_update_names_its_changes_and_the_history_records_them(client):
    client.post(URL, {"items": ITEMS}, format="json")
    changed = [{"name": "web01", "class": "Server", "environment": "test", "attributes": {"cpus": "16"}}]
    body = client.post(URL, {"items": changed}, format="json").json()
    assert body["counts"]["updated"] == 1
    assert {(c["label"], c["old"], c["new"]) for c in body["items"][0]["changes"]} == {
        ("Environment", "Production", "Test"), ("CPUs", "8", "16")}
    web01 = ConfigurationItem.objects.get(name="web01")
    assert web01.attributes == {"cpus": "16", "os": "Linux"}
    assert set(web01.history.exclude(field="created").values_list("field", "old_value", "new_value")) == {
        ("environment", "Production", "Test"), ("attributes.cpus", "8", "16")}


def test_bad_fields_answer_400_with_their_path_and_nothing_is_imported(client):
    items = [*ITEMS, {"name": "db01", "class": "server", "environment": "Mars", "attributes": {"cpus": "many",
                                                                                               "colour": "red"}},
             {"class": "nothing", "services": ["nope"], "size": 3}, "not an object"]
    relationships = [{"source": {"class": "server", "name": "ghost"}, "kind": "eats",
                      "target": {"class": "server", "name": "web01"}}]
    response = client.post(URL, {"items": items, "relationships": relationships}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["items[2].environment"] == ["Choose one of Production, Staging, Test, Development."]
    assert body["items[2].attributes.cpus"] == ["Enter a number."]
    assert body["items[2].attributes.colour"] == ["Server has no attribute “colour”."]
    assert body["items[3].name"] == ["Name the configuration item."]
    assert body["items[3].class"][0].startswith("No class “nothing”")
    assert body["items[3].services"] == ["No service “nope” (a service's slug or name)."]
    assert body["items[3].size"] == ["Unknown field."]
    assert "items[4].name" in body
    assert body["relationships[0].kind"][0].startswith("Choose one of Runs on")
    assert body["relationships[0].source"] == ["No server named “ghost” in the CMDB or this import."]
    assert ConfigurationItem.objects.count() == 0


def test_the_valid_items_only_when_asked(client):
    items = [*ITEMS, {"name": "db01", "class": "server", "environment": "Mars"}]
    body = client.post(URL, {"items": items, "valid_only": True}, format="json").json()
    assert body["applied"] is True
    assert body["counts"] == {"created": 2, "updated": 0, "unchanged": 0, "error": 1}
    assert body["items"][2]["errors"] == {"items[2].environment": ["Choose one of Production, Staging, Test, "
                                                                   "Development."]}
    assert sorted(ConfigurationItem.objects.values_list("name", flat=True)) == ["payroll", "web01"]


@pytest.mark.parametrize(("payload", "field"), [
    ({}, "items"),
    ({"items": "web01"}, "items"),
    ({"items": ITEMS, "dry_run": "perhaps"}, "dry_run"),
    ({"items": ITEMS, "extra": 1}, "extra"),
])
def test_a_malformed_request_answers_400_naming_the_field(client, payload, field):
    response = client.post(URL, payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize(("user", "expected"), [(None, 401), ("requester_a", 403), ("agent_b", 200),
                                                ("manager", 200), ("admin", 200)])
def test_who_may_import(server_class, app_class, team_service_desk, service_email, service_vpn, users,
                        api_client, token_client, user, expected):
    client = token_client(users[user]) if user else api_client
    response = client.post(URL, {"items": ITEMS, "dry_run": True}, format="json")
    assert response.status_code == expected
