"""E-mails after commit: the requester hears of assignment, state changes and public comments; the desk hears
of the requester's replies; work notes never leave the desk; a re-delivered task sends nothing twice."""

from __future__ import annotations

import pytest
from django.core import mail

from incidents import notifications, services
from incidents.choices import State
from itsm.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    """Run tasks in-process when their on_commit callback fires (the broker path is tested with a real worker)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def _mails_to(address: str) -> list:
    return [m for m in mail.outbox if address in m.to]


def test_nothing_is_sent_before_commit(requester_a, agent_a, make_incident, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.take(make_incident(requester_a), agent_a)
    assert callbacks, "a notification is enqueued on commit"
    assert mail.outbox == []


def test_requester_hears_of_assignment_state_and_comments(
    requester_a, agent_a, make_incident, eager, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        incident = services.take(make_incident(requester_a), agent_a)
    subjects = [m.subject for m in _mails_to(requester_a.email)]
    assert any("Assigned" in s and incident.number in s for s in subjects)
    assert any("In progress" in s for s in subjects)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(incident, agent_a, "Please restart Outlook.")
        services.add_comment(incident, agent_a, "Internal: user is VIP", internal=True)
    bodies = [m.body for m in mail.outbox]
    assert any("Please restart Outlook." in b for b in bodies)
    assert not any("VIP" in b for b in bodies)  # work notes never e-mailed
    assert all(m.to == [requester_a.email] for m in mail.outbox)


def test_desk_hears_of_requester_replies(requester_a, agent_a, team_service_desk, make_incident, eager,
                                         django_capture_on_commit_callbacks):
    incident = make_incident(requester_a)  # unassigned: the team's mailbox
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(incident, requester_a, "Any news?")
    assert [m.to for m in mail.outbox] == [[team_service_desk.email]]
    mail.outbox.clear()
    services.take(incident, agent_a)
    with django_capture_on_commit_callbacks(execute=True):
        services.add_comment(incident, requester_a, "Hello?")
    assert [m.to for m in mail.outbox] == [[agent_a.email]]
    assert "Hello?" in mail.outbox[0].body


def test_resolution_mail_carries_the_notes(requester_a, agent_a, make_incident, eager,
                                           django_capture_on_commit_callbacks):
    incident = services.take(make_incident(requester_a), agent_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved",
                            resolution_notes="Mailbox quota raised.")
    (message,) = mail.outbox
    assert "Resolved" in message.subject and "Mailbox quota raised." in message.body


def test_a_redelivered_notification_is_not_sent_twice(requester_a, agent_a, make_incident):
    incident = services.take(make_incident(requester_a), agent_a)
    entry = services.add_comment(incident, agent_a, "Done on our side.")
    key = f"comment:{incident.pk}:{entry.pk}"
    assert notifications.send("comment", incident.pk, entry.pk, key) == 1
    assert notifications.send("comment", incident.pk, entry.pk, key) == 0
    assert len(mail.outbox) == 1


def test_work_note_entry_ids_never_produce_mail(requester_a, agent_a, make_incident):
    incident = make_incident(requester_a)
    note = services.add_comment(incident, agent_a, "secret", internal=True)
    assert notifications.send("comment", incident.pk, note.pk, f"comment:{incident.pk}:{note.pk}") == 0
    assert mail.outbox == []
