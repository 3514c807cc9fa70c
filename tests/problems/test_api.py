"""The problem API: raised from incidents, analysed, published as a known error with the workaround pushed to
its incidents, resolved with them; the desk only."""

from __future__ import annotations

import pytest
from django.core import mail

from core.models import JournalEntry
from incidents.models import Incident
from problems.models import Problem

API = "/api/v1/problems/"
pytestmark = pytest.mark.django_db


@pytest.fixture
def eager():
    from itsm.celery import app as celery_app

    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture
def incidents(make_incident, requester_a, agent_a):
    first = make_incident(requester_a, title="Outlook hangs on start")
    second = make_incident(requester_a, title="Outlook freezes again")
    return [first, second]


def raise_problem(client, incidents, **fields):
    body = {"title": "Outlook hangs when the mailbox is over quota", "incidents": [i.pk for i in incidents],
            **fields}
    response = client.post(API, body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_a_problem_goes_from_incidents_to_a_known_error_and_is_resolved_with_them(
        token_client, agent_a, incidents, team_service_desk, requester_a, django_capture_on_commit_callbacks, eager):
    client = token_client(agent_a)
    body = raise_problem(client, incidents, team=team_service_desk.pk)
    number = body["number"]
    assert number.startswith("PRB") and body["state"] == "new" and body["incident_count"] == 2
    assert response_numbers(client.get(f"{API}{number}/incidents/")) == {i.number for i in incidents}
    first_page = client.get(f"{API}{number}/incidents/", {"limit": 1}).json()  # paginated like every list
    assert first_page["count"] == 2 and len(first_page["results"]) == 1 and first_page["next"]

    taken = client.post(f"{API}{number}/take/", {}, format="json").json()
    assert (taken["state"], taken["assignee"]["id"]) == ("assessment", agent_a.pk)

    refused = client.post(f"{API}{number}/transition/", {"state": "fix_in_progress"}, format="json")
    assert "incidents_outcome" not in refused.json()  # an error names the fields, nothing else
    assert refused.status_code == 400 and "root_cause" in refused.json()

    patched = client.patch(f"{API}{number}/", {"root_cause": "The add-in scans the whole mailbox.",
                                               "workaround": "Disable the archive add-in."}, format="json").json()
    assert patched["known_error"] is True and patched["known_error_at"]

    with django_capture_on_commit_callbacks(execute=True):
        published = client.post(f"{API}{number}/publish-workaround/", {"public": True}, format="json")
    assert published.status_code == 200, published.json()
    for incident in incidents:
        entry = JournalEntry.objects.filter(ticket_id=incident.pk, body__contains="Disable the archive add-in").get()
        assert entry.internal is False  # the requester reads it: the workaround, not the desk's title of the problem
        assert number in entry.body and "over quota" not in entry.body

    no_fix = client.post(f"{API}{number}/transition/", {"state": "resolved"}, format="json")
    assert no_fix.status_code == 400 and "fix" in no_fix.json()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        resolved = client.post(f"{API}{number}/transition/", {"state": "resolved", "fix": "Add-in updated to 2.1.",
                                                              "resolve_incidents": True}, format="json")
    assert resolved.status_code == 200, resolved.json()
    assert resolved.json()["fix"] == "Add-in updated to 2.1."
    outcome = resolved.json()["incidents_outcome"]  # what the move did to the incidents, as the page says
    assert sorted(outcome["resolved"]) == sorted(i.number for i in incidents)
    assert (outcome["refused"], outcome["out_of_sight"]) == ({}, 0)
    for incident in Incident.objects.filter(pk__in=[i.pk for i in incidents]):
        assert (incident.state, incident.resolution_code) == ("resolved", "solved_by_problem")
        # the requesters read that the problem solved it, not the desk's own words about the fix
        assert number in incident.resolution_notes and "Add-in" not in incident.resolution_notes
    assert requester_a.email in {address for message in mail.outbox for address in message.to}


def response_numbers(response) -> set[str]:
    assert response.status_code in (200, 201), response.json()
    return {row["number"] for row in response.json()["results"]}


def test_an_internal_workaround_stays_a_work_note_and_reaches_incidents_linked_later(
        token_client, agent_a, incidents, make_incident, requester_a):
    client = token_client(agent_a)
    number = raise_problem(client, incidents[:1])["number"]
    client.patch(f"{API}{number}/", {"root_cause": "Cause", "workaround": "Restart the sync agent."}, format="json")
    assert client.post(f"{API}{number}/publish-workaround/", {"public": False}, format="json").status_code == 200
    later = make_incident(requester_a, title="Sync stuck")
    linked = client.post(f"{API}{number}/incidents/", {"incident": later.pk}, format="json")
    assert linked.status_code == 201 and later.number in response_numbers(linked)
    for incident in (incidents[0], later):
        entry = JournalEntry.objects.get(ticket_id=incident.pk, body__contains="Restart the sync agent.")
        assert entry.internal is True


def test_end_users_never_see_problems(token_client, agent_a, requester_a, incidents, team_service_desk):
    number = raise_problem(token_client(agent_a), incidents, team=team_service_desk.pk)["number"]
    problem = Problem.objects.get(number=number)
    client = token_client(requester_a)
    assert client.get(API).status_code == 403
    assert client.get(f"{API}{number}/").status_code == 403
    assert not Problem.objects.visible_to(requester_a).exists()
    # even a problem they "requested" (an agent raised it for them) stays out of their sight
    Problem.objects.filter(pk=problem.pk).update(requester=requester_a)
    assert not Problem.objects.visible_to(requester_a).exists()
    # and they cannot be made a watcher of one
    watch = token_client(agent_a).post(f"{API}{number}/watchers/", {"user": requester_a.pk}, format="json")
    assert watch.status_code == 400 and "user" in watch.json()


def test_an_agent_of_another_team_gets_404_and_cannot_link_an_incident_they_cannot_see(
        token_client, agent_a, agent_b, incidents, team_service_desk):
    number = raise_problem(token_client(agent_a), incidents[:1], team=team_service_desk.pk)["number"]
    outsider = token_client(agent_b)
    assert outsider.get(f"{API}{number}/").status_code == 404
    own = token_client(agent_a).post(f"{API}{number}/incidents/", {"incident": 10**9}, format="json")
    assert own.status_code == 400 and "incident" in own.json()


def test_reopening_an_incident_of_a_resolved_problem_flags_the_problem(
        token_client, agent_a, incidents, requester_a):
    client = token_client(agent_a)
    number = raise_problem(client, incidents[:1])["number"]
    assert client.post(f"{API}{number}/take/", {}, format="json").status_code == 200
    resolved = client.post(f"{API}{number}/transition/", {"state": "resolved", "fix": "Patched.",
                                                          "resolve_incidents": True}, format="json")
    assert resolved.status_code == 200, resolved.json()
    incident = incidents[0]
    reopened = token_client(requester_a).post(f"/api/v1/incidents/{incident.number}/transition/",
                                              {"state": "in_progress"}, format="json")
    assert reopened.status_code == 200, reopened.json()
    problem = Problem.objects.get(number=number)
    note = JournalEntry.objects.get(ticket_id=problem.pk, body__contains=incident.number)
    assert note.internal and "reopened" in note.body


def test_bad_input_names_the_field(token_client, agent_a):
    client = token_client(agent_a)
    response = client.post(API, {"title": "", "impact": 9, "incidents": ["x"]}, format="json")
    assert response.status_code == 400
    assert {"title", "impact", "incidents"} <= set(response.json())
    assert client.post(API, {"title": "T", "known_error": True}, format="json").status_code == 400


def test_the_desk_hears_of_its_problems_and_end_users_never_do(
        token_client, agent_a, manager, incidents, team_service_desk, requester_a, eager,
        django_capture_on_commit_callbacks):
    client = token_client(manager)
    with django_capture_on_commit_callbacks(execute=True):
        number = raise_problem(client, incidents[:1], team=team_service_desk.pk)["number"]
    assert [m.to for m in mail.outbox] == [[team_service_desk.email]]  # the team: nobody is assigned yet
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        client.patch(f"{API}{number}/", {"assignee": agent_a.pk}, format="json")
    assert [m.to for m in mail.outbox] == [[agent_a.email]]
    assert mail.outbox[0].subject == f"[{number}] Assigned to you: Outlook hangs when the mailbox is over quota"
    client.post(f"{API}{number}/transition/", {"state": "assessment"}, format="json")
    client.post(f"{API}{number}/transition/", {"state": "resolved", "fix": "Patched.", "resolve_incidents": True},
                format="json")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        token_client(requester_a).post(f"/api/v1/incidents/{incidents[0].number}/transition/",
                                       {"state": "in_progress"}, format="json")
    to_agent = [m for m in mail.outbox if agent_a.email in m.to and number in m.subject]
    assert to_agent and "was reopened" in to_agent[0].body
    assert not any(number in m.subject for m in mail.outbox if requester_a.email in m.to)


def test_linking_an_incident_twice_posts_the_workaround_once(token_client, agent_a, incidents):
    client = token_client(agent_a)
    number = raise_problem(client, incidents[:1])["number"]
    client.patch(f"{API}{number}/", {"root_cause": "Cause", "workaround": "Clear the cache."}, format="json")
    client.post(f"{API}{number}/publish-workaround/", {"public": True}, format="json")
    for _ in range(2):
        again = client.post(f"{API}{number}/incidents/", {"incident": incidents[0].pk}, format="json")
        assert again.status_code == 201
    assert JournalEntry.objects.filter(ticket_id=incidents[0].pk, body__contains="Clear the cache.").count() == 1


def test_resolving_takes_along_only_the_incidents_the_agent_may_see(
        token_client, agent_a, incidents, make_incident, requester_b, service_vpn):
    other_team = make_incident(requester_b, title="VPN drops", service=service_vpn)  # the Network team's
    client = token_client(agent_a)
    number = raise_problem(client, incidents[:1])["number"]
    problem = Problem.objects.get(number=number)
    from problems import services

    services.link_incident(problem, other_team, None)  # linked by someone who sees both (the system here)
    client.post(f"{API}{number}/take/", {}, format="json")
    client.patch(f"{API}{number}/", {"root_cause": "Cause", "workaround": "Reconnect."}, format="json")
    client.post(f"{API}{number}/publish-workaround/", {"public": True}, format="json")
    resolved = client.post(f"{API}{number}/transition/", {"state": "resolved", "fix": "Patched.",
                                                          "resolve_incidents": True}, format="json")
    assert resolved.status_code == 200
    assert Incident.objects.get(pk=incidents[0].pk).state == "resolved"
    untouched = Incident.objects.get(pk=other_team.pk)
    assert untouched.state == "new"  # another team's incident: its team decides
    assert not JournalEntry.objects.filter(ticket_id=other_team.pk, body__contains="Reconnect.").exists()


def test_a_problem_raised_with_its_cause_and_workaround_is_a_known_error_and_its_fix_waits(
        token_client, agent_a):
    client = token_client(agent_a)
    known = client.post(API, {"title": "T", "root_cause": "C", "workaround": "W"}, format="json").json()
    assert known["known_error"] is True and known["known_error_at"]
    early = client.post(API, {"title": "T", "fix": "Already fixed"}, format="json")
    assert early.status_code == 400 and "fix" in early.json()
    cleared = client.patch(f"{API}{known['number']}/", {"workaround": ""}, format="json").json()
    assert cleared["known_error"] is False and cleared["known_error_at"] is None
