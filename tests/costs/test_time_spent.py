"""Time spent on comments and work notes: logged in the desk's composer and through the API (whole minutes 0-1440,
refused naming `time_spent`), shown on the agent's activity ("30 min") and summed on the ticket page
("Time spent: 1 h 30 min"); end users never log it nor see it (portal page and API)."""

from __future__ import annotations

import re

import pytest

from core import writes
from core.activity import duration
from core.models import JournalEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def incident(make_incident, requester_a):
    return make_incident(requester_a)


def test_duration_in_words():
    assert [duration(m) for m in (0, 30, 60, 90, 1440)] == ["0 min", "30 min", "1 h", "1 h 30 min", "24 h"]


def test_the_composer_logs_time_shown_per_entry_and_summed(client, agent_a, incident,
                                                           django_assert_max_num_queries):
    client.force_login(agent_a)
    url = f"/agent/incidents/{incident.number}/"
    assert 'name="time_spent"' in client.get(url).content.decode()
    posted = client.post(f"{url}comment/", {"body": "Checked the relay.", "visibility": "internal",
                                             "time_spent": "30"})
    assert posted.status_code in (200, 302)
    client.post(f"{url}comment/", {"body": "Restarted it.", "visibility": "public", "time_spent": "60"})
    assert sorted(JournalEntry.objects.filter(ticket_id=incident.pk).exclude(time_spent=None)
                  .values_list("time_spent", flat=True)) == [30, 60]
    with django_assert_max_num_queries(40):
        html = client.get(url).content.decode()
    assert re.search(r'data-testid="time-spent-total">Time spent: <strong>1 h 30 min</strong>', html)
    assert len(re.findall(r'data-testid="entry-time-spent"[^>]*>30 min<', html)) == 1
    assert len(re.findall(r'data-testid="entry-time-spent"[^>]*>1 h<', html)) == 1


@pytest.mark.parametrize("value", ["-1", "1441", "abc", "1.5"])
def test_the_composer_refuses_bad_minutes_naming_the_field(client, agent_a, incident, value):
    client.force_login(agent_a)
    response = client.post(f"/agent/incidents/{incident.number}/comment/", {
        "body": "Worked.", "visibility": "internal", "time_spent": value})
    assert response.status_code == 400
    assert 'id="id_time_spent"' in response.content.decode() and "is-invalid" in response.content.decode()
    assert not JournalEntry.objects.filter(ticket_id=incident.pk, body="Worked.").exists()


def test_time_without_a_note_is_refused(client, agent_a, incident):
    client.force_login(agent_a)
    response = client.post(f"/agent/incidents/{incident.number}/comment/", {"body": "", "visibility": "internal",
                                                                           "time_spent": "15"})
    assert response.status_code == 400 and "Say what the time was spent on" in response.content.decode()


def test_the_api_logs_time_and_validates_it_by_name(token_client, agent_a, incident):
    api = token_client(agent_a)
    url = f"/api/v1/incidents/{incident.number}/comments/"
    made = api.post(url, {"body": "Checked.", "internal": True, "time_spent": 45}, format="json")
    assert made.status_code == 201 and made.json()["time_spent"] == 45
    for bad in (-1, 1441, "ten", True):
        response = api.post(url, {"body": "Checked.", "time_spent": bad}, format="json")
        assert response.status_code == 400 and "time_spent" in response.json(), bad
    listed = api.get(url).json()["results"]
    assert [e["time_spent"] for e in listed] == [45]


def test_end_users_never_log_nor_see_time_spent(token_client, client, agent_a, requester_a, incident):
    writes.comment(incident, agent_a, "We are on it.", internal=False, time_spent=30)
    api = token_client(requester_a)
    url = f"/api/v1/incidents/{incident.number}/comments/"
    listed = api.get(url).json()["results"]
    assert [e["body"] for e in listed] == ["We are on it."] and "time_spent" not in listed[0]
    refused = api.post(url, {"body": "Thanks", "time_spent": 5}, format="json")
    assert refused.status_code == 400 and "time_spent" in refused.json()
    made = api.post(url, {"body": "Thanks"}, format="json")
    assert made.status_code == 201 and "time_spent" not in made.json()
    client.force_login(requester_a)
    page = client.get(f"/portal/incidents/{incident.number}/").content.decode()
    assert "We are on it." in page and "30 min" not in page and "Time spent" not in page
