"""Knowledge pages and API: an agent writes a draft (its preview sanitised), reviewers publish it, end users read
the published version in the portal (never the draft being rewritten, never an internal or unpublished article);
the desk's API shows the working copy with its published version; end users have no desk API."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import writes
from knowledge.choices import ArticleState, Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article
from tests.knowledge.test_articles import review

pytestmark = pytest.mark.django_db


def test_an_agent_writes_a_draft_whose_preview_is_sanitised(client, kb, agent_a):
    client.force_login(agent_a)
    answer = client.post(reverse("agent-article-new"), {
        "title": "Reset your password", "knowledge_base": kb.pk, "audience": Audience.PUBLIC,
        "description": "Three steps.", "body": "Go to **Settings**. <script>alert(1)</script>"})
    assert answer.status_code == 302, answer.context["form"].errors
    article = Article.objects.get()
    assert answer.status_code == 302 and answer.url == reverse("agent-article", args=[article.number])
    assert (article.state, article.assignee, article.requester) == (ArticleState.DRAFT, agent_a, agent_a)
    page = client.get(answer.url).content.decode()
    assert "<strong>Settings</strong>" in page and "<script>alert(1)</script>" not in page
    assert "Not published yet" in page
    assert client.get(reverse("agent-articles")).status_code == 200


def test_end_users_read_the_published_version_only(client, kb, agent_a, agent_b, requester_a):
    article = writes.create(ARTICLE, agent_a, {"title": "VPN from home", "description": "Step by step.",
                                               "body": "Open the client.", "audience": Audience.PUBLIC,
                                               "knowledge_base": kb, "keywords": "vpn"})
    client.force_login(requester_a)
    assert client.get(reverse("portal-article", args=[article.number])).status_code == 404  # a draft
    published = review(article, agent_b)
    writes.transition(ARTICLE, published, agent_b, ArticleState.DRAFT)
    writes.update(ARTICLE, Article.objects.get(pk=article.pk), agent_b, {"title": "SECRET DRAFT TITLE",
                                                                         "body": "Secret draft body."})
    page = client.get(reverse("portal-article", args=[article.number])).content.decode()
    assert "Open the client." in page and "VPN from home" in page
    assert "SECRET" not in page and "Secret draft" not in page
    listing = client.get(reverse("portal-knowledge"), {"q": "vpn"}).content.decode()
    assert article.number in listing and "SECRET" not in listing
    assert "SECRET" not in client.get(reverse("portal-knowledge"), {"q": "secret"}).content.decode()

    internal = writes.create(ARTICLE, agent_a, {"title": "Firewall rules", "body": "Internal.", "knowledge_base": kb,
                                                "audience": Audience.INTERNAL})
    review(internal, agent_b)
    assert client.get(reverse("portal-article", args=[internal.number])).status_code == 404
    assert internal.number not in client.get(reverse("portal-knowledge")).content.decode()


def test_the_desk_api_shows_the_working_copy_and_its_published_version(token_client, kb, agent_a, agent_b,
                                                                       requester_a):
    desk = token_client(agent_a)
    made = desk.post("/api/v1/knowledge/drafts/", {"title": "Printer jams", "knowledge_base": "it-help",
                                                     "body": "Open tray 2.", "audience": "public"}, format="json")
    assert made.status_code == 201, made.json()
    number = made.json()["number"]
    refused = desk.post(f"/api/v1/knowledge/drafts/{number}/transition/", {"state": "published"}, format="json")
    assert refused.status_code == 400
    article = Article.objects.get(number=number)
    review(article, agent_b)
    body = token_client(agent_b).get(f"/api/v1/knowledge/drafts/{number}/").json()
    assert body["state"] == "published" and body["published_version"]["number"] == 1
    assert body["published_version"]["body"] == "Open tray 2." and len(body["versions"]) == 1
    assert token_client(requester_a).get("/api/v1/knowledge/drafts/").status_code == 403
    assert token_client(requester_a).get(f"/api/v1/knowledge/drafts/{number}/").status_code == 403


def test_readers_api_gives_the_published_version_and_never_a_draft(token_client, kb, agent_a, agent_b,
                                                                  requester_a):
    public = writes.create(ARTICLE, agent_a, {"title": "VPN from home", "body": "Open the **client**.",
                                              "knowledge_base": kb, "audience": Audience.PUBLIC, "keywords": "vpn"})
    review(public, agent_b)
    writes.transition(ARTICLE, Article.objects.get(pk=public.pk), agent_b, ArticleState.DRAFT)
    writes.update(ARTICLE, Article.objects.get(pk=public.pk), agent_b, {"body": "SECRET next version"})
    internal = writes.create(ARTICLE, agent_a, {"title": "VPN concentrator", "body": "Restart it.",
                                                "knowledge_base": kb, "audience": Audience.INTERNAL})
    review(internal, agent_b)
    draft = writes.create(ARTICLE, agent_a, {"title": "VPN draft", "body": "Unfinished.", "knowledge_base": kb,
                                             "audience": Audience.PUBLIC})

    reader = token_client(requester_a)
    rows = reader.get("/api/v1/knowledge/articles/").json()["results"]
    assert [r["number"] for r in rows] == [public.number]
    assert (rows[0]["body"], rows[0]["version"]) == ("Open the **client**.", 1)
    assert rows[0]["body_html"] == "<p>Open the <strong>client</strong>.</p>\n"
    for text in ("vpn", "secret", "concentrator", "unfinished"):
        found = reader.get("/api/v1/knowledge/articles/", {"q": text}).json()["results"]
        assert [r["number"] for r in found] == ([public.number] if text == "vpn" else [])
    assert reader.get(f"/api/v1/knowledge/articles/{internal.number}/").status_code == 404
    assert reader.get(f"/api/v1/knowledge/articles/{draft.number}/").status_code == 404
    assert reader.get(f"/api/v1/knowledge/articles/{public.number}/versions/").status_code == 403

    desk = token_client(agent_a)
    assert {r["number"] for r in desk.get("/api/v1/knowledge/articles/", {"q": "vpn"}).json()["results"]} == {
        public.number, internal.number}
    versions = desk.get(f"/api/v1/knowledge/articles/{public.number}/versions/").json()
    assert [v["number"] for v in versions] == [1]
    assert desk.post("/api/v1/knowledge/articles/", {}, format="json").status_code == 405


def test_versions_are_compared_and_an_earlier_one_published_again(client, kb, agent_a, agent_b, requester_a):
    article = writes.create(ARTICLE, agent_a, {"title": "VPN", "body": "Line one.\nOpen the client.\nLine three.",
                                               "knowledge_base": kb, "audience": Audience.PUBLIC})
    review(article, agent_b)
    writes.transition(ARTICLE, Article.objects.get(pk=article.pk), agent_b, ArticleState.DRAFT)
    writes.update(ARTICLE, Article.objects.get(pk=article.pk), agent_b,
                  {"body": "Line one.\nOpen the <b>new</b> client.\nLine three."})
    review(Article.objects.get(pk=article.pk), agent_b)

    client.force_login(agent_a)
    url = reverse("agent-article-versions", args=[article.number])
    page = client.get(url)
    lines = [(line["op"], line["text"]) for change in page.context["changes"] for line in change["lines"]]
    assert ("removed", "Open the client.") in lines and ("added", "Open the <b>new</b> client.") in lines
    assert "Open the &lt;b&gt;new&lt;/b&gt; client." in page.content.decode()  # escaped
    assert client.get(url, {"a": 1, "b": 1}).context["changes"] == []

    refused = client.post(reverse("agent-article-roll-back", args=[article.number]), {"version": 1}, follow=True)
    assert "reviewers or a manager may roll an article back" in refused.content.decode()  # agent_a: no reviewer
    client.force_login(agent_b)
    client.post(reverse("agent-article-roll-back", args=[article.number]), {"version": 1})
    current = Article.objects.get(pk=article.pk)
    assert current.published_version.number == 3 and current.published_version.body.startswith("Line one.\nOpen the c")
    assert current.versions.count() == 3
    client.force_login(requester_a)
    assert "Open the client." in client.get(reverse("portal-article", args=[article.number])).content.decode()


def test_the_api_rolls_back_for_reviewers_only(token_client, kb, agent_a, agent_b):
    article = writes.create(ARTICLE, agent_a, {"title": "VPN", "body": "One.", "knowledge_base": kb,
                                               "audience": Audience.PUBLIC})
    review(article, agent_b)
    url = f"/api/v1/knowledge/articles/{article.number}/roll-back/"
    assert token_client(agent_a).post(url, {"version": 1}, format="json").status_code == 403
    assert token_client(agent_b).post(url, {"version": 9}, format="json").json()["version"]
    made = token_client(agent_b).post(url, {"version": 1}, format="json")
    assert made.status_code == 201 and made.json()["number"] == 2


def test_readers_say_whether_it_helped_once_and_the_desk_reads_it(client, token_client, kb, agent_a, agent_b,
                                                                   requester_a, requester_b):
    article = writes.create(ARTICLE, agent_a, {"title": "VPN", "body": "One.", "knowledge_base": kb,
                                               "audience": Audience.PUBLIC})
    review(article, agent_b)
    client.force_login(requester_a)
    url = reverse("portal-article", args=[article.number])
    client.get(url)
    client.post(reverse("portal-article-feedback", args=[article.number]), {"helpful": "no",
                                                                            "comment": "<b>No screenshot</b>"})
    client.post(reverse("portal-article-feedback", args=[article.number]), {"helpful": "yes"})  # changed mind
    assert client.post(reverse("portal-article-feedback", args=[article.number]), {"helpful": "maybe"}).status_code \
        == 302
    made = token_client(requester_b).post(f"/api/v1/knowledge/articles/{article.number}/feedback/",
                                          {"helpful": False, "comment": "Too short."}, format="json")
    assert made.status_code == 201
    assert token_client(requester_b).post(f"/api/v1/knowledge/articles/{article.number}/feedback/", {},
                                          format="json").json()["helpful"]
    page = client.get(url).content.decode()
    assert "You said it was helpful" in page and "50% of 2 readers found it helpful." in page

    client.force_login(agent_a)
    desk = client.get(reverse("agent-article", args=[article.number])).content.decode()
    assert "Opened 2 times." in desk and "50% of 2 found it helpful." in desk and "Too short." in desk
    assert "<b>No screenshot</b>" not in desk  # replaced, and anyway escaped
