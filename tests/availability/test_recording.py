"""Outages recorded automatically: a major incident takes its service down from the time it was opened until it is
resolved; an incident raised by event management on a CI takes down the services the CI supports; recording is
idempotent (writes and reprocessing never duplicate), reopening opens the outage again, and an outage a manager
adjusted is theirs."""

from __future__ import annotations

from datetime import timedelta

import pytest

from availability import recording
from availability import services as outages
from availability.choices import Severity, Source
from availability.models import Outage, OutageChange
from cmdb import services as cmdb
from core import clock
from incidents import services as incident_services
from incidents.choices import ResolutionCode, State
from incidents.models import Incident
from tests.availability.conftest import at
from tests.events.support import fire, resolve

pytestmark = pytest.mark.django_db


def resolve_incident(incident, actor):
    return incident_services.transition(incident, actor, State.RESOLVED, resolution_code=ResolutionCode.SOLVED,
                                        resolution_notes="Relay restarted.")


def test_a_major_incident_records_a_full_outage_of_its_service_until_resolved(make_incident, requester_a, manager,
                                                                             agent_a, service_email):
    with clock.frozen(at(11, 10, 9)):
        incident = make_incident(requester_a)
    assert not Outage.objects.exists()  # an ordinary incident is no outage
    with clock.frozen(at(11, 10, 9, 30)):
        incident_services.update_incident(incident, manager, {"major": True})
    outage = Outage.objects.get()
    assert (outage.service, outage.incident_id, outage.start, outage.end) == (service_email, incident.pk,
                                                                              at(11, 10, 9), None)
    assert (outage.severity, outage.source) == (Severity.FULL, Source.MAJOR_INCIDENT)
    with clock.frozen(at(11, 10, 10)):
        incident_services.add_comment(incident, agent_a, "Restarting the relay.", internal=True)
        incident_services.update_incident(incident, agent_a, {"assignee": agent_a})  # another write: still one
    assert Outage.objects.count() == 1
    with clock.frozen(at(11, 10, 11)):
        resolve_incident(incident, agent_a)
    outage.refresh_from_db()
    assert outage.end == at(11, 10, 11)
    with clock.frozen(at(11, 10, 12)):
        incident_services.transition(incident, agent_a, State.IN_PROGRESS)  # reopened: down again
    outage.refresh_from_db()
    assert outage.end is None and Outage.objects.count() == 1
    assert list(OutageChange.objects.filter(outage=outage).order_by("id").values_list("action", flat=True)) == [
        "created", "ended", "reopened"]


def test_recording_twice_changes_nothing(make_incident, requester_a, manager):
    incident = make_incident(requester_a)
    incident_services.update_incident(incident, manager, {"major": True})
    incident = Incident.objects.get(pk=incident.pk)
    recording.sync(incident)
    recording.sync(incident)
    assert Outage.objects.count() == 1 and OutageChange.objects.count() == 1


def test_unflagging_a_major_incident_removes_its_automatic_outage(make_incident, requester_a, manager):
    incident = make_incident(requester_a)
    incident_services.update_incident(incident, manager, {"major": True})
    incident_services.update_incident(incident, manager, {"major": False})
    assert not Outage.objects.exists()
    assert OutageChange.objects.filter(action="deleted").count() == 1


def test_an_outage_a_manager_adjusted_is_no_longer_moved_by_its_incident(make_incident, requester_a, manager,
                                                                         agent_a):
    with clock.frozen(at(11, 10, 9)):
        incident = make_incident(requester_a)
        incident_services.update_incident(incident, manager, {"major": True})
    with clock.frozen(at(11, 10, 12)):
        outages.update(manager, Outage.objects.get(), {"start": at(11, 10, 9, 15)})
        resolve_incident(incident, agent_a)
    outage = Outage.objects.get()
    assert (outage.start, outage.end, outage.adjusted) == (at(11, 10, 9, 15), None, True)


def test_an_event_incident_on_a_ci_records_an_outage_of_the_services_it_supports(make_ci, service_email,
                                                                                 service_vpn, team_network):
    ci = make_ci("web-1", support_team=team_network)
    ci.services.set([service_email, service_vpn])
    with clock.frozen(at(11, 10, 9)):
        event = fire(severity="critical")
    incident = Incident.objects.get(pk=event.incident_id)
    found = {o.service_id: o for o in Outage.objects.all()}
    assert set(found) == {service_email.pk, service_vpn.pk}
    assert all(o.incident_id == incident.pk and o.start == incident.opened_at and o.end is None
               and o.source == Source.MONITORING and o.severity == Severity.FULL for o in found.values())
    with clock.frozen(at(11, 10, 9, 5)):
        fire(severity="critical")  # deduplicated on the same incident: no second outage
    assert Outage.objects.count() == 2
    with clock.frozen(at(11, 10, 10)):
        resolve()  # nobody worked on it: monitoring resolves the incident, the outages end
    assert set(Outage.objects.values_list("end", flat=True)) == {at(11, 10, 10)}


def test_a_warning_event_incident_records_a_partial_outage(make_ci, service_email):
    make_ci("web-1").services.set([service_email])
    with clock.frozen(at(11, 10, 9)):
        event = fire(severity="warning")
    incident = Incident.objects.get(pk=event.incident_id)
    if incident.impact == 1:
        pytest.skip("the rules map warnings to a high impact")
    assert Outage.objects.get().severity == Severity.PARTIAL


def test_an_event_incident_on_a_ci_of_no_service_records_nothing(make_ci):
    make_ci("web-1")
    fire(severity="critical")
    assert not Outage.objects.exists()


def test_a_major_incident_without_a_service_takes_down_the_services_of_its_cis(make_incident, requester_a,
                                                                               manager, make_ci, service_vpn):
    incident = make_incident(requester_a, service=None)
    incident_services.update_incident(incident, manager, {"major": True})
    assert not Outage.objects.exists()
    ci = make_ci("vpn-gw")
    ci.services.set([service_vpn])
    cmdb.affect(incident, ci, manager)
    assert Outage.objects.get().service == service_vpn
    cmdb.unaffect(incident, ci, manager)
    assert not Outage.objects.exists()


def test_an_incident_resolved_the_instant_it_was_opened_records_no_outage(make_incident, requester_a, manager):
    with clock.frozen(at(11, 10, 9)):
        incident = make_incident(requester_a)
        incident_services.update_incident(incident, manager, {"major": True})
        resolve_incident(incident, manager)
    assert not Outage.objects.exists()
    assert clock.now() - at(11, 10, 9) > timedelta(0)
