"""Shared pieces of the SLA API tests: a small world of users, schedules, definitions and incidents with timers.

The world, on a frozen clock at T0 (Monday 2 November 2026, 08:00 UTC = 09:00 in Paris):
- definitions "Resolution 8h" (SLA, 24x7), "Response 1h" (SLA, 24x7) and "Desk OLA" (OLA, office hours 16 h);
- `inc_a` raised by requester_a on the e-mail service (team Service Desk: agent_a sees it), `inc_b` raised by
  requester_b on the VPN service (team Network: agent_b sees it). Each has the three timers.
Test modules use the fixture as `sla_world` after importing `sla_world_fixture`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import clock
from incidents.models import Incident
from sla.models import AgreementType, Schedule, SlaDefinition, Target

API = "/api/v1/sla/"
INCIDENTS = "/api/v1/incidents/"
ROLES = ("anonymous", "requester_a", "requester_b", "agent_a", "agent_b", "manager", "admin")
READERS = frozenset({"agent_a", "agent_b", "manager", "admin"})
MANAGERS = frozenset({"manager", "admin"})
ADMINS = frozenset({"admin"})
# Who sees which incident (the access rule, spelled out by hand).
VISIBLE = {
    "inc_a": {"requester_a", "agent_a", "manager", "admin"},
    "inc_b": {"requester_b", "agent_b", "manager", "admin"},
}
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


@dataclass
class SlaWorld:
    users: dict[str, Any]
    incidents: dict[str, Incident]
    definitions: dict[str, SlaDefinition]
    schedules: dict[str, Schedule]
    token_client: Any

    def client(self, role: str) -> APIClient:
        """An API client authenticated (by token) as `role`; anonymous when role is "anonymous"."""
        if role == "anonymous":
            return APIClient()
        return self.token_client(self.users[role])


@pytest.fixture(name="sla_world")
def sla_world_fixture(users, service_email, service_vpn, make_incident, always, office, make_definition,
                      token_client) -> SlaWorld:
    definitions = {
        "resolution": make_definition("Resolution 8h", schedule=always, hours=8, order=1),
        "response": make_definition("Response 1h", Target.RESPONSE, schedule=always, hours=1, order=2),
        "ola": make_definition("Desk OLA", schedule=office, hours=16, order=3, agreement_type=AgreementType.OLA),
    }
    with clock.frozen(T0):
        incidents = {
            "inc_a": make_incident(users["requester_a"], title="Mailbox quota exceeded", service=service_email),
            "inc_b": make_incident(users["requester_b"], title="VPN tunnel keeps dropping", service=service_vpn),
        }
    return SlaWorld(users=dict(users), incidents=incidents, definitions=definitions,
                    schedules={"always": always, "office": office}, token_client=token_client)


def count_queries(client: APIClient, path: str, params: dict | None = None) -> int:
    """How many SQL queries one GET costs (asserting it succeeds)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return len(queries)
