"""Knowledge in the browser: an end user finds the VPN answer in the portal's knowledge base and reads its
published version (not the new version being written); an agent opens the article with its preview and versions."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



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


def resolved_incident(title: str, notes: str):
    """An incident of user1's, taken and resolved by agent1 with `notes`."""
    from accounts.models import User
    from catalog.models import Service
    from incidents import services

    user1, agent1 = User.objects.get(username="user1"), User.objects.get(username="agent1")
    incident = services.create_incident(user1, {"title": title, "description": "Since this morning.",
                                                "service": Service.objects.get(slug="email")})
    incident = services.take(incident, agent1)
    return services.transition(incident, agent1, "resolved", resolution_code="workaround", resolution_notes=notes)


def test_an_article_written_from_a_resolved_incident_solves_the_next_report(page, demo):
    """The issue's journey: an agent drafts an article from a resolved incident, a reviewer publishes it, an end
    user typing a similar title sees it while reporting and marks it as the solution, the report counts it."""
    from incidents.models import Incident
    from knowledge.models import Article, Deflection

    incident = resolved_incident("Outlook keeps asking for my password",
                                 "Removed the saved Outlook credentials in Credential Manager, then signed in again.")
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    page.get_by_test_id("article-from-ticket").click()
    expect(page.get_by_test_id("drafted-from")).to_contain_text(incident.number)
    expect(page.get_by_label("Article (Markdown)")).to_have_value(re.compile("Credential Manager"))
    page.get_by_label("Title").fill("Outlook keeps asking for the password")
    page.get_by_label("Who reads it").select_option("public")
    screenshot(page, "knowledge-draft-from-incident")
    page.get_by_test_id("create-article").click()
    article = Article.objects.get(title="Outlook keeps asking for the password")
    expect(page.get_by_test_id("number")).to_have_text(article.number)
    expect(page.get_by_test_id("ticket-header")).not_to_contain_text("Priority")
    screenshot(page, "knowledge-draft-page")
    page.get_by_role("button", name="Send to review").click()
    expect(page.get_by_test_id("state").first).to_contain_text("In review")

    page.context.clear_cookies()
    sign_in(page, "agent2")  # the Network team reviews the IT help knowledge base
    page.goto("/agent/approvals/")
    row = page.get_by_test_id("approval-row").filter(has_text=article.number)
    row.get_by_test_id("approve").click()
    expect(page.locator(".alert-success")).to_be_visible()
    assert Article.objects.get(pk=article.pk).published_version is not None

    before = Incident.objects.count()
    page.context.clear_cookies()
    sign_in(page, "user1")
    page.goto("/portal/incidents/new/")
    page.get_by_label("What is the problem, in a few words?").press_sequentially("outlook password", delay=30)
    suggestion = page.get_by_test_id("kb-suggestion").filter(has_text="Outlook keeps asking for the password")
    expect(suggestion).to_have_count(1)
    suggestion.get_by_test_id("kb-solved").click()
    expect(page.locator(".alert-success")).to_contain_text("no ticket was needed")
    assert Incident.objects.count() == before
    assert Deflection.objects.filter(article=article).count() == 1

    page.context.clear_cookies()
    sign_in(page, "manager")
    page.goto("/manager/knowledge/")
    expect(page.get_by_test_id("deflections-by-article")).to_contain_text("Outlook keeps asking for the password")
    expect(page.get_by_test_id("deflections-by-article").get_by_role("row").filter(
        has_text="Outlook keeps asking")).to_contain_text("1")
    assert page.console_errors == []


def test_an_agent_answers_with_a_suggested_article_and_resolves_with_it(page, demo):
    from accounts.models import User
    from catalog.models import Service
    from core.models import LinkKind, TicketLink
    from incidents import services
    from knowledge.models import Article

    user1, agent1 = User.objects.get(username="user1"), User.objects.get(username="agent1")
    incident = services.take(services.create_incident(user1, {
        "title": "Paper jam in the printer on floor 2", "description": "It blinks orange.",
        "service": Service.objects.get(slug="email")}), agent1)
    answer = Article.objects.get(title="Clear a paper jam on the office printers")
    sign_in(page, "agent1")
    page.goto(f"/agent/incidents/{incident.number}/")
    suggestion = page.get_by_test_id("kb-ticket-suggestion").filter(has_text=answer.number)
    expect(suggestion).to_have_count(1)
    screenshot(page, "incident-knowledge-panel")
    suggestion.get_by_test_id("kb-insert").click()
    composer = page.get_by_test_id("comment-form")
    link = re.compile(f"/portal/knowledge/{answer.number}/")
    expect(composer.get_by_label("Comment or work note")).to_have_value(link)
    expect(page.get_by_test_id("comment-submit")).to_have_text("Send to customer")
    page.get_by_test_id("comment-submit").click()
    expect(page.get_by_test_id("activity")).to_contain_text(f"/portal/knowledge/{answer.number}/")
    page.locator("summary", has_text="Resolve").click()
    form = page.get_by_test_id("action-resolved")
    expect(form.get_by_label("Solved by article (optional)")).to_have_value(answer.number)
    form.get_by_label("Resolution code").select_option("workaround")
    form.get_by_label("Resolution notes").fill("Cleared the jam with the article's steps.")
    form.get_by_role("button", name="Resolve").click()
    expect(page.get_by_test_id("state").first).to_contain_text("Resolved")
    assert TicketLink.objects.filter(source_id=incident.pk, target_id=answer.pk, kind=LinkKind.SOLVED_BY).exists()
    page.goto(f"/agent/knowledge/{answer.number}/")
    expect(page.get_by_test_id("used-to-resolve")).to_contain_text("Used to resolve 1 ticket.")
    assert page.console_errors == []
