"""Demo data of continual improvement for `seed_demo`: a year of incident history (so that the KPI dashboard has
trends: resolved quickly or slowly, some reopened, some handed to another group), KPI targets and an improvement
action. Idempotent: the history is made once (its incidents carry HISTORY as their description)."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from core import clock
from improvement import services
from improvement.kpis.periods import last_months, start_of
from improvement.models import ImprovementAction, KpiTarget
from incidents import services as incident_services
from incidents.choices import State
from incidents.models import Incident

SEED_AFTER = ("accounts", "catalog", "sla", "incidents")
HISTORY = "Raised by the demo data's year of history (improvement.demo)."
PER_MONTH = 6
SUBJECTS = ["VPN drops every hour", "Cannot print to the 3rd floor printer", "Mailbox full", "Laptop very slow",
            "Teams calls cut out", "Password expired while abroad", "Shared drive not mapped"]
TARGETS = {"ttr_mean": (24.0, 8.0), "ttr_median": (12.0, 4.0), "fcr": (75.0, 10.0), "reopen_rate": (10.0, 5.0),
           "backlog": (10.0, 5.0), "sla_compliance": (90.0, 5.0), "change_success": (95.0, 5.0),
           "change_incidents": (5.0, 5.0)}


def seed_history(demo: Any) -> int:
    """About PER_MONTH incidents a month over the eleven months before this one, resolved after a few hours to a few
    days (slower in the middle of the year), some reopened or handed from the desk to the network team."""
    if Incident.objects.filter(description=HISTORY).exists():
        return 0
    rng = random.Random(13)  # noqa: S311 - demo data, reproducible
    users, teams, services_ = demo.users, demo.teams, demo.services
    manager = users["manager"]
    desk, network = teams["service-desk"], teams["network"]
    service = next(iter(services_.values()))
    created = 0
    for index, month in enumerate(last_months(12)[:-1]):
        slow = 1.0 + 1.5 * max(0, 5 - abs(index - 5)) / 5  # a bad patch mid-year, then improvement
        for n in range(PER_MONTH):
            opened = start_of(month) + timedelta(days=rng.randint(0, 26), hours=rng.randint(7, 17))
            with clock.frozen(opened):
                incident = incident_services.create_incident(manager, {
                    "title": rng.choice(SUBJECTS), "description": HISTORY,
                    "requester": users["user1" if n % 2 else "user2"], "service": service, "team": desk})
            at = opened + timedelta(hours=rng.uniform(0.5, 2))
            if rng.random() < 0.2 * slow:
                with clock.frozen(at):
                    incident = incident_services.update_incident(incident, manager, {"team": network})
            at += timedelta(hours=rng.uniform(1, 40) * slow)
            with clock.frozen(at):
                incident = incident_services.transition(incident, manager, State.RESOLVED, resolution_code="solved",
                                                        resolution_notes="Fixed.")
            if rng.random() < 0.12 * slow:
                at += timedelta(hours=rng.uniform(2, 30))
                with clock.frozen(at):
                    incident = incident_services.transition(incident, manager, State.IN_PROGRESS)
                at += timedelta(hours=rng.uniform(1, 10))
                with clock.frozen(at):
                    incident = incident_services.transition(incident, manager, State.RESOLVED,
                                                            resolution_code="solved", resolution_notes="Fixed again.")
            created += 1
    return created


def seed(demo: Any) -> None:
    demo.created["KPI history incident"] = seed_history(demo)
    manager = demo.users["manager"]
    for key, (target, band) in TARGETS.items():
        if not KpiTarget.objects.filter(kpi=key).exists():
            services.set_target(manager, key, target, band)
    if not ImprovementAction.objects.exists():
        services.raise_action(manager, {
            "kpi": "reopen_rate", "month": last_months(2)[0], "title": "Confirm the fix with the caller before "
            "resolving", "description": "Agents call or message the caller and resolve only once they confirm.",
            "owner": demo.users["agent1"], "due_date": clock.now().date() + timedelta(days=30)})
