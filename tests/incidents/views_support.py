"""Shared pieces of the incident page tests: a small world of users and incidents, and page helpers.

The world: `inc_a` raised by requester_a and `inc_a2` by colleague_a (both Acme, which shares tickets) on the
e-mail service (team Service Desk, agent_a); `inc_b` raised by requester_b and `inc_b2` by colleague_b (both
Globex, which does not share) on the VPN service (team Network, agent_b).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.roles import Role
from incidents.models import Incident
from tests.factories import UserFactory

END_USERS = ("requester_a", "colleague_a", "requester_b", "colleague_b")
STAFF = ("agent_a", "agent_b", "manager", "admin")
ROLES = (*END_USERS, *STAFF)
# Who sees what (org sharing on for Acme, off for Globex): the access rule spelled out by hand.
VISIBLE = {
    "requester_a": {"inc_a", "inc_a2"},
    "colleague_a": {"inc_a", "inc_a2"},
    "requester_b": {"inc_b"},
    "colleague_b": {"inc_b2"},
    "agent_a": {"inc_a", "inc_a2"},
    "agent_b": {"inc_b", "inc_b2"},
    "manager": {"inc_a", "inc_a2", "inc_b", "inc_b2"},
    "admin": {"inc_a", "inc_a2", "inc_b", "inc_b2"},
}
NUMBER_RE = re.compile(r"/incidents/(INC\d{7})/")  # links to incident pages


@dataclass
class World:
    users: dict[str, Any]
    incidents: dict[str, Incident]

    def client(self, role: str, **kwargs: Any) -> Client:
        """A browser-like client signed in as `role` (anonymous for "anonymous")."""
        client = Client(**kwargs)
        if role != "anonymous":
            client.force_login(self.users[role])
        return client

    def refresh(self, key: str) -> Incident:
        return Incident.objects.get(pk=self.incidents[key].pk)

    def number(self, key: str) -> str:
        return self.incidents[key].number


@pytest.fixture
def ui_world(users, org_acme, org_globex, make_incident, service_email, service_vpn, settings, tmp_path) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"  # attachments never land in the repository
    everyone = dict(users)
    everyone["colleague_a"] = UserFactory(username="colleague_a", organization=org_acme, role=Role.END_USER)
    everyone["colleague_b"] = UserFactory(username="colleague_b", organization=org_globex, role=Role.END_USER)
    incidents = {
        "inc_a": make_incident(users["requester_a"], title="Mailbox quota exceeded", service=service_email),
        "inc_a2": make_incident(everyone["colleague_a"], title="Calendar not syncing", service=service_email),
        "inc_b": make_incident(users["requester_b"], title="VPN tunnel keeps dropping", service=service_vpn),
        "inc_b2": make_incident(everyone["colleague_b"], title="VPN certificate expired", service=service_vpn),
    }
    return World(users=everyone, incidents=incidents)


def upload(name: str = "screenshot.txt", content: bytes = b"log line\n", content_type: str = "text/plain"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def numbers_in(html: str) -> set[str]:
    """Every incident a page links to."""
    return set(NUMBER_RE.findall(html))


def keys_for(world: World, numbers: set[str]) -> set[str]:
    """The world's incident keys for a set of numbers."""
    by_number = {inc.number: key for key, inc in world.incidents.items()}
    return {by_number[n] for n in numbers if n in by_number}


def htmx(**extra: str) -> dict[str, str]:
    """The headers htmx sends with a request."""
    return {"HTTP_HX_REQUEST": "true", **extra}
