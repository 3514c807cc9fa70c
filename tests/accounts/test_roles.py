import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.roles import Role, can, has_role, role_of
from core.navigation import home_url_name, nav_for

pytestmark = pytest.mark.django_db


def test_roles_are_ordered(users):
    assert role_of(users["requester_a"]) == Role.END_USER
    assert has_role(users["agent_a"], Role.AGENT) and not has_role(users["agent_a"], Role.MANAGER)
    assert has_role(users["manager"], Role.AGENT) and not has_role(users["manager"], Role.ADMIN)
    assert has_role(users["admin"], Role.MANAGER)
    assert not has_role(users["requester_a"], Role.AGENT)


def test_anonymous_and_inactive_users_have_no_role(requester_a):
    assert role_of(AnonymousUser()) is None
    assert not can(AnonymousUser(), "portal.use")
    requester_a.is_active = False
    assert role_of(requester_a) is None


def test_superuser_is_admin_and_only_admins_are_staff(users):
    assert users["admin"].is_staff and users["admin"].role == Role.ADMIN
    assert not users["manager"].is_staff
    users["manager"].role = Role.ADMIN
    users["manager"].save()
    assert users["manager"].is_staff


def test_user_properties(users):
    assert users["agent_a"].is_agent and not users["agent_a"].is_manager
    assert users["manager"].is_manager and not users["manager"].is_admin_role
    assert users["admin"].is_admin_role


@pytest.mark.parametrize(
    ("name", "labels", "home"),
    [
        ("requester_a", ["Portal"], "portal-home"),
        ("agent_a", ["Workspace"], "agent-home"),
        ("manager", ["Workspace", "Dashboards"], "manager-home"),
        ("admin", ["Workspace", "Dashboards", "Administration"], "admin-home"),
    ],
)
def test_navigation_by_role(users, name, labels, home):
    assert [item.label for item in nav_for(users[name])] == labels
    assert home_url_name(users[name]) == home
