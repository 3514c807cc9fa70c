"""Knowledge articles on the core: the whole desk reads them, end users only what is published to them (never a
draft, an internal article or a retired one); review by the knowledge base's reviewers publishes a numbered version,
a rejection sends the draft back with the reason; a published article keeps serving its version while a new draft
is written; Markdown is sanitised against an XSS corpus."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from core import approvals, writes
from core.models import ApprovalVote, JournalEntry, Ticket
from core.workflow import TransitionError
from knowledge.choices import ArticleState, Audience
from knowledge.kind import ARTICLE
from knowledge.markdown import TAGS, render
from knowledge.models import Article

pytestmark = pytest.mark.django_db


@pytest.fixture
def article(kb, agent_a):
    return writes.create(ARTICLE, agent_a, {
        "title": "Connect to the VPN from home", "description": "The VPN client, step by step.",
        "body": "1. Open **AnyConnect**.\n2. Type `vpn.example.com`.", "keywords": "vpn, remote, anyconnect",
        "audience": Audience.PUBLIC, "knowledge_base": kb})


def review(article, reviewer, *, approve=True, comment=""):
    writes.transition(ARTICLE, article, article.requester, ArticleState.REVIEW)
    vote = ApprovalVote.objects.filter(approval__ticket_id=article.pk, approver=reviewer).latest("pk")
    approvals.decide(vote, reviewer, approve=approve, comment=comment)
    return Article.objects.get(pk=article.pk)


def seen_by(user) -> set[str]:
    return set(Ticket.objects.visible_to(user).filter(kind="article").values_list("number", flat=True))


def test_a_draft_is_read_by_the_whole_desk_and_by_no_end_user(article, agent_b, requester_a, requester_b):
    assert article.number.startswith("KB")
    assert article.number in seen_by(agent_b)  # not their team's, not theirs: the desk reads every article
    assert seen_by(requester_a) == set() == seen_by(requester_b)
    assert set(Ticket.objects.visible_to(requester_a, subqueries=True).filter(kind="article")) == set()


def test_reviewers_publish_a_numbered_version_that_end_users_read(article, agent_b, requester_a):
    published = review(article, agent_b)
    version = published.published_version
    assert (published.state, version.number, version.approved_by, version.author) == (
        ArticleState.PUBLISHED, 1, agent_b, article.requester)
    assert article.number in seen_by(requester_a)
    assert set(Ticket.objects.visible_to(requester_a, subqueries=True).filter(kind="article")
               .values_list("number", flat=True)) == {article.number}

    writes.transition(ARTICLE, published, agent_b, ArticleState.DRAFT)  # a new version is written...
    writes.update(ARTICLE, Article.objects.get(pk=article.pk), agent_b, {"body": "Use the new client."})
    current = Article.objects.get(pk=article.pk)
    assert article.number in seen_by(requester_a)  # ...while readers keep the published one
    assert current.published_version.body.startswith("1. Open") and current.body == "Use the new client."
    again = review(current, agent_b)
    assert again.published_version.number == 2 and again.published_version.body == "Use the new client."


def test_a_rejection_returns_the_draft_with_the_reason(article, agent_b, requester_a):
    back = review(article, agent_b, approve=False, comment="Add a screenshot of the login.")
    assert back.state == ArticleState.DRAFT and back.published_version is None
    note = JournalEntry.objects.filter(ticket_id=article.pk, kind="work_note").latest("pk")
    assert "Add a screenshot of the login." in note.body
    assert seen_by(requester_a) == set()


def test_nothing_publishes_without_the_reviewers(article, agent_a, agent_b):
    writes.transition(ARTICLE, article, agent_a, ArticleState.REVIEW)
    with pytest.raises(TransitionError) as refused:
        writes.transition(ARTICLE, Article.objects.get(pk=article.pk), agent_a, ArticleState.PUBLISHED)
    assert "reviewers approve" in refused.value.field_errors["state"][0]


def test_internal_and_retired_articles_never_reach_end_users(article, agent_b, requester_a):
    writes.update(ARTICLE, article, agent_b, {"audience": Audience.INTERNAL})
    published = review(Article.objects.get(pk=article.pk), agent_b)
    assert published.state == ArticleState.PUBLISHED and seen_by(requester_a) == set()
    writes.transition(ARTICLE, published, agent_b, ArticleState.DRAFT)
    writes.update(ARTICLE, Article.objects.get(pk=article.pk), agent_b, {"audience": Audience.PUBLIC})
    public = review(Article.objects.get(pk=article.pk), agent_b)
    assert article.number in seen_by(requester_a)
    writes.transition(ARTICLE, public, agent_b, ArticleState.RETIRED)
    assert seen_by(requester_a) == set()
    assert article.number in seen_by(agent_b)


def test_end_users_cannot_watch_comment_or_edit_an_article(article, agent_b, requester_a):
    from core import access
    from core import services as core_services

    refusal = core_services.watcher_refusal(article, requester_a, agent_b)
    assert refusal is not None  # an agent's typo cannot make an end user a reader of a draft
    published = review(article, agent_b)
    assert not any(access.may(requester_a, action, published) for action in ("comment", "attach", "edit", "watch"))


XSS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "![x](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<svg onload=alert(1)>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "**bold <b onmouseover=alert(1)>x</b>**",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "<style>body{display:none}</style>",
    "[x](vbscript:msgbox(1))",
    "> <details open ontoggle=alert(1)>",
]


class Elements(HTMLParser):
    """Every element and attribute a browser would build from the HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, attrs))


@pytest.mark.parametrize("text", XSS)
def test_markdown_keeps_no_script_no_handler_and_no_javascript_link(text):
    parser = Elements()
    parser.feed(render(text))
    for tag, attrs in parser.found:
        assert tag in TAGS, (text, tag)
        for name, value in attrs:
            assert not name.startswith("on"), (text, name)
            if name in ("href", "src"):
                assert (value or "").split(":")[0].lower() in ("http", "https", "mailto") or ":" not in (value or "")


def test_markdown_keeps_what_writers_use():
    html = render("# Title\n\n**Bold** and *italic*, `code`, [a link](https://example.com).\n\n| a | b |\n|---|---|\n"
                  "| 1 | 2 |\n\n- one\n- two")
    assert "<h1>Title</h1>" in html and "<strong>Bold</strong>" in html and "<code>code</code>" in html
    assert '<a href="https://example.com" rel="noopener noreferrer nofollow">a link</a>' in html
    assert "<table>" in html and "<li>one</li>" in html


def published_article(kb, author, reviewer, **fields):
    article = writes.create(ARTICLE, author, {"knowledge_base": kb, "audience": Audience.PUBLIC, **fields})
    return review(article, reviewer)


def test_search_ranks_a_title_above_a_body_stems_and_matches_as_one_types(kb, agent_a, agent_b, requester_a):
    from knowledge import search
    from knowledge.views import readable

    in_body = published_article(kb, agent_a, agent_b, title="Printer jams", body="Unlike the VPN, printers jam.")
    in_title = published_article(kb, agent_a, agent_b, title="Connecting to the VPN", body="Open the client.")
    hidden = writes.create(ARTICLE, agent_a, {"knowledge_base": kb, "audience": Audience.INTERNAL,
                                              "title": "VPN concentrator", "body": "Restart."})
    review(hidden, agent_b)

    def found(text: str) -> list[str]:
        return [a.number for a in search.search(readable(requester_a), text, ["english"])]

    assert found("vpn") == [in_title.number, in_body.number]  # title before body; the internal one never
    assert found("connects") == [in_title.number]  # stemmed: connect, connecting, connects
    assert found("conn") == [in_title.number]  # the last word as a prefix, while typing
    assert found("vpn printers") == [in_body.number]  # every word required
    assert found("   ") == [] and found("zzz") == []
    row = search.search(readable(requester_a), "jam", ["english"]).get()
    assert search.snippet(row.snippet_text) == "Unlike the VPN, printers <mark>jam</mark>"


def test_a_snippet_escapes_the_article_s_text():
    from knowledge.search import START, STOP, snippet

    assert snippet(f"<b>x</b> {START}vpn{STOP}") == "&lt;b&gt;x&lt;/b&gt; <mark>vpn</mark>"
