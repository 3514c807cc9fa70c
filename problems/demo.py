"""Demo problems for `seed_demo`: an operational-level target for problem resolution, a known error raised from
the printer incidents with its workaround published, and a problem under root cause analysis. Seeding twice
adds nothing (a problem whose title exists is skipped)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from incidents.models import Incident
from problems import services
from problems.choices import State
from problems.kind import PROBLEM
from problems.models import Problem
from sla.models import AgreementType, Schedule, SlaDefinition, Target

SEED_AFTER = ("accounts", "catalog", "sla", "incidents")


def seed(demo: Any) -> None:
    """The problem OLA and two problems linked to demo incidents, worked through problems.services."""
    schedule = Schedule.objects.filter(slug="business-hours").first()
    if schedule and not SlaDefinition.objects.filter(name="Problem resolution (OLA)").exists():
        SlaDefinition.objects.create(
            name="Problem resolution (OLA)", ticket_kind=PROBLEM.key, agreement_type=AgreementType.OLA,
            target=Target.RESOLUTION, start_condition={}, duration=timedelta(days=10), schedule=schedule, order=50,
        )
    agent = demo.users["agent1"]
    created = 0
    if not Problem.objects.filter(title="Print spooler stalls during the nightly backup").exists():
        printing = list(Incident.objects.filter(service__slug="printing").order_by("opened_at")[:3])
        problem = services.create_problem(agent, {
            "title": "Print spooler stalls during the nightly backup",
            "description": "Print jobs queue up and never print; restarting the spooler helps for a day.",
            "service": printing[0].service if printing else None, "impact": 2, "urgency": 2,
        }, incidents=printing)
        services.take(problem, agent)
        services.update_problem(problem, agent, {
            "root_cause": "The backup agent locks the spool folder; the spooler hangs on the lock.",
            "workaround": "Restart the Print Spooler service on PRN-01, then resend the job.",
        })
        services.publish_workaround(problem, agent, public=True)
        created += 1
    if not Problem.objects.filter(title="VPN drops every 8 hours").exists():
        vpn = list(Incident.objects.filter(service__slug="vpn").order_by("opened_at")[:2])
        problem = services.create_problem(agent, {
            "title": "VPN drops every 8 hours", "description": "Tunnels close after exactly 8 hours.",
            "service": vpn[0].service if vpn else None,
        }, incidents=vpn)
        services.transition(services.take(problem, agent), agent, State.ROOT_CAUSE_ANALYSIS)
        created += 1
    demo.created["problem"] = created
