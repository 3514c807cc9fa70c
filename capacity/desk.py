"""The desk's capacity: open work per team and per agent against what they can carry.

A team's capacity is its agents (active members whose role is agent or above) times its `DeskCapacity`
(open tickets per agent, DEFAULT_OPEN_PER_AGENT when the team has none); an agent's is the largest of their teams'.
Open work is counted in SQL from `Ticket.objects.visible_to(user)` (open: `active`), grouped by team and by
assignee: managers see every team; anyone else the teams they belong to. Three queries whatever the data size.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Q, Value
from django.db.models.functions import Coalesce

from accounts.models import Team, User
from accounts.roles import Role, has_role
from core.models import Ticket

DEFAULT_OPEN_PER_AGENT = 10
WORKING_ROLES = [Role.AGENT, Role.MANAGER, Role.ADMIN]


@dataclass(frozen=True)
class Line:
    """One team or agent: open tickets, capacity (open tickets it can carry), and for a team the unassigned."""

    id: int
    name: str
    open: int
    capacity: int
    per_agent: int
    agents: int = 0
    unassigned: int = 0
    slug: str = ""

    @property
    def utilisation(self) -> float | None:
        return round(self.open / self.capacity * 100, 1) if self.capacity else None

    @property
    def band(self) -> str:
        """How loaded: "over" (above capacity), "high" (80% or more), "ok"."""
        used = self.utilisation
        if used is None:
            return "ok" if not self.open else "over"
        return "over" if used > 100 else "high" if used >= 80 else "ok"

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "open": self.open, "capacity": self.capacity,
                "per_agent": self.per_agent, "utilisation": self.utilisation}


def figures(user: Any) -> tuple[list[Line], list[Line]]:
    """(teams, agents), the most loaded first."""
    per_agent = Coalesce("desk_capacity__open_per_agent", Value(DEFAULT_OPEN_PER_AGENT))
    teams = Team.objects.annotate(
        per_agent=per_agent,
        agents=Count("members", distinct=True, filter=Q(members__is_active=True, members__role__in=WORKING_ROLES)))
    if not has_role(user, Role.MANAGER):
        teams = teams.filter(pk__in=user.teams.values("pk"))
    team_rows = list(teams.order_by("name").values("pk", "name", "slug", "per_agent", "agents"))
    team_ids = [row["pk"] for row in team_rows]
    open_tickets = Ticket.objects.visible_to(user).filter(active=True)
    by_team = {row["team"]: row for row in open_tickets.filter(team__in=team_ids).order_by().values("team").annotate(
        n=Count("id"), unassigned=Count("id", filter=Q(assignee__isnull=True)))}
    agents = list(User.objects.filter(is_active=True, role__in=WORKING_ROLES, teams__in=team_ids)
                  .annotate(per_agent=Max(Coalesce("teams__desk_capacity__open_per_agent",
                                                   Value(DEFAULT_OPEN_PER_AGENT))))
                  .order_by("first_name", "last_name", "username"))
    by_agent = dict(open_tickets.filter(assignee__in=[a.pk for a in agents]).order_by().values("assignee")
                    .annotate(n=Count("id")).values_list("assignee", "n"))
    team_lines = [Line(id=row["pk"], name=row["name"], slug=row["slug"], agents=row["agents"],
                       per_agent=row["per_agent"], capacity=row["agents"] * row["per_agent"],
                       open=by_team.get(row["pk"], {}).get("n", 0),
                       unassigned=by_team.get(row["pk"], {}).get("unassigned", 0)) for row in team_rows]
    agent_lines = [Line(id=a.pk, name=a.display_name, per_agent=a.per_agent, capacity=a.per_agent,
                        open=by_agent.get(a.pk, 0)) for a in agents]
    key = lambda line: (-(line.utilisation or 0), line.name.lower())  # noqa: E731
    return sorted(team_lines, key=key), sorted(agent_lines, key=key)
