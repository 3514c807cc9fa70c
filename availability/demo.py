"""Demo availability for `seed_demo`: targets for the demo services, and last month's outage of e-mail (the mail
relay down for two hours, one of them inside the closed patch change's window, so one hour counts), a partial outage
of the VPN this month. Major incidents of the demo record their outages by themselves (availability.recording).
Seeding twice adds nothing (an outage or change whose description or title exists is skipped)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from availability import services as outages
from availability.choices import Severity
from availability.models import AvailabilityTarget, Outage
from availability.report import desk_zone, last_months
from changes.choices import Outcome, State
from changes.kind import CHANGE
from changes.models import Change
from core import clock, writes
from core.models import Ticket

SEED_AFTER = ("accounts", "catalog", "incidents", "changes", "cmdb")
TARGETS = {"email": "99.9", "vpn": "99.5", "payroll": "99.5", "printing": "99.0", "wifi": "99.0"}
RELAY = "Mail relay down: messages queued, nobody could send."
PATCH = "Patch the mail relay (last month)"
VPN = "VPN slow for remote users: tunnels renegotiating."


def seed(demo: Any) -> None:
    manager, agent = demo.users["manager"], demo.users["agent1"]
    services = getattr(demo, "services", {})
    for slug, target in TARGETS.items():
        if slug in services:
            AvailabilityTarget.objects.get_or_create(service=services[slug], defaults={"target": target})
    email, vpn = services.get("email"), services.get("vpn")
    last_month = last_months(2)[0]
    evening = datetime(last_month.year, last_month.month, 12, 21, 30, tzinfo=desk_zone())
    if email is not None and not Change.objects.filter(title=PATCH).exists():
        with clock.frozen(evening - timedelta(days=5)):
            change = writes.create(CHANGE, agent, {"title": PATCH, "service": email, "description":
                                                   "Security update of the mail relay, in the evening window."})
        # a change of last month, already done: its window and outcome as they were recorded
        Change.objects.filter(pk=change.pk).update(
            planned_start=evening + timedelta(minutes=30), planned_end=evening + timedelta(minutes=90),
            actual_start=evening + timedelta(minutes=30), actual_end=evening + timedelta(minutes=90),
            outcome=Outcome.SUCCESSFUL, close_notes="Patched; the relay did not come back at once.")
        Ticket.objects.filter(pk=change.pk).update(state=State.CLOSED, active=False,
                                                   closed_at=evening + timedelta(hours=2))
    created = 0
    if email is not None and not Outage.objects.filter(description=RELAY).exists():
        created += 1
        outages.record(manager, email, {"start": evening, "end": evening + timedelta(hours=2),
                                        "severity": Severity.FULL, "description": RELAY})
    now = clock.now()
    if vpn is not None and not Outage.objects.filter(description=VPN).exists():
        created += 1
        start = max(now - timedelta(days=2), now.replace(day=1, hour=0, minute=0, second=0, microsecond=0))
        outages.record(manager, vpn, {"start": start, "end": start + timedelta(minutes=45),
                                      "severity": Severity.PARTIAL, "description": VPN})
    demo.created["outage"] = created
