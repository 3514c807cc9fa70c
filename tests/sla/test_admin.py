"""The Django admin of SLA management: admins edit schedules (hours and holidays inline) and definitions with the
same checks as the API; timers and events are read-only; nobody else gets in."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from core import clock
from sla.models import Schedule, SlaDefinition, SlaEvent, SlaTimer
from sla.sweep import record_due
from tests.sla.api_support import T0, SlaWorld, sla_world_fixture  # noqa: F401

pytestmark = pytest.mark.django_db
ADMIN = "/admin/sla/"


@pytest.fixture
def admin_client_(sla_world: SlaWorld) -> Client:
    client = Client()
    client.force_login(sla_world.users["admin"])
    return client


@pytest.fixture
def swept(sla_world: SlaWorld) -> SlaWorld:
    with clock.frozen(T0 + timedelta(hours=3)):
        record_due()
    assert SlaEvent.objects.exists()
    return sla_world


def inline_management(prefix: str, total: int = 0, initial: int = 0) -> dict[str, str]:
    return {f"{prefix}-TOTAL_FORMS": str(total), f"{prefix}-INITIAL_FORMS": str(initial),
            f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"}


def test_every_sla_page_opens_for_an_admin(swept: SlaWorld, admin_client_):
    timer = SlaTimer.objects.first()
    event = SlaEvent.objects.first()
    pages = [
        ADMIN, f"{ADMIN}schedule/", f"{ADMIN}schedule/add/", f"{ADMIN}schedule/{swept.schedules['office'].pk}/change/",
        f"{ADMIN}sladefinition/", f"{ADMIN}sladefinition/add/",
        f"{ADMIN}sladefinition/{swept.definitions['ola'].pk}/change/",
        f"{ADMIN}slatimer/", f"{ADMIN}slatimer/{timer.pk}/change/", f"{ADMIN}slaevent/",
        f"{ADMIN}slaevent/{event.pk}/change/", f"{ADMIN}slatimer/?stage=in_progress&q={timer.ticket.number}",
    ]
    for page in pages:
        assert admin_client_.get(page).status_code == 200, page


@pytest.mark.parametrize("role", ["requester_a", "agent_a", "manager"])
def test_nobody_else_gets_in(sla_world: SlaWorld, role):
    client = Client()
    client.force_login(sla_world.users[role])
    response = client.get(f"{ADMIN}slatimer/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_timers_and_events_are_read_only(swept: SlaWorld, admin_client_):
    timer = SlaTimer.objects.first()
    event = SlaEvent.objects.first()
    assert admin_client_.get(f"{ADMIN}slatimer/add/").status_code == 403
    assert admin_client_.get(f"{ADMIN}slaevent/add/").status_code == 403
    assert admin_client_.post(f"{ADMIN}slatimer/{timer.pk}/delete/").status_code == 403
    assert admin_client_.post(f"{ADMIN}slaevent/{event.pk}/delete/").status_code == 403
    page = admin_client_.get(f"{ADMIN}slatimer/{timer.pk}/change/").content.decode()
    assert 'name="_save"' not in page  # view only
    response = admin_client_.post(f"{ADMIN}slatimer/{timer.pk}/change/", {"stage": "achieved"})
    assert response.status_code == 403
    timer.refresh_from_db()
    assert timer.stage != "achieved"


def test_the_timer_list_costs_the_same_for_few_or_many_timers(swept: SlaWorld, admin_client_, make_incident,
                                                              django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as few:
        admin_client_.get(f"{ADMIN}slatimer/")
    for i in range(10):
        make_incident(swept.users["requester_a"], title=f"More {i}")
    with django_assert_max_num_queries(len(few)):
        assert admin_client_.get(f"{ADMIN}slatimer/").status_code == 200


def test_a_schedule_with_hours_and_a_holiday_is_added_inline(sla_world: SlaWorld, admin_client_):
    data = {
        "name": "Night shift", "slug": "night", "time_zone": "Europe/Berlin", "description": "",
        **inline_management("hours", total=2), **inline_management("holidays", total=1),
        "hours-0-weekday": "0", "hours-0-start": "22:00", "hours-0-end": "00:00",
        "hours-1-weekday": "1", "hours-1-start": "00:00", "hours-1-end": "06:00",
        "holidays-0-date": "2026-12-25", "holidays-0-name": "Christmas",
    }
    response = admin_client_.post(f"{ADMIN}schedule/add/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    schedule = Schedule.objects.get(slug="night")
    assert schedule.hours.count() == 2 and schedule.holidays.get().name == "Christmas"


@pytest.mark.parametrize(("hours", "message"), [
    ([], "needs working hours"),
    ([("0", "09:00", "12:00"), ("0", "11:00", "13:00")], "The working ranges of Monday overlap."),
    ([("0", "17:00", "09:00")], "The end must come after the start"),
])
def test_a_schedule_without_usable_hours_is_refused(sla_world: SlaWorld, admin_client_, hours, message):
    data = {"name": "Broken", "slug": "broken", "time_zone": "UTC", "description": "",
            **inline_management("hours", total=len(hours)), **inline_management("holidays")}
    for i, (weekday, start, end) in enumerate(hours):
        data.update({f"hours-{i}-weekday": weekday, f"hours-{i}-start": start, f"hours-{i}-end": end})
    response = admin_client_.post(f"{ADMIN}schedule/add/", data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Schedule.objects.filter(slug="broken").exists()


def test_a_definition_is_checked_by_the_model(sla_world: SlaWorld, admin_client_):
    data = {
        "name": "Bad pause", "agreement_type": "sla", "target": "resolution", "ticket_kind": "incident",
        "order": "10", "schedule": str(sla_world.schedules["always"].pk), "duration": "04:00:00",
        "start_condition": "{}", "pause_condition": '{"priority": [1]}', "thresholds": "[50]",
        "actions": '{"100": ["notify_assignee"]}',
    }
    response = admin_client_.post(f"{ADMIN}sladefinition/add/", data)
    assert response.status_code == 200 and "Unknown field &#x27;priority&#x27;" in response.content.decode()
    data["pause_condition"] = '{"state": ["on_hold"], "hold_reason": ["awaiting_caller"]}'
    response = admin_client_.post(f"{ADMIN}sladefinition/add/", data)
    assert response.status_code == 302
    assert SlaDefinition.objects.get(name="Bad pause").duration == timedelta(hours=4)


def test_deleting_a_definition_in_use_is_refused_by_the_admin(sla_world: SlaWorld, admin_client_):
    ola = sla_world.definitions["ola"]
    response = admin_client_.post(f"{ADMIN}sladefinition/{ola.pk}/delete/", {"post": "yes"})
    assert response.status_code == 200 and "Cannot delete" in response.content.decode()
    assert SlaDefinition.objects.filter(pk=ola.pk).exists()
