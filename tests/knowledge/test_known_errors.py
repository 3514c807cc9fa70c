"""The known-error database: a problem's known error is published as a knowledge article (internal, or public by
choice) from the problem page or the API, without review; it follows the problem's workaround (a new version per
change), shows the permanent fix once resolved, and is retired with a cancelled problem."""

from __future__ import annotations

import pytest
from django.urls import reverse

from knowledge import known_errors
from knowledge.choices import ArticleState, ArticleType, Audience
from knowledge.models import Article, KnowledgeBase
from problems import services as problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(team_network):
    return KnowledgeBase.objects.create(name="Known errors", slug="known-errors", reviewers=team_network)


@pytest.fixture
def known(agent_a, service_email):
    return problems.create_problem(agent_a, {
        "title": "Spooler crash", "service": service_email, "description": "Printing stops every morning.",
        "root_cause": "The spooler restarts during the backup.", "workaround": "Restart the spooler service."})


def test_an_agent_publishes_a_known_error_from_the_problem_page_and_end_users_never_read_it(
        client, kb, known, agent_a, requester_a):
    client.force_login(agent_a)
    page = client.get(reverse("agent-problem", args=[known.number])).content.decode()
    assert 'data-testid="known-error-form"' in page
    done = client.post(reverse("agent-known-error-publish", args=[known.number]),
                       {"knowledge_base": kb.pk, "audience": Audience.INTERNAL})
    assert done.status_code == 302
    article = Article.objects.get()
    version = article.published_version
    assert (article.state, article.article_type, article.known_error_of_id) == (
        ArticleState.PUBLISHED, ArticleType.KNOWN_ERROR, known.pk)
    assert "## Workaround\n\nRestart the spooler service." in version.body and "## Cause" in version.body
    page = client.get(reverse("agent-problem", args=[known.number])).content.decode()
    assert article.number in page and 'data-testid="known-error-form"' not in page
    client.force_login(requester_a)  # internal: not for end users
    assert client.get(reverse("portal-article", args=[article.number])).status_code == 404
    again = client.post(reverse("agent-known-error-publish", args=[known.number]),
                        {"knowledge_base": kb.pk, "audience": Audience.INTERNAL})
    assert again.status_code in (302, 403) and Article.objects.count() == 1


def test_the_article_follows_the_workaround_and_shows_the_fix_once_resolved(kb, known, agent_a, requester_a,
                                                                           client):
    article = known_errors.publish(known, agent_a, kb, Audience.PUBLIC)
    client.force_login(requester_a)
    assert "Restart the spooler service." in client.get(
        reverse("portal-article", args=[article.number])).content.decode()
    problems.update_problem(known, agent_a, {"workaround": "Pause the backup, then print."})
    article = Article.objects.get(pk=article.pk)
    assert article.published_version.number == 2 and "Pause the backup, then print." in \
        article.published_version.body
    assert "Pause the backup" in client.get(reverse("portal-article", args=[article.number])).content.decode()
    problems.update_problem(known, agent_a, {"impact": 1})  # not its text: no new version
    assert Article.objects.get(pk=article.pk).published_version.number == 2
    problems.transition(known, agent_a, "assessment")
    problems.transition(known, agent_a, "resolved", fix="Backup moved to 02:00.")
    article = Article.objects.get(pk=article.pk)
    assert "## Permanent fix\n\nBackup moved to 02:00." in article.published_version.body


def test_a_cancelled_problem_retires_its_article(kb, known, agent_a, requester_a, client):
    article = known_errors.publish(known, agent_a, kb, Audience.PUBLIC)
    problems.transition(known, agent_a, "cancelled")
    assert Article.objects.get(pk=article.pk).state == ArticleState.RETIRED
    client.force_login(requester_a)
    assert client.get(reverse("portal-article", args=[article.number])).status_code == 404


def test_the_api_publishes_a_known_error_and_names_what_is_wrong(token_client, kb, known, agent_a, agent_b,
                                                                 service_email):
    api = token_client(agent_a)
    not_yet = problems.create_problem(agent_a, {"title": "Unknown cause", "service": service_email})
    refused = api.post("/api/v1/knowledge/known-errors/", {"problem": not_yet.number, "knowledge_base": kb.slug},
                       format="json")
    assert refused.status_code == 400 and "problem" in str(refused.json())
    missing = api.post("/api/v1/knowledge/known-errors/", {"problem": "PRB9999999", "knowledge_base": kb.slug},
                       format="json")
    assert missing.status_code == 400 and "PRB9999999" in str(missing.json())
    done = api.post("/api/v1/knowledge/known-errors/", {"problem": known.number, "knowledge_base": kb.slug,
                                                        "audience": "public"}, format="json")
    assert done.status_code == 201, done.json()
    assert (done.json()["type"], done.json()["state"], done.json()["audience"]) == ("known_error", "published",
                                                                                    "public")
    listed = api.get("/api/v1/knowledge/articles/", {"type": "known_error"}).json()
    assert [row["number"] for row in listed["results"]] == [done.json()["number"]]


def test_a_known_error_article_is_not_published_by_hand_without_review(token_client, kb, agent_a):
    api = token_client(agent_a)
    created = api.post("/api/v1/knowledge/drafts/", {"title": "Looks like a known error", "knowledge_base": kb.slug,
                                                     "body": "x", "from_problem": True}, format="json")
    assert created.status_code == 400  # an unknown field is refused, never taken as the problem's say-so
    created = api.post("/api/v1/knowledge/drafts/", {"title": "Plain", "knowledge_base": kb.slug, "body": "x"},
                       format="json").json()
    moved = api.post(f"/api/v1/knowledge/drafts/{created['number']}/transition/",
                     {"state": "published", "from_problem": True}, format="json")
    assert moved.status_code == 400 and Article.objects.get(number=created["number"]).state == ArticleState.DRAFT


def test_the_portal_and_the_apis_filter_known_errors_service_and_audience(client, token_client, kb, known, agent_a,
                                                                         agent_b, requester_a, service_email):
    from tests.knowledge.test_articles import published_article

    error = known_errors.publish(known, agent_a, kb, Audience.PUBLIC)
    answer = published_article(kb, agent_a, agent_b, title="Spooler basics", body="What the spooler does.")
    internal = published_article(kb, agent_a, agent_b, title="Spooler internals", body="x",
                                 audience=Audience.INTERNAL)
    client.force_login(requester_a)
    page = client.get(reverse("portal-knowledge"), {"type": "known_error"}).content.decode()
    assert error.number in page and answer.number not in page
    page = client.get(reverse("portal-knowledge"), {"q": "spooler", "service": service_email.pk}).content.decode()
    assert error.number in page and answer.number not in page  # only the known error has the e-mail service
    assert client.get(reverse("portal-knowledge"), {"service": "nope"}).status_code == 200  # ignored, not a 500
    desk = token_client(agent_a)
    readers = desk.get("/api/v1/knowledge/articles/", {"audience": "internal"}).json()
    assert [row["number"] for row in readers["results"]] == [internal.number]
    drafts = desk.get("/api/v1/knowledge/drafts/", {"type": "known_error"}).json()
    assert [row["number"] for row in drafts["results"]] == [error.number]
