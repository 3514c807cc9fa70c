"""The problem pages: raised from an incident page, analysed, published, resolved; the queue and the known-error
database; end users never reach them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import JournalEntry
from problems.models import Problem

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(make_incident, requester_a):
    return make_incident(requester_a, title="Printer queue stalls every morning")


def test_an_agent_raises_a_problem_from_an_incident_and_works_it_to_resolution(client, agent_a, incident):
    client.force_login(agent_a)
    page = client.get(reverse("agent-incident", args=[incident.number]))
    assert b"Raise a problem from this incident" in page.content

    raised = client.post(reverse("agent-incident-problem", args=[incident.number]))
    problem = Problem.objects.get()
    assert raised.status_code == 302 and raised["Location"] == reverse("agent-problem", args=[problem.number])
    assert (problem.title, problem.service_id) == (incident.title, incident.service_id)

    detail = client.get(raised["Location"])
    assert detail.status_code == 200
    text = detail.content.decode()
    assert incident.number in text and "Similar open incidents" in text and "root_cause" not in text.split(
        "<form")[0]

    client.post(reverse("agent-problem-take", args=[problem.number]))
    problem.refresh_from_db()
    saved = client.post(reverse("agent-problem", args=[problem.number]), {
        "title": problem.title, "description": "Stalls at 8:00.", "impact": 2, "urgency": 2,
        "service": problem.service_id, "team": problem.team_id or "", "assignee": agent_a.pk,
        "root_cause": "The spooler restarts during the backup.", "workaround": "Restart the spooler service.",
        "fix": "", "related_change": "", "version": problem.version,
    })
    assert saved.status_code == 302, saved.content.decode()[:2000]
    problem.refresh_from_db()
    assert problem.known_error and problem.priority == 3

    known = client.get(reverse("agent-known-errors"), {"q": "spooler"})
    assert problem.number in known.content.decode()
    incident_page = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert "Restart the spooler service." in incident_page  # the known error is offered on the incident

    client.post(reverse("agent-problem-publish", args=[problem.number]), {"public": "1"})
    assert JournalEntry.objects.filter(ticket_id=incident.pk, internal=False,
                                       body__contains="Restart the spooler service.").exists()

    refused = client.post(reverse("agent-problem-state", args=[problem.number]),
                          {"state": "resolved", "fix": "", "version": Problem.objects.get().version})
    assert refused.status_code == 400 and "permanent fix" in refused.content.decode()
    done = client.post(reverse("agent-problem-state", args=[problem.number]),
                       {"state": "resolved", "fix": "Backup moved to 02:00.", "resolve_incidents": "on",
                        "version": Problem.objects.get().version})
    assert done.status_code == 302
    incident.refresh_from_db()
    assert (incident.state, incident.resolution_code) == ("resolved", "solved_by_problem")
    history = client.get(reverse("agent-problem", args=[problem.number])).content.decode()
    assert "the root cause" in history and "root_cause" not in history.split('id="activity"')[1].split("</section>")[0]


def test_the_queue_lists_problems_with_their_incident_counts_in_constant_queries(
        client, agent_a, incident, make_incident, requester_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from problems import services

    for n in range(3):
        services.create_problem(agent_a, {"title": f"Problem {n}"}, incidents=[incident])
    client.force_login(agent_a)
    with CaptureQueriesContext(connection) as first:
        page = client.get(reverse("agent-problems"))
    text = page.content.decode()
    assert page.status_code == 200 and text.count('data-testid="queue-row"') == 3
    assert text.count('data-testid="incident-count">1<') == 3
    for n in range(5):
        services.create_problem(agent_a, {"title": f"More {n}"}, incidents=[make_incident(requester_a)])
    with CaptureQueriesContext(connection) as second:
        assert client.get(reverse("agent-problems")).content.decode().count('data-testid="queue-row"') == 8
    assert len(second) <= len(first) <= 20  # the second may read the reference choices from the process cache


def test_end_users_get_no_problem_page(client, requester_a, agent_a, incident):
    from problems import services

    problem = services.create_problem(agent_a, {"title": "Hidden"}, incidents=[incident])
    client.force_login(requester_a)
    for url in (reverse("agent-problems"), reverse("agent-problem", args=[problem.number]),
                reverse("agent-known-errors")):
        assert client.get(url).status_code == 403
    portal = client.get(reverse("portal-incident", args=[incident.number])).content.decode()
    assert problem.number not in portal


def test_linking_an_unknown_or_closed_problem_says_why(client, agent_a, incident):
    client.force_login(agent_a)
    response = client.post(reverse("agent-incident-problem", args=[incident.number]), {"problem": "PRB9999999"},
                           follow=True)
    assert "No problem PRB9999999 that you can see." in response.content.decode()


def test_a_problem_is_raised_for_incidents_ticked_in_the_incident_queue(
        client, agent_a, make_incident, requester_a, requester_b, service_vpn):
    first = make_incident(requester_a, title="Wi-Fi drops in room 4")
    second = make_incident(requester_a, title="Wi-Fi drops in room 5")
    hidden = make_incident(requester_b, title="Not for agent_a", service=service_vpn)
    client.force_login(agent_a)
    queue = client.get(reverse("agent-incidents")).content.decode()
    assert "Raise a problem from the selected incidents" in queue

    refused = client.post(reverse("agent-problems-new"), {"numbers": [first.number, hidden.number]}, follow=True)
    assert f"No incident {hidden.number} that you can see" in refused.content.decode()
    assert not Problem.objects.exists()

    raised = client.post(reverse("agent-problems-new"), {"numbers": [first.number, second.number],
                                                         "mode": "raise", "problem": "PRB0000001"})  # ignored
    problem = Problem.objects.get()
    assert raised["Location"] == reverse("agent-problem", args=[problem.number])
    assert problem.title == first.title
    page = client.get(raised["Location"]).content.decode()
    assert first.number in page and second.number in page

    # a later one is linked to that problem from the queue; an unknown problem changes nothing
    third = make_incident(requester_a, title="Wi-Fi drops in room 6")
    unknown = client.post(reverse("agent-problems-new"), {"numbers": [third.number], "problem": "PRB7777777"},
                          follow=True)
    assert "No problem PRB7777777 that you can see." in unknown.content.decode()
    linked = client.post(reverse("agent-problems-new"), {"numbers": [third.number], "problem": problem.number})
    assert linked["Location"] == reverse("agent-problem", args=[problem.number])
    assert Problem.objects.count() == 1 and third.number in client.get(linked["Location"]).content.decode()


def test_end_users_are_offered_no_problem_action(client, requester_a, incident):
    client.force_login(requester_a)
    assert client.post(reverse("agent-problems-new"), {"numbers": [incident.number]}).status_code == 403
    assert client.post(reverse("agent-incident-problem", args=[incident.number])).status_code == 403
    assert not Problem.objects.exists()


def test_page_titles_read_as_the_problem(client, agent_a, incident):
    import re

    from problems import services

    problem = services.create_problem(agent_a, {"title": "Spooler hangs"}, incidents=[incident])
    client.force_login(agent_a)
    for url, expected in ((reverse("agent-problem", args=[problem.number]), f"{problem.number} · Spooler hangs"),
                          (reverse("agent-problems"), "All open · Problems")):
        title = re.search(r"<title>(.*?)</title>", client.get(url).content.decode(), re.S).group(1)
        assert " ".join(title.split()) == f"{expected} · Service Desk"


def test_the_problem_page_costs_the_same_queries_whatever_its_incidents_and_history(
        client, agent_a, make_incident, requester_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from problems import services

    first = make_incident(requester_a, title="Disk full on build agent")
    problem = services.create_problem(agent_a, {"title": "Build agents fill their disks"}, incidents=[first])
    client.force_login(agent_a)
    url = reverse("agent-problem", args=[problem.number])
    client.get(url)

    def count() -> int:
        """The queries of a reload (the first view after a write also reads the agent's teams and watched
        tickets again: core.models._kept_input)."""
        client.get(url)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    before = count()
    for n in range(5):
        services.link_incident(problem, make_incident(requester_a, title=f"Disk full again {n}"), agent_a)
        services.update_problem(problem, agent_a, {"description": f"Seen {n + 2} times."})
    assert count() == before


@pytest.mark.parametrize("value", ["PRB\x00", "PRB12;DROP", "x" * 300])
def test_a_bad_problem_number_is_a_message_not_a_500(client, agent_a, incident, value):
    client.force_login(agent_a)
    page = client.post(reverse("agent-incident-problem", args=[incident.number]),
                       {"mode": "link", "problem": value}, follow=True)
    assert page.status_code == 200 and "was not linked" in page.content.decode()
    queue = client.post(reverse("agent-problems-new"), {"numbers": [value], "mode": "raise"}, follow=True)
    assert queue.status_code == 200 and "Nothing was changed" in queue.content.decode()
    assert not Problem.objects.exists()


def test_the_queue_sorts_by_a_column_and_refuses_an_unknown_one(client, agent_a):
    from problems import services

    older = services.create_problem(agent_a, {"title": "Older", "urgency": 3})
    newer = services.create_problem(agent_a, {"title": "Newer", "urgency": 1, "impact": 1})
    client.force_login(agent_a)
    page = client.get(reverse("agent-problems"), {"ordering": "updated_at"})
    assert [p.number for p in page.context["page"].object_list] == [older.number, newer.number]
    by_priority = client.get(reverse("agent-problems"))  # the open ones, most urgent first
    assert [p.number for p in by_priority.context["page"].object_list] == [newer.number, older.number]
    assert 'aria-sort="ascending"' in by_priority.content.decode()
    bad = client.get(reverse("agent-problems"), {"ordering": "title"})
    assert bad.status_code == 400 and "Cannot sort by “title”" in bad.content.decode()


def test_the_problem_page_is_the_generic_ticket_page_and_every_note_stays_internal(client, agent_a, incident):
    from problems import services

    problem = services.create_problem(agent_a, {"title": "Spooler hangs"}, incidents=[incident])
    client.force_login(agent_a)
    page = client.get(reverse("agent-problem", args=[problem.number])).content.decode()
    for panel in ('id="watchers-panel"', 'id="links-panel"', 'id="sla-panel"', 'data-testid="comment-form"',
                  'data-testid="incidents-panel"'):
        assert panel in page
    assert 'name="visibility"' not in page  # no "public" choice: problems stay in the desk

    htmx = {"HTTP_HX_REQUEST": "true"}
    posted = client.post(reverse("agent-problem-comment", args=[problem.number]),
                         {"body": "Seen on three print servers.", "visibility": "public"}, **htmx)
    assert posted.status_code == 200 and "Work note added." in posted.content.decode()
    note = JournalEntry.objects.get(ticket_id=problem.pk, body="Seen on three print servers.")
    assert note.internal


def test_resolving_a_problem_on_its_page_says_which_incidents_were_resolved_with_it(client, agent_a, incident):
    from problems import services

    problem = services.create_problem(agent_a, {"title": "Spooler hangs"}, incidents=[incident])
    problem = services.transition(problem, agent_a, "assessment").problem
    client.force_login(agent_a)
    response = client.post(reverse("agent-problem-state", args=[problem.number]),
                           {"state": "resolved", "fix": "Driver updated.", "resolve_incidents": "on",
                            "version": problem.version}, HTTP_HX_REQUEST="true")
    text = response.content.decode()
    assert response.status_code == 200
    assert f"{problem.number} is now resolved. Resolved with it: 1 incident: {incident.number}." in text
    assert 'id="incidents"' in text and 'hx-swap-oob="true"' in text  # the incidents panel is refreshed too


def test_problems_ticked_in_their_queue_are_assigned_or_moved_together(client, agent_a):
    from problems import services

    first = services.create_problem(agent_a, {"title": "Spooler hangs"})
    second = services.create_problem(agent_a, {"title": "VPN drops"})
    team = agent_a.teams.first()
    client.force_login(agent_a)
    queue = reverse("agent-problems")
    assert "With the selected problems" in client.get(queue).content.decode()

    assigned = client.post(reverse("agent-problems-bulk"), {
        "numbers": [first.number, second.number], "action": "assign", "team": team.pk, "assignee": agent_a.pk,
        "next": queue}, follow=True)
    assert f"Assigned 2 problems: {first.number}, {second.number}." in assigned.content.decode()
    assert {p.assignee_id for p in Problem.objects.all()} == {agent_a.pk}

    moved = client.post(reverse("agent-problems-bulk"), {
        "numbers": [first.number, second.number], "action": "transition", "state": "assessment", "next": queue},
        follow=True)
    assert f"Updated 2 problems: {first.number}, {second.number}." in moved.content.decode()
    # resolving is not a bulk move: it asks for the fix and offers to resolve each problem's incidents
    html = client.get(queue).content.decode()
    assert '<option value="resolved"' not in html.split('id="bulk_state"')[1].split("</select>")[0]
    refused = client.post(reverse("agent-problems-bulk"), {
        "numbers": [first.number, second.number], "action": "transition", "state": "resolved", "next": queue},
        follow=True)
    assert "New state: Choose one of the states offered." in refused.content.decode()
    assert set(Problem.objects.values_list("state", flat=True)) == {"assessment"}


def test_an_incident_page_offers_the_known_errors_that_may_explain_it_after_the_page(
        client, agent_a, agent_b, requester_a, incident, make_incident, service_email):
    from problems import services

    known = services.create_problem(agent_a, {"title": "Spooler crash", "service": service_email,
                                              "root_cause": "The spooler restarts during the backup.",
                                              "workaround": "Restart the spooler service."})
    assert known.known_error
    client.force_login(agent_a)
    url = reverse("agent-incident-known-errors", args=[incident.number])
    page = client.get(reverse("agent-incident", args=[incident.number])).content.decode()
    assert f'hx-get="{url}"' in page and "Restart the spooler service." not in page  # not computed with the page
    fragment = client.get(url).content.decode()
    assert known.number in fragment and "Restart the spooler service." in fragment
    assert f"Link to {known.number}" in fragment  # one click links the incident to it
    services.link_incident(known, incident, agent_a)
    assert known.number not in client.get(url).content.decode()  # once linked, it is no longer a suggestion
    client.force_login(agent_b)  # the Network team's agent cannot see the Service Desk's incident
    assert client.get(url).status_code == 404
    client.force_login(requester_a)
    assert client.get(url).status_code in (403, 404)


def test_similar_open_incidents_come_after_the_page(client, agent_a, agent_b, make_incident, requester_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from problems import services

    first = make_incident(requester_a, title="Printer jams on tray 2")
    alike = make_incident(requester_a, title="Printer jams again")
    make_incident(requester_a, title="VPN drops", service=None)
    problem = services.create_problem(agent_a, {"title": "Printer jams", "service": first.service_id},
                                      incidents=[first])
    client.force_login(agent_a)
    with CaptureQueriesContext(connection) as page_queries:
        page = client.get(reverse("agent-problem", args=[problem.number])).content.decode()
    similar_url = reverse("agent-problem-similar", args=[problem.number])
    assert f'hx-get="{similar_url}"' in page and "to_tsquery" not in " ".join(
        q["sql"] for q in page_queries.captured_queries)  # the page does not wait for the text search
    listed = client.get(similar_url).content.decode()
    assert alike.number in listed and "VPN drops" not in listed
    assert first.number not in listed  # already linked
    assert 'data-passive' in listed  # arriving, it does not take the focus (static/js/app.js)
    client.force_login(agent_b)  # the Network's agent does not see the Service Desk's problem
    assert client.get(similar_url).status_code == 404
    assert client.get(reverse("agent-problem-similar", args=["PRB9999999"])).status_code == 404
    client.force_login(requester_a)  # end users never see problems
    assert client.get(similar_url).status_code == 403


def test_the_incidents_panel_lists_the_incidents_the_agent_sees_newest_first_and_counts_them_all(
        client, agent_a, manager, make_incident, requester_a, service_vpn):
    import re

    from problems import services

    older = make_incident(requester_a, title="Disk full on build agent 1")
    newer = make_incident(requester_a, title="Disk full on build agent 2")
    network = make_incident(requester_a, title="Disk full on the VPN box", service=service_vpn.pk)  # not agent_a's
    problem = services.create_problem(manager, {"title": "Build agents fill their disks"},
                                      incidents=[older, newer, network])
    services.update_problem(problem, manager, {"team": agent_a.teams.get().pk})
    client.force_login(agent_a)
    html = client.get(reverse("agent-problem", args=[problem.number])).content.decode()
    panel = re.search(r'data-testid="incidents-panel".*?</section>', html, re.S).group(0)
    assert 'data-testid="incident-count">3<' in panel
    listed = re.findall(r'data-testid="linked-incident"><a href="[^"]+">(\w+)</a>', panel)
    assert listed == [newer.number, older.number]
    assert "Disk full on the VPN box" not in html and network.number not in panel
    assert '<span class="badge state-badge state-new" data-testid="state">New</span>' in panel
    assert "The 2 most recent you can open, of 3 in all." in panel
    # an agent who may open none of them reads how many there are, not "none linked"
    other = services.create_problem(manager, {"title": "VPN box disk", "team": agent_a.teams.get().pk},
                                    incidents=[network])
    hidden = client.get(reverse("agent-problem", args=[other.number]))
    assert hidden.status_code == 200 and network.number not in hidden.content.decode()
    assert "1 incident of teams you do not work in." in hidden.content.decode()
    assert "No incident is linked yet." not in hidden.content.decode()
