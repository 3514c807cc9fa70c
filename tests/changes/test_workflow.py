"""The change workflow through the core write path: what each state needs, the authorisation decision, and
changes raised from a problem or linked to the incidents they caused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from changes import services
from changes.choices import ChangeType, Outcome, State
from changes.kind import CHANGE
from changes.models import Change
from core import clock, raised_from, writes
from core.models import JournalEntry, LinkKind, TicketLink
from core.workflow import TransitionError

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}


def raise_change(actor, **fields) -> Change:
    return writes.create(CHANGE, actor, {"title": "Replace the failing disk of FS-01", **fields})


def window(days: int = 2, hours: int = 2) -> dict:
    start = (clock.now() + timedelta(days=days)).replace(microsecond=0)
    return {"planned_start": start, "planned_end": start + timedelta(hours=hours)}


def move(change: Change, actor, state: str, **fields) -> Change:
    return writes.transition(CHANGE, change, actor, state, fields=fields)


def field_errors(exc: pytest.ExceptionInfo) -> set[str]:
    return set(exc.value.field_errors)


def test_a_normal_change_is_planned_assessed_authorised_scheduled_implemented_reviewed_and_closed(
        agent_a, manager):
    change = raise_change(agent_a, change_manager=manager)
    with pytest.raises(TransitionError) as no_plans:
        move(change, agent_a, State.ASSESS)
    assert field_errors(no_plans) == {"implementation_plan", "backout_plan", "test_plan"}
    writes.update(CHANGE, change, agent_a, PLANS)
    move(change, agent_a, State.ASSESS)
    move(change, agent_a, State.AUTHORIZE)
    with pytest.raises(TransitionError) as unauthorised:
        move(change, agent_a, State.SCHEDULED)
    assert field_errors(unauthorised) == {"authorization", "planned_start"}

    services.decide(change, manager, approve=True, comment="Low impact at night.")
    change.refresh_from_db()
    assert change.authorized_by == manager and change.state == State.AUTHORIZE
    writes.update(CHANGE, change, agent_a, window())
    move(change, agent_a, State.SCHEDULED)
    move(change, agent_a, State.IMPLEMENT)
    change.refresh_from_db()
    assert change.actual_start is not None
    with pytest.raises(TransitionError) as no_outcome:
        move(change, agent_a, State.REVIEW)
    assert field_errors(no_outcome) == {"outcome"}
    move(change, agent_a, State.REVIEW, outcome=Outcome.SUCCESSFUL)
    with pytest.raises(TransitionError) as no_notes:
        move(change, agent_a, State.CLOSED)
    assert field_errors(no_notes) == {"close_notes"}
    move(change, agent_a, State.CLOSED, close_notes="Disk replaced, array rebuilt.")
    change.refresh_from_db()
    assert (change.state, change.outcome, change.active) == (State.CLOSED, Outcome.SUCCESSFUL, False)
    assert change.actual_end is not None
    journal = JournalEntry.objects.filter(ticket_id=change.pk)
    assert journal.filter(field="authorization", new_value=f"approved by {manager.display_name}").exists()
    assert journal.filter(kind="work_note", body="Approved: Low impact at night.").exists()


def test_a_rejection_needs_a_reason_returns_the_change_to_assess_and_only_the_manager_decides(
        agent_a, agent_b, manager):
    change = raise_change(agent_a, change_manager=manager, **PLANS)
    move(change, agent_a, State.ASSESS)
    move(change, agent_a, State.AUTHORIZE)
    with pytest.raises(PermissionDenied):
        services.decide(change, agent_b, approve=True)  # not the change manager, not a manager
    with pytest.raises(ValidationError) as no_reason:
        services.decide(change, manager, approve=False)
    assert set(no_reason.value.message_dict) == {"comment"}
    services.decide(change, manager, approve=False, comment="No backout for the database part.")
    change.refresh_from_db()
    assert change.state == State.ASSESS and change.authorized_at is None
    assert JournalEntry.objects.filter(ticket_id=change.pk, body__startswith="Rejected: No backout").exists()
    with pytest.raises(ValidationError):
        services.decide(change, manager, approve=True)  # not waiting for authorisation any more


def test_going_back_to_assess_voids_the_authorisation(agent_a, manager):
    change = raise_change(agent_a, change_manager=manager, **PLANS, **window())
    move(change, agent_a, State.ASSESS)
    move(change, agent_a, State.AUTHORIZE)
    services.decide(change, manager, approve=True)
    move(Change.objects.get(pk=change.pk), agent_a, State.SCHEDULED)
    move(Change.objects.get(pk=change.pk), agent_a, State.ASSESS)  # re-plan
    assert Change.objects.get(pk=change.pk).authorized_at is None


def test_a_standard_change_is_pre_approved_and_goes_straight_to_scheduled(agent_a):
    change = raise_change(agent_a, change_type=ChangeType.STANDARD, **PLANS, **window())
    move(change, agent_a, State.SCHEDULED)  # from new: no assessment, no authorisation
    assert Change.objects.get(pk=change.pk).state == State.SCHEDULED
    other = raise_change(agent_a, change_type=ChangeType.STANDARD, **PLANS)
    move(other, agent_a, State.ASSESS)
    with pytest.raises(TransitionError) as refused:
        move(other, agent_a, State.AUTHORIZE)
    assert field_errors(refused) == {"change_type"}


def test_failed_and_emergency_changes_need_their_review_to_close(agent_a):
    change = raise_change(agent_a, change_type=ChangeType.STANDARD, **PLANS, **window())
    for state in (State.SCHEDULED, State.IMPLEMENT):
        move(change, agent_a, state)
    move(change, agent_a, State.REVIEW, outcome=Outcome.BACKED_OUT)
    with pytest.raises(TransitionError) as no_review:
        move(change, agent_a, State.CLOSED, close_notes="Backed out.")
    assert field_errors(no_review) == {"review_notes"}
    move(change, agent_a, State.CLOSED, close_notes="Backed out.", review_notes="The vendor's patch was wrong.")
    assert Change.objects.get(pk=change.pk).review_notes == "The vendor's patch was wrong."


def test_a_window_ends_after_it_starts(agent_a):
    start = clock.now() + timedelta(days=1)
    with pytest.raises(ValidationError) as refused:
        raise_change(agent_a, planned_start=start, planned_end=start - timedelta(hours=1))
    assert set(refused.value.message_dict) == {"planned_end"}


def test_a_change_raised_from_a_problem_delivers_its_fix_and_links_the_incidents_it_caused(
        agent_a, make_incident, requester_a):
    from problems import services as problems

    incident = make_incident(requester_a, title="Printing stopped")
    problem = problems.create_problem(agent_a, {"title": "Spooler hangs"})
    problem = problems.update_problem(problem, agent_a, {"root_cause": "A lock on the spool folder.",
                                                          "fix": "Exclude the folder from the backup."})
    change, raised = raised_from.raise_or_link(CHANGE, agent_a, [problem])
    assert raised and change.title == f"Fix for {problem.number}: Spooler hangs"
    assert (change.justification, change.implementation_plan) == ("A lock on the spool folder.",
                                                                  "Exclude the folder from the backup.")
    assert TicketLink.objects.filter(source=problem, target=change, kind=LinkKind.FIXED_BY).exists()
    assert raised_from.link_source(CHANGE, change, incident, agent_a)
    assert TicketLink.objects.filter(source=incident, target=change, kind=LinkKind.CAUSED_BY).exists()


def test_a_change_whose_plan_was_emptied_can_still_be_rejected_back_to_assessment(agent_a, manager):
    change = raise_change(agent_a, change_manager=manager, **PLANS)
    move(change, agent_a, State.ASSESS)
    move(change, agent_a, State.AUTHORIZE)
    writes.update(CHANGE, change, agent_a, {"backout_plan": ""})
    services.decide(change, manager, approve=False, comment="The backout plan is gone.")
    assert Change.objects.get(pk=change.pk).state == State.ASSESS


def test_a_change_to_a_critical_service_has_a_high_impact_whatever_was_typed(agent_a, service_email):
    from catalog.models import Criticality

    service_email.criticality = Criticality.CRITICAL
    service_email.save()
    change = raise_change(agent_a, impact=3, urgency=3)
    assert (change.impact, change.priority) == (3, 5)
    writes.update(CHANGE, change, agent_a, {"service": service_email})
    change.refresh_from_db()
    assert (change.impact, change.priority) == (1, 3)  # high impact, low urgency: moderate
    writes.update(CHANGE, change, agent_a, {"impact": 3})  # not lower while the service is critical
    change.refresh_from_db()
    assert change.impact == 1
    created = raise_change(agent_a, service=service_email, impact=2)
    assert created.impact == 1
