"""Demo SLA data for `seed_demo`: a 24x7 and a business-hours schedule (with France's public holidays),
response and resolution SLAs for priorities 1-4. Idempotent."""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any

from core import clock
from sla.calendars import public_holidays
from sla.models import Action, Holiday, Schedule, SlaDefinition, Target, WorkingHours

SEED_AFTER = ("accounts",)

PAUSE_AWAITING_CALLER = {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]}
# (name, target, priority, duration, schedule slug, order)
DEFINITIONS = [
    ("P1 response 15 min", Target.RESPONSE, 1, timedelta(minutes=15), "24x7", 10),
    ("P1 resolution 4 h", Target.RESOLUTION, 1, timedelta(hours=4), "24x7", 10),
    ("P2 response 30 min", Target.RESPONSE, 2, timedelta(minutes=30), "24x7", 20),
    ("P2 resolution 8 h", Target.RESOLUTION, 2, timedelta(hours=8), "24x7", 20),
    ("P3 response 2 business hours", Target.RESPONSE, 3, timedelta(hours=2), "business-hours", 30),
    ("P3 resolution 3 business days", Target.RESOLUTION, 3, timedelta(hours=30), "business-hours", 30),
    ("P4 response 4 business hours", Target.RESPONSE, 4, timedelta(hours=4), "business-hours", 40),
    ("P4 resolution 5 business days", Target.RESOLUTION, 4, timedelta(hours=50), "business-hours", 40),
]


def seed_sla() -> dict[str, SlaDefinition]:
    always, _ = Schedule.objects.get_or_create(
        slug="24x7", defaults={"name": "24x7", "time_zone": "UTC", "is_24x7": True,
                               "description": "The clock always runs."},
    )
    business, created = Schedule.objects.get_or_create(
        slug="business-hours",
        defaults={"name": "Business hours (Paris)", "time_zone": "Europe/Paris",
                  "description": "Monday to Friday, 08:00-18:00 Paris time, French public holidays off."},
    )
    if created:
        for day in range(5):
            WorkingHours.objects.create(schedule=business, weekday=day, start=time(8), end=time(18))
    year = clock.now().year
    existing = set(business.holidays.values_list("date", flat=True))
    Holiday.objects.bulk_create([
        Holiday(schedule=business, date=day, name=name)
        for day, name in public_holidays("FR", [year - 1, year, year + 1]) if day not in existing
    ])
    schedules = {"24x7": always, "business-hours": business}
    out = {}
    for name, target, priority, duration, schedule, order in DEFINITIONS:
        actions = {"75": [Action.NOTIFY_ASSIGNEE], "100": [Action.NOTIFY_ASSIGNEE, Action.NOTIFY_TEAM_LEAD]}
        if priority == 1:
            actions["100"].append(Action.NOTIFY_MANAGERS)
        out[name], _ = SlaDefinition.objects.get_or_create(
            name=name,
            defaults={"target": target, "start_condition": {"priority": [priority]}, "duration": duration,
                      "schedule": schedules[schedule], "order": order, "actions": actions,
                      "pause_condition": PAUSE_AWAITING_CALLER if target == Target.RESOLUTION else {}},
        )
    return out


def seed(demo: Any) -> None:
    """The demo schedules and SLA definitions (before any demo ticket, so their clocks start)."""
    seed_sla()


def finish(demo: Any) -> None:
    """After every app has seeded (and committed): record the warnings and breaches the history reached."""
    from sla.sweep import sweep

    sweep()
