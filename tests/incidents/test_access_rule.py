"""Ticket.objects.visible_to(user): the one access rule, at the model level."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from core.models import Ticket
from core.services import add_watcher
from incidents.models import Incident
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(requester_a, requester_b, agent_a, agent_b, manager, admin_user, make_incident, service_vpn,
          org_acme, org_globex):
    colleague_a = UserFactory(username="colleague_a", organization=org_acme)
    colleague_b = UserFactory(username="colleague_b", organization=org_globex)
    return {
        "a": make_incident(requester_a),  # Service Desk (e-mail service)
        "b": make_incident(requester_b, service=service_vpn),  # Network
        "colleague_a": make_incident(colleague_a),
        "colleague_b": make_incident(colleague_b, service=service_vpn),
        "users": {"colleague_a": colleague_a, "colleague_b": colleague_b},
    }


def visible(user) -> set[str]:
    return set(Incident.objects.visible_to(user).values_list("number", flat=True))


def numbers(world, *keys) -> set[str]:
    return {world[k].number for k in keys}


def test_end_users_see_their_own_and_their_sharing_organizations(world, requester_a, requester_b):
    assert visible(requester_a) == numbers(world, "a", "colleague_a")  # Acme shares
    assert visible(requester_b) == numbers(world, "b")  # Globex does not
    assert visible(world["users"]["colleague_b"]) == numbers(world, "colleague_b")


def test_agents_see_their_teams_and_their_assignments(world, agent_a, agent_b):
    assert visible(agent_a) == numbers(world, "a", "colleague_a")
    assert visible(agent_b) == numbers(world, "b", "colleague_b")


def test_managers_and_admins_see_everything(world, manager, admin_user):
    everything = numbers(world, "a", "b", "colleague_a", "colleague_b")
    assert visible(manager) == everything and visible(admin_user) == everything


def test_anonymous_and_inactive_see_nothing(world, requester_a):
    assert visible(AnonymousUser()) == set()
    requester_a.is_active = False
    assert visible(requester_a) == set()


def test_watchers_see_what_they_watch(world, requester_b, agent_a):
    add_watcher(world["a"], requester_b, agent_a, confirm_other_organization=True)
    assert visible(requester_b) == numbers(world, "a", "b")
    assert Ticket.objects.visible_to(requester_b).count() == 2  # no duplicate rows


def test_sharing_switched_off_hides_colleagues(world, requester_a, org_acme):
    org_acme.share_tickets = False
    org_acme.save()
    assert visible(requester_a) == numbers(world, "a")


def test_the_rule_read_in_subqueries_grants_exactly_the_same(world, requester_a, requester_b, agent_a, agent_b,
                                                             manager, org_acme, django_assert_max_num_queries):
    """core.references checks a few tickets with the rule nested in another query: the same tickets, one query."""
    add_watcher(world["b"], agent_a, manager)  # a watched ticket outside agent_a's team
    add_watcher(world["b"], requester_a, manager, confirm_other_organization=True)
    inactive = UserFactory(username="gone", is_active=False)
    people = [requester_a, requester_b, agent_a, agent_b, manager, inactive, AnonymousUser(),
              *world["users"].values()]
    for sharing in (True, False):
        org_acme.share_tickets = sharing
        org_acme.save()
        for user in people:
            with django_assert_max_num_queries(1):
                nested = set(Incident.objects.visible_to(user, subqueries=True).values_list("number", flat=True))
            assert nested == visible(user), user
