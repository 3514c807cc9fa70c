"""`may(user, action, ticket)`: one answer for pages, API and services, per role and ticket state."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from core.access import ACTIONS, DESK_ACTIONS, may, require
from incidents import services
from incidents.choices import State


@pytest.fixture
def incident(make_incident, requester_a):
    return make_incident(requester_a)


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(ACTIONS))
def test_agents_may_do_everything_to_an_open_ticket(incident, agent_a, action):
    assert may(agent_a, action, incident)


@pytest.mark.django_db
@pytest.mark.parametrize("action", sorted(DESK_ACTIONS))
def test_end_users_never_get_the_desks_actions(incident, requester_a, action):
    assert not may(requester_a, action, incident)


@pytest.mark.django_db
def test_the_requester_edits_comments_and_watches_while_open(incident, requester_a):
    assert all(may(requester_a, action, incident) for action in ("edit", "comment", "attach", "watch"))


@pytest.fixture
def colleague_a(org_acme):
    from accounts.roles import Role
    from tests.factories import UserFactory

    return UserFactory(username="colleague_a", organization=org_acme, role=Role.END_USER)


@pytest.mark.django_db
def test_a_colleague_who_sees_the_ticket_comments_but_does_not_edit(incident, colleague_a):
    assert may(colleague_a, "comment", incident) and not may(colleague_a, "edit", incident)


@pytest.mark.django_db
def test_a_closed_ticket_takes_no_comment_from_end_users_and_no_edit_from_anyone(incident, requester_a, agent_a):
    services.transition(incident, requester_a, State.CANCELLED)
    incident.refresh_from_db()
    assert not may(requester_a, "comment", incident) and not may(requester_a, "attach", incident)
    assert not may(agent_a, "edit", incident) and not may(None, "edit", incident)
    assert may(agent_a, "comment", incident)  # the desk can still write down what happened
    with pytest.raises(PermissionDenied, match="closed"):
        require(requester_a, "comment", incident)


@pytest.mark.django_db
def test_a_kind_adds_its_own_actions(incident, agent_a, manager):
    assert not may(agent_a, "flag_major", incident) and may(manager, "flag_major", incident)
    with pytest.raises(ValueError, match="Unknown action"):
        may(agent_a, "teleport", incident)
