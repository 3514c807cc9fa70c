"""Demo data of capacity management for `seed_demo`: the file server fs-01 (created here, supporting the e-mail
service) whose storage rises to exhaustion in about 40 days, the e-mail service's licences near their limit, and
the CPU of esx-01 flat; 90 days of daily samples each, ending today; the service desk's capacity per agent.
Samples are stored through capacity.services without raising events (the storage is at its warning level, the
licences at their critical one: raising incidents for them would change the other practices' demo queues).
Seeding twice changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from capacity import services
from capacity.ingest import Reading
from capacity.models import DeskCapacity, Metric
from cmdb import services as cmdb
from cmdb.models import CIClass, ConfigurationItem
from core import clock

SEED_AFTER = ("accounts", "catalog", "cmdb", "events")
DAYS = 90
STORAGE_CAPACITY = 4000.0  # GB
STORAGE_DAILY = 20.0  # GB a day: full in ~40 days
LICENCES = 500.0


def storage(day: int) -> float:
    """Used storage `day` days before today: rising 20 GB a day with a weekly wobble, full in about 40 days."""
    wobble = (12, -8, 5, -15, 9, -3, 0)[day % 7]
    return STORAGE_CAPACITY - 40 * STORAGE_DAILY - day * STORAGE_DAILY + wobble


def seed(demo: Any) -> None:
    actor = demo.users.get("agent1")
    server = CIClass.objects.filter(slug="server").first()
    if server is None:
        return
    fs = ConfigurationItem.objects.filter(ci_class=server, name="fs-01").first() or cmdb.create_ci(actor, {
        "name": "fs-01", "ci_class": server, "support_team": demo.teams.get("service-desk"),
        "owner_team": demo.teams.get("service-desk"), "attributes": {"os": "Linux", "cpus": "8"},
        "location": "Paris DC, rack 4", "description": "File server: the departments' shared folders."})
    esx = ConfigurationItem.objects.filter(name="esx-01").first()
    email = getattr(demo, "services", {}).get("email")
    wanted = [
        (fs, None, "Storage", "GB", STORAGE_CAPACITY, storage, "The shared folders' volume (/srv/shares)."),
        (None, email, "Licences", "licences", LICENCES, lambda day: 478 - day // 6 - (day % 3),
         "Mailbox licences assigned of those bought."),
        (esx, None, "CPU", "%", 100.0, lambda day: 42 + (7, -5, 3, -2, 6, -4, 1)[day % 7],
         "Average CPU use of the host over the day."),
    ]
    now = clock.now().replace(minute=0, second=0, microsecond=0)
    made = 0
    for ci, service, name, unit, capacity, series, text in wanted:
        if ci is None and service is None:
            continue
        owner = {"ci": ci} if ci is not None else {"service": service}
        if Metric.objects.filter(name=name, **owner).exists():
            continue
        metric = Metric.objects.create(name=name, unit=unit, capacity=capacity, description=text, **owner)
        services.record([Reading(metric.pk, now - timedelta(days=day), float(series(day)))
                         for day in range(DAYS)], now=now, notify=False)
        made += 1
    desk = demo.teams.get("service-desk")
    if desk is not None:
        DeskCapacity.objects.get_or_create(team=desk, defaults={"open_per_agent": 8})
    if made:
        demo.created["capacity metric"] = demo.created.get("capacity metric", 0) + made
