"""Roles and the one helper that answers "what may this user do?".

Roles are ordered: an end user < agent < manager < admin; each role includes what the lower ones may do
(except the end-user portal, which is the home of end users only). Ask with ``has_role(user, Role.AGENT)``
or the ``user.is_agent`` / ``is_manager`` / ``is_admin_role`` properties; never compare role strings by hand.
"""

from __future__ import annotations

from typing import Protocol

from django.db import models


class Person(Protocol):
    """What the role helpers read of a user (accounts.User or Django's AnonymousUser); a protocol, so this
    module needs nothing from accounts.models (which imports it)."""

    @property
    def is_authenticated(self) -> bool: ...
    @property
    def is_active(self) -> bool: ...
    @property
    def is_superuser(self) -> bool: ...


class Role(models.TextChoices):
    END_USER = "end_user", "End user"
    AGENT = "agent", "Agent"
    MANAGER = "manager", "Manager"
    ADMIN = "admin", "Administrator"


RANK = {Role.END_USER: 0, Role.AGENT: 1, Role.MANAGER: 2, Role.ADMIN: 3}


def role_of(user: Person | None) -> Role | None:
    """The user's role, or None for an anonymous or inactive user. Superusers are admins."""
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return Role.ADMIN
    return Role(getattr(user, "role", Role.END_USER))


def has_role(user: Person | None, minimum: Role) -> bool:
    """True when the user's role is `minimum` or above it."""
    role = role_of(user)
    return role is not None and RANK[role] >= RANK[minimum]


# Named permissions, so views and templates ask for a capability rather than a role.
PERMISSIONS: dict[str, Role] = {
    "portal.use": Role.END_USER,
    "tickets.work": Role.AGENT,
    "users.list": Role.AGENT,
    "dashboards.view": Role.MANAGER,
    "kpis.view": Role.AGENT,  # KPI figures through the API (an agent's: their teams')
    "kpis.manage": Role.MANAGER,  # KPI targets and the improvement register
    "catalog.manage": Role.MANAGER,  # service owners build the catalog (catalog.builder_views)
    "cmdb.read": Role.AGENT,  # the configuration items, their relationships and impact
    "cmdb.edit": Role.AGENT,  # record and relate configuration items
    "cmdb.manage": Role.ADMIN,  # the classes of configuration items and their attributes
    "incidents.flag_major": Role.MANAGER,
    "events.send": Role.AGENT,  # post monitoring events (an integration's user: an agent in no team)
    "events.view": Role.AGENT,  # the event console
    "availability.view": Role.AGENT,  # outages and availability of the services of their teams (managers: all)
    "availability.manage": Role.MANAGER,  # record, adjust and delete outages; set availability targets
    "costs.view": Role.AGENT,  # the cost of each contact (agents: their teams' figures; managers: all)
    "capacity.read": Role.AGENT,  # capacity metrics, their charts and forecasts, the capacity report
    "capacity.send": Role.AGENT,  # post capacity samples (an integration's user, as for events.send)
    "capacity.manage": Role.MANAGER,  # define capacity metrics and the desk's capacity
    "capacity.desk": Role.MANAGER,  # open work per agent and team against the desk's capacity
    "admin.access": Role.ADMIN,
}


def can(user: Person | None, permission: str) -> bool:
    """True when the user's role grants the named permission (see PERMISSIONS)."""
    return has_role(user, PERMISSIONS[permission])
