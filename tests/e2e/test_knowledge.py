"""Knowledge in the browser: an end user finds the VPN answer in the portal's knowledge base and reads its
published version (not the new version being written); an agent opens the article with its preview and versions."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(settings) -> None:
    settings.ALLOW_DEMO_DATA = True
    call_command("seed_demo", verbosity=0)


def test_an_end_user_finds_an_answer_and_an_agent_sees_its_versions(page, demo):
    from knowledge.models import Article

    sign_in(page, "user1")
    page.get_by_role("navigation", name="Portal").get_by_role("link", name="Knowledge base").click()
    page.get_by_label("Search the knowledge base").fill("vpn")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("kb-article")
    expect(results).to_have_count(1)  # the internal VPN article is the desk's only
    results.first.click()
    body = page.get_by_test_id("kb-article-body")
    expect(body).to_contain_text("Open AnyConnect")
    expect(body).not_to_contain_text("hotel")  # the next version is still a draft
    screenshot(page, "portal-knowledge-article")

    vpn = Article.objects.get(title="Connect to the VPN from home")
    page.context.clear_cookies()
    sign_in(page, "agent2")
    page.goto(f"/agent/knowledge/{vpn.number}/")
    expect(page.get_by_test_id("article-preview")).to_contain_text("On a hotel Wi-Fi")
    expect(page.get_by_test_id("article-versions")).to_contain_text("Readers get version 1")
    screenshot(page, "agent-knowledge-article")
    printer = Article.objects.get(title="Clear a paper jam on the office printers")
    page.goto(f"/agent/knowledge/{printer.number}/")
    page.get_by_test_id("compare-versions").click()
    expect(page.get_by_test_id("diff-field")).to_contain_text("Toner door")
    screenshot(page, "agent-knowledge-versions")
    assert page.console_errors == []


def test_an_end_user_typing_a_title_is_offered_an_answer_that_solves_it(page, demo):
    from incidents.models import Incident
    from knowledge.models import Deflection

    before = Incident.objects.count()
    sign_in(page, "user1")
    page.goto("/portal/incidents/new/")
    page.get_by_label("What is the problem, in a few words?").press_sequentially("printer paper jam", delay=30)
    suggestion = page.get_by_test_id("kb-suggestion")
    expect(suggestion.first).to_contain_text("Clear a paper jam on the office printers")
    screenshot(page, "portal-report-suggestions")
    suggestion.first.get_by_test_id("kb-solved").click()
    expect(page.locator(".alert-success")).to_contain_text("no ticket was needed")
    assert Incident.objects.count() == before
    assert Deflection.objects.filter(article__title="Clear a paper jam on the office printers").count() == 1
    page.goto("/portal/knowledge/?q=fax")  # a search that finds nothing

    page.context.clear_cookies()
    sign_in(page, "manager")
    page.goto("/manager/")
    page.get_by_test_id("knowledge-report-link").click()
    expect(page.get_by_test_id("deflections-by-article")).to_contain_text("Clear a paper jam")
    expect(page.get_by_test_id("no-result")).to_contain_text("fax")
    screenshot(page, "knowledge-report")
    assert page.console_errors == []
