"""`Idempotency-Key` on API creates, a create answered from its own transaction, and 503 (JSON) when the
database is away."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone

from core.models import IdempotencyKey, JournalEntry, JournalKind
from incidents.api.serializers import IncidentDetailSerializer
from incidents.models import Incident
from tests.incidents.test_api_concurrency import run_at_once

API = "/api/v1/incidents/"
BODY = {"title": "Printer on fire", "description": "Smoke.", "urgency": 2}


def create(client, body=BODY, key="key-1"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(API, body, format="json", **headers)


@pytest.mark.django_db
def test_a_retried_create_answers_the_first_answer(token_client, requester_a):
    client = token_client(requester_a)
    first = create(client)
    again = create(client, body=dict(reversed(list(BODY.items()))))  # same body, other key order
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert again["Idempotent-Replayed"] == "true" and "Idempotent-Replayed" not in first
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_refused(token_client, requester_a):
    client = token_client(requester_a)
    assert create(client).status_code == 201
    other = create(client, body={**BODY, "title": "Another"})
    assert other.status_code == 422
    assert "different request" in other.json()["detail"]
    assert Incident.objects.count() == 1


@pytest.mark.django_db
def test_keys_are_per_user_and_expire(token_client, requester_a, requester_b):
    assert create(token_client(requester_a)).status_code == 201
    assert create(token_client(requester_b)).status_code == 201  # another user's key is another key
    assert Incident.objects.count() == 2
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert create(token_client(requester_a)).status_code == 201  # older than 24 h: a new create
    assert Incident.objects.count() == 3


@pytest.mark.django_db
def test_without_a_key_each_post_creates(token_client, requester_a):
    client = token_client(requester_a)
    assert [create(client, key=None).status_code for _ in range(2)] == [201, 201]
    assert Incident.objects.count() == 2 and IdempotencyKey.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "has space", "x" * 256, "é"])
def test_a_malformed_key_is_a_400_naming_the_header(token_client, requester_a, key):
    response = token_client(requester_a).post(API, BODY, format="json", HTTP_IDEMPOTENCY_KEY=key.encode().decode(
        "latin-1"))
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_a_failed_create_is_not_stored(token_client, requester_a):
    client = token_client(requester_a)
    assert create(client, body={"description": "no title"}).status_code == 400
    assert IdempotencyKey.objects.count() == 0
    assert create(client, body={"description": "no title"}).status_code == 400


@pytest.mark.django_db
def test_a_retried_comment_is_posted_once(token_client, make_incident, requester_a, agent_a):
    incident = make_incident(requester_a)
    client = token_client(agent_a)
    path = f"{API}{incident.number}/comments/"
    answers = [client.post(path, {"body": "Restart it", "internal": False}, format="json",
                           HTTP_IDEMPOTENCY_KEY="c-1") for _ in range(3)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert JournalEntry.objects.filter(ticket=incident, kind=JournalKind.COMMENT).count() == 1
    # the key is per request: the same key on another endpoint is a different request
    assert create(client, key="c-1").status_code == 422


@pytest.mark.django_db
def test_a_create_whose_answer_fails_is_rolled_back(token_client, requester_a, monkeypatch):
    """The response is built in the create's transaction: no committed incident without its answer."""

    def lost_connection(self, instance):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(IncidentDetailSerializer, "to_representation", lost_connection)
    response = create(token_client(requester_a))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json" and "unavailable" in response.json()["detail"]
    assert response["Retry-After"]
    assert Incident.objects.count() == 0 and IdempotencyKey.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_once(token_client, requester_a):
    clients = [token_client(requester_a) for _ in range(4)]
    answers = run_at_once([lambda c=c: create(c, key="same") for c in clients])
    assert [a.status_code for a in answers] == [201] * 4
    assert len({a.json()["number"] for a in answers}) == 1
    assert Incident.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_503_json_while_the_database_is_away(token_client, requester_a, monkeypatch):
    client = token_client(requester_a)
    real = connection.get_connection_params

    def unreachable():
        return {**real(), "port": 1}

    monkeypatch.setattr(connection, "get_connection_params", unreachable)
    connection.close()
    for response in (client.get(API), create(client)):
        assert response.status_code == 503
        assert response.json()["detail"].startswith("The database is unavailable")
    monkeypatch.undo()
    assert client.get(API).status_code == 200  # and back without a restart


@pytest.mark.django_db
def test_the_header_is_in_the_schema(api_client):
    schema = api_client.get("/api/v1/schema/?format=json").json()
    for path in ("/api/v1/incidents/", "/api/v1/incidents/{number}/comments/"):
        post = schema["paths"][path]["post"]
        assert any(p["name"] == "Idempotency-Key" and p["in"] == "header" for p in post["parameters"])
        assert "422" in post["responses"]


@pytest.mark.django_db(transaction=True)
def test_a_session_request_answers_503_while_the_database_is_away(client, requester_a, monkeypatch):
    """The session is read by middleware, before the API's exception handler: the error page handler answers."""
    client.force_login(requester_a)
    client.raise_request_exception = False
    real = connection.get_connection_params
    monkeypatch.setattr(connection, "get_connection_params", lambda: {**real(), "port": 1})
    connection.close()
    api = client.get(API)
    assert api.status_code == 503 and api["Content-Type"] == "application/json"
    assert api.json()["detail"].startswith("The database is unavailable") and api["Retry-After"]
    page = client.get("/")
    assert page.status_code == 503 and page["Content-Type"].startswith("text/html")
