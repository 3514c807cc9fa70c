"""A requester rates a resolution 2/5 from the link of the resolution e-mail, without signing in, with a comment;
the team lead is mailed; the manager reads the low score and its comment on the surveys report and opens the
ticket from it; the agent sees the rating on the ticket's page."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from incidents import services
from incidents.choices import State
from itsm.celery import app as celery_app
from surveys.models import CsatAnswer, SurveySettings
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def test_a_requester_rates_from_the_mail_and_the_lead_hears_of_it(page, demo, eager):
    config = SurveySettings.current()
    config.min_interval_days = 0  # the demo's answers are recent: no fatigue for this journey
    config.save()
    user1, agent1 = User.objects.get(username="user1"), User.objects.get(username="agent1")
    incident = services.create_incident(user1, {"title": "Outlook keeps asking for my password",
                                                "description": "Since this morning."})
    incident = services.take(incident, agent1)
    mail.outbox.clear()
    services.transition(incident, agent1, State.RESOLVED, resolution_code="solved",
                        resolution_notes="Cleared the cached credentials.")
    (resolution,) = [m for m in mail.outbox if m.to == [user1.email] and "Resolved" in m.subject]
    link = re.search(r"2/5: http://[^/]+(/surveys/csat/\S+)", resolution.body).group(1)

    page.goto(link)  # not signed in
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outlook keeps asking for my password")
    expect(page.get_by_test_id("csat-score-2")).to_be_checked()
    page.get_by_test_id("csat-comment").fill("It took two days and I had to call twice.")
    screenshot(page, "survey-csat-link")
    mail.outbox.clear()
    page.get_by_test_id("csat-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_contain_text("2/5")
    screenshot(page, "survey-csat-thanks")
    answer = CsatAnswer.objects.get(ticket_id=incident.pk)
    assert (answer.score, answer.comment) == (2, "It took two days and I had to call twice.")
    (to_lead,) = [m for m in mail.outbox if "Low satisfaction" in m.subject]
    assert to_lead.to == [agent1.email]  # the lead of the Service Desk
    assert "It took two days" in to_lead.body and incident.number in to_lead.subject

    page.goto(link)  # the link worked once
    expect(page.get_by_test_id("link-used")).to_be_visible()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 410 (Gone)"]
    page.console_errors.clear()

    sign_in(page, "user1")  # signed in, the requester changes the answer on the ticket's page
    page.goto(f"/portal/incidents/{incident.number}/")
    card = page.get_by_test_id("csat-card")
    expect(card.get_by_test_id("csat-current")).to_contain_text("You rated it 2/5")
    card.locator("label[for='portal-score-3']").click()
    screenshot(page, "survey-portal-card")
    card.get_by_test_id("portal-csat-submit").click()
    expect(page.locator(".alert-success")).to_contain_text(f"Thank you for rating {incident.number}")
    assert CsatAnswer.objects.get(ticket_id=incident.pk).score == 3
    CsatAnswer.objects.filter(ticket_id=incident.pk).update(score=2)  # back to the low score for the report
    page.goto("about:blank")  # no request of the portal page may set a cookie after they are cleared
    page.context.clear_cookies()

    sign_in(page, "manager")
    page.goto("/manager/surveys/")
    low = page.get_by_test_id("low-scores")
    expect(low).to_contain_text("It took two days and I had to call twice.")
    screenshot(page, "survey-report")
    low.get_by_role("link", name=incident.number).click()
    expect(page.get_by_test_id("csat-score")).to_have_text("2/5")
    screenshot(page, "survey-agent-panel")
    assert not page.console_errors
