"""The cost of each contact, in SQL (one query per table, whatever the number of tickets).

A contact is an incident (it carries the channel it came through). Its cost, counted in the month it was opened
(in the desk's time zone), is:
- the time its journal logs (`core.JournalEntry.time_spent`, minutes) at the hourly rate of its team (the
  assignment group: the team's own rate, else the rate for every team),
- plus the fixed cost per ticket,
- plus the cost per contact of its channel,
each rate the one valid on the day the contact was opened (the latest starting one). Cost per contact = the total
/ the contacts, per month and per channel, team or service (`group_by`). Agents get the contacts of their teams,
managers all, nobody else any.

The contacts are first counted per (day, team, service, channel) with their minutes; the rates are applied to those
groups, so pricing costs what the groups are, not what the tickets are.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection

from accounts.models import Team
from accounts.roles import Role, has_role
from catalog.models import Service
from core.models import JournalEntry, Ticket
from costs.models import CostRate, RateKind
from incidents.choices import Channel
from incidents.models import Incident

GROUPS = {"channel": "g.channel", "team": "g.team_id", "service": "g.service_id"}


@dataclass
class CostRow:
    """One line: a month (and a channel, team or service when grouped), its contacts, minutes and costs."""

    month: date
    key: Any
    label: str
    contacts: int
    minutes: int
    labour: Decimal
    fixed: Decimal
    channel: Decimal

    @property
    def total(self) -> Decimal:
        return self.labour + self.fixed + self.channel

    @property
    def per_contact(self) -> Decimal | None:
        return (self.total / self.contacts).quantize(Decimal("0.01")) if self.contacts else None


def zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def month_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """From the first instant of month `first` to the first instant after month `last`, in the desk's zone."""
    after = (last.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (datetime(first.year, first.month, 1, tzinfo=zone()), datetime(after.year, after.month, 1, tzinfo=zone()))


def scope(user: Any) -> list[int] | None:
    """The teams whose contacts `user` may price: None for all (managers), their teams (agents), none else."""
    if has_role(user, Role.MANAGER):
        return None
    if has_role(user, Role.AGENT):
        return list(user.teams.values_list("pk", flat=True))
    return []


def _rate(kind: str, condition: str) -> str:
    return (f"COALESCE((SELECT r.amount FROM {CostRate._meta.db_table} r WHERE r.kind = '{kind}' AND {condition} "  # noqa: S608
            f"AND (r.valid_from IS NULL OR r.valid_from <= g.day) AND (r.valid_until IS NULL OR r.valid_until >= g.day)"
            f" ORDER BY r.team_id IS NULL, r.valid_from DESC NULLS LAST, r.id DESC LIMIT 1), 0)")


def rows(user: Any, months: Sequence[date], group_by: str | None = None) -> list[CostRow]:
    """One row per month (and per key of `group_by`: channel, team or service), oldest first; months without
    contacts are left out. One query, plus one for the names of the teams or services."""
    if not months:
        return []
    teams = scope(user)
    if teams == []:
        return []
    since, until = month_bounds(min(months), max(months))
    key = GROUPS[group_by] if group_by else "NULL"
    team_filter = "AND t.team_id = ANY(%(teams)s)" if teams is not None else ""
    # table names from the models and fixed fragments; every value is a parameter
    sql = f"""
        WITH contacts AS (
            SELECT t.id, t.team_id, t.service_id, i.channel, (t.opened_at AT TIME ZONE %(tz)s)::date AS day
            FROM {Incident._meta.db_table} i JOIN {Ticket._meta.db_table} t ON t.id = i.ticket_ptr_id
            WHERE t.opened_at >= %(since)s AND t.opened_at < %(until)s {team_filter}),
        spent AS (
            SELECT j.ticket_id, SUM(j.time_spent) AS minutes FROM {JournalEntry._meta.db_table} j
            WHERE j.ticket_id IN (SELECT id FROM contacts) AND j.time_spent IS NOT NULL GROUP BY j.ticket_id),
        g AS (
            SELECT c.day, c.team_id, c.service_id, c.channel, count(*) AS n, COALESCE(SUM(s.minutes), 0) AS minutes
            FROM contacts c LEFT JOIN spent s ON s.ticket_id = c.id GROUP BY 1, 2, 3, 4),
        priced AS (
            SELECT g.*, g.minutes / 60.0 * {_rate(RateKind.TEAM_HOUR, "(r.team_id = g.team_id OR r.team_id IS NULL)")}
                       AS labour,
                   g.n * {_rate(RateKind.TICKET, "TRUE")} AS fixed,
                   g.n * {_rate(RateKind.CHANNEL, "r.channel = g.channel")} AS channel_cost
            FROM g)
        SELECT date_trunc('month', g.day)::date AS month, {key} AS key, SUM(g.n), SUM(g.minutes),
               SUM(g.labour), SUM(g.fixed), SUM(g.channel_cost)
        FROM priced g GROUP BY 1, 2 ORDER BY 1, 2
    """  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, {"tz": settings.TIME_ZONE, "since": since, "until": until, "teams": teams})
        found = cursor.fetchall()
    names = labels(group_by, {row[1] for row in found if row[1] is not None})
    cent = Decimal("0.01")
    return [CostRow(month, key_value, names.get(key_value, "Unknown") if group_by else "All contacts", int(n),
                    int(minutes), Decimal(labour).quantize(cent), Decimal(fixed).quantize(cent),
                    Decimal(channel).quantize(cent))
            for month, key_value, n, minutes, labour, fixed, channel in found]


def labels(group_by: str | None, keys: set[Any]) -> dict[Any, str]:
    """The names of the keys of a grouping: channel labels, team or service names (one query)."""
    if group_by == "channel":
        return dict(Channel.choices)
    if group_by == "team":
        return {None: "No team", **dict(Team.objects.filter(pk__in=keys).values_list("pk", "name"))}
    if group_by == "service":
        return {None: "No service", **dict(Service.objects.filter(pk__in=keys).values_list("pk", "name"))}
    return {}


def currency() -> str:
    return settings.COSTS_CURRENCY
