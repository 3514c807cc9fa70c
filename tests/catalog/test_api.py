"""The services API: active services, for every signed-in user, read-only."""

from __future__ import annotations

import pytest

from catalog.models import Service

pytestmark = pytest.mark.django_db

SERVICES = "/api/v1/services/"


@pytest.fixture
def catalog(team_service_desk, team_network):
    return {
        "email": Service.objects.create(name="E-mail", slug="email", support_team=team_service_desk,
                                        owner_team=team_network, criticality=3),
        "vpn": Service.objects.create(name="VPN", slug="vpn", support_team=team_network, criticality=4),
        "fax": Service.objects.create(name="Fax", slug="fax", active=False),
    }


@pytest.mark.parametrize("role", ["requester_a", "requester_b", "agent_a", "manager", "admin_user"])
def test_every_signed_in_user_lists_the_active_services(request, token_client, catalog, role, team_service_desk,
                                                         team_network):
    response = token_client(request.getfixturevalue(role)).get(SERVICES)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert body["results"][0] == {
        "id": catalog["email"].pk, "name": "E-mail", "slug": "email", "description": "", "criticality": 3,
        "owner_team": {"id": team_network.pk, "name": "Network"},
        "support_team": {"id": team_service_desk.pk, "name": "Service Desk"},
    }
    assert [s["name"] for s in body["results"]] == ["E-mail", "VPN"]


def test_a_retired_service_is_not_found(token_client, requester_a, catalog):
    client = token_client(requester_a)
    assert client.get(f"{SERVICES}{catalog['fax'].pk}/").status_code == 404
    assert client.get(f"{SERVICES}{catalog['vpn'].pk}/").json()["name"] == "VPN"


def test_filters_search_and_ordering(token_client, agent_a, catalog):
    client = token_client(agent_a)
    assert [s["slug"] for s in client.get(SERVICES, {"criticality": 4}).json()["results"]] == ["vpn"]
    assert [s["slug"] for s in client.get(SERVICES, {"search": "mail"}).json()["results"]] == ["email"]
    assert [s["slug"] for s in client.get(SERVICES, {"ordering": "-criticality"}).json()["results"]] == ["vpn", "email"]
    assert "criticality" in client.get(SERVICES, {"criticality": "9"}).json()
    assert "ordering" in client.get(SERVICES, {"ordering": "owner_team__name"}).json()


def test_the_catalog_is_read_only_and_private(api_client, token_client, admin_user, catalog):
    assert api_client.get(SERVICES).status_code == 401
    client = token_client(admin_user)
    assert client.post(SERVICES, {"name": "New", "slug": "new"}, format="json").status_code == 405
    assert client.delete(f"{SERVICES}{catalog['vpn'].pk}/").status_code == 405
    assert Service.objects.count() == 3
