"""Knowledge at the desk: an incident's page suggests the articles that may answer it (public ones with "Insert in
reply"), a resolution names the article that solved it (page and API; counted as "used to resolve"), a new article
is drafted from a ticket, an article is restricted to organizations, and owners are reminded of review dates."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from core import writes
from core.models import LinkKind, TicketLink
from incidents import services as incident_services
from incidents.models import Incident
from knowledge import reminders
from knowledge.choices import ArticleState, Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article
from tests.knowledge.test_articles import published_article, review

pytestmark = pytest.mark.django_db


@pytest.fixture
def answers(kb, agent_a, agent_b):
    """A public and an internal published article about the VPN, a draft about it, one about printers."""
    public = published_article(kb, agent_a, agent_b, title="VPN drops at home", body="Renew the lease.",
                               keywords="vpn")
    internal = published_article(kb, agent_a, agent_b, title="VPN concentrator restart", body="Restart it.",
                                 audience=Audience.INTERNAL)
    draft = writes.create(ARTICLE, agent_a, {"knowledge_base": kb, "title": "VPN secret draft", "body": "x",
                                             "audience": Audience.PUBLIC})
    printers = published_article(kb, agent_a, agent_b, title="Printer jams", body="Open the tray.")
    return {"public": public, "internal": internal, "draft": draft, "printers": printers}


def resolve_form(incident, **extra):
    return {"state": "resolved", "version": incident.version, "resolution_code": "workaround",
            "resolution_notes": "Renewed the lease.", **extra}


def test_an_incident_page_suggests_published_articles_public_ones_with_insert_in_reply(
        client, answers, make_incident, requester_a, agent_a):
    incident = make_incident(requester_a, title="The VPN keeps dropping")
    client.force_login(agent_a)
    page = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert 'data-testid="knowledge-panel"' in page and reverse("agent-knowledge-for", args=[incident.number]) in page
    found = client.get(reverse("agent-knowledge-for", args=[incident.number])).content.decode()
    assert answers["public"].number in found and answers["internal"].number in found
    assert answers["draft"].number not in found and answers["printers"].number not in found
    portal_link = reverse("portal-article", args=[answers["public"].number])
    assert 'data-kb-insert="VPN drops at home: http' in found and portal_link in found
    assert found.count('data-testid="kb-insert"') == 1  # only the public one goes to the requester
    other = client.get(reverse("agent-knowledge-for", args=[incident.number]), {"q": "printer"}).content.decode()
    assert answers["printers"].number in other and answers["public"].number not in other
    nothing = client.get(reverse("agent-knowledge-for", args=[incident.number]), {"q": "zzzz"}).content.decode()
    assert "No published article matches “zzzz”" in nothing


def test_end_users_get_no_desk_suggestions(client, answers, make_incident, requester_a):
    incident = make_incident(requester_a, title="The VPN keeps dropping")
    client.force_login(requester_a)
    answer = client.get(reverse("agent-knowledge-for", args=[incident.number]))
    assert answer.status_code in (302, 403) and answers["internal"].number not in answer.content.decode()


def test_resolving_with_the_article_that_solved_it_counts_it(client, answers, make_incident, requester_a,
                                                             agent_a):
    incident = make_incident(requester_a, title="The VPN keeps dropping")
    incident = incident_services.take(incident, agent_a)
    client.force_login(agent_a)
    article = answers["public"]
    page = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert 'name="solved_by"' in page  # the resolve action asks for it
    refused = client.post(reverse("agent-incident-state", args=[incident.number]),
                          resolve_form(incident, solved_by=answers["draft"].number))
    assert refused.status_code == 400 and f"No published knowledge article {answers['draft'].number}" in \
        refused.content.decode()
    assert Incident.objects.get(pk=incident.pk).state != "resolved"  # nothing was done
    done = client.post(reverse("agent-incident-state", args=[incident.number]),
                       resolve_form(incident, solved_by=article.number.lower()))
    assert done.status_code == 302 and Incident.objects.get(pk=incident.pk).state == "resolved"
    assert TicketLink.objects.filter(source_id=incident.pk, target_id=article.pk, kind=LinkKind.SOLVED_BY).exists()
    article_page = client.get(reverse("agent-article", args=[article.number])).content.decode()
    assert "Used to resolve 1 ticket." in article_page
    report = client.get(reverse("knowledge-report"))  # agents have no dashboards: the managers' page
    assert report.status_code in (302, 403)


def test_the_api_resolves_with_solved_by_and_names_a_bad_article(token_client, answers, make_incident,
                                                                requester_a, agent_a, manager):
    incident = make_incident(requester_a, title="The VPN keeps dropping")
    api = token_client(agent_a)
    url = f"/api/v1/incidents/{incident.number}/transition/"
    body = {"state": "resolved", "resolution_code": "workaround", "resolution_notes": "Lease renewed."}
    bad = api.post(url, {**body, "solved_by": "KB9999999"}, format="json")
    assert bad.status_code == 400 and "solved_by" in str(bad.json())
    assert Incident.objects.get(pk=incident.pk).state != "resolved"
    good = api.post(url, {**body, "solved_by": answers["public"].number}, format="json")
    assert good.status_code == 200, good.json()
    detail = token_client(manager).get(f"/api/v1/knowledge/drafts/{answers['public'].number}/").json()
    assert detail["used_to_resolve"] == 1


def test_an_article_drafted_from_a_resolved_incident_takes_its_solution_and_links_it(
        client, kb, make_incident, requester_a, agent_a):
    incident = make_incident(requester_a, title="Outlook asks for the password again",
                             description="Every morning Outlook prompts.")
    incident = incident_services.take(incident, agent_a)
    incident_services.transition(incident, agent_a, "resolved", resolution_code="workaround",
                                 resolution_notes="Clear the saved credentials in Credential Manager.")
    client.force_login(agent_a)
    form = client.get(reverse("agent-article-new"), {"from": incident.number}).content.decode()
    assert "Drafted from" in form and "Clear the saved credentials in Credential Manager." in form
    assert "Outlook asks for the password again" in form
    saved = client.post(reverse("agent-article-new"), {
        "title": "Outlook asks for the password again", "knowledge_base": kb.pk, "audience": Audience.PUBLIC,
        "description": "Every morning Outlook prompts.", "from_ticket": incident.number,
        "body": "## Solution\n\nClear the saved credentials in Credential Manager."})
    article = Article.objects.get()
    assert saved.status_code == 302 and article.state == ArticleState.DRAFT
    assert TicketLink.objects.filter(source_id=article.pk, target_id=incident.pk, kind=LinkKind.RELATED).exists()


def test_a_ticket_the_author_may_not_see_drafts_nothing(client, kb, make_incident, requester_a, agent_b):
    incident = make_incident(requester_a, title="Private matter", description="Salary question.")
    client.force_login(agent_b)  # Network team: not the e-mail service's team
    form = client.get(reverse("agent-article-new"), {"from": incident.number}).content.decode()
    assert "Drafted from" not in form and "Salary question." not in form


def test_a_public_article_restricted_to_an_organization_reaches_only_its_end_users(
        client, token_client, kb, agent_a, agent_b, requester_a, requester_b, org_acme):
    article = writes.create(ARTICLE, agent_a, {"knowledge_base": kb, "audience": Audience.PUBLIC,
                                               "title": "Acme payroll portal", "body": "Log in with SSO."})
    client.force_login(agent_a)
    saved = client.post(reverse("agent-article-organizations", args=[article.number]),
                        {"organizations": [org_acme.pk]})
    assert saved.status_code == 302
    assert "In the portal for Acme" in client.get(reverse("agent-article", args=[article.number])).content.decode()
    review(Article.objects.get(pk=article.pk), agent_b)
    for user, sees in ((requester_a, True), (requester_b, False)):
        client.force_login(user)
        page = client.get(reverse("portal-article", args=[article.number]))
        assert (page.status_code == 200) is sees
        assert (article.number in client.get(reverse("portal-knowledge"), {"q": "payroll"}).content.decode()) is sees
        listed = token_client(user).get("/api/v1/knowledge/articles/", {"q": "payroll"}).json()
        assert (len(listed["results"]) == 1) is sees


def test_the_api_sets_organizations_by_slug_and_names_an_unknown_one(token_client, kb, agent_a, org_acme):
    api = token_client(agent_a)
    created = api.post("/api/v1/knowledge/drafts/", {
        "title": "Globex only", "knowledge_base": kb.slug, "audience": "public", "body": "x",
        "organizations": [org_acme.slug]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["organizations"] == [org_acme.slug]
    bad = api.patch(f"/api/v1/knowledge/drafts/{created.json()['number']}/", {"organizations": ["nope"]},
                    format="json")
    assert bad.status_code == 400 and "organizations" in str(bad.json())


def test_owners_are_reminded_once_per_review_date(kb, agent_a, agent_b, django_capture_on_commit_callbacks):
    article = published_article(kb, agent_a, agent_b, title="Wi-Fi guest access", body="Ask reception.")
    today = timezone.localdate()
    Article.objects.filter(pk=article.pk).update(valid_until=today + timedelta(days=30))
    assert reminders.remind_reviews() == 0  # not yet within the notice period
    Article.objects.filter(pk=article.pk).update(valid_until=today + timedelta(days=5))
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_reviews() == 1
    assert [m.to[0] for m in mail.outbox] == [agent_b.email]  # nobody owns it: its reviewers (Network)
    assert "due for review by" in mail.outbox[0].body and article.number in mail.outbox[0].subject
    assert article.journal.filter(kind="work_note", body__startswith="Due for review by").exists()
    assert reminders.remind_reviews() == 0  # once per date
    Article.objects.filter(pk=article.pk).update(valid_until=today + timedelta(days=10), assignee=agent_a)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert reminders.remind_reviews() == 1  # a new date, a new reminder: to its owner
    assert [m.to[0] for m in mail.outbox] == [agent_a.email]


def test_a_search_in_the_top_bar_box_that_finds_no_article_reaches_the_report(client, answers, requester_a):
    from knowledge.models import SearchLog

    client.force_login(requester_a)
    assert client.get(reverse("portal-search"), {"q": "fax machine"}).status_code == 200
    assert list(SearchLog.objects.values_list("text", "results")) == [("fax machine", 0)]
    client.get(reverse("portal-search"), {"q": answers["public"].number})  # a number is not a search of words
    assert SearchLog.objects.count() == 1


def test_articles_of_the_incidents_category_are_suggested_and_filed_top_level_only(
        client, token_client, kb, agent_a, agent_b, requester_a, make_incident, category_hardware,
        subcategory_printer):
    article = published_article(kb, agent_a, agent_b, title="Docking stations", body="Reseat the cable.",
                                category=category_hardware)
    incident = make_incident(requester_a, title="Screen stays black", category=category_hardware)
    client.force_login(agent_a)
    found = client.get(reverse("agent-knowledge-for", args=[incident.number])).content.decode()
    assert article.number in found  # no word in common: the same category
    client.force_login(requester_a)
    page = client.get(reverse("portal-knowledge"), {"category": category_hardware.pk}).content.decode()
    assert article.number in page
    api = token_client(agent_a)
    draft = writes.create(ARTICLE, agent_a, {"knowledge_base": kb, "title": "Monitors", "body": "x"})
    refused = api.patch(f"/api/v1/knowledge/drafts/{draft.number}/", {"category": subcategory_printer.pk},
                        format="json")
    assert refused.status_code == 400 and "top-level category" in str(refused.json()), refused.json()
    filed = api.patch(f"/api/v1/knowledge/drafts/{draft.number}/", {"category": category_hardware.pk},
                      format="json")
    assert filed.status_code == 200 and filed.json()["category"]["name"] == "Hardware"
    readers = api.get("/api/v1/knowledge/articles/", {"category": category_hardware.pk}).json()
    assert [(row["number"], row["category"]) for row in readers["results"]] == [(article.number, "Hardware")]


def test_readers_of_a_published_article_change_only_with_a_new_draft_and_never_by_an_end_user(
        client, kb, agent_a, agent_b, requester_a, org_acme):
    article = published_article(kb, agent_a, agent_b, title="Expenses", body="Use the app.")
    client.force_login(agent_a)
    refused = client.post(reverse("agent-article-organizations", args=[article.number]),
                          {"organizations": [org_acme.pk]}, follow=True)
    assert "bring it back to draft to change who reads it" in refused.content.decode()
    assert not Article.objects.get(pk=article.pk).organizations.exists()
    client.force_login(requester_a)
    denied = client.post(reverse("agent-article-organizations", args=[article.number]),
                         {"organizations": [org_acme.pk]})
    assert denied.status_code in (302, 403) and not Article.objects.get(pk=article.pk).organizations.exists()
    client.force_login(requester_a)  # the public article still reaches this end user
    assert client.get(reverse("portal-article", args=[article.number])).status_code == 200
