"""Demo cost rates for `seed_demo` (an hour of the service desk 55, of the network team 70, of any other team 50; 4
per ticket; per contact: phone 6, e-mail 3, portal 1.50, monitoring 0.50), and time logged on the demo incidents
(a work note with the minutes spent on the first ones still open to comments). Seeding twice adds nothing."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from core import writes
from core.models import JournalEntry
from costs.models import CostRate, RateKind
from incidents.choices import Channel
from incidents.models import Incident

SEED_AFTER = ("accounts", "incidents", "events")
HOURLY = {"service-desk": 55, "network": 70}
CHANNELS = {Channel.PHONE: "6", Channel.EMAIL: "3", Channel.PORTAL: "1.50", Channel.MONITORING: "0.50"}
LOGS = [(25, "Reproduced it with the caller and checked the logs."), (40, "Worked through the checklist."),
        (15, "Called the user back to confirm."), (90, "Rebuilt the profile and tested."),
        (30, "Checked with the network team."), (10, "Updated the caller.")]


def seed(demo: Any) -> None:
    for slug, hourly in HOURLY.items():
        if slug in demo.teams:
            CostRate.objects.get_or_create(kind=RateKind.TEAM_HOUR, team=demo.teams[slug], defaults={"amount": hourly})
    CostRate.objects.get_or_create(kind=RateKind.TEAM_HOUR, team=None, defaults={"amount": 50})
    CostRate.objects.get_or_create(kind=RateKind.TICKET, defaults={"amount": 4})
    for channel, amount in CHANNELS.items():
        CostRate.objects.get_or_create(kind=RateKind.CHANNEL, channel=channel, defaults={"amount": amount})
    if JournalEntry.objects.filter(time_spent__isnull=False).exists():
        return
    agent = demo.users["agent1"]
    logged = 0
    for incident in Incident.objects.order_by("id")[:12]:
        minutes, body = LOGS[incident.pk % len(LOGS)]
        author = demo.users["agent2"] if incident.team_id == demo.teams["network"].pk else agent
        try:
            writes.comment(incident, author, body, internal=True, time_spent=minutes)
        except ValidationError:  # closed, or a team the author may not write for: no time there
            continue
        logged += 1
    demo.created["time log"] = logged
