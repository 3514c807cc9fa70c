"""The navigation of the base layout, by role: what each kind of user sees in the top bar."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

from accounts.roles import Role, can, role_of


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    end_user_only: bool = False

    @property
    def url(self) -> str:
        return reverse(self.url_name)


NAV_ITEMS: list[NavItem] = [
    NavItem("Portal", "portal-home", "portal.use", end_user_only=True),
    NavItem("Workspace", "agent-home", "tickets.work"),
    NavItem("Dashboards", "manager-home", "dashboards.view"),
    NavItem("Administration", "admin-home", "admin.access"),
]


def nav_for(user) -> list[NavItem]:
    """The top-bar entries the user may open, in a fixed order."""
    role = role_of(user)
    if role is None:
        return []
    return [
        item
        for item in NAV_ITEMS
        if can(user, item.permission) and (not item.end_user_only or role == Role.END_USER)
    ]


def home_url_name(user) -> str:
    """The landing page of the user's role."""
    role = role_of(user)
    if role is None:
        return "login"
    return {
        Role.END_USER: "portal-home",
        Role.AGENT: "agent-home",
        Role.MANAGER: "manager-home",
        Role.ADMIN: "admin-home",
    }.get(role, "login")


def search_url_name(user) -> str:
    """Where the search box of the top bar sends its words: the workspace's search for the desk, the portal's for end
    users; "" for someone signed out."""
    if role_of(user) is None:
        return ""
    return "agent-search" if can(user, "tickets.work") else "portal-search"
