"""The people picker's search: who a user may pick (as a watcher, and later other people fields), on demand.

Agents and above search everyone active; an end user only the people of their own organization (or only
themselves when they have none), so the picker never reveals another customer's users.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from accounts.models import Team, User
from accounts.roles import Role, has_role
from core import reference_cache

PEOPLE_LIMIT = 20
MIN_QUERY = 2


def pickable_people(actor: User) -> QuerySet[User]:
    """The active users `actor` may find in a people picker."""
    people = User.objects.filter(is_active=True)
    if has_role(actor, Role.AGENT):
        return people
    if actor.organization_id:
        return people.filter(organization_id=actor.organization_id)
    return people.filter(pk=actor.pk)


def search_people(actor: User, query: str, limit: int = PEOPLE_LIMIT) -> list[User]:
    """At most `limit` people `actor` may pick whose name, username or e-mail contains every word of `query`."""
    words = (query or "").replace("\x00", "").split()[:5]  # PostgreSQL cannot compare with a NUL character
    if len("".join(words)) < MIN_QUERY:
        return []
    people = pickable_people(actor)
    for word in words:
        word = word[:100]
        people = people.filter(
            Q(username__icontains=word) | Q(first_name__icontains=word) | Q(last_name__icontains=word)
            | Q(email__icontains=word)
        )
    return list(people.select_related("organization").order_by("first_name", "last_name", "username")[:limit])


def team_agents(team_ids: list[int]) -> QuerySet[User]:
    """The active agents of these teams, by name: who a ticket of one of them may be assigned to."""
    return (User.objects.filter(role__in=[Role.AGENT, Role.MANAGER, Role.ADMIN], is_active=True,
                                teams__in=team_ids).distinct().order_by("first_name", "last_name", "username"))


def team_ids(value: object) -> list[int]:
    """A team id typed in a form or a URL, as a list (empty when it is not one)."""
    text = str(value or "").strip()
    return [int(text)] if is_id(text) else []


def is_id(text: str) -> bool:
    """A database id as typed: ASCII digits only ("²" is a digit to Python, not to int() or PostgreSQL)."""
    return text.isascii() and text.isdigit() and len(text) < 10


def team_agent_choices(teams: list[int]) -> list[tuple[int, str]]:
    """(id, name) of the active agents of `teams`, by name, from this process's copy (core.reference_cache:
    saving a user or changing a team's members clears it)."""
    existing = {pk for pk, _name in reference_cache.choices(Team, "team-ids", lambda: [
        (pk, "") for pk in Team.objects.values_list("pk", flat=True)])}
    wanted = sorted(set(teams) & existing)  # no kept list for an id that names no team (typed in a URL)
    if not wanted:
        return []
    return reference_cache.choices(User, f"team-agents:{wanted}", lambda: [
        (person.pk, person.display_name) for person in team_agents(wanted)])


def assignee_choices(teams: list[int], current: User | None = None, *, blank: str = "Unassigned") -> list:
    """The assignee picker's options: the agents of `teams` (a team has tens of agents, never the whole desk's
    hundreds), and the current assignee even when they left the team meanwhile (a value is never dropped)."""
    people = team_agent_choices(teams) if teams else []
    choices: list = [("", blank), *people]
    if current is not None and current.pk not in {pk for pk, _name in people}:
        choices.append((current.pk, current.display_name))
    return choices
