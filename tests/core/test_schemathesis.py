"""Schemathesis over the whole OpenAPI schema, once per role: the API answers what its schema says.

For anonymous callers, an end user, an agent, a manager and an administrator, every operation of
/api/v1/schema/ is called with cases generated from the schema (valid and invalid ones, on made-up and on real
objects: incidents with watchers, links, attachments, comments and SLA timers) through Django's WSGI application,
in the test's transaction. Each answer must not be a 5xx, must carry a documented status code and content type,
and its body must match the documented schema for that status.

Bounded and deterministic: a fixed number of examples per operation, derandomized (the same cases every run),
no example database, no shrinking (the first failing case is reported), and a deadline per example. Run alone with
`make test PYTEST_ARGS=tests/core/test_schemathesis.py` (well under a minute); ITSM_SCHEMATHESIS_EXAMPLES=100
searches longer.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from rest_framework import throttling
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.services import issue_token
from catalog.demo import seed_catalog
from catalog.models import AccessGrant, AccessSystem, CatalogCategory, CatalogItem, GrantState
from changes.models import RiskQuestion
from core import approvals, clock
from core import services as core_services
from core.models import ApprovalRule, ApproverGroup, LinkKind
from incidents import services as incident_services
from incidents.choices import HoldReason, State
from sla.models import AgreementType, Schedule, SlaDefinition, SlaTimer, Target
from sla.sweep import sweep
from tests.core.schema_support import load_schema

ROLES = {"anonymous": None, "end_user": "requester_a", "agent": "agent_a", "manager": "manager", "admin": "admin"}
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Examples per operation and role (made-up values, valid and invalid, and real objects in the path); an
# anonymous caller gets 401 from nearly every operation, so fewer suffice. ITSM_SCHEMATHESIS_EXAMPLES=200 runs a
# deeper search by hand.
EXAMPLES = int(os.environ.get("ITSM_SCHEMATHESIS_EXAMPLES", "6"))
ANONYMOUS_EXAMPLES = max(1, EXAMPLES // 3)
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)

pytestmark = [pytest.mark.django_db, pytest.mark.timeout(max(240, 30 * EXAMPLES))]


@pytest.fixture
def unthrottled(monkeypatch):
    """Rate limits out of the way: a 429 would hide the answers under test (throttling has its own tests)."""
    for scope in ("anon", "user", "token_exchange"):
        monkeypatch.setitem(throttling.SimpleRateThrottle.THROTTLE_RATES, scope, "1000000/min")


@dataclass
class World:
    """Real objects the generated cases are also pointed at, and a token per role."""

    tokens: dict[str, str]
    path_parameters: dict[str, list[Any]]  # parameter name (or the collection, for `id`) -> real values

    def headers(self, role: str) -> dict[str, str]:
        token = self.tokens.get(role)
        return {"Authorization": f"Token {token}"} if token else {}

    def real_values(self, path: str, name: str) -> list[Any]:
        """Values of a path parameter that name real objects: `{id}` of /api/v1/sla/timers/ takes timer ids."""
        if name == "id":
            return self.path_parameters[path.removeprefix("/api/v1/").split("/{")[0]]
        return self.path_parameters[name]


@pytest.fixture
def world(settings, tmp_path, users, service_email, service_vpn, category_hardware, subcategory_printer,
          team_service_desk, team_network, make_incident) -> World:
    """Incidents of two organizations with comments, work notes, watchers (one of another organization,
    confirmed), links, public and internal attachments, and SLA timers (one paused, one breached)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    always = Schedule.objects.create(name="24x7", slug="24x7", time_zone="UTC", is_24x7=True)
    office = Schedule.objects.create(name="Office", slug="office", time_zone="Europe/Paris")
    for day in range(5):
        office.hours.create(weekday=day, start="09:00", end="17:00")
    office.holidays.create(date="2026-12-25", name="Christmas")
    pause = {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]}
    SlaDefinition.objects.create(name="Resolution 8h", target=Target.RESOLUTION, schedule=always,
                                 duration=timedelta(hours=8), pause_condition=pause, order=1)
    SlaDefinition.objects.create(name="Response 1h", target=Target.RESPONSE, schedule=always,
                                 duration=timedelta(hours=1), order=2, thresholds=[50, 75],
                                 actions={"75": ["notify_assignee"], "100": ["notify_team_lead"]})
    SlaDefinition.objects.create(name="Desk OLA", target=Target.RESOLUTION, schedule=office,
                                 duration=timedelta(hours=16), order=3, agreement_type=AgreementType.OLA,
                                 escalation_team=team_service_desk)
    unused = Schedule.objects.create(name="Unused", slug="unused", time_zone="UTC", is_24x7=True)
    requester_a, requester_b = users["requester_a"], users["requester_b"]
    agent_a, manager = users["agent_a"], users["manager"]
    with clock.frozen(T0):
        inc_a = make_incident(requester_a, title="Mailbox quota exceeded", category=category_hardware,
                              subcategory=subcategory_printer)
        inc_b = make_incident(requester_b, title="VPN tunnel keeps dropping", service=service_vpn)
        child = make_incident(agent_a, title="Cannot print", requester=requester_a)
    with clock.frozen(T0 + timedelta(minutes=5)):
        incident_services.add_comment(inc_a, requester_a, "Still failing.")
        incident_services.add_comment(inc_a, agent_a, "Checking the quota.", internal=True)
        incident_services.update_incident(child, agent_a, {"parent": inc_a, "assignee": agent_a})
        core_services.add_watcher(inc_a, requester_b, agent_a, confirm_other_organization=True)
        core_services.add_watcher(inc_a, agent_a, agent_a)
        core_services.link_tickets(inc_a, inc_b, LinkKind.RELATED, manager)
        core_services.add_attachment(inc_a, requester_a, SimpleUploadedFile("log.txt", b"error 42", "text/plain"))
        core_services.add_attachment(inc_a, agent_a, SimpleUploadedFile("notes.txt", b"internal", "text/plain"),
                                     internal=True)
    with clock.frozen(T0 + timedelta(minutes=10)):
        incident_services.transition(inc_b, manager, State.ON_HOLD, hold_reason=HoldReason.AWAITING_CALLER)
    sweep(T0 + timedelta(hours=9))  # the 24x7 timers of inc_a are breached by then
    board = ApproverGroup.objects.create(name="Board")
    board.members.set([agent_a, manager])
    approval = approvals.request(inc_a, board, ApprovalRule.ANY, 1, manager)  # any kind can be approved
    seed_catalog(SimpleNamespace(services={"laptops": service_email}))  # the laptop form has a condition
    folder = AccessSystem.objects.get(name="Finance shared folder")  # the demo's; and access to revoke
    grant = AccessGrant.objects.create(person=requester_a, system=folder, level="Read", state=GrantState.ACTIVE,
                                       until=T0.date() + timedelta(days=30))
    question = RiskQuestion.objects.create(text="How many users would an outage affect?")
    question.answers.create(text="A few", weight=0)
    from cmdb import services as cmdb
    from cmdb.models import CIClass

    server = CIClass.objects.create(name="Server", slug="server")
    host = cmdb.create_ci(agent_a, {"name": "esx-01", "ci_class": server})
    guest = cmdb.create_ci(agent_a, {"name": "vm-01", "ci_class": server})
    relationship = cmdb.relate(guest, host, "hosted_by", agent_a)
    cmdb.affect(inc_a, host, agent_a)
    from availability import services as availability

    outage = availability.record(manager, service_email, {"start": T0, "end": T0 + timedelta(hours=1),
                                                          "description": "Relay down"})
    from surveys import services as surveys
    from surveys.models import CsatInvitation, NpsInvitation, NpsRound

    resolved = make_incident(requester_a, title="Resolved and rated")
    incident_services.take(resolved, agent_a)
    incident_services.transition(resolved, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="Done")
    surveys.answer_csat(CsatInvitation.objects.get(ticket=resolved), requester_a, 2, "Slow")
    nps_round = NpsRound.objects.create(starts_on=T0.date(), ends_on=T0.date() + timedelta(days=89), created_at=T0)
    nps_invitations = [NpsInvitation.objects.create(round=nps_round, person=person, invited_at=T0).pk
                       for person in (requester_a, requester_b, agent_a)]
    from capacity import services as capacity
    from capacity.ingest import Reading
    from capacity.models import Metric

    storage = Metric.objects.create(name="Storage", unit="GB", capacity=1000, ci=host)
    capacity.record([Reading(storage.pk, T0 - timedelta(days=day), 500 + day) for day in range(5)], now=T0,
                    notify=False)
    from improvement import services as improvement

    improvement.set_target(manager, "ttr_mean", 8, 2)
    action = improvement.raise_action(manager, {"kpi": "fcr", "title": "Coach the desk", "owner": agent_a})
    tokens = {role: issue_token(users[name], "schemathesis")[1] for role, name in ROLES.items() if name}
    return World(tokens=tokens, path_parameters={
        "number": [inc_a.number, inc_b.number, child.number],
        "slug": [team_service_desk.slug, team_network.slug],
        "user_id": [requester_b.pk, agent_a.pk],
        "link_id": list(inc_a.links_out.values_list("pk", flat=True)),
        "categories": [category_hardware.pk, subcategory_printer.pk],
        "services": [service_email.pk, service_vpn.pk],
        "users": [requester_a.pk, requester_b.pk, agent_a.pk],
        "sla/schedules": [always.pk, office.pk, unused.pk],
        "sla/definitions": list(SlaDefinition.objects.values_list("pk", flat=True)),
        "sla/timers": list(SlaTimer.objects.filter(ticket__in=[inc_a, inc_b]).values_list("pk", flat=True)),
        "approvals": list(approval.votes.values_list("pk", flat=True)),
        "change-risk-questions": [question.pk],
        "catalog/categories": list(CatalogCategory.objects.values_list("pk", flat=True)),
        "catalog/items": list(CatalogItem.objects.values_list("pk", flat=True)),
        "access-systems": [folder.pk],
        "access-grants": [grant.pk],
        "cmdb/classes": [server.pk],
        "cmdb/cis": [host.pk, guest.pk],
        "cmdb/relationships": [relationship.pk],
        "cmdb/graph": [host.pk, guest.pk],
        "availability/outages": [outage.pk],
        "surveys/nps": nps_invitations,
        "capacity/metrics": [storage.pk],
        "key": ["ttr_mean", "fcr", "deflections"],
        "kpi": ["ttr_mean", "fcr"],
        "improvements": [action.pk],
    })


@pytest.fixture(scope="module")
def api_schema(django_db_setup, django_db_blocker):
    """The schema as /api/v1/schema/ serves it (read once; every role is tested against the same)."""
    with django_db_blocker.unblock():
        return load_schema(WSGIHandler())


def can_be_invalid(operation: Any) -> bool:
    """Whether schemathesis can make an invalid request for the operation: a body, a query or header parameter, or
    a constrained path parameter. (/me/ takes nothing; any text is a valid team slug.)"""
    headers = [p for p in operation.headers if "x-original-security-type" not in p.definition]  # not the token
    if list(operation.body) or list(operation.query) or headers:
        return True
    schemas = [parameter.definition.get("schema", {}) for parameter in operation.path_parameters]
    return any(schema.get("type", "string") != "string" or "pattern" in schema for schema in schemas)


@cache
def made_up_cases(operation: Any) -> st.SearchStrategy:
    """Valid and (where possible) invalid cases on made-up values; built once per operation for every role."""
    strategies = [operation.as_strategy(GenerationMode.POSITIVE)]
    if can_be_invalid(operation):
        strategies.append(operation.as_strategy(GenerationMode.NEGATIVE))
    return st.one_of(strategies)


def strategy_for(operation: Any, world: World) -> st.SearchStrategy:
    """Made-up cases, and valid cases on the world's real objects when the path names one."""
    names = [p.name for p in operation.path_parameters]
    if not names:
        return made_up_cases(operation)
    real = st.fixed_dictionaries({name: st.sampled_from(world.real_values(operation.path, name)) for name in names})
    on_real_objects = real.flatmap(lambda params: operation.as_strategy(path_parameters=params))
    return st.one_of(made_up_cases(operation), on_real_objects)


@pytest.mark.parametrize("role", list(ROLES))
def test_every_operation_answers_as_its_schema_says(role, api_schema, world, wsgi_app, unthrottled):
    headers = world.headers(role)
    examples = ANONYMOUS_EXAMPLES if role == "anonymous" else EXAMPLES
    failures: list[str] = []
    for result in api_schema.get_all_operations():
        operation = result.ok()

        @given(case=strategy_for(operation, world))
        @settings(max_examples=examples, derandomize=True, database=None, deadline=timedelta(seconds=10),
                  phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
                  report_multiple_bugs=False)
        def check(case):
            response = case.call(headers=headers, app=wsgi_app)
            case.validate_response(response, checks=CHECKS, headers=headers)

        try:
            check()
        except (Exception, BaseExceptionGroup) as exc:  # every operation runs; failures are reported together
            failures.append(f"--- {role}: {operation.label}\n{exc}")
    assert not failures, "\n".join(failures)
