"""E-mails after commit: the requester hears of assignment, state changes and public comments; the desk hears
of the requester's replies; work notes never leave the desk; a re-delivered task sends nothing twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from core import clock
from incidents import notifications, services
from incidents.choices import State
from incidents.models import Incident
from itsm.celery import app as celery_app
from tests.factories import UserFactory

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
    assert all("victim@example.com" not in m.recipients() for m in mail.outbox)
    assert all("\r" not in m.subject and "\n" not in m.subject for m in mail.outbox)  # the team's notice too


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


# --- issue #7: acknowledgement, team notice, one mail per action, never the actor, labels, site address ---

def _run(django_capture_on_commit_callbacks, func, *args, **kwargs):
    with django_capture_on_commit_callbacks(execute=True):
        return func(*args, **kwargs)


def _only_mail_to(address: str):
    (message,) = _mails_to(address)
    return message


@pytest.mark.parametrize("channel", ["portal", "api", "agent_on_behalf"])
def test_the_requester_gets_an_acknowledgement(channel, requester_a, agent_a, service_email, token_client, client,
                                               eager, django_capture_on_commit_callbacks, settings):
    settings.SITE_URL = "https://servicedesk.example.com"
    with django_capture_on_commit_callbacks(execute=True):
        if channel == "portal":
            client.force_login(requester_a)
            response = client.post(reverse("portal-report"), {
                "title": "Printer jams", "description": "Each page.", "urgency": 3, "service": service_email.pk,
            })
            assert response.status_code == 302
        elif channel == "api":
            response = token_client(requester_a).post("/api/v1/incidents/", {
                "title": "Printer jams", "description": "Each page.", "service": service_email.pk,
            }, format="json")
            assert response.status_code == 201, response.content
        else:
            services.create_incident(agent_a, {"title": "Printer jams", "service": service_email,
                                               "requester": requester_a})
    incident = Incident.objects.get(title="Printer jams")
    message = _only_mail_to(requester_a.email)
    assert message.subject == f"[{incident.number}] Received: Printer jams"
    assert incident.number in message.body and "Printer jams" in message.body
    assert f"https://servicedesk.example.com/portal/incidents/{incident.number}/" in message.body
    assert "What happens next" in message.body and "Service Desk" in message.body
    assert "5 - Planning" in message.body  # the priority's label
    assert _mails_to(agent_a.email) == []  # the agent who logged it hears nothing of their own action


def test_the_team_hears_of_a_new_unassigned_incident_but_not_who_raised_it(
    requester_a, agent_a, team_service_desk, service_email, eager, django_capture_on_commit_callbacks
):
    colleague = UserFactory(username="agent_c", role=Role.AGENT, teams=[team_service_desk])
    team_service_desk.email = ""
    team_service_desk.save()
    incident = _run(django_capture_on_commit_callbacks, services.create_incident, agent_a,
                    {"title": "VPN down", "service": service_email, "requester": requester_a})
    notice = _only_mail_to(colleague.email)
    assert notice.subject == f"[{incident.number}] New for your team: VPN down"
    assert "nobody assigned" in notice.body and f"/agent/incidents/{incident.number}/" in notice.body
    assert _mails_to(agent_a.email) == []


def test_the_team_mailbox_hears_of_an_incident_moved_to_it(requester_a, agent_a, agent_b, team_network, make_incident,
                                                          eager, django_capture_on_commit_callbacks):
    team_network.email = "network@example.com"
    team_network.save()
    incident = services.take(make_incident(requester_a), agent_a)
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.update_incident, incident, agent_a,
         {"team": team_network, "assignee": None})
    assert "New for your team" in _only_mail_to("network@example.com").subject
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.create_incident, agent_b,
         {"title": "Mine", "requester": requester_a, "team": team_network, "assignee": agent_b})
    assert _mails_to("network@example.com") == []  # assigned from the start: nothing waits in the queue


def test_take_sends_one_mail_per_recipient(requester_a, agent_a, make_incident, eager,
                                          django_capture_on_commit_callbacks):
    incident = make_incident(requester_a)
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.take, incident, agent_a)
    message = _only_mail_to(requester_a.email)
    assert "Assigned" in message.subject and "In progress" in message.subject
    assert "handled by" in message.body and "is now: In progress" in message.body
    assert len(mail.outbox) == 1


def test_nobody_is_mailed_about_their_own_action(requester_a, agent_a, make_incident, eager,
                                                 django_capture_on_commit_callbacks):
    incident = _run(django_capture_on_commit_callbacks, make_incident, requester_a)
    assert len(_mails_to(requester_a.email)) == 1  # the acknowledgement: the system's answer, not an echo
    incident = services.take(incident, agent_a)
    incident = services.transition(incident, agent_a, State.ON_HOLD, hold_reason="awaiting_caller")
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.add_comment, incident, requester_a, "Here is the log.")
    assert _mails_to(requester_a.email) == []  # their reply took it off hold: still their own action
    assert len(_mails_to(agent_a.email)) == 1
    incident = services.transition(incident, agent_a, State.RESOLVED, resolution_code="solved",
                                   resolution_notes="Done.")
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.transition, incident, requester_a, State.IN_PROGRESS,
         comment="Still broken.")
    assert _mails_to(requester_a.email) == []
    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.add_comment, incident, agent_a, "Looking again.")
    assert _mails_to(agent_a.email) == [] and len(_mails_to(requester_a.email)) == 1


def test_a_carriage_return_in_the_title_does_not_stop_the_mails(requester_a, agent_a, make_incident, eager,
                                                               django_capture_on_commit_callbacks):
    incident = _run(django_capture_on_commit_callbacks, make_incident, requester_a,
                    title="Printer\r\nBcc: victim@example.com\t broken")
    _run(django_capture_on_commit_callbacks, services.take, incident, agent_a)
    subjects = [m.subject for m in _mails_to(requester_a.email)]
    assert len(subjects) == 2
    assert all("\r" not in s and "\n" not in s and "\x00" not in s for s in subjects)
    assert subjects[0].endswith("Printer Bcc: victim@example.com broken")
    assert all("victim@example.com" not in m.recipients() for m in mail.outbox)
    assert all("\r" not in m.subject and "\n" not in m.subject for m in mail.outbox)  # the team's notice too


def test_mails_show_labels_and_local_times(requester_a, agent_a, make_incident, eager,
                                           django_capture_on_commit_callbacks):
    requester_a.time_zone = "Europe/Paris"
    requester_a.save()
    with clock.frozen(datetime(2026, 12, 2, 16, 26, 4, 670809, tzinfo=UTC)):
        incident = services.take(make_incident(requester_a), agent_a)
        mail.outbox.clear()
        _run(django_capture_on_commit_callbacks, services.add_comment, incident, agent_a, "Try again now.")
        comment = _only_mail_to(requester_a.email)
        mail.outbox.clear()
        _run(django_capture_on_commit_callbacks, services.transition, incident, agent_a, State.ON_HOLD,
             hold_reason="awaiting_caller")
        on_hold = _only_mail_to(requester_a.email)
        mail.outbox.clear()
        _run(django_capture_on_commit_callbacks, services.transition, incident, agent_a, State.RESOLVED,
             resolution_code="workaround", resolution_notes="Use the web client.")
        resolved = _only_mail_to(requester_a.email)
    assert "2 Dec 2026, 17:26 CET" in comment.body
    assert "On hold (Awaiting caller)" in on_hold.body and "awaiting_caller" not in on_hold.body
    assert "Resolution: Solved (workaround). Use the web client." in resolved.body
    for message in (comment, on_hold, resolved):
        assert "670809" not in message.body and "+00:00" not in message.body and "True" not in message.body


def test_a_bulk_action_sends_one_mail_per_recipient(requester_a, requester_b, agent_a, agent_b, team_network,
                                                    make_incident, eager, django_capture_on_commit_callbacks):
    team_network.email = ""
    team_network.save()
    colleague = UserFactory(username="agent_n", role=Role.AGENT, teams=[team_network])
    mine = [services.take(make_incident(requester_a, title=f"Mine {n}"), agent_a) for n in range(2)]
    other = services.take(make_incident(requester_b, title="Other"), agent_a)
    closed = services.transition(make_incident(requester_a, title="Gone"), agent_a, State.CANCELLED)
    mail.outbox.clear()
    result = _run(django_capture_on_commit_callbacks, services.bulk_assign, [*mine, other, closed], agent_b,
                  team=team_network, assignee=None)
    assert result.errors and closed.number in result.errors  # refused: nothing is said about it
    (notice,) = _mails_to(colleague.email)
    assert notice.subject.startswith("3 incidents: New for your team")
    assert all(i.number in notice.body and f"/agent/incidents/{i.number}/" in notice.body for i in [*mine, other])
    assert closed.number not in notice.body and closed.number not in notice.subject
    assert _mails_to(agent_b.email) == []  # the actor, a member of the team, hears nothing
    assert _mails_to(requester_a.email) == [] and _mails_to(requester_b.email) == []  # no assignee, no news

    mail.outbox.clear()
    _run(django_capture_on_commit_callbacks, services.bulk_transition, [*mine, other], agent_b, State.ON_HOLD,
         hold_reason="awaiting_caller")
    (to_a,) = _mails_to(requester_a.email)
    (to_b,) = _mails_to(requester_b.email)
    assert all(i.number in to_a.body for i in mine) and other.number not in to_a.body
    assert other.number in to_b.body and "On hold (Awaiting caller)" in to_b.body
