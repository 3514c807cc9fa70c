"""SLA e-mails: one per person per event (assignee who is also the team lead, addresses differing in case),
labels and local times rather than raw values, links on the configured site address."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from core import clock
from incidents import services
from itsm.celery import app as celery_app
from sla.models import Action
from sla.sweep import sweep

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 12, 2, 8, tzinfo=ZoneInfo("UTC"))
BREACH_ACTIONS = [Action.NOTIFY_ASSIGNEE, Action.NOTIFY_TEAM_LEAD, Action.NOTIFY_MANAGERS]


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def definition(always, make_definition):
    return make_definition("Resolution P5", schedule=always, hours=8, thresholds=[75],
                           actions={"75": [Action.NOTIFY_ASSIGNEE], "100": BREACH_ACTIONS})


def _breach(django_capture_on_commit_callbacks, hours: float = 9) -> None:
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sweep(T0 + timedelta(hours=hours))


def test_the_assignee_who_is_also_the_team_lead_gets_one_breach_mail(
    definition, requester_a, agent_a, team_service_desk, make_incident, eager, django_capture_on_commit_callbacks
):
    team_service_desk.lead = agent_a
    team_service_desk.save()
    with clock.frozen(T0):
        services.take(make_incident(requester_a), agent_a)
    _breach(django_capture_on_commit_callbacks)
    breach_mails = [m for m in mail.outbox if "BREACHED" in m.subject]
    assert [m.to for m in breach_mails] == [[agent_a.email]]


def test_a_team_mailbox_and_a_lead_with_the_same_address_in_another_case_get_one_mail(
    definition, requester_a, agent_a, team_service_desk, make_incident, eager, django_capture_on_commit_callbacks
):
    team_service_desk.email = agent_a.email.upper()  # the lead reads the team's mailbox
    team_service_desk.lead = agent_a
    team_service_desk.save()
    with clock.frozen(T0):
        make_incident(requester_a)  # unassigned: "notify the assignee" goes to the team's mailbox
    _breach(django_capture_on_commit_callbacks)
    breach_mails = [m for m in mail.outbox if "BREACHED" in m.subject]
    assert len(breach_mails) == 1


def test_breach_and_warning_mails_read_as_sentences(
    definition, requester_a, agent_a, manager, make_incident, eager, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://servicedesk.example.com/"
    agent_a.time_zone = "Europe/Paris"
    agent_a.save()
    with clock.frozen(T0):
        incident = services.take(make_incident(requester_a), agent_a)
    _breach(django_capture_on_commit_callbacks, hours=6.5)
    (warning,) = mail.outbox
    _breach(django_capture_on_commit_callbacks)
    by_address = {m.to[0]: m for m in mail.outbox}
    breach, to_manager = by_address[agent_a.email], by_address[manager.email]
    assert warning.subject == f"[{incident.number}] SLA warning 75%: Resolution P5 - {incident.title}"
    assert "used 75% of its resolution target" in warning.body and "(8 h of business time)" in warning.body
    assert "due on 2 Dec 2026, 17:00 CET" in warning.body
    assert "was breached on 2 Dec 2026, 17:00 CET" in breach.body
    assert "was breached on 2 Dec 2026, 16:00 UTC" in to_manager.body  # each in their own time zone
    assert "Priority: 5 - Planning. State: In progress." in breach.body
    assert f"https://servicedesk.example.com/agent/incidents/{incident.number}/" in breach.body
    for message in (warning, breach, to_manager):
        assert not re.search(r"True|False|None|\d{2}:\d{2}:\d{2}|\+00:00|in_progress", message.body)
