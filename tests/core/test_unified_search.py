"""The one search box (core.unified_search): /portal/search/, /agent/search/ and /api/v1/search/.

End users find their own tickets and their organization's where it shares, and the public answers published to them;
never another organization's ticket, a problem or a change, an internal, draft or retired article, a draft's new
words, nor a work note's, by words or by number, in the page or the API. The desk finds tickets of every kind it may
see, and the knowledge with its drafts. A number typed in full opens its page; one the user may not see finds nothing.
The page escapes what people typed, costs a constant number of queries, and shows labels, never codes.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse

from accounts.roles import Role
from catalog import services as catalog_services
from catalog.models import CatalogCategory, CatalogItem
from changes.kind import CHANGE
from core import kinds, unified_search, writes
from core import services as core_services
from core.models import Ticket
from knowledge.choices import ArticleState, Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article, KnowledgeBase
from problems import services as problem_services
from tests.factories import UserFactory
from tests.knowledge.test_articles import review

pytestmark = pytest.mark.django_db


@pytest.fixture
def kb(team_network):
    return KnowledgeBase.objects.create(name="IT help", slug="it-help", reviewers=team_network)


def article(kb, author, reviewer, title: str, *, audience=Audience.PUBLIC, publish=True, body="Open the client.",
            **fields: Any) -> Article:
    made = writes.create(ARTICLE, author, {"title": title, "description": f"About {title}.", "body": body,
                                           "knowledge_base": kb, "audience": audience, **fields})
    return review(made, reviewer) if publish else made


@pytest.fixture
def world(users, org_acme, make_incident, service_email, service_vpn, team_service_desk, kb):
    """Tickets about a mailbox of every kind, on Service Desk's side (agent_a, Acme) and Network's (agent_b, Globex),
    and articles: public, internal, a draft, a retired one, a published one being rewritten."""
    agent_a, agent_b = users["agent_a"], users["agent_b"]
    colleague = UserFactory(username="colleague_a", organization=org_acme, role=Role.END_USER)
    w: dict[str, Any] = dict(users, colleague_a=colleague)
    w["own"] = make_incident(users["requester_a"], title="Mailbox quota exceeded")
    w["colleague"] = make_incident(colleague, title="Shared mailbox is read-only")
    w["globex"] = make_incident(users["requester_b"], title="Mailbox of Globex is full", service=service_vpn)
    problem = problem_services.create_problem(agent_a, {"title": "Mailbox quotas fill up", "team": team_service_desk})
    Ticket.objects.filter(pk=problem.pk).update(requester=users["requester_a"])  # still never an end user's
    w["problem"] = problem
    change = writes.create(CHANGE, agent_a, {"title": "Raise the mailbox quota", "team": team_service_desk})
    Ticket.objects.filter(pk=change.pk).update(requester=users["requester_a"])
    w["change"] = change
    category = CatalogCategory.objects.create(slug="mail", name="Mail")
    item = CatalogItem.objects.create(slug="mailbox", name="Extra mailbox", category=category, short_description="x",
                                      service=service_email)
    w["request"] = catalog_services.order(item, users["requester_a"], {})
    w["item"] = w["request"].items.get()
    w["public"] = article(kb, agent_a, agent_b, "Empty your mailbox", keywords="mailbox, quota")
    w["internal"] = article(kb, agent_a, agent_b, "Mailbox server restart", audience=Audience.INTERNAL)
    w["draft"] = article(kb, agent_a, agent_b, "Mailbox archive draft", publish=False)
    retired = article(kb, agent_a, agent_b, "Old mailbox webmail")
    writes.transition(ARTICLE, retired, agent_b, ArticleState.RETIRED)
    w["retired"] = retired
    rewritten = article(kb, agent_a, agent_b, "Mailbox rules", body="Use the rules wizard.")
    writes.transition(ARTICLE, rewritten, agent_b, ArticleState.DRAFT)
    writes.update(ARTICLE, Article.objects.get(pk=rewritten.pk), agent_b,
                  {"title": "Mailbox rules SECRETWORD", "description": "SECRETWORD", "body": "SECRETWORD body"})
    w["rewritten"] = rewritten
    core_services.add_comment(w["own"], agent_a, "Checked the zebraword appliance.", internal=True)
    return w


def page(client, user, q: str, *, desk: bool = False, follow: bool = False):
    client.force_login(user)
    return client.get(reverse("agent-search" if desk else "portal-search"), {"q": q}, follow=follow)


def hits_of(response) -> str:
    """The rows the page found (not the words it repeats in its title, heading and box)."""
    return "\n".join(re.findall(r'<li class="list-group-item search-hit".*?</li>', response.content.decode(),
                                 re.DOTALL))


def numbers(results: unified_search.Results, key: str) -> set[str]:
    return {hit.number for hit in results.group(key).hits}


def api(token_client, user, q: str):
    return token_client(user).get("/api/v1/search/", {"q": q})


def test_an_end_user_finds_their_own_their_organizations_and_the_public_answers(world, client, token_client):
    requester = world["requester_a"]
    found = unified_search.run(requester, "mailbox", desk=False)
    assert numbers(found, "tickets") == {world["own"].number, world["colleague"].number, world["request"].number,
                                         world["item"].number}
    assert numbers(found, "articles") == {world["public"].number, world["rewritten"].number}
    body = page(client, requester, "mailbox").content.decode()
    for name in ("own", "colleague", "request", "public"):
        assert world[name].number in body
    assert reverse("portal-incident", args=[world["own"].number]) in body
    assert reverse("portal-article", args=[world["public"].number]) in body
    # the requested item opens its request's page in the portal
    assert reverse("portal-request", args=[world["request"].number]) in body
    assert f'href="{reverse("portal-request", args=[world["item"].number])}"' not in body
    # the snippet highlights the words of the published body
    snippet = hits_of(page(client, requester, "client"))
    assert "Open the <mark>client</mark>" in snippet, snippet

    answer = api(token_client, requester, "mailbox").json()
    assert {row["number"] for row in answer["tickets"]} == numbers(found, "tickets")
    assert {row["number"] for row in answer["articles"]} == numbers(found, "articles")
    row = next(r for r in answer["tickets"] if r["number"] == world["own"].number)
    assert row == {"number": world["own"].number, "title": "Mailbox quota exceeded", "kind": "incident",
                   "kind_label": "Incident", "state": "new", "state_label": "New", "updated_at": row["updated_at"],
                   "url": reverse("portal-incident", args=[world["own"].number])}


SECRETS = ("globex", "problem", "change", "internal", "draft", "retired")


def test_an_end_user_never_finds_what_they_may_not_see(world, client, token_client):
    requester = world["requester_a"]
    hidden = {world[name].number for name in SECRETS}
    for text in ("mailbox", "quota", "globex", "restart", "archive", "webmail", "SECRETWORD", "zebraword"):
        found = unified_search.run(requester, text, desk=False)
        assert not (numbers(found, "tickets") | numbers(found, "articles")) & hidden, text
        body = hits_of(page(client, requester, text))
        answer = api(token_client, requester, text).content.decode()
        for shown in (body, answer):
            assert not any(number in shown for number in hidden), text
            for title in ("Globex is full", "quotas fill up", "Raise the mailbox", "server restart", "archive draft",
                          "webmail", "SECRETWORD", "zebraword"):
                assert title not in shown, (text, title)
    # by number: nothing, exactly as a number that does not exist
    for number in [*hidden, "INC9999999", "KB9999999"]:
        for typed in (number, number.lower()):
            response = page(client, requester, typed)
            assert response.status_code == 200, typed
            assert 'data-testid="search-nothing"' in response.content.decode()
            assert api(token_client, requester, typed).json() == {"articles": [], "tickets": [],
                                                                  "articles_more": False, "tickets_more": False}


def test_requester_b_sees_neither_acme_tickets_nor_acme_numbers(world, client, token_client):
    requester = world["requester_b"]
    found = unified_search.run(requester, "mailbox", desk=False)
    assert numbers(found, "tickets") == {world["globex"].number}
    for name in ("own", "colleague", "request", "item"):
        assert 'data-testid="search-nothing"' in page(client, requester, world[name].number).content.decode()
        assert api(token_client, requester, world[name].number).json()["tickets"] == []


def test_a_number_the_user_may_see_opens_its_page(world, client, token_client):
    cases = [
        ("requester_a", world["own"].number.lower(), False, reverse("portal-incident", args=[world["own"].number])),
        ("requester_a", world["colleague"].number, False, reverse("portal-incident",
                                                                  args=[world["colleague"].number])),
        ("requester_a", world["item"].number, False, reverse("portal-request", args=[world["request"].number])),
        ("requester_a", f"  {world['public'].number} ", False, reverse("portal-article",
                                                                       args=[world["public"].number])),
        ("agent_a", world["problem"].number, True, reverse("agent-problem", args=[world["problem"].number])),
        ("agent_a", world["change"].number.lower(), True, reverse("agent-change", args=[world["change"].number])),
        ("agent_b", world["draft"].number, True, reverse("agent-article", args=[world["draft"].number])),
        ("manager", world["globex"].number, True, reverse("agent-incident", args=[world["globex"].number])),
    ]
    for username, typed, desk, url in cases:
        response = page(client, world[username], typed, desk=desk)
        assert (response.status_code, response.get("Location")) == (302, url), (username, typed)
    # in the API, the one hit
    answer = api(token_client, world["agent_a"], world["problem"].number).json()
    assert [row["number"] for row in answer["tickets"]] == [world["problem"].number] and answer["articles"] == []
    answer = api(token_client, world["requester_a"], world["public"].number).json()
    assert [row["number"] for row in answer["articles"]] == [world["public"].number] and answer["tickets"] == []
    # agent_b's team does not hold the problem: nothing
    assert 'data-testid="search-nothing"' in page(client, world["agent_b"], world["problem"].number,
                                                  desk=True).content.decode()


def test_the_desk_finds_tickets_of_every_kind_it_may_see_and_the_knowledge(world, client, token_client):
    agent = world["agent_a"]
    found = unified_search.run(agent, "mailbox", desk=True)
    kinds_found = {hit.kind for hit in found.group("tickets").hits}
    assert kinds_found == {"incident", "problem", "change", "request", "ritm"}
    assert world["globex"].number not in numbers(found, "tickets")  # Network's
    # published (public and internal) and the drafts, never the retired one
    assert numbers(found, "articles") == {world["public"].number, world["internal"].number, world["draft"].number,
                                          world["rewritten"].number}
    body = page(client, agent, "mailbox", desk=True).content.decode()
    for name in ("own", "problem", "change", "request", "item", "public", "internal", "draft"):
        assert f'href="{kinds.agent_url_of(world[name])}"' in body, name
    for label in ("Incident", "Problem", "Change", "Request", "Requested item", "Draft", "Published"):
        assert label in body
    assert world["globex"].number not in body
    # the published article is found by its published words, not its working copy's
    assert "SECRETWORD" not in body
    assert world["rewritten"].number in {row["number"] for row in api(token_client, agent, "rules").json()["articles"]}
    # agent_b (Network) finds Globex's, and the whole knowledge
    other = unified_search.run(world["agent_b"], "mailbox", desk=True)
    assert numbers(other, "tickets") == {world["globex"].number}
    assert world["draft"].number in numbers(other, "articles")
    # the manager finds everything
    assert {world[n].number for n in ("own", "colleague", "globex", "problem", "change", "request", "item")} <= \
        numbers(unified_search.run(world["manager"], "mailbox", desk=True), "tickets")


def test_work_notes_are_not_searched(world, client):
    """`Ticket.search` holds the title and the description only: a work note's words find nothing, for anyone."""
    for user, desk in ((world["requester_a"], False), (world["agent_a"], True), (world["manager"], True)):
        found = unified_search.run(user, "zebraword", desk=desk)
        assert found.count == 0
        response = page(client, user, "zebraword", desk=desk)
        assert hits_of(response) == "" and 'data-testid="search-nothing"' in response.content.decode()


def test_the_page_escapes_what_people_typed(world, client, make_incident):
    requester = world["requester_a"]
    make_incident(requester, title="<script>alert('x')</script> mailbox", description="<img src=x onerror=alert(1)>")
    article(world["public"].knowledge_base, world["agent_a"], world["agent_b"], "Mailbox <b>bold</b> tips",
            body="The mailbox <script>alert(2)</script> rules.")
    for user, desk in ((requester, False), (world["agent_a"], True)):
        body = page(client, user, "mailbox", desk=desk).content.decode()
        assert "<script>alert(" not in body and "&lt;script&gt;alert(" in body
        assert "<b>bold</b>" not in body and "&lt;b&gt;bold&lt;/b&gt;" in body
        typed = page(client, user, '"><script>alert(3)</script>', desk=desk).content.decode()
        assert "<script>alert(3)" not in typed and "&lt;script&gt;alert(3)" in typed


def test_the_page_costs_a_constant_number_of_queries(world, client, make_incident, kb,
                                                     django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def cost(user, desk: bool) -> int:
        client.force_login(user)
        url = reverse("agent-search" if desk else "portal-search")
        client.get(url, {"q": "mailbox"})  # the session, the kept references
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, {"q": "mailbox"}).status_code == 200
        return len(ctx)

    users = [(world["requester_a"], False), (world["agent_a"], True), (world["manager"], True)]
    before = {user.username: cost(user, desk) for user, desk in users}
    assert max(before.values()) <= 15, before
    for n in range(12):
        make_incident(world["requester_a"], title=f"Mailbox number {n}")
        article(kb, world["agent_a"], world["agent_b"], f"Mailbox answer {n}")
        article(kb, world["agent_a"], world["agent_b"], f"Mailbox draft {n}", publish=False)
    for user, desk in users:
        client.force_login(user)
        with django_assert_max_num_queries(before[user.username]):
            body = client.get(reverse("agent-search" if desk else "portal-search"), {"q": "mailbox"}).content.decode()
        assert body.count('data-testid="search-hit"') == 2 * unified_search.LIMIT, user.username
        assert 'data-testid="search-more"' in body


def test_more_than_a_page_links_to_every_match(world, client, make_incident):
    for n in range(unified_search.LIMIT + 1):
        make_incident(world["requester_a"], title=f"Printer jam {n}")
    body = page(client, world["agent_a"], "printer", desk=True).content.decode()
    assert body.count('data-testid="search-hit"') == unified_search.LIMIT
    assert f'href="{reverse("agent-incidents")}?queue=recent&amp;q=printer"' in body
    assert f'href="{reverse("agent-problems")}?queue=recent&amp;q=printer"' in body
    # the newest first
    jams = list(Ticket.objects.filter(title__startswith="Printer jam").order_by("-updated_at", "-id"))
    assert jams[0].number in body and jams[-1].number not in body
    assert body.index(jams[0].number) < body.index(jams[1].number)
    portal = page(client, world["requester_a"], "printer").content.decode()
    assert portal.count('data-testid="search-hit"') == unified_search.LIMIT
    assert "Add words to narrow the search." in portal


def test_the_api_refuses_a_missing_blank_or_long_q(world, token_client, api_client):
    caller = token_client(world["requester_a"])
    for params in ({}, {"q": ""}, {"q": "   "}, {"q": "x" * (unified_search.MAX_LENGTH + 1)}):
        response = caller.get("/api/v1/search/", params)
        assert response.status_code == 400, params
        assert list(response.json()) == ["q"], response.json()
    assert caller.get("/api/v1/search/", {"q": "x" * unified_search.MAX_LENGTH}).status_code == 200
    assert caller.get("/api/v1/search/", {"q": "mailbox", "kind": "problem"}).status_code == 400
    assert api_client.get("/api/v1/search/", {"q": "mailbox"}).status_code == 401
    # odd text is words, never an error
    for text in ("!!!", "-", "the", '"unclosed', "a & b | c", "mailbox:*", "ñandú 漢字", "'); drop table x;--"):
        assert caller.get("/api/v1/search/", {"q": text}).status_code == 200, text
        assert token_client(world["agent_a"]).get("/api/v1/search/", {"q": text}).status_code == 200, text


def test_the_page_refuses_a_long_text_and_waits_for_words(world, client):
    response = page(client, world["requester_a"], "x" * (unified_search.MAX_LENGTH + 1))
    assert response.status_code == 400 and "at most 200 characters" in response.content.decode()
    empty = page(client, world["agent_a"], "  ", desk=True)
    assert empty.status_code == 200 and 'data-testid="search-hit"' not in empty.content.decode()
    assert page(client, world["requester_a"], "mailbox", desk=True).status_code == 403  # the desk's page
    client.logout()
    assert client.get(reverse("portal-search"), {"q": "mailbox"}).status_code == 302  # to sign in


def test_the_top_bar_search_box_goes_to_each_roles_search(world, client):
    client.force_login(world["requester_a"])
    portal = client.get(reverse("portal-home")).content.decode()
    assert f'action="{reverse("portal-search")}"' in portal
    client.force_login(world["agent_a"])
    workspace = client.get(reverse("agent-home")).content.decode()
    assert f'action="{reverse("agent-search")}"' in workspace


def test_common_words_and_rare_words_give_the_same_newest_tickets(world, make_incident, monkeypatch):
    """Few matches are sorted in Python, many by the ordered index walk (core.unified_search.newest): same answer."""
    for n in range(8):
        make_incident(world["requester_a"], title=f"Scanner offline {n}")
    Ticket.objects.filter(title="Scanner offline 2").update(updated_at=Ticket.objects.get(
        title="Scanner offline 7").updated_at)  # a tie: the newer id first
    expected = list(Ticket.objects.filter(title__startswith="Scanner").order_by("-updated_at", "-id")
                    .values_list("number", flat=True)[:5])
    answers = []
    for few in (1000, 3):  # the 8 matches sorted here, then more than FEW: ordered by PostgreSQL
        monkeypatch.setattr(unified_search, "FEW", few)
        found = unified_search.run(world["manager"], "scanner", desk=True, limit=4)
        answers.append([hit.number for hit in found.group("tickets").hits])
        assert found.group("tickets").more
    assert answers[0] == answers[1] == expected[:4]
