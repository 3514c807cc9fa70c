"""The dependency graph: its JSON (both directions, depth, the cap, labels), who may read it, its queries bounded
whatever the graph's size, and the page with its plain list of the same relationships."""

from __future__ import annotations

import pytest

from cmdb import graph
from cmdb.choices import RelationKind
from cmdb.models import ConfigurationItem, Relationship
from core import clock

pytestmark = pytest.mark.django_db


def ci(name, ci_class):
    now = clock.now()
    return ConfigurationItem.objects.create(name=name, ci_class=ci_class, created_at=now, updated_at=now)


def link(source, target, kind=RelationKind.RUNS_ON):
    return Relationship.objects.create(source=source, target=target, kind=kind, created_at=clock.now())


@pytest.fixture
def chain(server_class, app_class):
    """payroll runs on app01, app01 runs on host01, host01 part of rack01; portal depends on payroll."""
    payroll, app01, host01, rack01 = (ci("payroll", app_class), ci("app01", server_class),
                                      ci("host01", server_class), ci("rack01", server_class))
    portal = ci("portal", app_class)
    link(payroll, app01)
    link(app01, host01)
    link(host01, rack01, RelationKind.PART_OF)
    link(portal, payroll, RelationKind.DEPENDS_ON)
    return {"payroll": payroll, "app01": app01, "host01": host01, "rack01": rack01, "portal": portal}


def test_the_neighbourhood_walks_both_ways_to_the_depth(chain, token_client, agent_a):
    client = token_client(agent_a)
    body = client.get(f"/api/v1/cmdb/graph/{chain['app01'].pk}/").json()
    assert {node["name"]: node["distance"] for node in body["nodes"]} == {"app01": 0, "payroll": 1, "host01": 1}
    assert {(edge["source"], edge["label"], edge["target"]) for edge in body["edges"]} == {
        (chain["payroll"].pk, "Runs on", chain["app01"].pk), (chain["app01"].pk, "Runs on", chain["host01"].pk)}
    assert not body["capped"] and body["message"] == ""
    deeper = client.get(f"/api/v1/cmdb/graph/{chain['app01'].pk}/?depth=2").json()
    assert {node["name"] for node in deeper["nodes"]} == {"app01", "payroll", "host01", "rack01", "portal"}
    assert {entry["name"] for entry in deeper["classes"]} == {"Application", "Server"}
    node = deeper["nodes"][0]
    assert node["status"] == "In use" and node["environment"] == "Production"
    assert node["url"] == f"/agent/cmdb/{chain['app01'].pk}/"


def test_the_graph_is_capped_nearest_first_with_a_message(server_class):
    hub = ci("hub", server_class)
    for number in range(12):
        link(ci(f"leaf{number:02}", server_class), hub)
    found = graph.neighbourhood(hub, 1, limit=5)
    assert [node.name for node in found.nodes] == ["hub", "leaf00", "leaf01", "leaf02", "leaf03"]
    assert found.capped and found.total == 13
    assert found.message == "Showing the 5 configuration items nearest to hub of the 13 within 1 step."
    assert len(found.edges) == 4


@pytest.mark.parametrize("size", [5, 60])
def test_the_graph_json_costs_the_same_queries_whatever_its_size(server_class, token_client, agent_a,
                                                                 django_assert_max_num_queries, size):
    root = ci("root", server_class)
    previous = [root]
    for level in range(3):
        current = [ci(f"n{level}-{i}", server_class) for i in range(size)]
        for i, node in enumerate(current):
            link(node, previous[i % len(previous)])
        previous = current
    client = token_client(agent_a)
    with django_assert_max_num_queries(9):  # token and user: 2-3; the graph: at most 5
        response = client.get(f"/api/v1/cmdb/graph/{root.pk}/?depth=3")
    assert response.status_code == 200
    assert len(response.json()["nodes"]) == min(1 + 3 * size, graph.MAX_NODES)


@pytest.mark.parametrize(("user", "expected"), [(None, 401), ("requester_a", 403), ("agent_a", 200),
                                                ("manager", 200), ("admin", 200)])
def test_who_may_read_the_graph(chain, users, api_client, token_client, user, expected):
    client = token_client(users[user]) if user else api_client
    assert client.get(f"/api/v1/cmdb/graph/{chain['app01'].pk}/").status_code == expected


def test_a_missing_ci_and_a_bad_depth(chain, token_client, agent_a):
    client = token_client(agent_a)
    assert client.get("/api/v1/cmdb/graph/999999/").status_code == 404
    response = client.get(f"/api/v1/cmdb/graph/{chain['app01'].pk}/?depth=9")
    assert response.status_code == 400 and "depth" in response.json()


def test_the_page_lists_the_relationships(chain, client, agent_a, requester_a):
    client.force_login(agent_a)
    response = client.get(f"/agent/cmdb/{chain['app01'].pk}/graph/?depth=2")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="graph-list"' in html and "Runs on" in html and "Part of" in html
    assert "None" not in html and "part_of" not in html
    assert "vendor/cytoscape/cytoscape.min.js" in html
    assert client.get(f"/agent/cmdb/{chain['app01'].pk}/graph/?depth=x").status_code == 200
    assert client.get("/agent/cmdb/999999/graph/").status_code == 404
    client.force_login(requester_a)
    assert client.get(f"/agent/cmdb/{chain['app01'].pk}/graph/").status_code == 403
