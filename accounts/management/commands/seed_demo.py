"""Create or refresh the demo data of every installed app (idempotent).

Refused unless ALLOW_DEMO_DATA is on. Each app seeds its own demo data in its `demo` module: `seed(demo)` runs
inside one transaction, in the order the modules' `SEED_AFTER` app labels require (otherwise INSTALLED_APPS
order), and shares what it made through `demo` (users, teams, services...); an optional `finish(demo)` runs
after the commit. The command finds the modules by name, so `accounts` imports nothing above it.
"""

from __future__ import annotations

import os
from graphlib import TopologicalSorter
from importlib import import_module
from importlib.util import find_spec
from types import ModuleType, SimpleNamespace

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


def demo_modules() -> list[ModuleType]:
    """The installed apps' `demo` modules, each after the apps it names in SEED_AFTER."""
    found: dict[str, ModuleType] = {}
    for config in apps.get_app_configs():
        name = f"{config.name}.demo"
        if find_spec(config.name) is not None and find_spec(name) is not None:
            module = import_module(name)
            if hasattr(module, "seed"):
                found[config.label] = module
    order = TopologicalSorter(
        {label: [dep for dep in getattr(module, "SEED_AFTER", ()) if dep in found] for label, module in found.items()}
    )
    return [found[label] for label in order.static_order()]


class Command(BaseCommand):
    help = ("Create or refresh the demo data: admin, manager, agent1, agent2, user1, user2 (password: demo), "
            "services, categories, SLAs and every practice's demo tickets.")

    def handle(self, *args, **options) -> None:
        if not settings.ALLOW_DEMO_DATA:
            raise CommandError("Demo data is disabled (ALLOW_DEMO_DATA is off): never seed a production site.")
        demo = SimpleNamespace(password=os.environ.get("DEMO_PASSWORD") or "demo", created={})
        modules = demo_modules()
        with transaction.atomic():
            for module in modules:
                module.seed(demo)
        for module in modules:
            if hasattr(module, "finish"):
                module.finish(demo)
        made = ", ".join(f"{n} new {kind}{'s' if n != 1 else ''}" for kind, n in demo.created.items()) or "nothing new"
        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready ({made}). Sign in as admin, manager, agent1, agent2, user1 or user2 "
            f"with the password {'from DEMO_PASSWORD' if os.environ.get('DEMO_PASSWORD') else 'demo'}."
        ))
