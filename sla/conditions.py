"""SLA conditions: small JSON objects of ticket field -> allowed values, e.g. {"priority": [1, 2]}.

An empty start condition matches every ticket of the definition's kind; an empty pause condition never pauses.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# field -> attribute read on the ticket (references are compared by id)
START_FIELDS = {
    "priority": "priority", "impact": "impact", "urgency": "urgency", "service": "service_id",
    "team": "team_id", "category": "category_id", "channel": "channel", "major": "major", "state": "state",
}
PAUSE_FIELDS = {"state": "state", "hold_reason": "hold_reason"}


def validate_condition(condition: Any, *, allowed: Mapping[str, str] = START_FIELDS) -> list[str]:
    """Problems with a condition, as messages (empty when it is valid)."""
    if not isinstance(condition, dict):
        return ['A condition is an object such as {"priority": [1, 2]}.']
    problems = []
    for key, values in condition.items():
        if key not in allowed:
            problems.append(f"Unknown field {key!r}; use one of: {', '.join(allowed)}.")
        elif not isinstance(values, list) or not values:
            problems.append(f"{key!r} needs a non-empty list of values.")
    return problems


def matches(condition: Mapping[str, list], values: Mapping[str, Any] | Any, fields: Mapping[str, str] = START_FIELDS
            ) -> bool:
    """True when every field of the condition holds for the ticket (or a mapping of field -> value)."""
    for key, allowed in condition.items():
        attr = fields.get(key)
        if attr is None:
            return False
        value = values.get(key) if isinstance(values, Mapping) else getattr(values, attr, None)
        if value not in allowed and str(value) not in {str(a) for a in allowed}:
            return False
    return True


def pauses(condition: Mapping[str, list], state: str, hold_reason: str) -> bool:
    """True when a ticket in `state` (with `hold_reason`) is paused under this pause condition."""
    if not condition:
        return False
    return matches(condition, {"state": state, "hold_reason": hold_reason}, PAUSE_FIELDS)
