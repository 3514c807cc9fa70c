"""The knowledge report: most read, least helpful (once three readers answered), due for review, searches that
found nothing, and deflections per week and per article; managers only; a fixed number of queries."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from core import writes
from knowledge import services
from knowledge.choices import Audience
from knowledge.kind import ARTICLE
from knowledge.models import Article, KnowledgeBase
from tests.factories import UserFactory
from tests.knowledge.test_articles import review

pytestmark = pytest.mark.django_db


@pytest.fixture
def two(team_network, agent_a, agent_b):
    kb = KnowledgeBase.objects.create(name="IT help", slug="it-help", reviewers=team_network)
    made = []
    for title in ("VPN from home", "Printer jams"):
        article = writes.create(ARTICLE, agent_a, {"title": title, "body": f"About {title}.", "knowledge_base": kb,
                                                   "audience": Audience.PUBLIC})
        made.append(review(article, agent_b))
    return made


def test_the_report_counts_what_readers_did(client, two, manager, org_acme):
    vpn, printer = two
    readers = [UserFactory(role=Role.END_USER, organization=org_acme) for _ in range(3)]
    for _ in range(5):
        services.record_view(vpn)
    services.record_view(printer)
    for reader, helped in zip(readers, (True, False, False), strict=True):
        services.give_feedback(printer, reader, helped)
    Article.objects.filter(pk=vpn.pk).update(valid_until=timezone.localdate() - timedelta(days=1))
    services.log_search("Teams Meeting", 0)
    services.log_search("teams   meeting", 0)
    services.log_search("vpn", 1)
    services.deflect(vpn, readers[0], "a" * 32)
    services.deflect(vpn, readers[1], "b" * 32)

    client.force_login(manager)
    with CaptureQueriesContext(connection) as captured:
        page = client.get(reverse("knowledge-report"))
    assert len(captured) < 25
    data = page.context
    assert [a.number for a in data["most_viewed"]] == [vpn.number, printer.number]
    assert [(r["article"].number, r["percent"], r["answers"]) for r in data["least_helpful"]] == [
        (printer.number, 33, 3)]
    assert [a.number for a in data["due"]] == [vpn.number]
    assert data["no_result"] == [{"text": "teams meeting", "n": 2}]
    assert [a.number for a in data["deflections_by_article"]] == [vpn.number]
    assert sum(row["n"] for row in data["deflections_by_week"]) == 2
    assert "Overdue" in page.content.decode()


@pytest.mark.parametrize("who", ["requester_a", "agent_a"])
def test_only_managers_read_the_report(request, client, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("knowledge-report")).status_code == 403


def test_a_portal_search_is_logged_without_its_reader(client, two, requester_a):
    from knowledge.models import SearchLog

    client.force_login(requester_a)
    client.get(reverse("portal-knowledge"), {"q": "Printer"})
    client.get(reverse("portal-knowledge"), {"q": "fax machine"})
    assert list(SearchLog.objects.order_by("pk").values_list("text", "results")) == [("printer", 1),
                                                                                     ("fax machine", 0)]
