"""Create the demo users, teams and organizations (idempotent). Refused unless ALLOW_DEMO_DATA is on."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Organization, Team, User
from accounts.roles import Role

ORGANIZATIONS = [
    {"slug": "acme", "name": "Acme", "share_tickets": True},
    {"slug": "globex", "name": "Globex", "share_tickets": False},
]
TEAMS = [
    {"slug": "service-desk", "name": "Service Desk", "email": "servicedesk@example.com", "lead": "agent1"},
    {"slug": "network", "name": "Network", "email": "network@example.com", "lead": "agent2"},
]
USERS = [
    {"username": "admin", "first_name": "Ada", "last_name": "Admin", "role": Role.ADMIN},
    {"username": "manager", "first_name": "Maya", "last_name": "Manager", "role": Role.MANAGER},
    {"username": "agent1", "first_name": "Alex", "last_name": "Agent", "role": Role.AGENT, "team": "service-desk"},
    {"username": "agent2", "first_name": "Noor", "last_name": "Network", "role": Role.AGENT, "team": "network"},
    {"username": "user1", "first_name": "Uma", "last_name": "User", "role": Role.END_USER, "org": "acme"},
    {"username": "user2", "first_name": "Gus", "last_name": "Globex", "role": Role.END_USER, "org": "globex"},
]


class Command(BaseCommand):
    help = "Create or refresh the demo data: admin, manager, agent1, agent2, user1, user2 (password: demo)."

    def handle(self, *args, **options) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data is disabled (ALLOW_DEMO_DATA is off): never seed a production site.")
        password = os.environ.get("DEMO_PASSWORD") or "demo"
        with transaction.atomic():
            orgs = {
                o["slug"]: Organization.objects.update_or_create(
                    slug=o["slug"], defaults={"name": o["name"], "share_tickets": o["share_tickets"]}
                )[0]
                for o in ORGANIZATIONS
            }
            teams = {
                t["slug"]: Team.objects.update_or_create(
                    slug=t["slug"], defaults={"name": t["name"], "email": t["email"]}
                )[0]
                for t in TEAMS
            }
            users = {}
            for spec in USERS:
                user, _ = User.objects.get_or_create(username=spec["username"])
                user.first_name = spec["first_name"]
                user.last_name = spec["last_name"]
                user.email = f"{spec['username']}@example.com"
                user.role = spec["role"]
                user.is_superuser = spec["role"] == Role.ADMIN
                user.organization = orgs.get(spec.get("org", ""))
                user.is_active = True
                user.set_password(password)
                user.save()
                if spec.get("team"):
                    teams[spec["team"]].members.add(user)
                users[spec["username"]] = user
            for t in TEAMS:
                Team.objects.filter(slug=t["slug"]).update(lead=users[t["lead"]])
        self.stdout.write(self.style.SUCCESS(
            "Demo data ready. Sign in as admin, manager, agent1, agent2, user1 or user2 "
            f"with the password {'from DEMO_PASSWORD' if os.environ.get('DEMO_PASSWORD') else 'demo'}."
        ))
