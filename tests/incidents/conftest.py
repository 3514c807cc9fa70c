"""Fixtures for incident tests: a service, categories, and a factory for incidents raised through the service."""

from __future__ import annotations

import pytest

from catalog.models import Service
from incidents import services
from incidents.models import Category


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
        return services.create_incident(actor or raised_by, data)

    return make
