"""Every write on problems: raise (also from incidents), link incidents, publish the workaround, resolve with the
incidents, and the flag raised when an incident of a fixed problem comes back.

Fields and states go through the core write path (core.writes with the problem kind); an incident is linked to
its problem by a core.TicketLink (incident "caused by" problem), and what reaches an incident goes through the
incident's own services, so its requester hears of it as of any other comment or resolution.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce

from core import clock, kinds, raised_from, related, writes
from core import services as core
from core.models import JournalEntry, LinkKind, Ticket, TicketKind
from core.writes import BulkResult
from incidents import services as incident_services
from incidents.choices import ResolutionCode
from incidents.choices import State as IncidentState
from incidents.kind import INCIDENT
from incidents.models import Incident
from problems.choices import State
from problems.kind import PROBLEM
from problems.models import Problem


def linked_incidents(problem: Problem) -> QuerySet[Incident]:
    """The incidents caused by this problem (linked to it), newest first."""
    return related.linked(INCIDENT, problem, LinkKind.CAUSED_BY, outgoing=False).order_by("-opened_at")


def problems_of(incident: Incident) -> QuerySet[Problem]:
    """The problems an incident is linked to (it is caused by them)."""
    return related.linked(PROBLEM, incident, LinkKind.CAUSED_BY, outgoing=True)


# what an incident page's problem panel does not show of a problem
SUGGESTION_DEFERRED = ("description", "root_cause", "fix")


def known_errors_for(incident: Incident, user: Any, limit: int = 5) -> list[Problem]:
    """Open known errors that may explain an incident (by service, category and text), newest first."""
    known = Problem.objects.visible_to(user).filter(active=True, known_error=True).exclude(
        pk__in=problems_of(incident).values("pk"))
    return list(related.similar(known, incident.title, service_id=incident.service_id,
                                category_id=incident.category_id)
                .defer(*SUGGESTION_DEFERRED).order_by("-known_error_at")[:limit])


def incident_count() -> Coalesce:
    """An annotation: how many incidents a problem causes (one subquery, whatever the page size)."""
    return related.link_count(LinkKind.CAUSED_BY, TicketKind.INCIDENT)


def visible_incidents(user: Any, *, ids: Iterable[int] = (), numbers: Iterable[str] = (),
                      field: str = "incidents") -> list[Incident]:
    """The incidents of `ids` or `numbers` (in that order) that `user` may see, else an error naming `field`."""
    return related.visible_of(INCIDENT, user, ids=ids, numbers=numbers, field=field)


def create_problem(actor: Any, data: Mapping[str, Any], *, incidents: Iterable[Incident] = ()) -> Problem:
    """Raise a problem (the desk only), optionally for incidents it causes (core.raised_from)."""
    return raised_from.raise_for(PROBLEM, actor, data, incidents)


def update_problem(problem: Problem | int, actor: Any, data: Mapping[str, Any], *,
                   expected_version: int | None = None) -> Problem:
    """Change fields of a problem (core.writes.update): recording a root cause and a workaround makes it a known
    error. A stale `expected_version` changes nothing."""
    return writes.update(PROBLEM, problem, actor, data, expected_version=expected_version)


def take(problem: Problem | int, agent: Any, *, expected_version: int | None = None) -> Problem:
    """Assign the problem to `agent` and start its assessment (core.writes.take)."""
    return writes.take(PROBLEM, problem, agent, expected_version=expected_version)


@dataclass
class Moved:
    """A problem after a move, and (when resolving took its incidents along) what happened to them."""

    problem: Problem
    incidents: BulkResult | None = None


def transition(problem: Problem | int, actor: Any, target: str, *, expected_version: int | None = None,
               fix: str = "", comment: str = "", resolve_incidents: bool = False) -> Moved:
    """Move the problem; resolving it with `resolve_incidents` also resolves its open incidents."""
    with transaction.atomic():
        moved: Problem = writes.transition(PROBLEM, problem, actor, target, expected_version=expected_version,
                                           comment=comment, fields={"fix": fix})
        outcome = resolve_incidents_of(moved, actor) if target == State.RESOLVED and resolve_incidents else None
    return Moved(moved, outcome)


def _open_incidents(problem: Problem, actor: Any) -> tuple[list[Incident], int]:
    """The problem's open incidents `actor` may see, and how many others there are."""
    linked = linked_incidents(problem).filter(active=True)
    mine = list(linked.filter(pk__in=Incident.objects.visible_to(actor).values("pk"))) if actor else list(linked)
    return mine, linked.count() - len(mine)


def resolve_incidents_of(problem: Problem, actor: Any) -> BulkResult:
    """Resolve the open incidents of a resolved problem that `actor` may see ("Solved by problem"); their
    requesters are told as of any resolution. The notes name the problem only: its fix is the desk's text. An
    incident refused (closed meanwhile) is reported, not fatal."""
    incidents, hidden = _open_incidents(problem, actor)
    result = incident_services.bulk_transition(
        incidents, actor, IncidentState.RESOLVED, resolution_code=ResolutionCode.SOLVED_BY_PROBLEM,
        resolution_notes=f"Solved by a permanent fix (problem {problem.number}).",
    )
    result.out_of_sight = hidden
    return result


def link_incident(problem: Problem | int, incident: Incident, actor: Any) -> bool:
    """Link an incident to the open problem that causes it (core.raised_from.link_source: an incident linked to a
    problem whose workaround is published gets it at once). False when it was linked already."""
    return raised_from.link_source(PROBLEM, problem, incident, actor)


def workaround_text(problem: Problem) -> str:
    """The workaround as an incident reads it: for the requesters only its number and text (the problem's title
    is the desk's own words, about every incident it causes); a work note names the problem too."""
    if problem.workaround_public:
        return f"Workaround (known error {problem.number}):\n\n{problem.workaround.strip()}"
    return f"Workaround from problem {problem.number} ({problem.title}):\n\n{problem.workaround.strip()}"


def push_workaround(problem: Problem, incident: Ticket, actor: Any) -> JournalEntry:
    """The workaround as a comment on the incident: public (the requester reads it, and hears of it) when the
    desk published it so, else a work note."""
    return writes.comment(incident, actor, workaround_text(problem), internal=not problem.workaround_public)


@transaction.atomic
def publish_workaround(problem_or_id: Problem | int, actor: Any, *, public: bool) -> BulkResult:
    """Publish the problem's workaround to its open incidents that `actor` may see (and to those linked later).
    `public`: the requesters read it in their incident's conversation; otherwise a work note for the desk."""
    problem: Problem = writes.lock(PROBLEM, problem_or_id)
    if not problem.workaround.strip():
        raise ValidationError({"workaround": ["Write the workaround before publishing it."]})
    if problem.state not in PROBLEM.workflow.open_states:
        raise ValidationError({"non_field_errors": [
            f"{problem.number} is {problem.get_state_display().lower()}: its workaround can no longer be published."]})
    now = clock.now()
    problem.workaround_published_at, problem.workaround_public = now, public
    audience = "the requesters of its incidents" if public else "the service desk only"
    core.commit(problem, actor, [core.FieldChange("workaround_published", "", audience, internal=True)], at=now)
    incidents, hidden = _open_incidents(problem, actor)
    for incident in incidents:
        push_workaround(problem, incident, actor)
    return BulkResult([incident.number for incident in incidents], {}, hidden)


def flag_reopened_incident(sender: type, ticket: Any, actor: Any, current: str, target: str, **kwargs: Any) -> None:
    """Receiver of core.services.ticket_moved: an incident reopened while a problem it is linked to is resolved
    (the fix did not hold) is flagged to the problem's team by a work note on the problem."""
    if ticket.kind != TicketKind.INCIDENT:
        return
    workflow = kinds.of(ticket).workflow
    if not (workflow.is_resolved(current) and workflow.is_open(target)):
        return
    for problem in problems_of(ticket).filter(state__in=PROBLEM.workflow.resolved_states):
        entry = core.add_comment(problem, None, f"Incident {ticket.number} was reopened after this problem was "
                                                "resolved: check whether the fix holds.", internal=True)
        PROBLEM.notify("incident_reopened", problem, actor, entry.pk)
