"""A kind end users never see as such (problems, changes, knowledge articles...) keeps everything written on it in
the desk: a comment or file the API caller asks to be public is a work note and an internal file all the same
(core.services.internal_only), while a kind end users see keeps the caller's choice."""

from __future__ import annotations

import pytest

from core.models import Attachment, JournalEntry
from tests.incidents.api_support import upload

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def test_public_comments_and_files_on_a_hidden_kind_stay_internal(token_client, agent_a, requester_a,
                                                                  team_service_desk):
    from problems import services

    problem = services.create_problem(agent_a, {"title": "Mailbox quotas fill up", "team": team_service_desk})
    desk = token_client(agent_a)
    said = desk.post(f"/api/v1/problems/{problem.number}/comments/", {"body": "Found it.", "internal": False},
                     format="json")
    assert said.status_code == 201 and (said.json()["internal"], said.json()["kind"]) == (True, "work_note")
    sent = desk.post(f"/api/v1/problems/{problem.number}/attachments/", {"file": upload("trace.txt")},
                     format="multipart")
    assert sent.status_code == 201 and sent.json()["internal"] is True
    assert not JournalEntry.objects.filter(ticket_id=problem.pk, internal=False).exclude(kind="field_change").exists()
    assert Attachment.objects.get(ticket_id=problem.pk).internal is True


def test_a_kind_end_users_see_keeps_the_callers_choice(token_client, agent_a, requester_a, make_incident):
    incident = make_incident(requester_a)
    desk = token_client(agent_a)
    said = desk.post(f"/api/v1/incidents/{incident.number}/comments/", {"body": "On it.", "internal": False},
                     format="json")
    assert said.status_code == 201 and (said.json()["internal"], said.json()["kind"]) == (False, "comment")
    sent = desk.post(f"/api/v1/incidents/{incident.number}/attachments/", {"file": upload("fix.txt")},
                     format="multipart")
    assert sent.status_code == 201 and sent.json()["internal"] is False
    listed = token_client(requester_a).get(f"/api/v1/incidents/{incident.number}/attachments/").json()["results"]
    assert [a["filename"] for a in listed] == ["fix.txt"]
