"""The manager's surveys report (figures a manager would check, a month's drill-down, the access rule, a constant
number of queries whatever the number of answers), the agent's satisfaction panel (the desk only), and the CSAT KPI
scoped like the tickets."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core import clock
from core.models import Ticket
from surveys import kpis
from surveys.models import CsatAnswer, CsatInvitation, NpsInvitation, NpsRound
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 20, 12, tzinfo=ZoneInfo("UTC"))


def rate(ticket, score: int, when: datetime, comment: str = "") -> CsatAnswer:
    invitation = CsatInvitation.objects.create(ticket=ticket, person_id=ticket.requester_id,
                                               invited_at=when - timedelta(hours=1))
    return CsatAnswer.objects.create(ticket=ticket, invitation=invitation, person_id=ticket.requester_id,
                                     score=score, comment=comment, answered_at=when, updated_at=when)


@pytest.fixture
def many(requester_a, requester_b, agent_a, agent_b, make_incident, service_vpn):
    """`many(n)`: n rated incidents in November (Service Desk's), one asked but unanswered, one rated in October
    (Network's), plus an NPS round."""

    def make(n: int) -> list[Ticket]:
        made = []
        for i in range(n):
            ticket = make_incident(requester_a, title=f"Issue {i}")
            Ticket.objects.filter(pk=ticket.pk).update(team=agent_a.teams.first())
            made.append(ticket)
            rate(ticket, 1 + i % 5, NOW - timedelta(days=1, minutes=i), comment=f"comment {i}")
        asked = make_incident(requester_a, title="Asked")
        CsatInvitation.objects.create(ticket=asked, person=requester_a, invited_at=NOW - timedelta(days=2))
        october = make_incident(requester_b, title="VPN drops <script>", service=service_vpn)
        Ticket.objects.filter(pk=october.pk).update(team=agent_b.teams.first())
        rate(october, 1, datetime(2026, 10, 10, tzinfo=ZoneInfo("UTC")), comment="<b>awful</b>")
        nps_round = NpsRound.objects.create(starts_on=date(2026, 11, 1), ends_on=date(2026, 12, 30), created_at=NOW)
        for k in range(n):
            person = UserFactory(username=f"nps{n}-{k}")
            NpsInvitation.objects.create(round=nps_round, person=person, invited_at=NOW, score=10 - k % 11,
                                         answered_at=NOW)
        return made

    return make


def test_the_report_shows_the_figures_and_escapes_comments(many, manager, client):
    many(5)  # scores 1..5 in November: average 3, two low (1, 2)
    client.force_login(manager)
    with clock.frozen(NOW):
        page = client.get(reverse("surveys-report"))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="csat-average">2.67' in html  # (1+2+3+4+5+1) / 6
    assert 'data-testid="csat-low-count">3<' in html  # 1, 2 in November and 1 in October
    assert "&lt;b&gt;awful&lt;/b&gt;" in html and "<b>awful</b>" not in html
    assert "VPN drops &lt;script&gt;" in html
    assert 'data-testid="csat-response-rate">85.7%' in html  # 6 of 7 asked answered
    with clock.frozen(NOW):
        october = client.get(reverse("surveys-report"), {"month": "2026-10"}).content.decode()
    assert "CSAT answers in October 2026" in october and "comment 0" not in october
    with clock.frozen(NOW):
        assert client.get(reverse("surveys-report"), {"month": "2026-13"}).status_code == 400


def test_the_report_is_for_managers(agent_a, requester_a, client):
    for person in (agent_a, requester_a):
        client.force_login(person)
        assert client.get(reverse("surveys-report")).status_code == 403


@pytest.mark.parametrize("n", [3, 30])
def test_the_report_costs_the_same_whatever_the_data(many, manager, client, django_assert_max_num_queries, n):
    many(n)
    client.force_login(manager)
    with clock.frozen(NOW), django_assert_max_num_queries(14):
        assert client.get(reverse("surveys-report")).status_code == 200
    with clock.frozen(NOW), django_assert_max_num_queries(16):
        assert client.get(reverse("surveys-report"), {"month": "2026-11"}).status_code == 200


def test_the_csat_kpi_is_scoped_like_the_tickets(many, manager, agent_a, agent_b, requester_b):
    many(5)
    months = [date(2026, 10, 1), date(2026, 11, 1)]
    assert kpis.csat_series(manager, months) == [1.0, 3.0]
    assert kpis.csat_series(agent_a, months) == [None, 3.0]  # the Service Desk's tickets
    assert kpis.csat_series(agent_b, months) == [1.0, None]  # the Network's
    assert kpis.csat_drill_url(date(2026, 11, 1)) == "/manager/surveys/?month=2026-11"


def test_the_agent_panel_shows_the_answer_to_the_desk_only(resolved, requester_a, agent_a, agent_b, client):
    from surveys import services

    services.answer_csat(CsatInvitation.objects.get(ticket=resolved), requester_a, 2, "Too slow")
    client.force_login(agent_a)
    page = client.get(reverse("agent-incident", args=[resolved.number])).content.decode()
    assert reverse("agent-ticket-csat", args=[resolved.number]) in page
    panel = client.get(reverse("agent-ticket-csat", args=[resolved.number])).content.decode()
    assert "2/5" in panel and "Too slow" in panel
    client.force_login(agent_b)  # not their team's ticket
    assert client.get(reverse("agent-ticket-csat", args=[resolved.number])).status_code == 404
    client.force_login(requester_a)  # the requester's page is the portal's
    assert client.get(reverse("agent-ticket-csat", args=[resolved.number])).status_code == 403
