"""Fixtures of the survey tests: the Service Desk team led by `lead`, an incident of requester_a resolved by agent_a
(which invites requester_a), and Celery run in-process."""

from __future__ import annotations

import pytest

from incidents import services as incident_services
from incidents.choices import State
from itsm.celery import app as celery_app
from tests.factories import UserFactory


@pytest.fixture
def eager():
    """Tasks run in-process when their on_commit callback fires (as the other mail tests do)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def lead(team_service_desk):
    from accounts.roles import Role

    person = UserFactory(username="lead", first_name="Lena", last_name="Lead", role=Role.AGENT,
                         teams=[team_service_desk])
    team_service_desk.lead = person
    team_service_desk.save(update_fields=["lead"])
    return person


@pytest.fixture
def resolve():
    """resolve(incident, agent): resolve through the incident's service."""

    def run(incident, agent):
        return incident_services.transition(incident, agent, State.RESOLVED, resolution_code="solved",
                                            resolution_notes="Mailbox quota raised.")

    return run


@pytest.fixture
def resolved(requester_a, agent_a, lead, make_incident, resolve):
    """An incident of requester_a taken and resolved by agent_a (Service Desk, led by `lead`)."""
    incident = incident_services.take(make_incident(requester_a), agent_a)
    return resolve(incident, agent_a)
