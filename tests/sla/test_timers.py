"""SLA timers driven by the incident services, on a frozen clock: the classic traps, one test each."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from core import clock
from incidents import services
from incidents.choices import State
from sla.models import SlaTimer, Stage, Target

pytestmark = pytest.mark.django_db
PARIS = ZoneInfo("Europe/Paris")
UTC = ZoneInfo("UTC")


def timer(incident, name) -> SlaTimer:
    return SlaTimer.objects.select_related("definition__schedule").get(ticket=incident, definition__name=name)


def test_timer_starts_with_the_incident_and_stops_on_resolution(requester_a, agent_a, make_incident, always,
                                                                make_definition):
    make_definition("P5 resolution", schedule=always, hours=10)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = make_incident(requester_a)
    t = timer(incident, "P5 resolution")
    assert t.stage == Stage.IN_PROGRESS and t.started_at == incident.opened_at
    assert t.due_at == datetime(2026, 11, 2, 18, tzinfo=UTC)
    assert t.next_event_at == datetime(2026, 11, 2, 13, tzinfo=UTC)  # the 50% warning
    with clock.frozen(datetime(2026, 11, 2, 12, tzinfo=UTC)):
        services.take(incident, agent_a)
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    t.refresh_from_db()
    assert t.stage == Stage.ACHIEVED and t.elapsed == timedelta(hours=4) and t.next_event_at is None


def test_response_stops_on_the_first_public_reply_not_a_work_note(requester_a, agent_a, make_incident, always,
                                                                  make_definition):
    make_definition("Response", Target.RESPONSE, schedule=always, hours=1)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = make_incident(requester_a)
    with clock.frozen(datetime(2026, 11, 2, 8, 10, tzinfo=UTC)):
        services.add_comment(incident, agent_a, "looking", internal=True)
    assert timer(incident, "Response").stage == Stage.IN_PROGRESS
    with clock.frozen(datetime(2026, 11, 2, 8, 20, tzinfo=UTC)):
        services.add_comment(incident, agent_a, "We are on it.")
    t = timer(incident, "Response")
    assert t.stage == Stage.ACHIEVED and t.elapsed == timedelta(minutes=20)


def test_pause_across_a_weekend_and_a_holiday(requester_a, agent_a, make_incident, office, make_definition):
    make_definition("Office resolution", schedule=office, hours=16)
    with clock.frozen(datetime(2026, 11, 6, 15, tzinfo=PARIS)):  # Friday 15:00
        incident = services.take(make_incident(requester_a), agent_a)
    with clock.frozen(datetime(2026, 11, 6, 16, tzinfo=PARIS)):  # 1 h counted, then waiting for the caller
        services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_caller")
    t = timer(incident, "Office resolution")
    assert t.stage == Stage.PAUSED and t.due_at is None and t.next_event_at is None
    with clock.frozen(datetime(2026, 11, 12, 10, tzinfo=PARIS)):  # Thursday 10:00, after weekend + holiday
        services.add_comment(incident, requester_a, "Here is the info")  # takes it off hold
    t = timer(incident, "Office resolution")
    assert t.stage == Stage.IN_PROGRESS
    assert t.elapsed == timedelta(hours=1)
    # paused business time: Fri 16-17, Mon 8h, Tue 8h, (Wed holiday), Thu 9-10
    assert t.paused_total == timedelta(hours=18)
    assert t.due_at == datetime(2026, 11, 13, 17, tzinfo=PARIS)  # 15 h left: Thu 10-17 (7) + Fri 9-17 (8)


def test_a_pause_for_another_reason_does_not_stop_the_clock(requester_a, agent_a, make_incident, always,
                                                           make_definition):
    make_definition("Resolution", schedule=always, hours=10)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = services.take(make_incident(requester_a), agent_a)
    with clock.frozen(datetime(2026, 11, 2, 9, tzinfo=UTC)):
        services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_vendor")
    assert timer(incident, "Resolution").stage == Stage.IN_PROGRESS


def test_changing_the_hold_reason_while_on_hold_pauses_or_resumes_the_clock(requester_a, agent_a, make_incident,
                                                                           always, make_definition):
    """Every write of a ticket reaches the SLA engine (core.services.commit), not only state changes."""
    make_definition("Resolution", schedule=always, hours=10)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = services.take(make_incident(requester_a), agent_a)
    with clock.frozen(datetime(2026, 11, 2, 9, tzinfo=UTC)):
        incident = services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_vendor")
    with clock.frozen(datetime(2026, 11, 2, 10, tzinfo=UTC)):
        incident = services.update_incident(incident, agent_a, {"hold_reason": "awaiting_caller"})
    assert timer(incident, "Resolution").stage == Stage.PAUSED
    with clock.frozen(datetime(2026, 11, 2, 12, tzinfo=UTC)):
        services.update_incident(incident, agent_a, {"hold_reason": "awaiting_vendor"})
    t = timer(incident, "Resolution")
    assert t.stage == Stage.IN_PROGRESS and t.due_at == datetime(2026, 11, 2, 20, tzinfo=UTC)  # 2 h paused


def test_priority_change_mid_clock_switches_sla_and_keeps_paused_time(requester_a, agent_a, make_incident, always,
                                                                      make_definition):
    make_definition("P1 resolution", schedule=always, hours=4, priorities=[1], order=1)
    make_definition("Default resolution", schedule=always, hours=24, order=2)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = services.take(make_incident(requester_a), agent_a)  # priority 5: default SLA
    with clock.frozen(datetime(2026, 11, 2, 9, tzinfo=UTC)):
        services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_caller")
    with clock.frozen(datetime(2026, 11, 2, 11, tzinfo=UTC)):
        services.transition(incident, agent_a, State.IN_PROGRESS)
    with clock.frozen(datetime(2026, 11, 2, 12, tzinfo=UTC)):
        services.update_incident(incident, agent_a, {"impact": 1, "urgency": 1})  # -> priority 1
    old, new = timer(incident, "Default resolution"), timer(incident, "P1 resolution")
    assert old.stage == Stage.CANCELLED
    assert new.stage == Stage.IN_PROGRESS and new.started_at == incident.opened_at
    assert new.paused_total == timedelta(hours=2)  # the hold before the change still counts as paused
    assert new.elapsed == timedelta(hours=2)  # 8-9 and 11-12
    assert new.due_at == datetime(2026, 11, 2, 14, tzinfo=UTC)
    # and back: the P1 timer is cancelled, the default one restarts from the opening with the same pause
    with clock.frozen(datetime(2026, 11, 2, 13, tzinfo=UTC)):
        services.update_incident(incident, agent_a, {"impact": 3, "urgency": 3})
    old = timer(incident, "Default resolution")
    assert old.stage == Stage.IN_PROGRESS and old.elapsed == timedelta(hours=3)
    assert timer(incident, "P1 resolution").stage == Stage.CANCELLED


def test_resolved_exactly_at_the_due_second_is_achieved(requester_a, agent_a, make_incident, always,
                                                        make_definition):
    make_definition("Resolution", schedule=always, hours=2)
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with clock.frozen(start):
        incident = services.take(make_incident(requester_a), agent_a)
    with clock.frozen(start + timedelta(hours=2)):
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    t = timer(incident, "Resolution")
    assert t.stage == Stage.ACHIEVED and not t.breached and t.elapsed == timedelta(hours=2)


def test_resolved_one_second_late_is_breached(requester_a, agent_a, make_incident, always, make_definition):
    make_definition("Resolution", schedule=always, hours=2)
    start = datetime(2026, 11, 2, 8, tzinfo=UTC)
    with clock.frozen(start):
        incident = services.take(make_incident(requester_a), agent_a)
    with clock.frozen(start + timedelta(hours=2, seconds=1)):
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    t = timer(incident, "Resolution")
    assert t.stage == Stage.BREACHED and t.breached and t.breached_at == start + timedelta(hours=2)


def test_due_time_in_a_dst_change_night(requester_a, make_incident, always, make_definition):
    always.time_zone = "Europe/Paris"
    always.save()
    make_definition("Overnight", schedule=always, hours=3)
    # 25 Oct 2026, Paris: 03:00 CEST -> 02:00 CET. Opened at 00:30 local (22:30 UTC the day before).
    with clock.frozen(datetime(2026, 10, 24, 22, 30, tzinfo=UTC)):
        incident = make_incident(requester_a)
    t = timer(incident, "Overnight")
    assert t.due_at == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)  # 3 real hours later: 02:30 CET
    assert t.due_at.astimezone(ZoneInfo("Europe/Paris")).strftime("%H:%M %Z") == "02:30 CET"


def test_editing_a_definition_keeps_the_terms_of_running_timers(requester_a, agent_a, make_incident, always,
                                                                make_definition):
    definition = make_definition("Resolution", schedule=always, hours=8)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        running = make_incident(requester_a)
    definition.duration = timedelta(hours=2)
    definition.save()
    with clock.frozen(datetime(2026, 11, 2, 9, tzinfo=UTC)):
        services.update_incident(running, agent_a, {"title": "edited"})
        new = make_incident(requester_a)
    assert timer(running, "Resolution").duration == timedelta(hours=8)
    assert timer(running, "Resolution").due_at == datetime(2026, 11, 2, 16, tzinfo=UTC)
    assert timer(new, "Resolution").duration == timedelta(hours=2)


def test_cancelling_the_incident_cancels_its_timers(requester_a, agent_a, make_incident, always, make_definition):
    make_definition("Resolution", schedule=always, hours=8)
    incident = make_incident(requester_a)
    services.transition(incident, agent_a, State.CANCELLED)
    assert timer(incident, "Resolution").stage == Stage.CANCELLED


def test_reopening_after_resolution_keeps_the_outcome(requester_a, agent_a, make_incident, always, make_definition):
    make_definition("Resolution", schedule=always, hours=8)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = services.take(make_incident(requester_a), agent_a)
    with clock.frozen(datetime(2026, 11, 2, 9, tzinfo=UTC)):
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved", resolution_notes="ok")
    with clock.frozen(datetime(2026, 11, 2, 10, tzinfo=UTC)):
        services.add_comment(incident, requester_a, "not fixed")
    assert timer(incident, "Resolution").stage == Stage.ACHIEVED


def test_a_callers_reply_taking_the_ticket_off_hold_is_not_the_desks_response(requester_a, agent_a, make_incident,
                                                                               always, make_definition):
    """Only the desk responds: the system moving the incident back to work after the caller's reply does not stop
    the response clock."""
    make_definition("Response", Target.RESPONSE, schedule=always, hours=4)
    with clock.frozen(datetime(2026, 11, 2, 8, tzinfo=UTC)):
        incident = make_incident(requester_a)
    with clock.frozen(datetime(2026, 11, 2, 9, tzinfo=UTC)):
        incident = services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_caller")
    with clock.frozen(datetime(2026, 11, 2, 10, tzinfo=UTC)):
        services.add_comment(incident, requester_a, "It is the laptop on my desk.")
    incident.refresh_from_db()
    assert incident.state == State.IN_PROGRESS and incident.responded_at is None
    assert timer(incident, "Response").stage == Stage.IN_PROGRESS
