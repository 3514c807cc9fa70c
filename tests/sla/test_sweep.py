"""The sweep: each warning and the breach recorded exactly once, on time, then escalated; idempotent."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import connection

from core import clock
from incidents import services
from incidents.models import Incident
from itsm.celery import app as celery_app
from sla.models import Action, EventKind, SlaEvent, SlaTimer, Stage
from sla.sweep import claim_due, record_due, sweep

UTC = ZoneInfo("UTC")
T0 = datetime(2026, 11, 2, 8, tzinfo=UTC)


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def running(db, requester_a, agent_a, make_incident, always, make_definition):
    """An incident with a 10-hour resolution timer started at T0 (warnings at 50% and 75%)."""
    make_definition("Resolution", schedule=always, hours=10, thresholds=[50, 75],
                    actions={"75": [Action.NOTIFY_ASSIGNEE], "100": [Action.NOTIFY_TEAM_LEAD, Action.RAISE_PRIORITY]})
    with clock.frozen(T0):
        incident = services.take(make_incident(requester_a), agent_a)
    return incident


def events(incident) -> list[tuple[str, int]]:
    return list(SlaEvent.objects.filter(timer__ticket=incident).order_by("threshold")
                .values_list("kind", "threshold"))


@pytest.mark.django_db
def test_nothing_is_recorded_before_its_moment(running):
    assert record_due(T0 + timedelta(hours=4, minutes=59)) == 0
    assert events(running) == []


@pytest.mark.django_db
def test_warnings_and_breach_recorded_once_each(running):
    assert record_due(T0 + timedelta(hours=5)) == 1
    assert events(running) == [(EventKind.WARNING, 50)]
    assert record_due(T0 + timedelta(hours=5)) == 0  # a duplicated beat changes nothing
    timer = SlaTimer.objects.get(ticket=running)
    assert timer.next_event_at == T0 + timedelta(hours=7, minutes=30) and timer.next_threshold == 75
    # the sweep was down for a while: everything due is caught up, each exactly once
    assert record_due(T0 + timedelta(hours=12)) == 2
    assert events(running) == [(EventKind.WARNING, 50), (EventKind.WARNING, 75), (EventKind.BREACH, 100)]
    timer.refresh_from_db()
    assert timer.breached and timer.breached_at == T0 + timedelta(hours=10) and timer.next_event_at is None
    assert SlaEvent.objects.get(threshold=100).due_at == T0 + timedelta(hours=10)
    assert record_due(T0 + timedelta(hours=13)) == 0


@pytest.mark.django_db
def test_the_due_second_itself_is_not_a_breach(running):
    record_due(T0 + timedelta(hours=10))
    assert (EventKind.BREACH, 100) not in events(running)
    record_due(T0 + timedelta(hours=10, seconds=1))
    assert (EventKind.BREACH, 100) in events(running)


@pytest.mark.django_db
def test_paused_timers_are_not_swept(running, agent_a):
    with clock.frozen(T0 + timedelta(hours=1)):
        services.transition(running, agent_a, "on_hold", hold_reason="awaiting_caller")
    assert record_due(T0 + timedelta(days=3)) == 0
    assert SlaTimer.objects.get(ticket=running).stage == Stage.PAUSED


@pytest.mark.django_db
def test_escalation_actions_run_once(running, agent_a, team_service_desk, eager, django_capture_on_commit_callbacks):
    team_service_desk.lead = agent_a
    team_service_desk.save()
    with django_capture_on_commit_callbacks(execute=True):
        result = sweep(T0 + timedelta(hours=11))
    assert result == {"recorded": 3, "escalated": 2}  # the 50% warning has no action to run
    incident = Incident.objects.get(pk=running.pk)
    assert incident.priority == 4  # urgency raised one level: impact 3 x urgency 2
    assert incident.journal.filter(field="urgency", actor__isnull=True).exists()  # journaled, by the system
    breach = SlaEvent.objects.get(threshold=100)
    assert breach.actions_done and all(a["done"] for a in breach.actions)
    subjects = [m.subject for m in mail.outbox]
    assert any("BREACHED" in s for s in subjects) and any("warning 75%" in s for s in subjects)
    sent = len(mail.outbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(T0 + timedelta(hours=12)) == {"recorded": 0, "escalated": 0}
    assert len(mail.outbox) == sent
    assert Incident.objects.get(pk=running.pk).priority == 4


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_record_each_event_once(requester_a, agent_a, make_incident, always, make_definition):
    make_definition("Resolution", schedule=always, hours=1, thresholds=[50])
    with clock.frozen(T0):
        incidents = [make_incident(requester_a) for _ in range(30)]
    counts: list[int] = []

    def run():
        try:
            counts.append(record_due(T0 + timedelta(hours=2), batch=7))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(counts) == 60
    assert SlaEvent.objects.filter(timer__ticket__in=incidents).count() == 60  # 30 warnings + 30 breaches


@pytest.mark.django_db
def test_claim_query_skips_locked_rows_and_can_use_the_partial_index(running):
    query = claim_due(T0)
    sql, params = query.query.sql_with_params()
    assert "FOR UPDATE" in sql and "SKIP LOCKED" in sql
    with connection.cursor() as cursor:
        # a tiny table: make the planner show what it can use (no scan of the table, no sort of its rows), so
        # only an index that holds exactly the due running timers, in next_event_at order, answers the claim
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "sla_timer_due" in plan, plan


@pytest.mark.django_db
def test_a_breach_found_when_the_timer_stops_is_recorded_and_notified(running, agent_a, team_service_desk, eager,
                                                                      django_capture_on_commit_callbacks):
    team_service_desk.lead = agent_a
    team_service_desk.save()
    with clock.frozen(T0 + timedelta(hours=11)):  # resolved late, and the sweep never ran meanwhile
        services.transition(running, agent_a, "resolved", resolution_code="solved", resolution_notes="late")
    assert events(running) == [(EventKind.BREACH, 100)]
    with django_capture_on_commit_callbacks(execute=True):
        assert sweep(T0 + timedelta(hours=11, seconds=5)) == {"recorded": 0, "escalated": 1}
    assert any("BREACHED" in m.subject for m in mail.outbox)
    incident = Incident.objects.get(pk=running.pk)
    assert incident.priority == 5  # no escalation of an incident that is already resolved
    breach = SlaEvent.objects.get(timer__ticket=running, threshold=100)
    assert any("no longer open" in a["detail"] for a in breach.actions)
