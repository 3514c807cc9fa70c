"""NPS: the arithmetic against hand-computed cases (per round, organization, service and month; unanswered
invitations count in the response rate only), the sample of a round, a round started by beat once per period with
a signed single-use link per person, and the portal's card."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from accounts.roles import Role
from core import clock
from surveys import figures, kpis, services
from surveys.models import NpsInvitation, NpsRound, SurveySettings
from surveys.tasks import start_nps_round
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("scores", "expected"), [
    ([10, 9, 9, 8, 7, 6, 3, 0, 10, 5], 0.0),   # 4 promoters, 2 passives, 4 detractors
    ([10, 10, 9, 8], 75.0),                    # 75% promoters, no detractor
    ([0, 6, 7, 8, 9], -20.0),                  # 20% promoters - 40% detractors
    ([6, 6, 6], -100.0),
    ([9, 7, 7], 33.3),                         # 1/3 promoters: 33.3 (one decimal)
    ([], None),
])
def test_nps_arithmetic(scores, expected):
    promoters = sum(1 for s in scores if s >= 9)
    detractors = sum(1 for s in scores if s <= 6)
    assert figures.nps(promoters, detractors, len(scores)) == expected


@pytest.fixture
def answered_round(org_acme, org_globex, service_email, service_vpn):
    """A round of 7 people: Acme answers 10, 9, 3 (e-mail) and one does not answer; Globex answers 8, 6, 0 (VPN)."""
    nps_round = NpsRound.objects.create(starts_on=date(2026, 10, 1), ends_on=date(2026, 12, 29),
                                        created_at=clock.now())
    cases = [(org_acme, service_email, 10), (org_acme, service_email, 9), (org_acme, service_email, 3),
             (org_acme, service_email, None), (org_globex, service_vpn, 8), (org_globex, service_vpn, 6),
             (org_globex, service_vpn, 0)]
    answered = datetime(2026, 11, 15, 12, tzinfo=ZoneInfo("UTC"))
    for n, (org, service, score) in enumerate(cases):
        person = UserFactory(username=f"asked{n}", organization=org)
        NpsInvitation.objects.create(round=nps_round, person=person, organization=org, service=service,
                                     invited_at=answered - timedelta(days=3), score=score,
                                     answered_at=answered if score is not None else None)
    return nps_round


def test_nps_per_round_organization_service_and_month(answered_round, manager):
    (row,) = figures.nps_by_round()
    # 6 answers: 2 promoters (10, 9), 1 passive (8), 3 detractors (3, 6, 0): (2 - 3) / 6 = -16.7
    assert (row["invited"], row["answers"], row["promoters"], row["passives"], row["detractors"]) == (7, 6, 2, 1, 3)
    assert row["nps"] == -16.7 and row["response_rate"] == 85.7
    by_org = {line["name"]: line["nps"] for line in figures.nps_breakdown(answered_round.pk, "organization")}
    assert by_org == {"Acme": 33.3, "Globex": -66.7}  # (2-1)/3 and (0-2)/3
    by_service = {line["name"]: line["nps"] for line in figures.nps_breakdown(answered_round.pk, "service")}
    assert by_service == {"E-mail": 33.3, "VPN": -66.7}
    months = [date(2026, 10, 1), date(2026, 11, 1), date(2026, 12, 1)]
    assert kpis.nps_series(manager, months) == [None, -16.7, None]
    assert kpis.nps_drill_url(date(2026, 11, 1)) == "/manager/surveys/?month=2026-11#nps-answers"


@pytest.mark.parametrize(("population", "size", "percent", "expected"), [
    (1000, 50, None, 50), (30, 50, None, 30), (1000, 500, 10, 100), (999, 500, 10, 100), (1000, 50, 10, 50),
    (0, 50, 10, 0),
])
def test_the_sample_of_a_round(population, size, percent, expected):
    config = SurveySettings(nps_sample_size=size, nps_sample_percent=percent)
    assert services.sample_size(population, config) == expected


def test_beat_starts_one_round_per_period_and_mails_each_person_a_link(org_acme, agent_a, manager, eager, client,
                                                                       django_capture_on_commit_callbacks):
    people = [UserFactory(username=f"enduser{n}", organization=org_acme, role=Role.END_USER) for n in range(5)]
    UserFactory(username="gone", role=Role.END_USER, is_active=False)
    config = SurveySettings.current()
    config.nps_sample_size, config.nps_period_days = 3, 30
    config.save()
    t0 = datetime(2026, 11, 2, 9, tzinfo=ZoneInfo("UTC"))
    with clock.frozen(t0), django_capture_on_commit_callbacks(execute=True):
        first = start_nps_round.delay().get()
    nps_round = NpsRound.objects.get(pk=first)
    assert (nps_round.starts_on, nps_round.ends_on) == (date(2026, 11, 2), date(2026, 12, 1))
    asked = list(NpsInvitation.objects.filter(round=nps_round).select_related("person"))
    assert len(asked) == 3 and {i.person for i in asked} <= set(people)  # active end users only
    assert {i.organization_id for i in asked} == {org_acme.pk}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(i.person.email for i in asked)
    with clock.frozen(t0 + timedelta(days=29)), django_capture_on_commit_callbacks(execute=True):
        assert start_nps_round.delay().get() is None  # the period still runs
    with clock.frozen(t0 + timedelta(days=30)), django_capture_on_commit_callbacks(execute=True):
        assert start_nps_round.delay().get() is not None
    assert NpsRound.objects.count() == 2
    # each link answers once, without signing in
    message = next(m for m in mail.outbox if m.to == [asked[0].person.email])
    path = re.search(r"http://[^/]+(/surveys/nps/\S+)", message.body).group(1)
    assert client.get(path).status_code == 200
    assert client.post(path, {"score": "11"}).status_code == 400
    assert client.post(path, {"score": "9", "comment": "Good"}).status_code == 200
    assert client.post(path, {"score": "0"}).status_code == 410
    assert NpsInvitation.objects.get(pk=asked[0].pk).score == 9


def test_the_portal_card_asks_while_the_round_runs(org_acme, client):
    person = UserFactory(username="asked", organization=org_acme, role=Role.END_USER)
    other = UserFactory(username="not-asked", organization=org_acme, role=Role.END_USER)
    today = clock.now().date()
    nps_round = NpsRound.objects.create(starts_on=today, ends_on=today + timedelta(days=5), created_at=clock.now())
    invitation = NpsInvitation.objects.create(round=nps_round, person=person, invited_at=clock.now())
    client.force_login(other)
    assert client.get(reverse("portal-nps")).content == b""
    assert client.post(reverse("portal-nps"), {"score": "3"}).status_code == 403
    client.force_login(person)
    assert reverse("portal-nps") in client.get(reverse("portal-home")).content.decode()
    assert "likely are you to recommend IT" in client.get(reverse("portal-nps")).content.decode()
    assert client.post(reverse("portal-nps"), {"score": "x"}).status_code == 400
    assert client.post(reverse("portal-nps"), {"score": "7", "comment": "OK"}).status_code == 302
    invitation.refresh_from_db()
    assert (invitation.score, invitation.comment) == (7, "OK")
    assert client.get(reverse("portal-nps")).content == b""  # answered: the card is gone
