"""A small service desk walked through November 2026 on a frozen clock, for the SLA dashboard's tests.

Definitions (24x7, UTC; paused while on hold awaiting the caller): "Response" 4 h, "Default resolution" 8 h,
"P1 resolution" 4 h (priority 1 only, so it replaces the default on P1 incidents). The dashboard is read at
NOW = Friday 20 November 2026 12:00 UTC, last 30 days (from 21 October 12:00).

  A  E-mail  P5  opened Nov 2 08:00, replied 08:20, resolved 12:00          -> response met, resolution met (4 h)
  B  E-mail  P5  opened Nov 3 08:00, replied 13:00, resolved 20:00          -> both breached (Nov 3 12:00, 16:00)
  C  VPN     P5  opened Nov 4 08:00, taken 08:30, on hold awaiting the caller until 09:30, resolved 10:00
                                                                              -> both met (resolution: 1 h business,
                                                                                 2 h wall-clock)
  D  VPN     P1  opened Nov 10 08:00, replied 08:30, resolved Nov 11 08:00  -> response met, P1 resolution breached
                                                                                 (Nov 10 12:00)
  E  E-mail  P5  opened Oct 1, resolved Oct 1                              -> before the period: not counted
  F  E-mail  P5  opened NOW-7h, replied +30 min, open                        -> resolution at risk (87.5 %)
  G  VPN     P5  opened Nov 10 12:00, nobody replied, open                  -> both breached while running
                                                                                 (Nov 10 16:00, 20:00)
  H  E-mail  P5  opened NOW-2h, open                                       -> running, not at risk
  J  E-mail  P5  opened NOW-2d, on hold awaiting the caller since           -> paused
  K  E-mail  P5  opened NOW-45d, replied +1 h, open                          -> breached before the period
  L  E-mail  P5  opened exactly NOW-1d, on hold awaiting the caller since   -> paused; 1 day old to the microsecond
  M  E-mail  P5  opened Nov 5 08:00, cancelled 09:00                       -> timers cancelled: not counted
Then the sweep runs at NOW (records the warnings and the running breaches).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from core import clock
from incidents import services
from incidents.choices import State
from incidents.models import Incident
from sla.models import Schedule, SlaDefinition, Target
from sla.sweep import record_due

UTC = ZoneInfo("UTC")
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
HOLD = {"state": ["on_hold"], "hold_reason": ["awaiting_caller"]}


@dataclass
class World:
    incidents: dict[str, Incident] = field(default_factory=dict)
    definitions: dict[str, SlaDefinition] = field(default_factory=dict)

    def number(self, *letters: str) -> set[str]:
        return {self.incidents[letter].number for letter in letters}


def build_world(*, requester, agent_email, agent_vpn, service_email, service_vpn, now: datetime = NOW) -> World:
    """Create the definitions and incidents described above; `agent_email` works in E-mail's team, `agent_vpn`
    in VPN's."""
    world = World()
    always = Schedule.objects.create(name="24x7 dashboard", slug="24x7-dashboard", time_zone="UTC", is_24x7=True)
    for name, target, hours, start, order in (
        ("Response", Target.RESPONSE, 4, {}, 10),
        ("P1 resolution", Target.RESOLUTION, 4, {"priority": [1]}, 1),
        ("Default resolution", Target.RESOLUTION, 8, {}, 2),
    ):
        world.definitions[name] = SlaDefinition.objects.create(
            name=name, target=target, schedule=always, duration=timedelta(hours=hours), start_condition=start,
            pause_condition=HOLD, order=order,
        )

    def at(instant: datetime, action, *args, **kwargs):
        with clock.frozen(instant):
            return action(*args, **kwargs)

    def raise_incident(letter: str, opened: datetime, service, title: str | None = None) -> Incident:
        data = {"title": title or f"Incident {letter}", "description": "It fails.", "service": service}
        incident = at(opened, services.create_incident, requester, data)
        world.incidents[letter] = incident
        return incident

    def resolve(incident, agent, instant):
        at(instant, services.transition, incident, agent, State.RESOLVED, resolution_code="solved",
           resolution_notes="Fixed.")

    day = lambda d, h, m=0: datetime(2026, 11, d, h, m, tzinfo=UTC)  # noqa: E731

    a = raise_incident("A", day(2, 8), service_email)
    at(day(2, 8, 20), services.add_comment, a, agent_email, "On it.")
    resolve(a, agent_email, day(2, 12))

    b = raise_incident("B", day(3, 8), service_email)
    at(day(3, 13), services.add_comment, b, agent_email, "Sorry for the wait.")
    resolve(b, agent_email, day(3, 20))

    c = raise_incident("C", day(4, 8), service_vpn)
    at(day(4, 8, 30), services.take, c, agent_vpn)
    at(day(4, 8, 30), services.transition, c, agent_vpn, State.ON_HOLD, hold_reason="awaiting_caller")
    at(day(4, 9, 30), services.add_comment, c, requester, "Here is the log.")
    resolve(c, agent_vpn, day(4, 10))

    d = raise_incident("D", day(10, 8), service_vpn)
    at(day(10, 8), services.update_incident, d, agent_vpn, {"impact": 1, "urgency": 1})
    at(day(10, 8, 30), services.add_comment, d, agent_vpn, "Looking.")
    resolve(d, agent_vpn, day(11, 8))

    e = raise_incident("E", datetime(2026, 10, 1, 8, tzinfo=UTC), service_email)
    at(datetime(2026, 10, 1, 8, 10, tzinfo=UTC), services.add_comment, e, agent_email, "On it.")
    resolve(e, agent_email, datetime(2026, 10, 1, 10, tzinfo=UTC))

    f = raise_incident("F", now - timedelta(hours=7), service_email)
    at(now - timedelta(hours=6, minutes=30), services.add_comment, f, agent_email, "On it.")

    raise_incident("G", day(10, 12), service_vpn)
    raise_incident("H", now - timedelta(hours=2), service_email)

    j = raise_incident("J", now - timedelta(days=2), service_email)
    at(now - timedelta(days=2), services.transition, j, agent_email, State.ON_HOLD, hold_reason="awaiting_caller")

    k = raise_incident("K", now - timedelta(days=45), service_email)
    at(now - timedelta(days=45, hours=-1), services.add_comment, k, agent_email, "On it.")

    lone = raise_incident("L", now - timedelta(days=1), service_email)
    at(now - timedelta(days=1), services.transition, lone, agent_email, State.ON_HOLD, hold_reason="awaiting_caller")

    m = raise_incident("M", day(5, 8), service_email)
    at(day(5, 9), services.transition, m, agent_email, State.CANCELLED)

    record_due(now)
    for letter, incident in world.incidents.items():
        world.incidents[letter] = Incident.objects.get(pk=incident.pk)
    return world
