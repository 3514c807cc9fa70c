import pytest

from accounts.models import ApiToken, hash_token
from accounts.services import issue_token, revoke_token

pytestmark = pytest.mark.django_db


def test_token_exchange_gives_a_working_token(api_client, agent_a, password):
    response = api_client.post("/api/v1/auth/token/", {"username": "agent_a", "password": password}, format="json")
    assert response.status_code == 200
    raw = response.json()["token"]
    stored = ApiToken.objects.get(user=agent_a)
    assert stored.key_hash == hash_token(raw) and raw not in (stored.key_hash, stored.prefix)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    me = api_client.get("/api/v1/me/")
    assert me.status_code == 200 and me.json()["username"] == "agent_a"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"username": "agent_a", "password": "wrong"}, "non_field_errors"),
        ({"username": "nobody", "password": "x"}, "non_field_errors"),
        ({"username": "agent_a"}, "password"),
        ({}, "username"),
    ],
)
def test_token_exchange_rejects_bad_credentials_with_400(api_client, agent_a, payload, field):
    response = api_client.post("/api/v1/auth/token/", payload, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not ApiToken.objects.exists()


def test_token_exchange_refuses_inactive_users(api_client, agent_a, password):
    agent_a.is_active = False
    agent_a.save()
    response = api_client.post("/api/v1/auth/token/", {"username": "agent_a", "password": password}, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("name", "role", "teams", "organization"),
    [
        ("requester_a", "end_user", [], "Acme"),
        ("requester_b", "end_user", [], "Globex"),
        ("agent_a", "agent", ["Service Desk"], None),
        ("agent_b", "agent", ["Network"], None),
        ("manager", "manager", [], None),
        ("admin", "admin", [], None),
    ],
)
def test_me_for_each_role(users, token_client, name, role, teams, organization):
    response = token_client(users[name]).get("/api/v1/me/")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == users[name].username
    assert body["role"] == role
    assert [t["name"] for t in body["teams"]] == teams
    assert (body["organization"] or {}).get("name") == organization


def test_me_with_session_auth(client, requester_a):
    client.force_login(requester_a)
    assert client.get("/api/v1/me/").json()["role"] == "end_user"


def test_session_writes_need_csrf(requester_a):
    from rest_framework.test import APIClient

    client = APIClient(enforce_csrf_checks=True)
    client.force_login(requester_a)
    response = client.post("/api/v1/auth/token/", {"username": "x", "password": "y"}, format="json")
    # the token exchange does not use session auth: it answers on its own terms
    assert response.status_code == 400
    # but an endpoint that uses the session refuses an unsafe method without the CSRF token
    response = client.post("/api/v1/teams/", {}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.mark.parametrize("header", [None, "Token nope", "Token", "Token a b", "Bearer xyz"])
def test_401_without_valid_credentials(api_client, db, header):
    if header:
        api_client.credentials(HTTP_AUTHORIZATION=header)
    response = api_client.get("/api/v1/me/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_revoked_and_expired_tokens_stop_working(api_client, agent_a):
    from datetime import timedelta

    from django.utils import timezone

    token, raw = issue_token(agent_a, "integration")
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api_client.get("/api/v1/me/").status_code == 200
    assert revoke_token(agent_a, token.id)
    assert api_client.get("/api/v1/me/").status_code == 401

    _expired, raw2 = issue_token(agent_a, "old", expires_at=timezone.now() - timedelta(seconds=1))
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {raw2}")
    assert api_client.get("/api/v1/me/").status_code == 401


def test_users_cannot_revoke_others_tokens(agent_a, agent_b):
    token, _raw = issue_token(agent_a, "mine")
    assert not revoke_token(agent_b, token.id)
    token.refresh_from_db()
    assert token.revoked_at is None


def test_team_list_is_paginated_filtered_and_ordered(token_client, requester_a, team_service_desk, team_network):
    client = token_client(requester_a)
    body = client.get("/api/v1/teams/?ordering=-name&limit=1").json()
    assert body["count"] == 2 and body["results"][0]["name"] == "Service Desk"
    assert body["next"] and "offset=1" in body["next"] and body["previous"] is None
    assert client.get("/api/v1/teams/?slug=network").json()["results"][0]["name"] == "Network"
    assert client.get("/api/v1/teams/?search=desk").json()["count"] == 1
    assert client.get("/api/v1/teams/network/").json()["name"] == "Network"
    assert client.get("/api/v1/teams/nope/").status_code == 404


def test_page_size_is_capped_at_500(token_client, requester_a):
    from tests.factories import TeamFactory

    TeamFactory.create_batch(3)
    body = token_client(requester_a).get("/api/v1/teams/?limit=100000").json()
    assert len(body["results"]) == 3  # accepted, capped (max 500) and not an error


@pytest.mark.parametrize("ordering", ["password", "lead__password", "-nope", "name,secret"])
def test_unknown_ordering_is_a_400_naming_the_parameter(token_client, requester_a, ordering):
    response = token_client(requester_a).get(f"/api/v1/teams/?ordering={ordering}")
    assert response.status_code == 400
    assert "ordering" in response.json()


def test_teams_are_read_only(token_client, admin_user):
    client = token_client(admin_user)
    assert client.post("/api/v1/teams/", {"name": "x"}, format="json").status_code == 405


def test_throttling_answers_429_with_retry_after(api_client, token_client, agent_a, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    # anonymous callers are throttled on the endpoints open to them (unauthenticated ones get a 401 first)
    statuses = [api_client.get("/api/v1/schema/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = api_client.get("/api/v1/schema/")
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0

    client = token_client(agent_a)
    statuses = [client.get("/api/v1/me/").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


def test_token_exchange_is_throttled(api_client, agent_a, monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"anon": "100/min", "token_exchange": "2/min"})
    payload = {"username": "agent_a", "password": "wrong"}
    statuses = [api_client.post("/api/v1/auth/token/", payload, format="json").status_code for _ in range(3)]
    assert statuses == [400, 400, 429]
