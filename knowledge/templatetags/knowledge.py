"""Template helpers of knowledge: a new attempt token for a report form (its deflection is counted once)."""

from __future__ import annotations

import uuid

from django import template

register = template.Library()


@register.simple_tag
def attempt_token() -> str:
    return uuid.uuid4().hex
