"""Demo organizations, teams and people for `seed_demo` (the first step: every other app's demo uses them)."""

from __future__ import annotations

from typing import Any

from accounts.models import Organization, Team, User
from accounts.roles import Role

ORGANIZATIONS = [
    {"slug": "acme", "name": "Acme", "share_tickets": True},
    {"slug": "globex", "name": "Globex", "share_tickets": False},
]
TEAMS = [
    {"slug": "service-desk", "name": "Service Desk", "email": "servicedesk@example.com", "lead": "agent1"},
    {"slug": "network", "name": "Network", "email": "network@example.com", "lead": "agent2"},
    {"slug": "facilities", "name": "Facilities", "email": "facilities@example.com", "lead": "agent1"},
]
USERS = [
    {"username": "admin", "first_name": "Ada", "last_name": "Admin", "role": Role.ADMIN},
    {"username": "manager", "first_name": "Maya", "last_name": "Manager", "role": Role.MANAGER},
    {"username": "agent1", "first_name": "Alex", "last_name": "Agent", "role": Role.AGENT, "team": "service-desk",
     "also": ["facilities"]},
    {"username": "agent2", "first_name": "Noor", "last_name": "Network", "role": Role.AGENT, "team": "network"},
    {"username": "user1", "first_name": "Uma", "last_name": "User", "role": Role.END_USER, "org": "acme"},
    {"username": "user2", "first_name": "Gus", "last_name": "Globex", "role": Role.END_USER, "org": "globex"},
]



def seed(demo: Any) -> None:
    """Create or refresh the organizations, teams (with their leads) and the six demo users."""
    demo.orgs = {
        o["slug"]: Organization.objects.update_or_create(
            slug=o["slug"], defaults={"name": o["name"], "share_tickets": o["share_tickets"]}
        )[0]
        for o in ORGANIZATIONS
    }
    demo.teams = {
        t["slug"]: Team.objects.update_or_create(slug=t["slug"], defaults={"name": t["name"], "email": t["email"]})[0]
        for t in TEAMS
    }
    demo.users = {}
    for spec in USERS:
        user, _ = User.objects.get_or_create(username=spec["username"])
        user.first_name = spec["first_name"]
        user.last_name = spec["last_name"]
        user.email = f"{spec['username']}@example.com"
        user.role = spec["role"]
        user.is_superuser = spec["role"] == Role.ADMIN
        user.organization = demo.orgs.get(spec.get("org", ""))
        user.is_active = True
        user.set_password(demo.password)
        user.save()
        if spec.get("team"):
            demo.teams[spec["team"]].members.add(user)
        for slug in spec.get("also", []):
            demo.teams[slug].members.add(user)
        demo.users[spec["username"]] = user
    for t in TEAMS:
        Team.objects.filter(slug=t["slug"]).update(lead=demo.users[t["lead"]])
