"""Deflection: while an end user types a title in the report form, matching public articles are suggested (never
an internal one, nothing for two letters or without the form's attempt token); "This solved my problem" ends the
attempt without a ticket and is counted once per attempt."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import writes
from incidents.models import Incident
from knowledge.choices import Audience
from knowledge.kind import ARTICLE
from knowledge.models import Deflection, KnowledgeBase
from tests.knowledge.test_articles import review

pytestmark = pytest.mark.django_db
ATTEMPT = "a" * 32


@pytest.fixture
def answers(team_network, agent_a, agent_b):
    kb = KnowledgeBase.objects.create(name="IT help", slug="it-help", reviewers=team_network)
    public = writes.create(ARTICLE, agent_a, {"title": "Printer paper jam", "body": "Open tray 2.",
                                              "knowledge_base": kb, "audience": Audience.PUBLIC})
    internal = writes.create(ARTICLE, agent_a, {"title": "Printer driver rollout", "body": "GPO.",
                                                "knowledge_base": kb, "audience": Audience.INTERNAL})
    return review(public, agent_b), review(internal, agent_b)


def test_typing_a_title_suggests_public_answers_only(client, answers, requester_a):
    public, internal = answers
    client.force_login(requester_a)
    form = client.get(reverse("portal-report")).content.decode()
    assert 'id="kb-suggestions"' in form and 'name="kb_attempt"' in form
    url = reverse("portal-knowledge-suggest")
    found = client.get(url, {"title": "printer jam", "kb_attempt": ATTEMPT})
    assert [a.number for a in found.context["found"]] == [public.number]
    assert internal.number not in found.content.decode()
    html = found.content.decode()  # inside the report form: Enter in the title must still send the report
    assert 'type="button"' in html and 'type="submit"' not in html
    assert client.get(url, {"title": "pr", "kb_attempt": ATTEMPT}).context["found"] == []
    assert client.get(url, {"title": "printer", "kb_attempt": "nope"}).context["found"] == []


def test_this_solved_my_problem_is_counted_once_per_attempt_and_raises_nothing(client, answers, requester_a):
    public, internal = answers
    client.force_login(requester_a)
    solved = reverse("portal-article-solved", args=[public.number])
    answer = client.post(solved, {"kb_attempt": ATTEMPT, "title": "Printer jam"})
    assert answer.status_code == 302 and answer.url == reverse("portal-home")
    client.post(solved, {"kb_attempt": ATTEMPT})  # the same attempt again
    client.post(solved, {"kb_attempt": "b" * 32})  # another report form
    assert Deflection.objects.filter(article=public).count() == 2
    assert not Incident.objects.exists()
    htmx = client.post(solved, {"kb_attempt": "d" * 32}, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 204 and htmx["HX-Redirect"] == reverse("portal-home")
    assert client.post(reverse("portal-article-solved", args=[internal.number]),
                       {"kb_attempt": "c" * 32}).status_code == 404
    assert client.post(solved, {"kb_attempt": "x"}).status_code == 404
