"""Shared pieces of the incident API tests: a small world of users and incidents, and request helpers.

The world: `inc_a` raised by requester_a (Acme, which shares tickets) on the e-mail service (team Service Desk,
agent_a), `inc_b` raised by requester_b (Globex, which does not share) on the VPN service (team Network,
agent_b). `colleague_a` and `colleague_b` are second end users of Acme and Globex.

Test modules use the fixture as `world` after importing `world_fixture` (pytest registers it under its name).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from accounts.roles import Role
from incidents.models import Incident
from tests.factories import UserFactory

API = "/api/v1/incidents/"
END_USERS = ("requester_a", "colleague_a", "requester_b", "colleague_b")
STAFF = ("agent_a", "agent_b", "manager", "admin")
ROLES = ("anonymous", *END_USERS, *STAFF)
# Who sees what: the access rule, spelled out by hand.
VISIBLE = {
    "inc_a": {"requester_a", "colleague_a", "agent_a", "manager", "admin"},
    "inc_b": {"requester_b", "agent_b", "manager", "admin"},
}


@dataclass
class World:
    users: dict[str, Any]
    incidents: dict[str, Incident]
    token_client: Any

    def client(self, role: str) -> APIClient:
        """An API client authenticated (by token) as `role`; anonymous when role is "anonymous"."""
        if role == "anonymous":
            return APIClient()
        return self.token_client(self.users[role])

    def refresh(self, key: str) -> Incident:
        return Incident.objects.get(pk=self.incidents[key].pk)


@pytest.fixture(name="world")
def world_fixture(users, org_acme, org_globex, make_incident, service_email, service_vpn, token_client, settings,
          tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"  # attachments never land in the repository
    everyone = dict(users)
    everyone["colleague_a"] = UserFactory(username="colleague_a", organization=org_acme, role=Role.END_USER)
    everyone["colleague_b"] = UserFactory(username="colleague_b", organization=org_globex, role=Role.END_USER)
    incidents = {
        "inc_a": make_incident(users["requester_a"], title="Mailbox quota exceeded", service=service_email),
        "inc_b": make_incident(users["requester_b"], title="VPN tunnel keeps dropping", service=service_vpn),
    }
    return World(users=everyone, incidents=incidents, token_client=token_client)


def upload(name: str = "screenshot.txt", content: bytes = b"log line\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/plain")


def history(world: World, incident: Incident, role: str = "manager") -> list[dict[str, Any]]:
    """The incident's journal as `role` reads it through the API (every page)."""
    response = world.client(role).get(f"{API}{incident.number}/history/?limit=500")
    assert response.status_code == 200, response.content
    return response.json()["results"]
