"""Releases (RLS...): changes are put in a release and taken out, from its page and through the API; a release is
done only once each of its changes is closed successfully. And a change that caused incidents is flagged."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from changes import services
from changes.choices import ChangeType, Outcome, ReleaseState, State
from changes.kind import CHANGE
from changes.release_kind import RELEASE
from core import clock, raised_from, writes
from core.models import JournalEntry
from core.workflow import TransitionError

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}


def standard_change(actor, title) -> object:
    start = clock.now() + timedelta(days=1)
    return writes.create(CHANGE, actor, {"title": title, "change_type": ChangeType.STANDARD, "planned_start": start,
                                         "planned_end": start + timedelta(hours=1), **PLANS})


def close(change, actor, outcome=Outcome.SUCCESSFUL):
    for state in (State.SCHEDULED, State.IMPLEMENT):
        writes.transition(CHANGE, change, actor, state)
    writes.transition(CHANGE, change, actor, State.REVIEW, fields={"outcome": outcome})
    writes.transition(CHANGE, change, actor, State.CLOSED, fields={"close_notes": "Done.",
                                                                   "review_notes": "Reviewed."})


def test_a_release_is_done_once_each_of_its_changes_closed_successfully(agent_a):
    release = writes.create(RELEASE, agent_a, {"title": "Spring release", "release_version": "2027.1"})
    assert release.number.startswith("RLS")
    with pytest.raises(TransitionError):
        writes.transition(RELEASE, release, agent_a, ReleaseState.DONE)  # not from planning
    for state in (ReleaseState.BUILD, ReleaseState.TEST, ReleaseState.DEPLOY):
        writes.transition(RELEASE, release, agent_a, state)
    with pytest.raises(TransitionError) as empty:
        writes.transition(RELEASE, release, agent_a, ReleaseState.DONE)
    assert "add them before it is done" in str(empty.value.field_errors["changes"])
    first, second = standard_change(agent_a, "Upgrade the portal"), standard_change(agent_a, "Migrate the DB")
    services.add_to_release(release, first, agent_a)
    services.add_to_release(release, second, agent_a)
    with pytest.raises(ValidationError):
        services.add_to_release(release, first, agent_a)  # already in it
    close(first, agent_a)
    close(second, agent_a, Outcome.BACKED_OUT)
    with pytest.raises(TransitionError) as pending:
        writes.transition(RELEASE, release, agent_a, ReleaseState.DONE)
    assert pending.value.field_errors["changes"] == [
        f"Each change is closed successfully before the release is done: not yet {second.number}."]
    services.remove_from_release(release, second, agent_a)
    writes.transition(RELEASE, release, agent_a, ReleaseState.DONE)
    release.refresh_from_db()
    assert release.state == ReleaseState.DONE and release.actual_deployment is not None
    with pytest.raises(ValidationError) as settled:
        services.add_to_release(release, second, agent_a)
    assert "its changes are settled" in str(settled.value)
    assert JournalEntry.objects.filter(ticket_id=release.pk, field="changes", new_value=first.number).exists()
    assert JournalEntry.objects.filter(ticket_id=first.pk, field="shipped_in", new_value=release.number).exists()


def test_the_release_page(client, agent_a, agent_b):
    release = writes.create(RELEASE, agent_a, {"title": "Spring release", "team": agent_a.teams.first()})
    change = standard_change(agent_a, "Upgrade the portal")
    hidden = writes.create(CHANGE, agent_b, {"title": "Network change", "team": agent_b.teams.first()})
    client.force_login(agent_a)
    url = reverse("agent-release", args=[release.number])
    assert "No change yet" in client.get(url).content.decode()
    unknown = client.post(reverse("agent-release-change-add", args=[release.number]), {"change": hidden.number})
    assert unknown.status_code == 400 and f"No change {hidden.number} that you can see." in unknown.content.decode()
    added = client.post(reverse("agent-release-change-add", args=[release.number]),
                        {"change": change.number.lower()}, follow=True)
    text = added.content.decode()
    assert f"{change.number} is in {release.number} now." in text and "0 of 1 closed successfully." in text
    assert release.number in client.get(reverse("agent-change", args=[change.number])).content.decode()
    removed = client.post(reverse("agent-release-change-remove", args=[release.number]), {"change": change.number},
                          follow=True)
    assert f"{change.number} was taken out of {release.number}." in removed.content.decode()
    created = client.post(reverse("agent-release-new"), {"title": "Summer release", "release_version": "2027.2"},
                          follow=True)
    assert "planned: add its changes." in created.content.decode()
    assert "Summer release" in client.get(reverse("agent-releases")).content.decode()


def test_the_release_api(token_client, agent_a, requester_a):
    api = token_client(agent_a)
    created = api.post("/api/v1/releases/", {"title": "Spring release", "release_version": "2027.1"}, format="json")
    assert created.status_code == 201, created.json()
    number = created.json()["number"]
    change = standard_change(agent_a, "Upgrade the portal")
    added = api.post(f"/api/v1/releases/{number}/add-change/", {"change": change.number}, format="json")
    assert added.status_code == 200 and added.json()["changes"] == [
        {"number": change.number, "title": "Upgrade the portal", "state": "new", "outcome": ""}]
    assert api.get(f"/api/v1/changes/{change.number}/").json()["release"] == number
    unknown = api.post(f"/api/v1/releases/{number}/add-change/", {"change": "CHG9999999"}, format="json")
    assert unknown.status_code == 400 and "change" in unknown.json()
    for state in ("build", "test", "deploy"):
        assert api.post(f"/api/v1/releases/{number}/transition/", {"state": state}, format="json").status_code == 200
    refused = api.post(f"/api/v1/releases/{number}/transition/", {"state": "done"}, format="json")
    assert refused.status_code == 400 and change.number in str(refused.json())
    assert token_client(requester_a).get("/api/v1/releases/").status_code == 403


def test_a_change_that_caused_incidents_is_flagged(client, token_client, agent_a, make_incident, requester_a):
    change = standard_change(agent_a, "Upgrade the mail relay")
    quiet = standard_change(agent_a, "Upgrade the print server")
    for title in ("Mail bounces", "Mail is slow"):
        raised_from.link_source(CHANGE, change, make_incident(requester_a, title=title), agent_a)
    client.force_login(agent_a)
    queue = client.get(reverse("agent-changes") + "?queue=caused-incidents").content.decode()
    assert change.number in queue and quiet.number not in queue and "Caused 2 incidents" in queue
    listed = token_client(agent_a).get("/api/v1/changes/?caused_incidents=true").json()["results"]
    assert [row["number"] for row in listed] == [change.number]
    others = token_client(agent_a).get("/api/v1/changes/?caused_incidents=false").json()["results"]
    assert change.number not in {row["number"] for row in others}


def test_a_change_not_in_the_release_cannot_be_taken_out(client, token_client, agent_a):
    release = writes.create(RELEASE, agent_a, {"title": "Spring release"})
    change = standard_change(agent_a, "Upgrade the portal")
    client.force_login(agent_a)
    page = client.post(reverse("agent-release-change-remove", args=[release.number]), {"change": change.number})
    assert page.status_code == 400 and f"{change.number} is not in {release.number}." in page.content.decode()
    api = token_client(agent_a).post(f"/api/v1/releases/{release.number}/remove-change/", {"change": change.number},
                                     format="json")
    assert api.status_code == 400 and "change" in api.json()
