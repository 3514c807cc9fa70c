"""The users API: agents and above pick assignees and requesters from it; end users get 403."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

USERS = "/api/v1/users/"


@pytest.mark.parametrize(("role", "status"), [("requester_a", 403), ("requester_b", 403), ("agent_a", 200),
                                               ("agent_b", 200), ("manager", 200), ("admin", 200)])
def test_only_the_desk_lists_users(users, token_client, role, status):
    response = token_client(users[role]).get(USERS)
    assert response.status_code == status
    if status == 403:
        assert "results" not in response.json() and "requester_b" not in response.content.decode()
        assert token_client(users[role]).get(f"{USERS}{users['agent_a'].pk}/").status_code == 403


def test_anonymous_gets_401(api_client, users):
    assert api_client.get(USERS).status_code == 401


def test_the_card_is_minimal(users, token_client, team_service_desk):
    agent = users["agent_a"]
    body = token_client(users["agent_b"]).get(f"{USERS}{agent.pk}/").json()
    assert body == {"id": agent.pk, "username": "agent_a", "name": agent.display_name, "role": "agent",
                    "teams": [{"id": team_service_desk.pk, "name": "Service Desk"}]}


def test_filter_by_team_and_role_and_search(users, token_client, team_network, team_service_desk):
    UserFactory(username="gone", role="agent", is_active=False, teams=[team_network])
    UserFactory(username="both", role="agent", teams=[team_network, team_service_desk])
    client = token_client(users["manager"])

    def names(params) -> list[str]:
        response = client.get(USERS, params)
        assert response.status_code == 200, response.content
        return [u["username"] for u in response.json()["results"]]

    assert names({"team": team_network.pk}) == ["agent_b", "both"]  # inactive users are not offered
    assert names({"role": "end_user"}) == ["requester_a", "requester_b"]
    assert names({"role": ["manager", "admin"]}) == ["admin", "manager"]
    assert names({"search": "agent_"}) == ["agent_a", "agent_b"]
    assert names({"team": team_service_desk.pk, "role": "agent", "ordering": "-username"}) == ["both", "agent_a"]


@pytest.mark.parametrize(("params", "field"), [({"team": "x"}, "team"), ({"team": "999999"}, "team"),
                                                ({"role": "root"}, "role"), ({"ordering": "password"}, "ordering")])
def test_bad_filters_are_400(users, token_client, params, field):
    response = token_client(users["agent_a"]).get(USERS, params)
    assert response.status_code == 400 and field in response.json()
