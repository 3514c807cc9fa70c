"""The survey link of the resolution e-mail: signed, it works without signing in, once; an expired, altered or
forged link is 404, and so is a link opened while signed in as someone else; signed in, the requester changes their
answer on the portal (it replaces the first); opening the link records nothing (mail scanners open links)."""

from __future__ import annotations

import re

import pytest
from django.core import mail, signing
from django.urls import reverse

from surveys import links
from surveys.models import CsatAnswer, CsatInvitation

pytestmark = pytest.mark.django_db


def link_in_mail(number: str, score: int = 2) -> str:
    """The path of the `score` link in the resolution mail of `number`."""
    (message,) = [m for m in mail.outbox if number in m.subject and "Resolved" in m.subject]
    found = re.search(rf"{score}/5: http://[^/]+(/surveys/csat/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_resolution_mail_carries_five_signed_score_links(requester_a, agent_a, lead, make_incident, resolve,
                                                             eager, django_capture_on_commit_callbacks, client):
    from incidents import services

    incident = services.take(make_incident(requester_a), agent_a)
    with django_capture_on_commit_callbacks(execute=True):
        resolve(incident, agent_a)
    body = next(m for m in mail.outbox if "Resolved" in m.subject).body
    assert "How did we do? Click a score" in body
    for score in range(1, 6):
        assert f"{score}/5: http" in body
    page = client.get(link_in_mail(incident.number, 2))  # no sign-in
    assert page.status_code == 200
    html = page.content.decode()
    assert incident.title in html and 'value="2" checked' in html
    assert not CsatAnswer.objects.exists()  # opening the link records nothing


def test_the_link_answers_once_without_signing_in(resolved, client):
    invitation = CsatInvitation.objects.get(ticket=resolved)
    url = reverse("survey-csat-link", args=[links.csat_token(invitation)])
    first = client.post(url, {"score": "4", "comment": "Quick, thanks."})
    assert first.status_code == 200 and "Thank you" in first.content.decode()
    again = client.post(url, {"score": "1", "comment": "Changed my mind"})
    assert again.status_code == 410 and "already rated" in again.content.decode()
    assert client.get(url).status_code == 410
    answer = CsatAnswer.objects.get(ticket=resolved)
    assert (answer.score, answer.comment) == (4, "Quick, thanks.")


def test_bad_input_is_a_form_error_naming_the_score(resolved, client):
    url = reverse("survey-csat-link", args=[links.csat_token(CsatInvitation.objects.get(ticket=resolved))])
    for score in ("", "0", "6", "x"):
        response = client.post(url, {"score": score})
        assert response.status_code == 400
        assert "Choose a score from 1 to 5." in response.content.decode()
    assert not CsatAnswer.objects.exists()
    assert CsatInvitation.objects.get(ticket=resolved).link_used_at is None  # still usable


def test_an_expired_link_is_404(resolved, client, monkeypatch):
    invitation = CsatInvitation.objects.get(ticket=resolved)
    real_time = signing.time.time
    monkeypatch.setattr(signing.time, "time", lambda: real_time() - 31 * 86400)  # signed 31 days ago
    token = links.csat_token(invitation)
    monkeypatch.setattr(signing.time, "time", real_time)
    response = client.get(reverse("survey-csat-link", args=[token]))
    assert response.status_code == 404
    assert client.post(reverse("survey-csat-link", args=[token]), {"score": "3"}).status_code == 404
    assert not CsatAnswer.objects.exists()


def test_an_altered_or_forged_link_is_404(resolved, requester_b, client):
    invitation = CsatInvitation.objects.get(ticket=resolved)
    token = links.csat_token(invitation)
    assert client.get(reverse("survey-csat-link", args=[token[:-2] + "xx"])).status_code == 404
    # signed with another salt (an NPS link's) or naming another person than the invitation's
    other_salt = signing.dumps({"i": invitation.pk, "p": invitation.person_id}, salt=links.NPS_SALT)
    assert client.get(reverse("survey-csat-link", args=[other_salt])).status_code == 404
    wrong_person = signing.dumps({"i": invitation.pk, "p": requester_b.pk}, salt=links.CSAT_SALT)
    assert client.post(reverse("survey-csat-link", args=[wrong_person]), {"score": "1"}).status_code == 404
    assert not CsatAnswer.objects.exists()


def test_another_persons_link_is_404_while_signed_in(resolved, requester_b, password, client):
    url = reverse("survey-csat-link", args=[links.csat_token(CsatInvitation.objects.get(ticket=resolved))])
    client.force_login(requester_b)
    assert client.get(url).status_code == 404
    assert client.post(url, {"score": "1"}).status_code == 404
    assert not CsatAnswer.objects.exists()


def test_signed_in_the_requester_changes_the_answer_on_the_portal(resolved, requester_a, requester_b, password,
                                                                   client):
    url = reverse("survey-csat-link", args=[links.csat_token(CsatInvitation.objects.get(ticket=resolved))])
    assert client.post(url, {"score": "2", "comment": "Slow"}).status_code == 200
    client.force_login(requester_a)
    card = client.get(reverse("portal-csat", args=[resolved.number]))
    assert "You rated it 2/5" in card.content.decode()
    changed = client.post(reverse("portal-csat", args=[resolved.number]), {"score": "5", "comment": "Fine now"})
    assert changed.status_code == 302 and changed["Location"] == reverse("portal-incident", args=[resolved.number])
    answer = CsatAnswer.objects.get(ticket=resolved)  # one answer per ticket, replaced
    assert (answer.score, answer.comment, answer.revision) == (5, "Fine now", 2)
    # a colleague of another organization does not see the ticket; nobody else gets the card
    client.force_login(requester_b)
    assert client.get(reverse("portal-csat", args=[resolved.number])).status_code == 404
    assert client.post(reverse("portal-csat", args=[resolved.number]), {"score": "1"}).status_code == 404


def test_the_portal_page_of_a_resolved_ticket_loads_the_card(resolved, requester_a, password, client):
    client.force_login(requester_a)
    page = client.get(reverse("portal-incident", args=[resolved.number])).content.decode()
    assert reverse("portal-csat", args=[resolved.number]) in page
    card = client.get(reverse("portal-csat", args=[resolved.number])).content.decode()
    assert "How did we do?" in card and "Reopen my ticket" in card
