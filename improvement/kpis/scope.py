"""Whose figures a user reads, and the dashboard's filters (kind, team, service, priority), validated by name.

Managers and admins read every ticket's figures; agents the figures of their teams' tickets (those of the tickets
they may see, `Ticket.objects.visible_to`, whose assignment group is one of theirs); end users none.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from django.db.models import Aggregate, FloatField, Func, QuerySet

from accounts.models import Team
from accounts.roles import Role, has_role, role_of
from catalog.models import Service
from core import kinds
from core.models import Priority, Ticket, user_team_ids

# The kinds ticket KPIs are reported for (those with a workflow that resolves), the default first.
TICKET_KINDS = ("incident", "request", "ritm", "problem", "change", "task", "ctask")


class Median(Aggregate):
    """percentile_cont(0.5): the median of a number column (PostgreSQL's ordered-set aggregate)."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class Hours(Func):
    """An interval in hours, as a float."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 3600.0)"
    output_field = FloatField()


def reads_kpis(user: Any) -> bool:
    """Agents and up read figures (their teams'); end users and anonymous callers none."""
    return has_role(user, Role.AGENT)


def scope_key(user: Any) -> str:
    """Who the figures are computed for, as a key: "all" for managers, the sorted team ids for an agent."""
    if has_role(user, Role.MANAGER):
        return "all"
    if role_of(user) == Role.AGENT:
        teams = ",".join(str(pk) for pk in sorted(user_team_ids(user)))
        return f"teams:{teams}" if len(teams) <= 100 else f"teams#{hashlib.sha256(teams.encode()).hexdigest()}"
    return "none"


def scoped_tickets(user: Any) -> QuerySet:
    """The tickets whose figures `user` reads: visible to them, and for an agent of their teams."""
    if not reads_kpis(user):
        return Ticket.objects.none()
    tickets = Ticket.objects.visible_to(user)
    if not has_role(user, Role.MANAGER):
        tickets = tickets.filter(team_id__in=user_team_ids(user))
    return tickets


def ticket_kinds() -> list[tuple[str, str]]:
    """(key, plural label) of the installed ticket kinds KPIs are reported for."""
    return [(kind.key, kind.label_plural) for kind in (kinds.find(key) for key in TICKET_KINDS) if kind]


def narrowed(tickets: QuerySet, kind: str = "incident", team: int | None = None, service: int | None = None,
             priority: int | None = None, prefix: str = "") -> QuerySet:
    """Tickets of one kind, and of a team, service or priority when given (`prefix`: the path to the ticket)."""
    tickets = tickets.filter(**{f"{prefix}kind": kind})
    for name, value in (("team_id", team), ("service_id", service), ("priority", priority)):
        if value is not None:
            tickets = tickets.filter(**{f"{prefix}{name}": value})
    return tickets


def parse_filters(params: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, list[str]]]:
    """The filters of a request (`kind`, `team`, `service`, `priority`), and the errors by field name."""
    filters: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    kind = (params.get("kind") or "").strip()
    if kind:
        known = dict(ticket_kinds())
        if kind not in known:
            errors["kind"] = [f"Unknown kind {kind[:40]!r}: use one of {', '.join(known)}."]
        else:
            filters["kind"] = kind
    for name, model in (("team", Team), ("service", Service)):
        value = (params.get(name) or "").strip()
        if not value:
            continue
        if not value.isdigit() or len(value) > 9:
            errors[name] = [f"A {name} is given by its id (a whole number)."]
        elif not model.objects.filter(pk=int(value)).exists():
            errors[name] = [f"No {name} has the id {value}."]
        else:
            filters[name] = int(value)
    priority = (params.get("priority") or "").strip()
    if priority:
        if not priority.isdigit() or int(priority) not in Priority.values:
            errors["priority"] = [f"A priority is one of {', '.join(str(v) for v in Priority.values)}."]
        else:
            filters["priority"] = int(priority)
    return filters, errors


def filters_key(filters: Mapping[str, Any]) -> str:
    """The filters as a stable key ("kind=incident&team=3"), the empty ones left out."""
    return "&".join(f"{name}={filters[name]}" for name in sorted(filters) if filters[name] not in (None, ""))
