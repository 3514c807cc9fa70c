"""Fixtures shared by every test: one user per role, API clients, a clean Redis database per test.

Users: `requester_a` (organization Acme, which shares tickets) and `requester_b` (Globex, which does not),
`agent_a` (team Service Desk) and `agent_b` (team Network), `manager`, `admin_user`.
"""

from __future__ import annotations

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.roles import Role
from accounts.services import issue_token
from catalog.models import Service
from core import reference_cache
from core.breaker import redis_breaker
from incidents import services as incident_services
from incidents.models import Category
from tests.factories import PASSWORD, OrganizationFactory, TeamFactory, UserFactory


@pytest.fixture(autouse=True)
def _clean_redis():
    """Each test starts with an empty cache (throttle counters, heartbeats): the test Redis database only; and
    without the reference choices an earlier test's rolled-back rows left in this process."""
    redis_breaker.reset()
    cache.clear()
    reference_cache.clear()
    yield


@pytest.fixture
def password() -> str:
    return PASSWORD


@pytest.fixture
def org_acme(db):
    return OrganizationFactory(name="Acme", slug="acme", share_tickets=True)


@pytest.fixture
def org_globex(db):
    return OrganizationFactory(name="Globex", slug="globex", share_tickets=False)


@pytest.fixture
def team_service_desk(db):
    return TeamFactory(name="Service Desk", slug="service-desk")


@pytest.fixture
def team_network(db):
    return TeamFactory(name="Network", slug="network")


@pytest.fixture
def requester_a(org_acme):
    return UserFactory(username="requester_a", organization=org_acme, role=Role.END_USER)


@pytest.fixture
def requester_b(org_globex):
    return UserFactory(username="requester_b", organization=org_globex, role=Role.END_USER)


@pytest.fixture
def agent_a(team_service_desk):
    return UserFactory(username="agent_a", role=Role.AGENT, teams=[team_service_desk])


@pytest.fixture
def agent_b(team_network):
    return UserFactory(username="agent_b", role=Role.AGENT, teams=[team_network])


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", role=Role.MANAGER)


@pytest.fixture
def admin_user(db):
    return UserFactory(username="admin", role=Role.ADMIN, is_superuser=True)


@pytest.fixture
def users(requester_a, requester_b, agent_a, agent_b, manager, admin_user) -> dict:
    """Every role at once, by name."""
    return {
        "requester_a": requester_a,
        "requester_b": requester_b,
        "agent_a": agent_a,
        "agent_b": agent_b,
        "manager": manager,
        "admin": admin_user,
    }


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def token_client():
    """`token_client(user)`: an API client that authenticates with a fresh API token of `user`."""

    def make(user) -> APIClient:
        _token, raw = issue_token(user, "test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return client

    return make


# --- incidents: services, categories, and incidents raised through the service functions ---

@pytest.fixture
def service_email(team_service_desk):
    return Service.objects.create(name="E-mail", slug="email", support_team=team_service_desk)


@pytest.fixture
def service_vpn(team_network):
    return Service.objects.create(name="VPN", slug="vpn", support_team=team_network)


@pytest.fixture
def category_hardware(db):
    return Category.objects.create(name="Hardware")


@pytest.fixture
def subcategory_printer(category_hardware):
    return Category.objects.create(name="Printer", parent=category_hardware)


@pytest.fixture
def make_incident(service_email):
    """make_incident(requester, **fields): an incident raised by `requester` through create_incident."""

    def make(raised_by, /, actor=None, **fields):
        data = {"title": fields.pop("title", "Cannot send e-mail"), "description": "It fails.",
                "service": fields.pop("service", service_email), **fields}
        return incident_services.create_incident(actor or raised_by, data)

    return make
