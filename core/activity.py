"""The activity stream of a ticket page, written in Python: the same HTML as the template it replaced
(tests/core/templates_before/_activity.html; tests/core/test_fast_rendering.py compares them), in a fraction of
the time. The stream is the longest part of a ticket page (a comment, a work note or a field change per line,
each with an avatar, a name, a time and files), and the template engine spent ~5 ms per page on it.

Entries come from core.journal.activity (labels, references the viewer may see and `files`, set on each).
Every text from users (names, bodies, file names, labels) is escaped here; `old_html` / `new_html` are already
safe HTML from core.journal.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import models
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.safestring import SafeString, mark_safe

from core import kinds
from core.html import escape
from core.templatetags.ui import avatar

# How a change of each field reads ("changed the state"); any other field: "the <name>".
FIELD_NAMES = {
    "team": "the assignment group", "assignee": "the assignee", "state": "the state",
    "hold_reason": "the hold reason", "resolution_code": "the resolution code",
    "resolution_notes": "the resolution notes", "subcategory": "the subcategory",
    "major": "the major-incident flag", "parent": "the parent incident", "root_cause": "the root cause",
    "fix": "the permanent fix", "related_change": "the related change", "known_error": "the known-error flag",
    "workaround_published": "who reads the workaround", "watchers": "watcher", "link": "link",
    "shipped_in": "the release", "changes": "change", "other_services": "the other services affected",
}

# Decisions recorded as sentences (core.approvals, a change's authorisation): read as "Approval: <what happened>".
DECISION_FIELDS = {"approval": "Approval", "authorization": "Authorisation"}


@lru_cache(maxsize=1)
def long_texts() -> frozenset[str]:
    """The long texts of every kind (their text fields): a change line says they were updated, not their words."""
    return frozenset(field.name for kind in kinds.registered() for field in kind.model._meta.get_fields()
                     if isinstance(field, models.TextField) and field.name != "search")


def field_name(name: str) -> str:
    """The words for a field in a change line, escaped: its name in plain words ("the planned start")."""
    return FIELD_NAMES.get(name) or f"the {escape(name.replace('_', ' '))}"


def _when(value: Any) -> str:
    local = timezone.localtime(value)
    return f'<time datetime="{dateformat.format(local, "c")}">{dateformat.format(local, "Y-m-d H:i")}</time>'


def _files(entry: Any) -> str:
    files = entry.files
    if not files:
        return ""
    items = "".join(f'<li class="list-inline-item"><a href="{reverse("attachment-download", args=[a.pk])}">'
                    f"{escape(a.filename)}</a></li>" for a in files)
    return f'<ul class="list-inline small mb-0 mt-1">{items}</ul>'


def _name(entry: Any) -> str:
    actor = entry.actor
    return str(escape((actor.display_name if actor is not None else "") or "System"))


def duration(minutes: int) -> str:
    """Minutes in words as the desk reads them: "45 min", "2 h", "1 h 30 min"."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def _spent(entry: Any) -> str:
    minutes = getattr(entry, "time_spent", None)
    if minutes is None:
        return ""
    return f' · <span class="time-spent" data-testid="entry-time-spent" title="Time spent">{duration(minutes)}</span>'


def _message(entry: Any, badge: str, after_name: str, testid: str, css: str) -> str:
    return (f'<li class="activity-entry {css}" data-testid="{testid}">\n'
            f'<div class="entry-meta small">{avatar(entry.actor)} {badge} <strong>{_name(entry)}</strong>'
            f"{after_name} · {_when(entry.created_at)}{_spent(entry)}</div>\n"
            f'<div class="entry-body text-break">{linebreaksbr(entry.body, autoescape=True)}</div>\n'
            f"{_files(entry)}\n</li>\n")


def _change(entry: Any) -> str:
    field = entry.field
    if field in long_texts():
        phrase = f"updated {field_name(field)}"
    elif field == "attachment":
        phrase = (f'attached <span class="text-break">{escape(entry.new_label)}</span>' if entry.new_value
                  else f'removed <span class="text-break">{escape(entry.old_label)}</span>')
    elif field in DECISION_FIELDS:  # "Approval: approved by Noor Network (CAB: 1 of 2 approvals)"
        phrase = f'— {DECISION_FIELDS[field]}: <span class="text-break">{entry.new_html}</span>'
    elif field in ("watchers", "link", "changes"):
        phrase = (f'added {field_name(field)} <span class="text-break">{entry.new_html}</span>' if entry.new_value
                  else f'removed {field_name(field)} <span class="text-break">{entry.old_html}</span>')
    else:
        before = f' from <span class="text-break">“{entry.old_html}”</span>' if entry.old_value else ""
        after = f"“{entry.new_html}”" if entry.new_value else "“(empty)”"
        phrase = f'changed {field_name(field)}{before} to <span class="text-break">{after}</span>'
    internal = ' <span class="visually-hidden">(internal)</span>' if entry.internal else ""
    return (f'<li class="activity-entry entry-change small" data-testid="field-change">\n'
            f"{avatar(entry.actor)} <strong>{_name(entry)}</strong>\n{phrase}\n"
            f"· {_when(entry.created_at)}{internal}\n</li>\n")


def render_entries(entries: Iterable[Any], ticket: Any) -> SafeString:
    """The `<li>` of each entry, newest first as given; "No activity yet." when there is none. The desk's page
    only (end users never read this stream): the time logged on the ticket heads it, and each entry its own."""
    entries = list(entries)
    logged = [entry.time_spent for entry in entries if getattr(entry, "time_spent", None) is not None]
    parts = [f'<li class="small text-body-secondary mb-2" data-testid="time-spent-total">Time spent: '
             f"<strong>{duration(sum(logged))}</strong></li>\n"] if logged else []
    for entry in entries:
        if entry.kind == "work_note":
            parts.append(_message(entry, '<span class="badge internal-badge">Internal</span>', " added a work note",
                                  "work-note", "entry-work-note"))
        elif entry.kind == "comment":
            requester = " (requester)" if entry.actor_id == ticket.requester_id else ""
            parts.append(_message(entry, '<span class="badge public-badge">Comment</span>', requester, "comment",
                                  "entry-comment"))
        else:
            parts.append(_change(entry))
    if not parts:
        return mark_safe('<li class="text-body-secondary small">No activity yet.</li>\n')
    return mark_safe("".join(parts))  # noqa: S308 - every user text is escaped above
