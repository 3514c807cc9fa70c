"""What an event does once processed: an incident raised, counted, resolved, reopened, suppressed or held, as the
desk sees it on the incident (state, history, CI) and in the event's state."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from accounts.roles import Role
from changes.models import Change
from cmdb.models import AffectedCI
from core import clock
from core.models import JournalEntry, JournalKind
from events import processing
from events.choices import EventState
from events.models import Alert, EventRule, MaintenanceWindow
from incidents import services as incident_services
from incidents.choices import Channel, State
from incidents.models import Incident
from tests.events.support import fire, resolve, store

pytestmark = pytest.mark.django_db


def work_notes(incident: Incident) -> list[str]:
    return list(JournalEntry.objects.filter(ticket_id=incident.pk, kind=JournalKind.WORK_NOTE)
                .order_by("id").values_list("body", flat=True))


def test_a_firing_event_raises_an_incident_on_its_ci_for_its_support_team(make_ci, team_network):
    ci = make_ci("web-1", support_team=team_network)
    event = fire(severity="critical")
    assert event.state == EventState.TICKETED and event.ci == ci
    incident = Incident.objects.get(pk=event.incident_id)
    assert incident.channel == Channel.MONITORING
    assert incident.title.startswith("disk_space on web-1")
    assert (incident.impact, incident.urgency, incident.priority) == (1, 1, 1)
    assert incident.team == team_network
    assert incident.requester.username == "monitoring" and incident.requester.role == Role.AGENT
    assert not incident.requester.has_usable_password()
    assert AffectedCI.objects.filter(ticket_id=incident.pk, ci=ci).exists()
    assert event.note == f"Raised {incident.number}."


def test_the_ci_is_found_by_instance_label_without_port_nor_domain(make_ci):
    ci = make_ci("DB-1")
    event = fire(source="alertmanager", node="db-1.example.com:9100", labels={"instance": "db-1.example.com:9100"})
    assert event.ci == ci


def test_the_same_fingerprint_while_open_is_counted_not_raised_again(settings):
    settings.EVENTS_NOTE_INTERVAL_MINUTES = 15
    first = fire()
    for _ in range(4):
        again = fire()
        assert again.state == EventState.DEDUPLICATED and again.incident_id == first.incident_id
    assert Incident.objects.count() == 1
    alert = Alert.objects.get()
    assert alert.count == 5
    assert work_notes(first.incident) == []  # the first note waits for the interval, not one per event
    with clock.frozen(timezone.now() + timedelta(minutes=16)):
        fire()
    notes = work_notes(first.incident)
    assert len(notes) == 1 and "6 occurrences" in notes[0]


def test_information_is_recorded_never_ticketed():
    event = fire(severity="info")
    assert event.state == EventState.RECORDED and event.incident is None
    assert event.note == "Information: recorded, never ticketed."
    assert not Incident.objects.exists()


def test_a_rule_maps_impact_and_team_or_records_only(team_service_desk):
    EventRule.objects.create(order=1, name="Backups are only logged", source="nagios", node_pattern="backup-*",
                             raise_incidents=False)
    EventRule.objects.create(order=2, name="Web disks", node_pattern="web-*", label_name="env", label_value="prod*",
                             impact=3, urgency=3, team=team_service_desk)
    logged = fire(node="backup-7", fingerprint="b7")
    assert logged.state == EventState.RECORDED and "Backups are only logged" in logged.note
    web = fire(node="web-9", fingerprint="w9", labels={"env": "production"})
    assert web.incident.team == team_service_desk and web.incident.priority == 5
    other = fire(node="web-8", fingerprint="w8", labels={"env": "test"})  # the label does not match: defaults
    assert other.incident.team is None and (other.incident.impact, other.incident.urgency) == (1, 2)  # major


def test_a_maintenance_window_suppresses_firing_events(make_ci):
    ci = make_ci("web-1")
    now = timezone.now()
    MaintenanceWindow.objects.create(name="Patch night", start=now - timedelta(hours=1), end=now + timedelta(hours=1),
                                     ci=ci)
    event = fire()
    assert event.state == EventState.SUPPRESSED and event.note == "Maintenance window “Patch night”."
    assert not Incident.objects.exists()
    other = fire(node="web-2", fingerprint="web-2")  # another CI is not in the window
    assert other.state == EventState.TICKETED


def test_a_window_for_every_ci_suppresses_events_without_a_ci():
    now = timezone.now()
    MaintenanceWindow.objects.create(name="Datacentre move", start=now - timedelta(minutes=5),
                                     end=now + timedelta(minutes=5))
    assert fire(node="unknown-host").state == EventState.SUPPRESSED


def test_an_ended_window_suppresses_nothing(make_ci):
    now = timezone.now()
    MaintenanceWindow.objects.create(name="Yesterday", start=now - timedelta(days=1), end=now - timedelta(hours=20))
    assert fire().state == EventState.TICKETED


@pytest.mark.parametrize(("state", "suppressed"), [("scheduled", True), ("implement", True), ("review", False)])
def test_a_change_at_work_on_the_ci_suppresses_its_events(make_ci, agent_a, state, suppressed):
    from changes.services import raise_change
    from cmdb.services import affect

    ci = make_ci("web-1")
    change = raise_change(agent_a, {"title": "Patch web-1", "description": "Kernel update."})
    affect(change, ci, agent_a)
    now = timezone.now()
    Change.objects.filter(pk=change.pk).update(state=state, planned_start=now - timedelta(minutes=10),
                                               planned_end=now + timedelta(minutes=50))
    event = fire()
    if suppressed:
        assert event.state == EventState.SUPPRESSED and change.number in event.note
    else:
        assert event.state == EventState.TICKETED


def test_a_change_whose_window_is_over_suppresses_nothing(make_ci, agent_a):
    from changes.services import raise_change
    from cmdb.services import affect

    ci = make_ci("web-1")
    change = raise_change(agent_a, {"title": "Patch web-1", "description": "Kernel update."})
    affect(change, ci, agent_a)
    now = timezone.now()
    Change.objects.filter(pk=change.pk).update(state="implement", planned_start=now - timedelta(hours=3),
                                               planned_end=now - timedelta(hours=1))
    assert fire().state == EventState.TICKETED


def test_resolved_resolves_an_untouched_incident_and_a_firing_within_grace_reopens_it(settings):
    settings.EVENTS_REOPEN_GRACE_MINUTES = 30
    incident = fire().incident
    done = resolve()
    incident.refresh_from_db()
    assert done.state == EventState.RESOLVED and incident.state == State.RESOLVED
    assert "Resolved automatically" in incident.resolution_notes
    with clock.frozen(timezone.now() + timedelta(minutes=20)):
        again = fire()
    incident.refresh_from_db()
    assert again.state == EventState.TICKETED and again.incident_id == incident.pk
    assert again.note == f"Reopened {incident.number}."
    assert incident.state == State.IN_PROGRESS and incident.responded_at is None  # monitoring is no response
    assert any(n.startswith("Reopened: the alert fired again") for n in work_notes(incident))
    assert Incident.objects.count() == 1


def test_a_firing_after_the_grace_period_raises_a_new_incident(settings):
    settings.EVENTS_REOPEN_GRACE_MINUTES = 30
    first = fire().incident
    resolve()
    with clock.frozen(timezone.now() + timedelta(minutes=31)):
        again = fire()
    assert again.state == EventState.TICKETED and again.incident_id != first.pk
    first.refresh_from_db()
    assert first.state == State.RESOLVED
    assert Alert.objects.get().count == 1  # counted on the new incident


def test_resolved_leaves_a_worked_incident_open_with_a_work_note(agent_b):
    incident = fire().incident
    incident_services.add_comment(incident, agent_b, "Looking at the disk.", internal=True)
    done = resolve()
    incident.refresh_from_db()
    assert done.state == EventState.RESOLVED and incident.state == State.NEW
    assert "stays open" in work_notes(incident)[-1]
    assert done.note == f"{incident.number} was worked on: a work note tells its team."


def test_an_incident_taken_by_an_agent_is_not_resolved_by_monitoring(agent_b, team_network, make_ci):
    make_ci("web-1", support_team=team_network)
    incident = fire().incident
    incident_services.take(incident, agent_b)
    resolve()
    incident.refresh_from_db()
    assert incident.state == State.IN_PROGRESS


def test_resolved_without_an_open_incident_is_recorded():
    event = resolve()
    assert event.state == EventState.RECORDED and event.note == "No open incident to resolve."


def test_flapping_is_held_with_one_work_note(settings):
    settings.EVENTS_FLAP_CHANGES, settings.EVENTS_FLAP_MINUTES = 4, 10
    settings.EVENTS_REOPEN_GRACE_MINUTES = 30
    incident = fire().incident
    states = [resolve().state, fire().state, resolve().state]  # 3 changes: resolve, reopen, resolve
    assert states == [EventState.RESOLVED, EventState.TICKETED, EventState.RESOLVED]
    held = [fire(), resolve(), fire()]  # the 4th change and on: flapping
    assert [e.state for e in held] == [EventState.FLAPPING] * 3
    assert Incident.objects.count() == 1
    incident.refresh_from_db()
    assert incident.state == State.RESOLVED  # held as it was: no reopening while flapping
    flapping_notes = [n for n in work_notes(incident) if n.startswith("The alert is flapping")]
    assert len(flapping_notes) == 1
    assert Alert.objects.get().flapping


def test_a_flapping_alert_settles_once_the_window_has_passed(settings):
    settings.EVENTS_FLAP_CHANGES, settings.EVENTS_FLAP_MINUTES = 3, 10
    fire()
    resolve()
    fire()
    assert resolve().state == EventState.FLAPPING
    with clock.frozen(timezone.now() + timedelta(minutes=11)):
        event = resolve()
    assert event.state != EventState.FLAPPING and not Alert.objects.get().flapping


def test_processing_twice_does_the_work_once():
    event = store()
    assert processing.process(event.pk) == EventState.TICKETED
    assert processing.process(event.pk) is None
    assert Incident.objects.count() == 1 and Alert.objects.get().count == 1


def test_the_process_task_reports_each_state():
    from events.tasks import process

    ids = [store(severity="info").pk, store().pk, store().pk]
    assert process(ids) == {"recorded": 1, "ticketed": 1, "deduplicated": 1}


def test_an_incident_the_configuration_refuses_leaves_the_event_recorded_with_why(monkeypatch):
    from django.core.exceptions import ValidationError

    def refuse(*args, **kwargs):
        raise ValidationError({"team": ["This team no longer takes incidents."]})

    monkeypatch.setattr(incident_services, "create_incident", refuse)
    event = fire()
    assert event.state == EventState.RECORDED
    assert event.note == "No incident could be raised: This team no longer takes incidents."
    assert not Incident.objects.exists() and Alert.objects.get().incident is None


def test_a_firing_processed_after_its_own_resolution_changes_nothing():
    """Two workers took an Alertmanager alert's firing and its resolution in the wrong order."""
    from datetime import datetime

    started = datetime(2026, 12, 5, 10, 0, tzinfo=UTC)
    done = resolve(source="alertmanager", fingerprint="am:1", starts_at=started)
    late = fire(source="alertmanager", fingerprint="am:1", starts_at=started)
    assert done.state == EventState.RECORDED
    assert late.state == EventState.RECORDED and late.note == "Arrived after its own resolution: nothing to do."
    assert not Incident.objects.exists()
    later = fire(source="alertmanager", fingerprint="am:1", starts_at=started + timedelta(hours=1))
    assert later.state == EventState.TICKETED  # a new occurrence fires as usual
