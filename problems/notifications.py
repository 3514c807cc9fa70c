"""Who hears of what on a problem (the desk only: problems never mail end users).

- the assignee: the problem was assigned to them;
- the team (its mailbox, else its members): a problem raised for it or moved to it that nobody is assigned to;
- the assignee, else the team: an incident of the resolved problem was reopened (the fix may not hold).
Mails go after commit through core.notifications.send_once (once per address and key, never to the actor).
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from core.notifications import Recipient, recipients, render_for, send_once, site_link, team_audience
from core.tasks import enqueue_on_commit

EVENTS = {
    "assigned": "Assigned to you",
    "team": "New for your team",
    "incident_reopened": "An incident came back",
}


def notify(event: str, problem: Any, actor: Any = None, entry_id: int | None = None) -> None:
    """Queue the e-mails of `event` after commit (other events of the write path concern no one here)."""
    if event not in EVENTS:
        return
    from problems.tasks import send_problem_notification

    key = f"problem:{problem.pk}:v{problem.version}:{event}:{entry_id or 0}"
    enqueue_on_commit(send_problem_notification, event, problem.pk, key, getattr(actor, "pk", None), entry_id)


def audience(event: str, problem: Any) -> list[Any]:
    if event == "assigned":
        return [problem.assignee] if problem.assignee_id else []
    if event == "team":
        return [] if problem.assignee_id else team_audience(problem.team)
    return [problem.assignee] if problem.assignee_id else team_audience(problem.team)


def send(event: str, problem_id: int, key: str, actor_id: int | None = None, entry_id: int | None = None) -> int:
    """Send the e-mails of one event on one problem; returns how many were sent now."""
    from accounts.models import User
    from core.models import JournalEntry
    from problems.models import Problem

    problem = Problem.objects.select_related("assignee", "team").filter(pk=problem_id).first()
    if problem is None or event not in EVENTS:
        return 0
    actor = User.objects.filter(pk=actor_id).first() if actor_id else None
    entry = JournalEntry.objects.filter(pk=entry_id).first() if entry_id else None
    link = site_link(reverse("agent-problem", args=[problem.number]))

    def compose(recipient: Recipient) -> tuple[str, str]:
        greeting = recipient.user.display_name if recipient.user else (problem.team.name if problem.team_id else "")
        body = render_for(recipient, "problems/email/message.txt", {
            "problem": problem, "event": event, "entry": entry, "link": link, "greeting": greeting})
        return f"[{problem.number}] {EVENTS[event]}: {problem.title}", body

    return send_once(key, recipients(audience(event, problem), actor=actor), compose)
