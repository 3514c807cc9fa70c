"""The change calendar: month and week views with filters and conflicts, what the desk sees on it, the
/api/v1/change-calendar/ endpoint, and the iCalendar feeds (parsed by the `icalendar` library)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.urls import reverse

from changes.choices import ChangeType, Risk, State
from changes.conflicts import conflicts, conflicts_among
from changes.kind import CHANGE
from changes.models import BlackoutWindow, CalendarFeed, Change
from core import writes

pytestmark = pytest.mark.django_db

PLANS = {"implementation_plan": "Swap the disk.", "backout_plan": "Put the old one back.",
         "test_plan": "Read a file."}
PARIS = ZoneInfo("Europe/Paris")


def scheduled(actor, title, start, hours=2, **fields) -> Change:
    """A standard change scheduled in [start, start + hours)."""
    change = writes.create(CHANGE, actor, {"title": title, "change_type": ChangeType.STANDARD, "planned_start": start,
                                           "planned_end": start + timedelta(hours=hours), **PLANS, **fields})
    writes.transition(CHANGE, change, actor, State.SCHEDULED)
    change.refresh_from_db()
    return change


@pytest.fixture
def month(agent_a, agent_b, service_email, service_vpn, team_service_desk, team_network):
    """March 2027: two changes on the e-mail service that overlap, one right after them (adjacent), one of the
    network team's on the VPN, and one in a change freeze declared after it was scheduled."""
    at = datetime(2027, 3, 10, 22, 0, tzinfo=PARIS)
    first = scheduled(agent_a, "Patch the mail relay", at, service=service_email, team=team_service_desk)
    second = scheduled(agent_a, "Renew the mail certificate", at + timedelta(hours=1), service=service_email,
                       team=team_service_desk)
    adjacent = scheduled(agent_a, "Restart the mail queue", at + timedelta(hours=3), service=service_email,
                         team=team_service_desk)
    network = scheduled(agent_b, "Replace the VPN <concentrator> & co", datetime(2027, 3, 12, 1, tzinfo=PARIS),
                        service=service_vpn, team=team_network)
    Change.objects.filter(pk=network.pk).update(risk=Risk.HIGH)  # (authorised as a normal change would be)
    frozen = scheduled(agent_a, "Scheduled before the freeze was declared", datetime(2027, 3, 30, 9, tzinfo=PARIS),
                       service=service_email, team=team_service_desk)
    BlackoutWindow.objects.create(name="Quarter close", starts_at=datetime(2027, 3, 29, tzinfo=PARIS),
                                  ends_at=datetime(2027, 4, 2, tzinfo=PARIS))
    return {"first": first, "second": second, "adjacent": adjacent, "network": network, "frozen": frozen}


def test_the_calendar_finds_the_same_conflicts_as_scheduling_does(month):
    changes = list(Change.objects.filter(pk__in=[c.pk for c in month.values()]))
    found = conflicts_among(changes, datetime(2027, 3, 1, tzinfo=PARIS), datetime(2027, 4, 5, tzinfo=PARIS))
    for change in changes:
        assert [(c.reason, c.text) for c in found[change.pk]] == [(c.reason, c.text) for c in conflicts(change)]
    assert [c.reason for c in found[month["first"].pk]] == ["service"]
    assert found[month["adjacent"].pk] == []  # ends-when-the-next-starts is no overlap
    assert [(c.reason, c.blocking) for c in found[month["frozen"].pk]] == [("blackout", True)]


def test_the_month_shows_every_scheduled_change_to_the_desk_with_its_conflicts(client, month, agent_a):
    client.force_login(agent_a)
    page = client.get(reverse("agent-change-calendar"), {"date": "2027-03-15"})
    text = page.content.decode()
    assert page.status_code == 200 and "March 2027" in text
    for change in month.values():
        assert change.number in text
    # the network team's change is on agent_a's calendar, escaped, but cannot be opened from it
    assert "Replace the VPN &lt;concentrator&gt; &amp; co" in text
    assert f'href="/agent/changes/{month["network"].number}/"' not in text
    assert f'href="/agent/changes/{month["first"].number}/"' in text
    assert "3 with a conflict" in text and "changes the same service in an overlapping window" in text
    assert re.search(r'data-date="2027-03-10"><div class="cal-date">10 <span class="badge[^"]*"[^>]*>2 ⚠', text)

    filtered = client.get(reverse("agent-change-calendar"), {"date": "2027-03-15", "risk": "high"}).content.decode()
    assert month["network"].number in filtered and month["first"].number not in filtered
    bad = client.get(reverse("agent-change-calendar"), {"date": "2027-03-15", "risk": "huge", "team": "x"})
    assert bad.status_code == 400
    assert "Choose one of: low, moderate, high, very_high." in bad.content.decode()
    assert "The team is its id (a number)." in bad.content.decode()


def test_the_week_writes_out_each_conflict_and_a_busy_day_links_to_it(client, month, agent_a, service_email):
    at = datetime(2027, 3, 17, 8, tzinfo=PARIS)
    for hour in range(6):
        scheduled(agent_a, f"Busy {hour}", at + timedelta(hours=2 * hour), service=service_email)
    client.force_login(agent_a)
    text = client.get(reverse("agent-change-calendar"), {"date": "2027-03-15"}).content.decode()
    assert "+2 more" in text  # six on the 17th: four shown
    week = client.get(reverse("agent-change-calendar"), {"date": "2027-03-10", "view": "week"}).content.decode()
    assert "Week of 08 March 2027" in week
    assert f"{month['second'].number} changes the same service in an overlapping window." in week
    assert "Wed 22:00 – Thu 00:00" in week


def test_end_users_never_see_the_calendar(client, requester_a, month):
    client.force_login(requester_a)
    assert client.get(reverse("agent-change-calendar")).status_code == 403


def test_the_calendar_api(token_client, month, agent_a, requester_a):
    api = token_client(agent_a)
    url = "/api/v1/change-calendar/"
    body = api.get(url, {"from": "2027-03-01T00:00:00+01:00", "to": "2027-04-01T00:00:00+02:00"}).json()
    events = {event["number"]: event for event in body["events"]}
    assert set(events) == {c.number for c in month.values()}
    first = events[month["first"].number]
    assert first["conflicts"][0]["reason"] == "service" and first["conflicts"][0]["change"] == month["second"].number
    assert events[month["network"].number]["linked"] is False and first["linked"] is True
    assert first["planned_start"] == "2027-03-10T21:00:00Z"
    assert api.get(url, {"from": "2027-03-01T00:00:00Z", "to": "2027-03-01T00:00:00Z"}).json().keys() >= {"to"}
    too_long = api.get(url, {"from": "2027-01-01T00:00:00Z", "to": "2027-12-01T00:00:00Z"})
    assert too_long.status_code == 400 and "At most 92 days" in str(too_long.json())
    assert api.get(url, {"to": "2027-03-01T00:00:00Z"}).status_code == 400
    filtered = api.get(url, {"from": "2027-03-01T00:00:00Z", "to": "2027-04-01T00:00:00Z", "risk": "high"})
    assert [e["number"] for e in filtered.json()["events"]] == [month["network"].number]
    assert token_client(requester_a).get(url, {"from": "2027-03-01T00:00:00Z",
                                               "to": "2027-04-01T00:00:00Z"}).status_code == 403


def test_the_ical_feed_is_read_by_a_calendar_library(client, month, agent_a, service_email, settings, monkeypatch):
    from core import clock

    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 3, 1, 12, tzinfo=PARIS))
    client.force_login(agent_a)
    made = client.post(reverse("agent-change-calendar-feed-new"), {"service": service_email.pk, "name": ""},
                       follow=True)
    text = made.content.decode()
    url = re.search(r'<code class="user-select-all text-break">([^<]+)</code>', text).group(1)
    assert "shown only once" in text
    feed = CalendarFeed.objects.get(user=agent_a)
    assert feed.name == "Changes: E-mail" and feed.token_hash not in url  # only a hash is kept
    client.logout()  # calendar programs do not sign in
    response = client.get(url.split("testserver", 1)[-1])
    assert response.status_code == 200 and response["Content-Type"].startswith("text/calendar")
    parsed = icalendar.Calendar.from_ical(response.content)
    vevents = {str(e["SUMMARY"]).split()[0]: e for e in parsed.walk("VEVENT")}
    email_changes = {c.number for c in month.values() if c.service_id == service_email.pk}
    assert set(vevents) == email_changes  # the feed's filter: the VPN change is not in it
    first = vevents[month["first"].number]
    assert first.decoded("DTSTART") == month["first"].planned_start
    assert first.decoded("DTEND") == month["first"].planned_end
    assert str(first["SUMMARY"]) == f"{month['first'].number} Patch the mail relay"
    assert "Conflict: " in str(first["DESCRIPTION"]) and str(first["URL"]).endswith(f"/{month['first'].number}/")
    assert all(len(line.encode()) <= 75 for line in response.content.decode().split("\r\n"))

    agent_a.is_active = False  # left the desk: the address stops answering
    agent_a.save()
    assert client.get(url.split("testserver", 1)[-1]).status_code == 404
    agent_a.is_active = True
    agent_a.save()
    client.force_login(agent_a)
    client.post(reverse("agent-change-calendar-feed-revoke", args=[feed.pk]))
    client.logout()
    assert client.get(url.split("testserver", 1)[-1]).status_code == 404
    assert client.get("/changes/calendar/not-a-token.ics").status_code == 404


def test_a_long_title_with_commas_and_accents_survives_the_feed(month, agent_a):
    from changes import feeds

    title = "Migrer la base « Clients », étape 2; ensuite\\vérifier " * 3
    Change.objects.filter(pk=month["first"].pk).update(title=title[:200])
    from changes.calendar import events

    found = events(agent_a, datetime(2027, 3, 1, tzinfo=PARIS), datetime(2027, 4, 1, tzinfo=PARIS))
    parsed = icalendar.Calendar.from_ical(feeds.write(found, "Changes – all", datetime(2027, 3, 1, tzinfo=PARIS)))
    summaries = [str(e["SUMMARY"]) for e in parsed.walk("VEVENT")]
    assert f"{month['first'].number} {title[:200]}" in summaries
    assert str(parsed["X-WR-CALNAME"]) == "Changes – all"


def test_bad_input_on_the_calendar_and_its_feeds_is_named_and_creates_nothing(client, agent_a):
    client.force_login(agent_a)
    assert client.get(reverse("agent-change-calendar"), {"date": "31/12/2027"}).status_code == 200  # today instead
    refused = client.post(reverse("agent-change-calendar-feed-new"), {"risk": "huge", "name": "Mine"}, follow=True)
    assert "Choose one of: low, moderate, high, very_high." in refused.content.decode()
    assert not CalendarFeed.objects.exists()
    other = CalendarFeed.objects.create(user=agent_a, name="x", token_hash="0" * 64)
    client.logout()
    from accounts.models import User

    someone = User.objects.create(username="someone", role="agent")
    client.force_login(someone)  # another member of the desk cannot revoke it
    client.post(reverse("agent-change-calendar-feed-revoke", args=[other.pk]))
    assert CalendarFeed.objects.filter(pk=other.pk).exists()
