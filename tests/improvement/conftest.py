"""A small desk with KPI figures: incidents resolved, reopened and open over the last months, changes closed with
outcomes (one caused an incident), a problem with incidents, SLA timers and a knowledge deflection. The clock is
frozen at NOW (UTC desk)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from changes.choices import ChangeType, Outcome
from changes.choices import State as ChangeState
from changes.kind import CHANGE
from core import clock, writes
from core import services as core_services
from core.models import LinkKind
from incidents import services as incident_services
from incidents.choices import State
from knowledge.kind import ARTICLE
from knowledge.models import Deflection, KnowledgeBase
from problems.kind import PROBLEM
from sla.models import Schedule, SlaDefinition, Target

NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.", "test_plan": "Read it."}


@dataclass
class KpiWorld:
    incidents: dict[str, Any]
    changes: dict[str, Any]
    problem: Any
    now: datetime = NOW


def resolve(incident, actor, at):
    with clock.frozen(at):
        return incident_services.transition(incident, actor, State.RESOLVED, resolution_code="solved",
                                            resolution_notes="Fixed.")


def close_change(change, actor, at, outcome):
    with clock.frozen(at):
        for state in (ChangeState.SCHEDULED, ChangeState.IMPLEMENT):
            change = writes.transition(CHANGE, change, actor, state)
        change = writes.transition(CHANGE, change, actor, ChangeState.REVIEW, fields={"outcome": outcome})
        return writes.transition(CHANGE, change, actor, ChangeState.CLOSED,
                                 fields={"close_notes": "Done.", "review_notes": "Reviewed."})


@pytest.fixture
def kpi_world(users, team_service_desk, team_network, service_email, service_vpn) -> KpiWorld:
    manager, requester = users["manager"], users["requester_a"]
    always = Schedule.objects.create(name="24x7", slug="24x7", time_zone="UTC", is_24x7=True)
    SlaDefinition.objects.create(name="Resolution 8h", target=Target.RESOLUTION, schedule=always,
                                 duration=timedelta(hours=8), order=1)
    made: dict[str, Any] = {}

    def incident(name, opened, team, service=service_email, priority_pair=(3, 3)):
        with clock.frozen(opened):
            made[name] = incident_services.create_incident(manager, {
                "title": f"Incident {name}", "description": "It fails.", "service": service, "requester": requester,
                "team": team, "impact": priority_pair[0], "urgency": priority_pair[1]})
        return made[name]

    october, november = datetime(2026, 10, 5, 9, tzinfo=UTC), datetime(2026, 11, 3, 9, tzinfo=UTC)
    # October: two resolved by Service Desk (4 h, in SLA; 12 h, breached), one by Network after a reassignment
    resolve(incident("oct_fast", october, team_service_desk), manager, october + timedelta(hours=4))
    resolve(incident("oct_slow", october, team_service_desk), manager, october + timedelta(hours=12))
    moved = incident("oct_moved", october, team_service_desk)
    with clock.frozen(october + timedelta(hours=1)):
        moved = incident_services.update_incident(moved, manager, {"team": team_network})
    made["oct_moved"] = resolve(moved, manager, october + timedelta(hours=6))
    # November: one resolved, reopened and resolved again; one resolved (high priority, VPN); one still open
    again = resolve(incident("nov_reopened", november, team_service_desk), manager, november + timedelta(hours=2))
    with clock.frozen(november + timedelta(hours=5)):
        again = incident_services.transition(again, manager, State.IN_PROGRESS)
    made["nov_reopened"] = resolve(again, manager, november + timedelta(hours=10))
    resolve(incident("nov_vpn", november, team_network, service=service_vpn, priority_pair=(1, 1)), manager,
            november + timedelta(hours=3))
    incident("nov_open", november, team_service_desk)
    # changes: closed in October successfully, in November failed (and an incident caused by it)
    changes = {}
    for name, when, outcome in (("ok", october, Outcome.SUCCESSFUL), ("failed", november, Outcome.FAILED)):
        with clock.frozen(when - timedelta(days=2)):
            change = writes.create(CHANGE, manager, {
                "title": f"Change {name}", "change_type": ChangeType.STANDARD, "planned_start": when,
                "planned_end": when + timedelta(hours=1), "team": team_service_desk, **PLANS})
        changes[name] = close_change(change, manager, when, outcome)
    with clock.frozen(november):
        core_services.link_tickets(made["nov_vpn"], changes["failed"], LinkKind.CAUSED_BY, manager)
        problem = writes.create(PROBLEM, manager, {"title": "Mail server flaps", "team": team_service_desk,
                                                   "description": "Often."})
        for name in ("oct_fast", "oct_slow", "nov_open"):
            core_services.link_tickets(made[name], problem, LinkKind.CAUSED_BY, manager)
    # one knowledge deflection in November
    kb = KnowledgeBase.objects.create(name="IT help", slug="it-help", reviewers=team_network)
    with clock.frozen(november):
        article = writes.create(ARTICLE, manager, {"title": "Reset your password", "description": "How.",
                                                   "body": "Use the portal.", "knowledge_base": kb})
    Deflection.objects.create(article=article, user=requester, attempt="a1", created_at=november)
    return KpiWorld(incidents=made, changes=changes, problem=problem)


@pytest.fixture
def frozen_now():
    with clock.frozen(NOW):
        yield NOW
