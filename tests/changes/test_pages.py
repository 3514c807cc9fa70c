"""The change pages: the queue, the change page with its authorisation panel, a change raised from a problem's
page and incidents linked from theirs; end users never reach them."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse

from changes.choices import ChangeType, State
from changes.kind import CHANGE
from changes.models import Change
from core import writes

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Upgrade the firmware.", "backout_plan": "Flash the old image.",
         "test_plan": "Ping both sides."}


def test_the_manager_authorises_a_change_from_its_page(client, agent_a, manager):
    change = writes.create(CHANGE, agent_a, {"title": "Upgrade the core switch", "change_manager": manager,
                                             **PLANS})
    for state in (State.ASSESS, State.AUTHORIZE):
        writes.transition(CHANGE, change, agent_a, state)
    url = reverse("agent-change", args=[change.number])

    client.force_login(agent_a)  # the owner reads who decides, and gets no buttons
    page = client.get(url).content.decode()
    assert "Waiting for the decision of" in page and 'data-testid="decision-form"' not in page

    client.force_login(manager)
    page = client.get(url).content.decode()
    assert 'data-testid="decision-form"' in page and "Awaiting authorisation" in page
    refused = client.post(reverse("agent-change-decision", args=[change.number]), {"decision": "reject"})
    assert refused.status_code == 400 and "Say why the change is rejected" in refused.content.decode()
    approved = client.post(reverse("agent-change-decision", args=[change.number]),
                           {"decision": "approve", "comment": "Go ahead."}, follow=True)
    assert "is authorised: it can be scheduled." in approved.content.decode()
    assert 'data-testid="authorized"' in approved.content.decode()
    assert Change.objects.get(pk=change.pk).authorized_by == manager


def test_the_queue_lists_changes_with_their_window_and_flags_emergencies(client, agent_a):
    writes.create(CHANGE, agent_a, {"title": "Restore the firewall rules", "change_type": ChangeType.EMERGENCY})
    client.force_login(agent_a)
    page = client.get(reverse("agent-changes"), {"queue": "recent"}).content.decode()
    row = re.search(r"<tr[^>]*>(?:(?!</tr>).)*Restore the firewall rules.*?</tr>", page, re.S).group(0)
    assert "Emergency" in row and 'data-testid="planned-start"' in row
    home = client.get(reverse("agent-home")).content.decode()
    assert "Changes to authorise" in home and "Scheduled changes" in home


def test_a_change_is_raised_from_a_problem_page_and_an_incident_is_linked_from_its_page(
        client, agent_a, make_incident, requester_a):
    from problems import services as problems

    problem = problems.create_problem(agent_a, {"title": "Backups lock the spool folder"})
    client.force_login(agent_a)
    problem_page = client.get(reverse("agent-problem", args=[problem.number])).content.decode()
    assert "Raise a change from this problem" in problem_page

    raised = client.post(reverse("agent-problem-change", args=[problem.number]), {"mode": "raise"})
    change = Change.objects.get()
    assert raised["Location"] == reverse("agent-change", args=[change.number])
    problem_page = client.get(reverse("agent-problem", args=[problem.number])).content.decode()
    change_url = reverse("agent-change", args=[change.number])
    assert f'Fixed by</span> <a href="{change_url}">{change.number}' in problem_page

    incident = make_incident(requester_a, title="Cannot print since Saturday")
    linked = client.post(reverse("agent-incident-change", args=[incident.number]),
                         {"mode": "link", "change": change.number.lower()})
    assert linked["Location"] == reverse("agent-change", args=[change.number])
    change_page = client.get(linked["Location"]).content.decode()
    panel = re.search(r'data-testid="incidents-panel".*?</section>', change_page, re.S).group(0)
    assert incident.number in panel and 'data-testid="incident-count">1<' in panel
    assert problem.number in re.search(r'data-testid="problems-panel".*?</section>', change_page, re.S).group(0)


def test_end_users_get_no_change_page(client, requester_a, agent_a):
    change = writes.create(CHANGE, agent_a, {"title": "Move the file server"})
    client.force_login(requester_a)
    assert client.get(reverse("agent-changes")).status_code == 403
    assert client.get(reverse("agent-change", args=[change.number])).status_code == 403


def test_an_agent_raises_a_change_from_the_queue_and_bad_input_keeps_what_was_typed(client, agent_a):
    client.force_login(agent_a)
    queue = client.get(reverse("agent-changes")).content.decode()
    assert f'href="{reverse("agent-change-new")}"' in queue
    assert client.get(reverse("agent-change-new")).status_code == 200
    bad = client.post(reverse("agent-change-new"), {
        "title": "Replace the UPS batteries", "change_type": "normal", "risk": "high",
        "planned_start": "2027-01-09T10:00", "planned_end": "2027-01-09T09:00", "backout_plan": "Old ones back."})
    text = bad.content.decode()
    assert bad.status_code == 400 and "The planned end must come after the planned start." in text
    assert "Replace the UPS batteries" in text and "Old ones back." in text and not Change.objects.exists()
    made = client.post(reverse("agent-change-new"), {
        "title": "Replace the UPS batteries", "change_type": "normal", "risk": "high",
        "planned_start": "2027-01-09T10:00", "planned_end": "2027-01-09T12:00"})
    change = Change.objects.get()
    assert made["Location"] == reverse("agent-change", args=[change.number])
    assert (change.requester, change.risk, change.planned_end - change.planned_start) == (
        agent_a, "high", timedelta(hours=2))


def test_a_change_manager_finds_the_changes_waiting_for_their_decision(client, agent_a, manager, admin_user):
    mine = writes.create(CHANGE, agent_a, {"title": "Renew the wildcard certificate", "change_manager": manager,
                                           **PLANS})
    other = writes.create(CHANGE, agent_a, {"title": "Move the print queue", "change_manager": admin_user, **PLANS})
    for change in (mine, other):
        for state in (State.ASSESS, State.AUTHORIZE):
            writes.transition(CHANGE, change, agent_a, state)
    client.force_login(manager)
    home = client.get(reverse("agent-home")).content.decode()
    card = re.search(r'<a[^>]*queue=my-decisions[^>]*>.*?</a>', home, re.S).group(0)
    assert ">1<" in card and "Waiting for my decision" in card
    queue = client.get(reverse("agent-changes"), {"queue": "my-decisions"}).content.decode()
    assert mine.number in queue and other.number not in queue


def test_a_standard_change_starts_from_its_template_on_the_page_and_in_the_api(
        client, token_client, agent_a, service_email):
    from changes.models import StandardChangeTemplate

    template = StandardChangeTemplate.objects.create(
        name="Monthly OS patches (mail)", title="Patch the mail servers", service=service_email,
        implementation_plan="Apply the patches, reboot one node at a time.", backout_plan="Uninstall the patches.",
        test_plan="Send and receive a message.")
    StandardChangeTemplate.objects.create(name="Retired", title="x", implementation_plan="x", backout_plan="x",
                                          test_plan="x", active=False)
    client.force_login(agent_a)
    page = client.get(reverse("agent-change-new"), {"template": template.pk}).content.decode()
    assert "Monthly OS patches (mail)" in page and "Retired" not in page
    assert "Apply the patches, reboot one node at a time." in page and 'value="standard" selected' in page

    body = {"template": template.pk, "planned_start": "2027-02-06T22:00:00Z", "planned_end": "2027-02-06T23:00:00Z"}
    made = token_client(agent_a).post("/api/v1/changes/", body, format="json")
    assert made.status_code == 201, made.json()
    change = Change.objects.get(number=made.json()["number"])
    assert (change.title, change.change_type, change.service_id) == ("Patch the mail servers", "standard",
                                                                     service_email.pk)
    writes.transition(CHANGE, change, agent_a, State.SCHEDULED)  # pre-approved: straight to scheduled
    unknown = token_client(agent_a).post("/api/v1/changes/", {"template": 10**6}, format="json")
    assert unknown.status_code == 400 and set(unknown.json()) == {"template"}


def test_an_agent_who_does_not_manage_the_change_cannot_decide_on_it(client, agent_a, agent_b, manager):
    change = writes.create(CHANGE, agent_a, {"title": "Rotate the backup tapes", "change_manager": manager,
                                             "team": agent_b.teams.get(), **PLANS})
    for state in (State.ASSESS, State.AUTHORIZE):
        writes.transition(CHANGE, change, agent_a, state)
    client.force_login(agent_b)  # sees the change (their team's), is not its manager
    page = client.get(reverse("agent-change", args=[change.number])).content.decode()
    assert 'data-testid="decision-form"' not in page
    refused = client.post(reverse("agent-change-decision", args=[change.number]), {"decision": "approve"},
                          follow=True)
    assert "Only the change manager (or a manager) decides on this change." in refused.content.decode()
    assert Change.objects.get(pk=change.pk).authorized_at is None
