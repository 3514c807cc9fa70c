"""The change API: raised for the problem it fixes, planned, authorised, scheduled, implemented, reviewed and
closed; the desk only; errors name their field."""

from __future__ import annotations

from datetime import timedelta

import pytest

from changes.models import Change
from core import clock
from core.models import JournalEntry

pytestmark = pytest.mark.django_db
API = "/api/v1/changes/"


def test_a_change_through_its_whole_life(token_client, agent_a, manager, make_incident, requester_a):
    from problems import services as problems

    problem = problems.create_problem(agent_a, {"title": "Certificates expire unnoticed"})
    agent, boss = token_client(agent_a), token_client(manager)
    start = (clock.now() + timedelta(days=3)).replace(microsecond=0)
    created = agent.post(API, {"title": "Automate certificate renewal", "problems": [problem.pk],
                               "change_manager": manager.pk, "implementation_plan": "Install the ACME client.",
                               "backout_plan": "Remove it.", "test_plan": "Renew a test certificate.",
                               "planned_start": start.isoformat(),
                               "planned_end": (start + timedelta(hours=1)).isoformat()}, format="json")
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    assert number.startswith("CHG") and created.json()["change_type"] == "normal"
    assert [row["number"] for row in agent.get(f"{API}{number}/problems/").json()["results"]] == [problem.number]

    def move(client, state, **body):
        return client.post(f"{API}{number}/transition/", {"state": state, **body}, format="json")

    assert move(agent, "assess").status_code == 200
    assert move(agent, "authorize").status_code == 200
    refused = move(agent, "scheduled")
    assert refused.status_code == 400 and "authorization" in refused.json()
    assert agent.post(f"{API}{number}/decision/", {"decision": "approve"}, format="json").status_code == 403
    decided = boss.post(f"{API}{number}/decision/", {"decision": "approve", "comment": "OK."}, format="json")
    assert decided.status_code == 200 and decided.json()["authorized_by"]["id"] == manager.pk
    assert move(agent, "scheduled").status_code == 200
    assert move(agent, "implement").status_code == 200
    assert move(agent, "review", outcome="failed").status_code == 200
    no_review = move(agent, "closed", close_notes="Rolled back.")
    assert no_review.status_code == 400 and "review_notes" in no_review.json()
    closed = move(agent, "closed", close_notes="Rolled back.", review_notes="The client needs port 80.")
    assert closed.status_code == 200 and closed.json()["state"] == "closed"

    incident = make_incident(requester_a, title="Expired certificate on the portal")
    linked = agent.post(f"{API}{number}/incidents/", {"incident": incident.pk}, format="json")
    assert linked.status_code == 400 and "change" in linked.json()  # a closed change takes no more incidents
    assert JournalEntry.objects.filter(ticket_id=Change.objects.get(number=number).pk,
                                       field="authorization").exists()


def test_bad_input_names_the_field_and_end_users_get_403(token_client, agent_a, requester_a):
    client = token_client(agent_a)
    start = clock.now() + timedelta(days=1)
    response = client.post(API, {"title": "Swap a router", "change_type": "urgent",
                                 "planned_start": start.isoformat(),
                                 "planned_end": (start - timedelta(hours=1)).isoformat()}, format="json")
    assert response.status_code == 400 and "change_type" in response.json()
    window = client.post(API, {"title": "Swap a router", "planned_start": start.isoformat(),
                               "planned_end": (start - timedelta(hours=1)).isoformat()}, format="json")
    assert window.status_code == 400 and set(window.json()) == {"planned_end"}
    assert token_client(requester_a).get(API).status_code == 403
    assert not Change.objects.exists()


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 401), ("requester_a", 403), ("agent_a", 200),
                                                ("manager", 200), ("admin_user", 200)])
def test_the_desk_endpoints_of_change_enablement_for_every_role(role, expected, request, token_client):
    """The endpoints that are not a ticket kind's (those are in tests/core/test_ticket_matrix.py)."""
    from rest_framework.test import APIClient

    client = APIClient() if role == "anonymous" else token_client(request.getfixturevalue(role))
    for url in ("/api/v1/change-risk-questions/",
                "/api/v1/change-calendar/?from=2027-01-01T00:00:00Z&to=2027-02-01T00:00:00Z"):
        assert client.get(url).status_code == expected, url
    # everyone signed in has their own approvals (an end user may approve as someone's manager)
    assert client.get("/api/v1/approvals/").status_code == (401 if role == "anonymous" else 200)
