"""The surveys API and its role rules: end users answer surveys and read only their own answers (nothing else
here); agents read the answers on their teams' tickets; managers all. A ticket the caller may not see is 404;
someone else's is 403; bad input is a 400 naming the field; anonymous callers get 401 everywhere."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from core import clock
from incidents import services as incident_services
from incidents.choices import State
from surveys import services
from surveys.models import CsatAnswer, CsatInvitation, NpsInvitation, NpsRound

pytestmark = pytest.mark.django_db

ENDPOINTS = [("get", "/api/v1/surveys/csat/"), ("post", "/api/v1/surveys/csat/"), ("get", "/api/v1/surveys/nps/"),
             ("get", "/api/v1/surveys/nps/summary/"), ("post", "/api/v1/surveys/nps/1/answer/")]


@pytest.mark.parametrize(("method", "url"), ENDPOINTS)
def test_anonymous_callers_get_401(method, url, db):
    assert getattr(APIClient(), method)(url, {}, format="json").status_code == 401


@pytest.fixture
def answered(resolved, requester_a, requester_b, agent_b, make_incident, resolve, service_vpn):
    """requester_a rated their Service Desk incident 2/5; requester_b rated a Network incident 5/5."""
    services.answer_csat(CsatInvitation.objects.get(ticket=resolved), requester_a, 2, "Slow")
    vpn = resolve(incident_services.take(make_incident(requester_b, service=service_vpn), agent_b), agent_b)
    services.answer_csat(CsatInvitation.objects.get(ticket=vpn), requester_b, 5)
    return resolved, vpn


@pytest.mark.parametrize(("who", "expected"), [
    ("requester_a", {"a"}), ("requester_b", {"b"}), ("agent_a", {"a"}), ("agent_b", {"b"}), ("manager", {"a", "b"}),
    ("admin", {"a", "b"}),
])
def test_who_reads_which_csat_answers(answered, users, token_client, who, expected):
    numbers = {"a": answered[0].number, "b": answered[1].number}
    body = token_client(users[who]).get("/api/v1/surveys/csat/").json()
    assert {row["ticket"] for row in body["results"]} == {numbers[k] for k in expected}
    assert body["count"] == len(expected)


def test_the_requester_answers_through_the_api(resolved, requester_a, token_client):
    api = token_client(requester_a)
    first = api.post("/api/v1/surveys/csat/", {"ticket": resolved.number, "score": 3, "comment": "OK"}, format="json")
    assert first.status_code == 201 and first.json()["score"] == 3
    second = api.post("/api/v1/surveys/csat/", {"ticket": resolved.number, "score": 1, "reopen": True}, format="json")
    assert second.status_code == 200 and second.json()["score"] == 1 and second.json()["reopen_requested"]
    assert CsatAnswer.objects.count() == 1
    resolved.refresh_from_db()
    assert resolved.state == State.IN_PROGRESS


def test_csat_errors(resolved, requester_a, requester_b, agent_a, make_incident, token_client, org_acme):
    api = token_client(requester_a)
    for body, field in (({"ticket": resolved.number, "score": 6}, "score"), ({"ticket": resolved.number}, "score"),
                        ({"score": 3}, "ticket"), ({"ticket": resolved.number, "score": 3, "colour": 1}, "colour"),
                        ({"ticket": resolved.number, "score": 3, "comment": "x" * 4001}, "comment")):
        response = api.post("/api/v1/surveys/csat/", body, format="json")
        assert response.status_code == 400 and field in response.json(), body
    open_incident = make_incident(requester_a, title="Still open")
    response = api.post("/api/v1/surveys/csat/", {"ticket": open_incident.number, "score": 3}, format="json")
    assert response.status_code == 400 and "ticket" in response.json()  # no survey for it
    # another organization's ticket does not exist for requester_b; the desk is not its requester
    hidden = token_client(requester_b).post("/api/v1/surveys/csat/", {"ticket": resolved.number, "score": 1},
                                            format="json")
    assert hidden.status_code == 404
    assert token_client(agent_a).post("/api/v1/surveys/csat/", {"ticket": resolved.number, "score": 1},
                                      format="json").status_code == 403
    assert not CsatAnswer.objects.exists()


def test_a_colleague_who_sees_the_ticket_may_not_rate_it(resolved, org_acme, token_client):
    from tests.factories import UserFactory

    colleague = UserFactory(username="colleague", organization=org_acme)  # Acme shares tickets
    response = token_client(colleague).post("/api/v1/surveys/csat/", {"ticket": resolved.number, "score": 1},
                                            format="json")
    assert response.status_code == 403 and not CsatAnswer.objects.exists()


@pytest.fixture
def nps_round(requester_a, requester_b, org_acme, org_globex):
    today = clock.now().date()
    nps_round = NpsRound.objects.create(starts_on=today, ends_on=today, created_at=clock.now())
    mine = NpsInvitation.objects.create(round=nps_round, person=requester_a, organization=org_acme,
                                        invited_at=clock.now())
    theirs = NpsInvitation.objects.create(round=nps_round, person=requester_b, organization=org_globex,
                                          invited_at=clock.now(), score=10, answered_at=clock.now())
    return mine, theirs


def test_nps_answers_and_role_rules(nps_round, users, token_client):
    mine, theirs = nps_round
    api = token_client(users["requester_a"])
    assert [row["id"] for row in api.get("/api/v1/surveys/nps/").json()["results"]] == [mine.pk]
    assert api.post(f"/api/v1/surveys/nps/{theirs.pk}/answer/", {"score": 0}, format="json").status_code == 404
    bad = api.post(f"/api/v1/surveys/nps/{mine.pk}/answer/", {"score": 11}, format="json")
    assert bad.status_code == 400 and "score" in bad.json()
    good = api.post(f"/api/v1/surveys/nps/{mine.pk}/answer/", {"score": 3, "comment": "Slow"}, format="json")
    assert good.status_code == 200 and good.json()["score"] == 3
    assert api.get("/api/v1/surveys/nps/summary/").status_code == 403  # end users see nothing else here
    manager = token_client(users["manager"])
    assert manager.get("/api/v1/surveys/nps/").json()["count"] == 2
    summary = manager.get("/api/v1/surveys/nps/summary/").json()
    assert summary["rounds"][0]["nps"] == 0.0  # one promoter (10), one detractor (3)
    assert {line["name"]: line["nps"] for line in summary["by_organization"]} == {"Acme": -100.0, "Globex": 100.0}
    agent = token_client(users["agent_a"])
    assert agent.get("/api/v1/surveys/nps/").json()["count"] == 0  # only their own invitations (none)
    agent_summary = agent.get("/api/v1/surveys/nps/summary/").json()
    assert agent_summary["rounds"][0]["nps"] == 0.0 and agent_summary["by_organization"] == []
