"""CSAT invitations and answers: who is invited (the kinds and services the admins survey, no survey fatigue), a
closed request gets the survey's own mail, a low score mails the team lead after commit, and "reopen my ticket"
moves the ticket back to work with a journal entry."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from core import clock
from core.models import JournalEntry, JournalKind
from incidents import services as incident_services
from incidents.choices import State
from surveys import services
from surveys.models import CsatAnswer, CsatInvitation, SurveySettings

pytestmark = pytest.mark.django_db


def resolve_new(make_incident, requester, agent, resolve, **fields):
    incident = incident_services.take(make_incident(requester, **fields), agent)
    return resolve(incident, agent)


def test_resolving_invites_the_requester_once(resolved, requester_a, agent_a):
    (invitation,) = CsatInvitation.objects.all()
    assert (invitation.ticket_id, invitation.person_id) == (resolved.pk, requester_a.pk)
    incident_services.transition(resolved, requester_a, State.IN_PROGRESS, comment="Not fixed")  # reopened
    incident_services.transition(resolved, agent_a, State.RESOLVED, resolution_code="solved",
                                 resolution_notes="Again.")  # resolved again: the same invitation
    incident_services.transition(resolved, requester_a, State.CLOSED)  # resolved -> closed: no new invitation
    assert CsatInvitation.objects.count() == 1


def test_no_survey_fatigue(requester_a, agent_a, lead, make_incident, resolve):
    config = SurveySettings.current()
    config.min_interval_days = 7
    config.save()
    t0 = clock.now()
    with clock.frozen(t0):
        first = resolve_new(make_incident, requester_a, agent_a, resolve)
    with clock.frozen(t0 + timedelta(days=6, hours=23)):
        second = resolve_new(make_incident, requester_a, agent_a, resolve, title="Printer jam")
    with clock.frozen(t0 + timedelta(days=7, minutes=1)):
        third = resolve_new(make_incident, requester_a, agent_a, resolve, title="VPN")
    invited = set(CsatInvitation.objects.values_list("ticket_id", flat=True))
    assert invited == {first.pk, third.pk}, "within 7 days of an invitation, no new one"
    assert second.pk not in invited
    config.min_interval_days = 0
    config.save()
    fourth = resolve_new(make_incident, requester_a, agent_a, resolve, title="Screen")
    assert CsatInvitation.objects.filter(ticket_id=fourth.pk).exists()


def test_only_the_kinds_and_services_the_admins_choose(requester_a, agent_a, lead, make_incident, resolve,
                                                       service_email, service_vpn):
    config = SurveySettings.current()
    config.min_interval_days = 0
    config.save()
    config.csat_services.set([service_vpn])
    mail_incident = resolve_new(make_incident, requester_a, agent_a, resolve, service=service_email)
    vpn_incident = resolve_new(make_incident, requester_a, agent_a, resolve, service=service_vpn, title="VPN")
    assert set(CsatInvitation.objects.values_list("ticket_id", flat=True)) == {vpn_incident.pk}
    assert not CsatInvitation.objects.filter(ticket_id=mail_incident.pk).exists()
    config.csat_services.clear()
    config.csat_kinds = ["request"]
    config.save()
    assert resolve_new(make_incident, requester_a, agent_a, resolve, title="Other") is not None
    assert CsatInvitation.objects.count() == 1


def test_a_low_score_mails_the_team_lead_after_commit(resolved, requester_a, lead, eager,
                                                      django_capture_on_commit_callbacks):
    invitation = CsatInvitation.objects.get(ticket=resolved)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.answer_csat(invitation, requester_a, 2, "Took three days.")
    assert callbacks and mail.outbox == []  # nothing before commit
    for callback in callbacks:
        callback()
    (message,) = mail.outbox
    assert message.to == [lead.email]
    assert f"[{resolved.number}] Low satisfaction: 2/5" in message.subject
    assert "Took three days." in message.body and f"/agent/incidents/{resolved.number}/" in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_csat(invitation, requester_a, 3, "Better.")  # above the threshold: nobody
    assert mail.outbox == []


def test_the_threshold_is_the_admins(resolved, requester_a, lead, eager, django_capture_on_commit_callbacks):
    config = SurveySettings.current()
    config.low_score_threshold = 3
    config.save()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.answer_csat(CsatInvitation.objects.get(ticket=resolved), requester_a, 3)
    assert [m.to for m in mail.outbox] == [[lead.email]]


def test_reopen_on_request_moves_the_incident_back_with_a_journal_entry(resolved, requester_a):
    answer = services.answer_csat(CsatInvitation.objects.get(ticket=resolved), requester_a, 1, "Still broken",
                                  reopen=True)
    resolved.refresh_from_db()
    assert resolved.state == State.IN_PROGRESS and answer.reopen_requested
    entries = JournalEntry.objects.filter(ticket_id=resolved.pk, actor=requester_a)
    assert entries.filter(kind=JournalKind.FIELD_CHANGE, field="state", new_value=State.IN_PROGRESS).exists()
    assert entries.filter(kind=JournalKind.COMMENT, internal=False,
                          body="Reopened from the satisfaction survey (score 1/5): Still broken").exists()


def test_a_closed_incident_is_not_reopened_but_the_answer_is_refused_on_reopen(resolved, requester_a):
    incident_services.transition(resolved, requester_a, State.CLOSED)
    invitation = CsatInvitation.objects.get(ticket=resolved)
    with pytest.raises(ValidationError) as refused:
        services.answer_csat(invitation, requester_a, 1, reopen=True)
    assert "reopen" in refused.value.message_dict
    assert not CsatAnswer.objects.exists()
    services.answer_csat(invitation, requester_a, 1)  # without reopen, the answer is kept
    assert CsatAnswer.objects.get().score == 1


def test_a_closed_request_gets_the_surveys_own_mail(requester_a, agent_a, lead, service_email, eager,
                                                    django_capture_on_commit_callbacks):
    from catalog import services as catalog
    from catalog.choices import ItemState, RequestState
    from catalog.kinds import REQUESTED_ITEM
    from catalog.models import CatalogCategory, CatalogItem
    from core import writes

    category = CatalogCategory.objects.create(name="Hardware", slug="hardware")
    item = CatalogItem.objects.create(name="Mouse", slug="mouse", category=category, short_description="A mouse.",
                                      service=service_email)
    order = catalog.order(item, requester_a, {})
    ritm = order.items.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        writes.transition(REQUESTED_ITEM, ritm, agent_a, ItemState.COMPLETE)
    order.refresh_from_db()
    assert order.state == RequestState.CLOSED
    invitation = CsatInvitation.objects.get(ticket_id=order.pk)
    (message,) = [m for m in mail.outbox if "How did we do?" in m.subject]
    assert message.to == [requester_a.email] and order.number in message.subject
    assert "5/5: http" in message.body
    assert services.reopen_target(order) == ""  # a closed request cannot be reopened: no checkbox
    services.answer_csat(invitation, requester_a, 4)
    assert CsatAnswer.objects.get().ticket_id == order.pk


def test_only_the_requester_answers(resolved, requester_b, agent_a):
    invitation = CsatInvitation.objects.get(ticket=resolved)
    from django.core.exceptions import PermissionDenied

    for person in (requester_b, agent_a):
        with pytest.raises(PermissionDenied):
            services.answer_csat(invitation, person, 5)
        with pytest.raises(PermissionDenied):
            services.answer_csat_for(resolved, person, 5)
    assert not CsatAnswer.objects.exists()


def test_admins_choose_in_the_django_admin(admin_user, service_vpn, client):
    config = SurveySettings.current()
    client.force_login(admin_user)
    url = f"/admin/surveys/surveysettings/{config.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"csat_enabled": "on", "csat_kinds": ["request"], "csat_services": [service_vpn.pk],
                                 "min_interval_days": "30", "low_score_threshold": "3", "link_days": "14",
                                 "nps_enabled": "on", "nps_period_days": "90", "nps_sample_size": "100",
                                 "nps_sample_percent": "10"})
    assert response.status_code == 302, response.content.decode()[:2000]
    config.refresh_from_db()
    assert (config.csat_kinds, config.min_interval_days, config.low_score_threshold) == (["request"], 30, 3)
    assert list(config.csat_services.all()) == [service_vpn]
    bad = client.post(url, {"csat_kinds": ["problem"], "min_interval_days": "-1", "low_score_threshold": "9",
                            "link_days": "14", "nps_period_days": "90", "nps_sample_size": "100"})
    assert bad.status_code == 200 and "errornote" in bad.content.decode()
