"""Every URL the API hands out works with the credentials the client used: `download_url` with an API token."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from core import services as core_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(make_incident, requester_a):
    return make_incident(requester_a)


@pytest.fixture
def files(incident, requester_a, agent_a):
    public = core_services.add_attachment(incident, requester_a, SimpleUploadedFile("log.txt", b"public bytes"))
    internal = core_services.add_attachment(incident, agent_a, SimpleUploadedFile("n.txt", b"secret"), internal=True)
    return {"public": public, "internal": internal}


def listed_urls(client, incident) -> dict[str, str]:
    response = client.get(f"/api/v1/incidents/{incident.number}/attachments/")
    assert response.status_code == 200
    return {a["filename"]: a["download_url"] for a in response.json()["results"]}


@pytest.mark.parametrize("role", ["requester_a", "agent_a", "manager"])
def test_download_url_works_with_the_api_token(incident, files, token_client, users, role):
    client = token_client(users[role])
    url = listed_urls(client, incident)["log.txt"]
    response = client.get(url)
    assert response.status_code == 200, response.headers
    assert b"".join(response.streaming_content) == b"public bytes"


def test_token_downloads_keep_the_access_rule(incident, files, token_client, users):
    internal_url = listed_urls(token_client(users["agent_a"]), incident)["n.txt"]
    assert token_client(users["agent_a"]).get(internal_url).status_code == 200
    assert token_client(users["requester_a"]).get(internal_url).status_code == 404  # internal: never end users
    public_url = listed_urls(token_client(users["requester_a"]), incident)["log.txt"]
    assert token_client(users["requester_b"]).get(public_url).status_code == 404
    assert token_client(users["agent_b"]).get(public_url).status_code == 404


def test_a_bad_token_is_a_json_401_not_a_login_page(incident, files, api_client):
    url = f"/attachments/{files['public'].pk}/download/"
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    response = api_client.get(url)
    assert response.status_code == 401 and "detail" in response.json()
    api_client.credentials(HTTP_AUTHORIZATION="Basic Zm9vOmJhcg==")
    assert api_client.get(url).status_code == 401
