"""The continual-improvement journey of issue 13: a requester rates a resolution 2/5 from the link of the
resolution e-mail (not signed in); the team lead is mailed; the manager, who had the KPI dashboard open before,
sees this month's CSAT drop on it, drills into the answers behind the figure, opens the ticket, comes back and
raises an improvement action from the CSAT figure, which keeps the figure as "before"."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from accounts.models import User
from improvement.kpis.periods import current_month
from improvement.models import ImprovementAction
from incidents import services
from incidents.choices import State
from itsm.celery import app as celery_app
from surveys import kpis as survey_kpis
from surveys.models import SurveySettings
from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager():
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


def shown(value: float) -> str:
    return f"{value:,.2f} / 5"


def test_a_low_rating_shows_on_the_kpi_dashboard_and_becomes_an_improvement_action(page, demo, eager):
    config = SurveySettings.current()
    config.min_interval_days = 0  # the demo's requesters were surveyed lately: no fatigue for this journey
    config.save()
    manager, user1, agent1 = (User.objects.get(username=name) for name in ("manager", "user1", "agent1"))
    month = current_month()
    key = f"{month:%Y-%m}"
    (before,) = survey_kpis.csat_series(manager, [month])

    sign_in(page, "manager")  # the dashboard read once: this month's CSAT is now kept (the rollup)
    page.goto("/manager/kpis/")
    card = page.get_by_test_id("kpi-csat")
    figure = card.get_by_test_id(f"figure-csat-{key}")
    expect(figure).to_have_text(shown(before) if before is not None else "—")
    page.goto("about:blank")
    page.context.clear_cookies()

    incident = services.create_incident(user1, {"title": "Outlook keeps asking for my password",
                                                "description": "Since this morning."})
    incident = services.take(incident, agent1)
    mail.outbox.clear()
    services.transition(incident, agent1, State.RESOLVED, resolution_code="solved",
                        resolution_notes="Cleared the cached credentials.")
    (resolution,) = [m for m in mail.outbox if m.to == [user1.email] and "Resolved" in m.subject]
    link = re.search(r"2/5: http://[^/]+(/surveys/csat/\S+)", resolution.body).group(1)
    page.goto(link)  # from the mail, not signed in
    expect(page.get_by_test_id("csat-score-2")).to_be_checked()
    page.get_by_test_id("csat-comment").fill("Two days without mail, and nobody called back.")
    mail.outbox.clear()
    page.get_by_test_id("csat-submit").click()
    expect(page.get_by_test_id("survey-thanks")).to_contain_text("2/5")
    (to_lead,) = [m for m in mail.outbox if "Low satisfaction" in m.subject]
    assert to_lead.to == [agent1.email] and incident.number in to_lead.subject  # the Service Desk's lead

    (after,) = survey_kpis.csat_series(manager, [month])
    assert before is None or after < before
    sign_in(page, "manager")
    page.goto("/manager/kpis/")
    figure = page.get_by_test_id("kpi-csat").get_by_test_id(f"figure-csat-{key}")
    expect(figure).to_have_text(shown(after))  # not the kept value from before the answer
    screenshot(page, "improvement-csat-dropped")
    figure.click()  # the answers behind the figure
    answers = page.get_by_test_id("month-answers")
    expect(answers).to_contain_text("Two days without mail, and nobody called back.")
    answers.get_by_role("link", name=incident.number).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Outlook keeps asking for my password")
    expect(page.get_by_test_id("csat-score")).to_have_text("2/5")
    page.goto("/manager/kpis/")

    page.get_by_test_id(f"raise-csat-{key}").click()
    expect(page.get_by_test_id("about-figure")).to_contain_text("Customer satisfaction")
    page.get_by_label("What will be done").fill("Call back every requester whose mail is down within the hour")
    page.get_by_label("Description").fill("A callback duty on the Service Desk rota; review CSAT next month.")
    page.get_by_label("Due").fill("2027-01-31")
    page.get_by_role("button", name="Raise the action").click()
    expect(page.get_by_test_id("action-title")).to_have_text(
        "Call back every requester whose mail is down within the hour")
    expect(page.get_by_test_id("value-before")).to_have_text(shown(after))
    screenshot(page, "improvement-action-from-csat")
    action = ImprovementAction.objects.get(title__startswith="Call back every requester")
    assert (action.kpi, action.month) == ("csat", month)
    assert not page.console_errors, page.console_errors
