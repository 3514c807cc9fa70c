"""Conflicts of a change's window: another change on the same service or with the same assignee in an overlapping
window (a warning), a blackout window (it blocks scheduling, except an emergency change); adjacent windows do not
collide, and windows across a daylight-saving change are compared by their real instants."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from changes import services
from changes.choices import ChangeType, State
from changes.conflicts import conflicts
from changes.kind import CHANGE
from changes.models import BlackoutWindow, Change
from core import writes
from core.workflow import TransitionError

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")
PLANS = {"implementation_plan": "Do it.", "backout_plan": "Undo it.", "test_plan": "Check it."}


def planned(actor, start: datetime, hours: float, **fields) -> Change:
    """A change waiting for authorisation with that window (its length in real time: added to the instant, as the
    forms and the API send them, never to the wall clock)."""
    end = (start.astimezone(UTC) + timedelta(hours=hours)).astimezone(start.tzinfo)
    change = writes.create(CHANGE, actor, {"title": "Change", "planned_start": start, "planned_end": end, **PLANS,
                                           **fields})
    writes.transition(CHANGE, change, actor, State.ASSESS)
    return writes.transition(CHANGE, change, actor, State.AUTHORIZE)


def reasons(change: Change) -> list[tuple[str, str | None]]:
    return [(c.reason, c.other.number if c.other else None) for c in conflicts(change)]


def test_overlapping_windows_on_one_service_or_assignee_conflict_and_adjacent_ones_do_not(
        agent_a, agent_b, service_email, service_vpn):
    start = datetime(2027, 3, 10, 20, 0, tzinfo=PARIS)
    first = planned(agent_a, start, 2, service=service_email, assignee=agent_a)
    overlapping = planned(agent_b, start + timedelta(hours=1), 2, service=service_email)
    adjacent = planned(agent_b, start + timedelta(hours=2), 1, service=service_email)  # starts when `first` ends
    other_service = planned(agent_b, start, 2, service=service_vpn)
    same_assignee = planned(agent_a, start + timedelta(minutes=30), 1, assignee=agent_a, team=agent_a.teams.get())
    assert reasons(first) == [("assignee", same_assignee.number), ("service", overlapping.number)]  # by start
    assert reasons(adjacent) == [("service", overlapping.number)]  # overlaps the second, not the first
    assert reasons(other_service) == []
    assert conflicts(writes.create(CHANGE, agent_a, {"title": "No window"})) == []


def test_windows_across_a_daylight_saving_change_compare_their_instants(agent_a, service_email):
    # 2027-03-28 in Paris: 02:00 becomes 03:00; 01:30 -> +2 h real time is 04:30 local
    night = planned(agent_a, datetime(2027, 3, 28, 1, 30, tzinfo=PARIS), 2, service=service_email)
    assert night.planned_end.astimezone(PARIS).hour == 4
    at_four = planned(agent_a, datetime(2027, 3, 28, 4, 0, tzinfo=PARIS), 1, service=service_email)
    at_half_past_four = planned(agent_a, datetime(2027, 3, 28, 4, 30, tzinfo=PARIS), 1, service=service_email)
    assert reasons(night) == [("service", at_four.number)]
    assert at_half_past_four.number not in [number for _reason, number in reasons(night)]


def test_a_blackout_blocks_scheduling_except_for_an_emergency_change(agent_a, manager, service_email, service_vpn):
    start = datetime(2027, 12, 24, 10, 0, tzinfo=PARIS)
    BlackoutWindow.objects.create(name="Year-end freeze", starts_at=start - timedelta(days=1),
                                  ends_at=start + timedelta(days=10), service=service_email)
    normal = planned(agent_a, start, 2, service=service_email, change_manager=manager)
    elsewhere = planned(agent_a, start, 2, service=service_vpn, change_manager=manager)
    emergency = planned(agent_a, start, 2, service=service_email, change_manager=manager,
                        change_type=ChangeType.EMERGENCY)
    for change in (normal, elsewhere, emergency):
        services.decide(change, manager, approve=True)
    with pytest.raises(TransitionError) as blocked:
        writes.transition(CHANGE, normal, agent_a, State.SCHEDULED)
    assert blocked.value.field_errors["planned_start"] == ["The window falls in the change freeze “Year-end freeze”."]
    writes.transition(CHANGE, elsewhere, agent_a, State.SCHEDULED)  # the freeze is of another service
    writes.transition(CHANGE, emergency, agent_a, State.SCHEDULED)
    assert [(c.reason, c.blocking) for c in conflicts(emergency)] == [("service", False), ("blackout", False)]


def test_scheduling_warns_of_a_conflict_on_the_page_and_the_api_lists_it(
        client, token_client, agent_a, manager, service_email):
    start = datetime(2027, 5, 4, 21, 0, tzinfo=PARIS)
    first = planned(agent_a, start, 3, service=service_email, change_manager=manager)
    second = planned(agent_a, start + timedelta(hours=1), 1, service=service_email, change_manager=manager)
    services.decide(second, manager, approve=True)
    client.force_login(agent_a)
    page = client.get(reverse("agent-change", args=[second.number])).content.decode()
    assert 'data-testid="conflicts-panel"' in page and first.number in page
    assert 'data-testid="conflict-count"' in page and ">1 conflict<" in page
    moved = client.post(reverse("agent-change-state", args=[second.number]),  # the quick action, as htmx sends it
                        {"state": State.SCHEDULED, "version": Change.objects.get(pk=second.pk).version},
                        HTTP_HX_REQUEST="true")
    text = moved.content.decode()
    assert "is now scheduled" in text
    assert f"Scheduled despite a conflict: {first.number} changes the same service" in text
    detail = token_client(agent_a).get(f"/api/v1/changes/{second.number}/").json()
    assert detail["conflicts"] == [{"reason": "service", "text": f"{first.number} changes the same service in an "
                                    "overlapping window.", "change": first.number, "blocking": False}]


def test_a_window_outside_the_services_maintenance_windows_is_flagged(agent_a, service_email, service_vpn):
    from datetime import time

    from changes.models import MaintenanceWindow

    MaintenanceWindow.objects.create(service=service_email, weekday=5, starts=time(22), ends=time(2),
                                     time_zone="Europe/Paris")  # Saturday 22:00 to Sunday 02:00, Paris time
    saturday = datetime(2027, 6, 5, 23, 0, tzinfo=PARIS)
    assert reasons(planned(agent_a, saturday, 2, service=service_email)) == []  # 23:00-01:00: inside
    assert reasons(planned(agent_a, saturday + timedelta(hours=2), 0.5, service=service_email)) == []  # Sunday 01:00
    early = planned(agent_a, saturday - timedelta(hours=2), 2, service=service_email)  # 21:00-23:00
    assert reasons(early) == [("maintenance", None)]
    assert "Saturday 22:00–02:00 (Europe/Paris)" in conflicts(early)[0].text
    assert reasons(planned(agent_a, saturday - timedelta(hours=2), 2, service=service_vpn)) == []  # no windows
    # the night the clocks go forward (2027-03-28 02:00 CET -> 03:00 CEST): the window closes at 02:00 wall-clock,
    # 3 real hours after 23:00
    night = datetime(2027, 3, 27, 23, 0, tzinfo=PARIS)
    assert ("maintenance", None) not in reasons(planned(agent_a, night, 3, service=service_email))  # to 03:00 CEST
    assert ("maintenance", None) in reasons(planned(agent_a, night, 3.5, service=service_email))  # to 03:30 CEST


def test_a_conflicting_change_the_user_may_not_see_is_only_another_change(
        client, token_client, agent_a, agent_b, team_network, service_email):
    start = datetime(2027, 7, 3, 22, 0, tzinfo=PARIS)
    hidden = planned(agent_b, start, 2, service=service_email, team=team_network, title="Secret network work")
    mine = planned(agent_a, start + timedelta(hours=1), 2, service=service_email)
    assert [(c.reason, c.other) for c in conflicts(mine, agent_a)] == [("service", None)]
    assert conflicts(mine, agent_a)[0].text == ("Another change (of a team you do not work in) changes the same "
                                                "service in an overlapping window.")
    assert conflicts(mine, agent_b)[0].other == hidden  # agent_b sees it: by its number
    client.force_login(agent_a)
    page = client.get(reverse("agent-change", args=[mine.number])).content.decode()
    detail = token_client(agent_a).get(f"/api/v1/changes/{mine.number}/").json()
    for text in (page, str(detail)):
        assert hidden.number not in text and "Secret network work" not in text
    assert detail["conflicts"][0]["change"] is None
