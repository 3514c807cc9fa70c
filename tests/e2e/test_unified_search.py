"""The search box of the top bar in the browser: an agent types words in the workspace's box and finds incidents and
knowledge articles on one page, follows a ticket, then types a number and lands on its page; an end user's portal box
finds their own tickets next to the public answers."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import screenshot
from tests.e2e.test_incident_journey import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]



def test_an_agent_finds_tickets_and_articles_from_the_workspace_box(page, demo):
    from incidents.models import Incident

    sign_in(page, "agent2")  # Network: the VPN incidents are theirs
    box = page.get_by_role("searchbox", name="Search tickets and knowledge")
    box.fill("vpn")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/agent/search/\?q=vpn$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Results for “vpn”")
    tickets = page.get_by_test_id("search-group-tickets").get_by_test_id("search-hit")
    articles = page.get_by_test_id("search-group-articles").get_by_test_id("search-hit")
    expect(tickets.filter(has_text="VPN disconnects every few minutes")).to_have_count(1)
    expect(articles.filter(has_text="Connect to the VPN from home")).to_have_count(1)
    expect(articles.filter(has_text="Restart the VPN concentrator safely")).to_have_count(1)  # the desk's own
    expect(page.get_by_test_id("search-group-articles").get_by_test_id("search-snippet").first).to_be_visible()
    screenshot(page, "agent-search-results")

    incident = Incident.objects.get(title="VPN disconnects every few minutes")
    tickets.filter(has_text=incident.title).get_by_role("link", name=incident.title).click()
    expect(page).to_have_url(re.compile(rf"/agent/incidents/{incident.number}/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text(incident.title)

    # a number typed in full opens its page at once
    box = page.get_by_role("searchbox", name="Search tickets and knowledge")
    box.fill(incident.number.lower())
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/agent/incidents/{incident.number}/$"))
    assert page.console_errors == []


def test_an_end_user_finds_their_tickets_and_answers_from_the_portal_box(page, demo):
    sign_in(page, "user1")
    box = page.get_by_role("searchbox", name="Search tickets and knowledge")
    box.fill("vpn")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/portal/search/\?q=vpn$"))
    articles = page.get_by_test_id("search-group-articles").get_by_test_id("search-hit")
    expect(articles.filter(has_text="Connect to the VPN from home")).to_have_count(1)
    expect(articles.filter(has_text="concentrator")).to_have_count(0)  # the desk's internal article
    tickets = page.get_by_test_id("search-group-tickets").get_by_test_id("search-hit")
    expect(tickets.filter(has_text="VPN disconnects every few minutes")).to_have_count(1)
    screenshot(page, "portal-search-results")
    articles.filter(has_text="Connect to the VPN from home").get_by_role("link").click()
    expect(page.get_by_test_id("kb-article-body")).to_contain_text("Open AnyConnect")
    assert page.console_errors == []
