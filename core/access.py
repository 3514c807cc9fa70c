"""What a user may do to a ticket they can see: `may(user, action, ticket)`, next to `visible_to(user)`.

`Ticket.objects.visible_to(user)` decides what exists for a user (anything else answers 404); `may` decides,
for a ticket the user can see, which actions are theirs. Views, API and services ask the same question, so a
rule cannot drift between the page, the API and the write path. A kind adds or narrows rules through its
`Kind.may` hook (for example who may flag an incident major, or which moves a requester may make).

Actions:
- `read_internal`: work notes, internal attachments and fields, the watcher and link lists (the desk only);
- `edit`: change the ticket's fields; `comment`: add a public comment; `work_note`: add an internal note;
- `attach` / `attach_internal`: add a public / internal file;
- `watch` (oneself) / `watch_others`: add or remove watchers; `link`: link or unlink other tickets.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied

from accounts.roles import Role, has_role, role_of
from core import kinds

if TYPE_CHECKING:
    from core.models import Ticket

DESK_ACTIONS = frozenset({"read_internal", "work_note", "attach_internal", "watch_others", "link"})
REQUESTER_ACTIONS = frozenset({"comment", "attach", "watch", "edit"})
ACTIONS = DESK_ACTIONS | REQUESTER_ACTIONS


def is_final(ticket: Ticket) -> bool:
    """True when the ticket's kind says nothing may follow its state (closed, cancelled)."""
    kind = kinds.find(ticket.kind)
    return kind is not None and ticket.state in kind.workflow.final_states


def may(user: Any, action: str, ticket: Ticket) -> bool:
    """Whether `user` may do `action` to `ticket`, a ticket they can see (the caller checked visible_to).

    `user` None is the system (SLA escalations, automatic closing), which may do anything but edit a final
    ticket."""
    kind = kinds.find(ticket.kind)
    decided = kind.may(user, action, ticket) if kind is not None else None
    if decided is not None:
        return decided
    if action not in ACTIONS:
        raise ValueError(f"Unknown action {action!r}.")
    if action == "edit" and is_final(ticket):
        return False
    if user is None:
        return True
    role = role_of(user)
    if role is None:
        return False
    if has_role(user, Role.AGENT):
        return True
    if action in DESK_ACTIONS:
        return False
    if action == "edit":
        return ticket.requester_id == user.pk and kind is not None and ticket.state in kind.workflow.open_states
    if action in ("comment", "attach"):
        return not is_final(ticket)
    return action == "watch"


def require(user: Any, action: str, ticket: Ticket, message: str = "") -> None:
    """Raise PermissionDenied (403 in the API, a refusal on pages) unless `may(user, action, ticket)`."""
    if not may(user, action, ticket):
        raise PermissionDenied(message or REFUSALS.get(action, "You may not do this."))


REFUSALS = {
    "read_internal": "Only the service desk can see this.",
    "work_note": "Only agents can add work notes.",
    "attach_internal": "Only agents can add internal attachments.",
    "watch_others": "You can only add or remove yourself as a watcher.",
    "link": "Only the service desk can link tickets.",
    "edit": "You may not change this ticket.",
    "comment": "This ticket is closed: raise a new one if the problem is back.",
    "attach": "This ticket is closed: raise a new one if the problem is back.",
}
