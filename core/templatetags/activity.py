"""`{% activity_entries entries ticket %}`: a ticket's activity stream, written by core.activity."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.safestring import SafeString

from core.activity import render_entries

register = template.Library()


@register.simple_tag
def activity_entries(entries: Any, ticket: Any) -> SafeString:
    return render_entries(entries, ticket)
