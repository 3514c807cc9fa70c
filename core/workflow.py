"""The transition helper: each ticket kind declares its states and allowed transitions in one table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


class TransitionError(Exception):
    """A state change the kind's transition table does not allow, or that lacks what the target state needs."""

    def __init__(self, message: str, *, field_errors: Mapping[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = dict(field_errors or {"state": [message]})


@dataclass(frozen=True)
class Workflow:
    """States, the allowed moves between them, and what each state means to the rest of the product.

    `open_states`: the ticket is being worked (queues' "active"). `resolved_states`: the work is done and the
    resolution SLA clock stops (resolved, closed). `final_states`: nothing may follow. `cancelled_states`: the
    ticket was withdrawn; its SLA timers are cancelled rather than met or breached. `requester_moves`: the
    (from, to) moves an end user may make on a ticket they raised (reopen, confirm, withdraw); no other.
    `start`: the state work starts in: taking a new ticket moves it there, and the desk moving a ticket there
    is its first response.
    """

    transitions: Mapping[str, Iterable[str]]
    open_states: frozenset[str]
    labels: Mapping[str, str] = field(default_factory=dict)
    resolved_states: frozenset[str] = frozenset()
    cancelled_states: frozenset[str] = frozenset()
    requester_moves: frozenset[tuple[str, str]] = frozenset()
    start: str = ""

    @property
    def initial(self) -> str:
        """The state a new ticket starts in (the first of the table)."""
        return next(iter(self.transitions))

    @property
    def final_states(self) -> frozenset[str]:
        """States with no way out (closed, cancelled)."""
        return frozenset(state for state in self.labels if not self.allowed_from(state))

    def label(self, state: str) -> str:
        """The label people read for `state` ("In progress"), never the stored value; a state the table does
        not know is made readable."""
        return str(self.labels.get(state) or state.replace("_", " ").capitalize())

    def allowed_from(self, state: str) -> list[str]:
        return list(self.transitions.get(state, ()))

    def labels_of(self, states: Iterable[str]) -> str:
        """Labels of `states`, comma-separated, for messages."""
        return ", ".join(self.label(s) for s in states)

    def check(self, current: str, target: str) -> None:
        """Raise TransitionError unless `current` -> `target` is in the table (messages name states by label)."""
        if target not in self.labels:
            raise TransitionError(f"Unknown state “{target}”. Known states: {self.labels_of(self.labels)}.")
        allowed = self.allowed_from(current)
        if target not in allowed:
            allowed_text = self.labels_of(allowed) if allowed else "none (it is final)"
            raise TransitionError(
                f"Cannot move from {self.label(current)} to {self.label(target)}. "
                f"Allowed from {self.label(current)}: {allowed_text}."
            )

    def is_open(self, state: str) -> bool:
        return state in self.open_states

    def is_resolved(self, state: str) -> bool:
        return state in self.resolved_states

    def is_cancelled(self, state: str) -> bool:
        return state in self.cancelled_states
