"""The ticket-kind contract: a kind declared in one place gets SLA clocks, escalations and e-mail links from the
core without the core or the SLA engine importing it; the ground floor imports nothing above it."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command

from core import clock, kinds
from core import services as core_services
from core.kinds import Kind
from core.models import Ticket, TicketKind, next_number
from core.services import FieldChange
from core.workflow import Workflow
from sla.models import Action, SlaEvent, SlaTimer, Stage, Target
from sla.notifications import compose
from sla.sweep import sweep
from tests.sla import conftest as sla_fixtures

always = sla_fixtures.always
make_definition = sla_fixtures.make_definition

ROOT = Path(__file__).resolve().parents[2]
UTC = ZoneInfo("UTC")
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


def imported_packages(package: str) -> set[str]:
    """Top-level packages imported anywhere in a package (also inside functions), migrations aside."""
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
            elif isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
    return found


def practice_packages() -> set[str]:
    return {kind.model_label.split(".")[0] for kind in kinds.registered()}


def test_incidents_are_a_registered_kind():
    kind = kinds.get(TicketKind.INCIDENT)
    assert kind.prefix == "INC" and kind.model.__name__ == "Incident"
    assert kind.workflow.resolved_states == {"resolved", "closed"}
    assert kind.workflow.final_states == {"closed", "cancelled"}
    assert kind.agent_url("INC0001001") == "/agent/incidents/INC0001001/"
    assert "incidents" in practice_packages()


@pytest.mark.parametrize("package", ["core", "sla", "accounts", "catalog"])
def test_shared_packages_import_no_practice_app(package):
    """The catalog holds the services every practice names and is a practice itself (requests): it imports no
    other practice (a record producer raises its incident through the core's kind registry)."""
    assert imported_packages(package) & (practice_packages() - {package}) == set()


def test_the_ground_floor_imports_no_app_above_the_core():
    assert imported_packages("accounts") & {"catalog", "sla", *practice_packages()} == set()


# --- a kind declared only here, in the test: everything generic must work for it ---------------------------

class ChoreKind(Kind):
    """A test-only kind on the `task` code: todo -> doing -> done (resolved) -> archived, or dropped."""

    key = TicketKind.TASK
    prefix = "TASK"
    model_label = "core.Ticket"
    label = "Chore"
    label_plural = "Chores"
    workflow = Workflow(
        transitions={"todo": ["doing", "dropped"], "doing": ["done", "dropped"], "done": ["archived", "doing"],
                     "archived": [], "dropped": []},
        open_states=frozenset({"todo", "doing"}),
        labels={"todo": "To do", "doing": "Doing", "done": "Done", "archived": "Archived", "dropped": "Dropped"},
        resolved_states=frozenset({"done", "archived"}),
        cancelled_states=frozenset({"dropped"}),
        requester_moves=frozenset({("todo", "dropped")}),
    )
    agent_url_name = "agent-home"
    queue_url_name = "agent-home"

    def __init__(self) -> None:
        self.escalations: list[tuple[str, str, object]] = []

    def agent_url(self, number: str) -> str:
        return f"/chores/{number}/"

    def escalate(self, ticket, action, escalation_team=None) -> str:
        self.escalations.append((ticket.number, action, escalation_team))
        return f"chore {action} done"


@contextmanager
def registered(kind: Kind) -> Iterator[Kind]:
    """Register a test-only kind on its code for the block: the app's own kind of that code (the catalog's
    fulfilment tasks use `task`) steps aside meanwhile and comes back after."""
    previous = kinds.find(kind.key)
    if previous is not None:
        kinds.unregister(kind.key)
    kinds.register(kind)
    try:
        yield kind
    finally:
        if kinds.find(kind.key) is not None:
            kinds.unregister(kind.key)
        if previous is not None:
            kinds.register(previous)


@pytest.fixture
def chores():
    with registered(ChoreKind()) as kind:
        yield kind


@pytest.fixture
def chore_sla(db, always, make_definition, team_network):
    return make_definition("Chores in 10 h", schedule=always, hours=10, ticket_kind=TicketKind.TASK,
                           escalation_team=team_network, thresholds=[50],
                           actions={"50": [Action.NOTIFY_ASSIGNEE], "100": [Action.REASSIGN]})


def raise_chore(requester, **fields) -> Ticket:
    ticket = Ticket.objects.create(
        number=next_number(TicketKind.TASK), kind=TicketKind.TASK, title="Water the plants", state="todo",
        requester=requester, organization=requester.organization, opened_at=clock.now(), updated_at=clock.now(),
        **fields,
    )
    core_services.commit(ticket, requester, [FieldChange("state", "", "todo")], created=True)
    return ticket


def move(ticket: Ticket, state: str, actor=None) -> Ticket:
    """A state change through the core's write path: check, apply, commit (the SLA engine follows it)."""
    core_services.check_move(ticket, actor, state)
    change = core_services.apply_move(ticket, state, clock.now())
    core_services.commit(ticket, actor, [change])
    return ticket


@pytest.mark.django_db
def test_a_new_kinds_clock_stops_on_its_own_resolved_state(chores, chore_sla, requester_a):
    with clock.frozen(T0):
        chore = raise_chore(requester_a)
    timer = SlaTimer.objects.get(ticket=chore)
    assert timer.stage == Stage.IN_PROGRESS and timer.due_at == T0 + timedelta(hours=10)
    with clock.frozen(T0 + timedelta(hours=2)):
        move(chore, "doing")
        assert SlaTimer.objects.get(ticket=chore).stage == Stage.IN_PROGRESS  # "doing" is not a resolution
    with clock.frozen(T0 + timedelta(hours=3)):
        move(chore, "done")
    assert SlaTimer.objects.get(ticket=chore).stage == Stage.ACHIEVED


@pytest.mark.django_db
def test_the_core_write_path_follows_the_kinds_workflow(chores, requester_a, agent_a):
    from core.workflow import TransitionError

    with clock.frozen(T0):
        chore = raise_chore(requester_a)
    with pytest.raises(TransitionError, match="Cannot move from To do to Done"):
        move(chore, "done", agent_a)
    with pytest.raises(TransitionError, match=r"You cannot move this chore from To do to Doing\. Allowed for you: "
                                              r"Dropped\."):
        move(chore, "doing", requester_a)
    with clock.frozen(T0 + timedelta(hours=1)):
        move(chore, "doing", agent_a)
    with clock.frozen(T0 + timedelta(hours=2)):
        move(chore, "done", agent_a)
    assert not chore.active and chore.resolved_at == T0 + timedelta(hours=2) and chore.closed_at is None
    with clock.frozen(T0 + timedelta(hours=3)):
        move(chore, "doing", agent_a)  # reopened
    assert chore.active and chore.resolved_at is None
    fresh = Ticket.objects.get(pk=chore.pk)
    assert (fresh.state, fresh.version) == ("doing", 4)
    assert list(fresh.journal.filter(field="state").values_list("old_value", "new_value")) == [
        ("", "todo"), ("todo", "doing"), ("doing", "done"), ("done", "doing")]


@pytest.mark.django_db
def test_a_new_kinds_cancelled_state_cancels_its_clocks(chores, chore_sla, requester_a):
    with clock.frozen(T0):
        chore = raise_chore(requester_a)
    with clock.frozen(T0 + timedelta(hours=1)):
        move(chore, "dropped")
    assert SlaTimer.objects.get(ticket=chore).stage == Stage.CANCELLED


@pytest.mark.django_db
def test_escalations_of_a_new_kind_run_through_its_hook(chores, chore_sla, requester_a, team_network, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with clock.frozen(T0):
        chore = raise_chore(requester_a)
    with clock.frozen(T0 + timedelta(hours=11)):
        sweep()
    assert chores.escalations == [(chore.number, Action.REASSIGN, team_network)]
    breach = SlaEvent.objects.get(timer__ticket=chore, kind="breach")
    assert breach.actions == [{"action": Action.REASSIGN, "done": True, "detail": "chore reassign done"}]


@pytest.mark.django_db
def test_sla_mail_of_a_new_kind_links_its_page_and_names_its_state(chores, chore_sla, requester_a, agent_a):
    with clock.frozen(T0):
        chore = raise_chore(requester_a, assignee=agent_a)
    with clock.frozen(T0 + timedelta(hours=5)):
        sweep()
    warning = SlaEvent.objects.get(timer__ticket=chore, kind="warning")
    from core.notifications import recipients

    subject, body = compose(warning, recipients([agent_a])[0])
    assert chore.number in subject
    assert f"/chores/{chore.number}/" in body and "To do" in body and "todo" not in body


@pytest.mark.django_db
def test_a_ticket_of_a_kind_no_app_declares_is_refused_not_guessed(chore_sla, requester_a):
    """Without its kind (the app was removed) the engine refuses to guess which states stop a clock."""
    with registered(ChoreKind()) as chores:
        kinds.unregister(chores.key)  # no app declares `task` in this block (the catalog's steps aside)
        with pytest.raises(LookupError, match="No ticket kind 'task'"), clock.frozen(T0):
            raise_chore(requester_a)


@pytest.mark.django_db
def test_escalating_a_kind_no_app_declares_is_recorded_not_crashed(chores, chore_sla, requester_a, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with clock.frozen(T0):
        chore = raise_chore(requester_a)
    kinds.unregister(chores.key)
    with clock.frozen(T0 + timedelta(hours=11)):
        sweep()
    breach = SlaEvent.objects.get(timer__ticket=chore, kind="breach")
    assert breach.actions[0]["detail"] == "skipped: no task kind is installed"


# --- demo data: each app seeds its own -------------------------------------------------------------------

def test_demo_modules_run_after_what_they_need():
    from accounts.management.commands.seed_demo import demo_modules

    order = [module.__name__.split(".")[0] for module in demo_modules()]
    assert order[0] == "accounts"
    assert order.index("catalog") < order.index("incidents")
    assert order.index("sla") < order.index("incidents")  # clocks exist before the demo incidents are raised


@pytest.mark.django_db(transaction=True)
def test_seeding_twice_adds_nothing(settings, capsys):
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo")
    first = capsys.readouterr().out
    count = Ticket.objects.count()
    call_command("seed_demo")
    second = capsys.readouterr().out
    incidents = Ticket.objects.filter(kind="incident").count()
    desk = int(re.search(r"(\d+) new incidents", first).group(1))
    history = int(re.search(r"(\d+) new KPI history incidents", first).group(1))  # the KPI dashboard's past year
    assert desk + history == incidents and desk >= 20
    assert "2 new problems" in first and Ticket.objects.filter(kind="problem").count() == 2
    assert "0 new incidents, 0 new problems" in second and Ticket.objects.count() == count
    assert SlaTimer.objects.filter(definition__target=Target.RESOLUTION).exists()


# --- the API a kind gets by declaring itself ---------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.urls("tests.core.chore_urls")
def test_a_new_kind_gets_the_child_endpoints_with_the_access_rule(chores, requester_a, requester_b, agent_a,
                                                                   team_service_desk, token_client):
    chore = raise_chore(requester_a, team=team_service_desk)  # agent_a's team
    base = f"/api/v1/chores/{chore.number}"
    agent, owner, stranger = token_client(agent_a), token_client(requester_a), token_client(requester_b)

    note = agent.post(f"{base}/comments/", {"body": "Checked the soil.", "internal": True}, format="json")
    reply = owner.post(f"{base}/comments/", {"body": "Thanks!"}, format="json")
    assert note.status_code == 201 and reply.status_code == 201
    assert [c["body"] for c in agent.get(f"{base}/comments/").json()["results"]] == ["Checked the soil.", "Thanks!"]
    assert [c["body"] for c in owner.get(f"{base}/comments/").json()["results"]] == ["Thanks!"]  # no work notes
    assert owner.post(f"{base}/comments/", {"body": "x", "internal": True}, format="json").status_code == 400
    assert owner.get(f"{base}/watchers/").status_code == 403  # the desk's list
    added = owner.post(f"{base}/watchers/", {}, format="json")
    assert added.status_code == 201, added.json()  # oneself
    assert stranger.get(f"{base}/comments/").status_code == 404  # another organization: it does not exist
    history = agent.get(f"{base}/history/").json()["results"]
    assert [(e["kind"], e["body"]) for e in history if e["kind"] != "field_change"][:2] == [
        ("work_note", "Checked the soil."), ("comment", "Thanks!")]


@pytest.mark.django_db
def test_a_field_hidden_from_end_users_is_internal_in_their_history(make_incident, requester_a, agent_a,
                                                                     token_client):
    """`end_user_hidden_fields` is the one declaration: the API leaves those fields out for end users and the
    journal keeps their changes internal, without restating them in `internal_fields`."""
    from incidents import services

    incident = make_incident(requester_a, title="Printer offline")
    kind = kinds.get("incident")
    assert "channel" in kind.end_user_hidden_fields and "channel" not in kind.internal_fields
    services.update_incident(incident, agent_a, {"channel": "phone", "urgency": 1})
    url = f"/api/v1/incidents/{incident.number}/"
    mine = token_client(requester_a).get(url).json()
    assert "channel" not in mine and mine["urgency"] == 1
    fields = [e.get("field") for e in token_client(requester_a).get(url + "history/").json()["results"]]
    assert "urgency" in fields and "channel" not in fields
    desk = [e.get("field") for e in token_client(agent_a).get(url + "history/").json()["results"]]
    assert "channel" in desk
