"""SLAs and OLAs on requests, requested items and fulfilment tasks: the SLA engine is the core's, a definition
targets one of these kinds and its timers follow their states."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from catalog import services
from catalog.kinds import CATALOG_TASK
from catalog.models import CatalogCategory, CatalogItem, CatalogTask
from core import clock, writes
from sla.models import AgreementType, Schedule, SlaDefinition, SlaTimer, Stage, Target

pytestmark = pytest.mark.django_db
START = datetime(2026, 11, 2, 8, tzinfo=ZoneInfo("UTC"))


def test_an_item_sla_and_a_task_ola_run_and_stop_with_their_tickets(service_email, requester_a, agent_a):
    always = Schedule.objects.create(name="24x7", slug="24x7", time_zone="UTC", is_24x7=True)
    SlaDefinition.objects.create(name="Deliver in 5 days", ticket_kind="ritm", target=Target.RESOLUTION,
                                 duration=timedelta(days=5), schedule=always)
    SlaDefinition.objects.create(name="Task done in 1 day", ticket_kind="task", target=Target.RESOLUTION,
                                 agreement_type=AgreementType.OLA, duration=timedelta(days=1), schedule=always)
    category = CatalogCategory.objects.create(name="Hardware", slug="hardware")
    item = CatalogItem.objects.create(name="Headset", slug="headset", category=category, short_description="USB.",
                                      service=service_email)
    item.plan.create(stage=1, title="Hand over the headset")
    with clock.frozen(START):
        order = services.order(item, requester_a, {})
    requested = order.items.get()
    task = CatalogTask.objects.get()
    assert SlaTimer.objects.get(ticket_id=requested.pk).definition.name == "Deliver in 5 days"
    assert SlaTimer.objects.get(ticket_id=task.pk).definition.name == "Task done in 1 day"
    with clock.frozen(START + timedelta(days=2)):  # the task late, the item in time
        writes.transition(CATALOG_TASK, task, agent_a, "done")
    task_timer, item_timer = SlaTimer.objects.get(ticket_id=task.pk), SlaTimer.objects.get(ticket_id=requested.pk)
    assert (task_timer.stage, task_timer.breached) == (Stage.BREACHED, True)
    assert (item_timer.stage, item_timer.breached) == (Stage.ACHIEVED, False)
