"""The incident service functions: the rules every channel (browser, API, Celery) goes through."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from core.models import JournalEntry, JournalKind
from incidents import services
from incidents.choices import State
from incidents.models import AssignmentRule, Incident

pytestmark = pytest.mark.django_db


def test_create_numbers_routes_and_journals(requester_a, make_incident, team_service_desk):
    incident = make_incident(requester_a, urgency=1)
    assert incident.number.startswith("INC") and len(incident.number) == 10
    assert incident.state == State.NEW and incident.active
    assert incident.team == team_service_desk  # the service's support team
    assert incident.priority == 3  # impact 3 (default) x urgency 1
    assert incident.organization == requester_a.organization
    assert incident.channel == "portal"
    fields = list(incident.journal.values_list("field", "new_value"))
    assert ("state", "new") in fields and ("team", "Service Desk") in fields  # a choice's code; a team's name


def test_numbers_increase(requester_a, make_incident):
    a, b = make_incident(requester_a), make_incident(requester_a)
    assert int(b.number[3:]) == int(a.number[3:]) + 1


def test_assignment_rule_wins_over_service(requester_a, make_incident, category_hardware, team_network):
    AssignmentRule.objects.create(category=category_hardware, team=team_network)
    incident = make_incident(requester_a, category=category_hardware)
    assert incident.team == team_network


@pytest.mark.parametrize("field", ["state", "priority", "team", "assignee", "requester", "impact", "major"])
def test_end_users_cannot_set_internal_fields(requester_a, make_incident, field, team_network, agent_b):
    value = {"state": "resolved", "priority": 1, "team": team_network.pk, "assignee": agent_b.pk,
             "requester": agent_b.pk, "impact": 1, "major": True}[field]
    with pytest.raises(ValidationError) as exc:
        make_incident(requester_a, **{field: value})
    assert field in exc.value.message_dict


def test_priority_follows_the_matrix(agent_a, requester_a, make_incident):
    incident = make_incident(requester_a)
    incident = services.update_incident(incident, agent_a, {"impact": 1, "urgency": 1})
    assert incident.priority == 1
    changes = dict(incident.journal.filter(kind=JournalKind.FIELD_CHANGE).values_list("field", "new_value"))
    assert changes["priority"] == "1"


def test_assignee_must_belong_to_the_team(agent_a, agent_b, requester_a, make_incident):
    incident = make_incident(requester_a)
    with pytest.raises(ValidationError) as exc:
        services.update_incident(incident, agent_a, {"assignee": agent_b.pk})
    assert "assignee" in exc.value.message_dict


def test_stale_version_is_a_conflict_and_changes_nothing(agent_a, requester_a, make_incident):
    incident = make_incident(requester_a)
    services.update_incident(incident, agent_a, {"title": "First"}, expected_version=1)
    with pytest.raises(services.ConflictError):
        services.update_incident(incident, agent_a, {"title": "Second"}, expected_version=1)
    assert Incident.objects.get(pk=incident.pk).title == "First"


def test_transition_table_is_enforced(agent_a, requester_a, make_incident):
    incident = make_incident(requester_a)
    with pytest.raises(services.TransitionError) as exc:
        services.transition(incident, agent_a, State.CLOSED)
    assert "Allowed from New: In progress, On hold, Resolved, Cancelled." in exc.value.message


def test_hold_needs_a_reason_and_resolve_needs_code_and_notes(agent_a, requester_a, make_incident):
    incident = make_incident(requester_a)
    with pytest.raises(services.TransitionError) as exc:
        services.transition(incident, agent_a, State.ON_HOLD)
    assert "hold_reason" in exc.value.field_errors
    with pytest.raises(services.TransitionError) as exc:
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved")
    assert set(exc.value.field_errors) == {"resolution_notes"}
    incident = services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_vendor")
    assert incident.hold_reason == "awaiting_vendor" and incident.active
    incident = services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved",
                                   resolution_notes="Replaced the toner.")
    assert incident.resolved_at and not incident.active and incident.hold_reason == ""


def test_take_assigns_and_starts_work(agent_a, requester_a, make_incident):
    incident = services.take(make_incident(requester_a), agent_a)
    assert incident.assignee == agent_a and incident.state == State.IN_PROGRESS


def test_requester_reply_reopens_and_confirm_closes(agent_a, requester_a, make_incident):
    incident = services.take(make_incident(requester_a), agent_a)
    services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="Done")
    services.add_comment(incident, requester_a, "Still broken")
    incident.refresh_from_db()
    assert incident.state == State.IN_PROGRESS and incident.resolved_at is None
    services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="Done")
    incident = services.transition(incident, requester_a, State.CLOSED)
    assert incident.state == State.CLOSED and incident.closed_at


def test_end_users_cannot_work_incidents(requester_a, requester_b, make_incident):
    incident = make_incident(requester_a)
    with pytest.raises(services.TransitionError):
        services.transition(incident, requester_a, State.IN_PROGRESS)
    with pytest.raises(ValidationError):
        services.add_comment(incident, requester_a, "note", internal=True)
    with pytest.raises(PermissionDenied):
        services.update_incident(incident, requester_b, {"title": "mine now"})


def test_resolving_a_parent_resolves_its_children(agent_a, requester_a, requester_b, make_incident):
    parent = make_incident(requester_a)
    child = make_incident(requester_b)
    services.update_incident(child, agent_a, {"parent": parent.pk})
    services.transition(parent, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="Mail back")
    child.refresh_from_db()
    assert child.state == State.RESOLVED and child.resolution_code == "resolved_by_parent"
    assert JournalEntry.objects.filter(ticket=child, kind=JournalKind.COMMENT, body__contains=parent.number).exists()


def test_auto_close_after_the_configured_days(agent_a, requester_a, make_incident, settings):
    from datetime import timedelta

    from django.utils import timezone

    settings.INCIDENT_AUTO_CLOSE_DAYS = 3
    incident = make_incident(requester_a)
    services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    assert services.auto_close_resolved(now=timezone.now() + timedelta(days=2)) == []
    assert services.auto_close_resolved(now=timezone.now() + timedelta(days=4)) == [incident.number]
    assert services.auto_close_resolved(now=timezone.now() + timedelta(days=5)) == []  # idempotent
    incident.refresh_from_db()
    assert incident.state == State.CLOSED


def test_bulk_assign_collects_errors(agent_a, agent_b, requester_a, make_incident, team_network):
    a, b = make_incident(requester_a), make_incident(requester_a)
    services.transition(b, agent_a, State.CANCELLED)
    result = services.bulk_assign([a, b], agent_a, team=team_network, assignee=agent_b)
    assert result.updated == [a.number]
    assert "can no longer change" in result.errors[b.number][0]
    a.refresh_from_db()
    assert a.team == team_network and a.assignee == agent_b


def test_refusals_name_choices_by_their_labels(agent_a, requester_a, make_incident):
    """What a person reads when a choice is refused: labels, quoted input, never codes or Python reprs."""
    from django.core.exceptions import ValidationError

    from accounts.models import validate_timezone
    from core import services as core_services

    incident, other = make_incident(requester_a), make_incident(requester_a)
    with pytest.raises(ValidationError) as exc:
        core_services.link_tickets(incident, other, "blocks", agent_a)
    assert exc.value.message_dict["kind"] == [
        "Unknown link kind “blocks”. Known: Related to, Duplicate of, Caused by, Parent of, Fixed by, Solved by."
    ]
    with pytest.raises(ValidationError) as exc:
        services.update_incident(incident, agent_a, {"channel": "fax", "impact": 7})
    assert exc.value.message_dict == {
        "channel": ["“fax” is not one of: Portal, E-mail, Phone, API, Monitoring."],
        "impact": ["“7” is not one of: 1 - High, 2 - Medium, 3 - Low."],
    }
    with pytest.raises(ValidationError) as exc:
        validate_timezone("Mars/Olympus")
    assert exc.value.messages == ["“Mars/Olympus” is not a known time zone (e.g. Europe/Paris)."]
