"""The rows of a queue table, written in Python.

A queue page shows 50 rows of 12-14 cells; through the template engine (a variable lookup per value, a tag per
badge and time) the rows were a third of the page's time at 1M tickets (bench/RESULTS.md). Each row is written
here in one pass, every value escaped; the table's head, the empty row and everything else stay in
`tickets/queue.html`. A kind adds its badges before the title and its own columns through its QueuePage
(`title_badges`, `extra_columns`), as Python too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.utils.safestring import SafeString, mark_safe

from core.html import escape
from core.templatetags.ui import priority_badge, sla_due, stamp, state_badge

NONE = "—"


def _name(value: Any) -> tuple[str, str]:
    """(tooltip, text) of a reference's name: the name twice, or an empty tooltip and a dash."""
    text = escape(value) if value else ""
    return text, text or NONE


def render_row(row: Any, now: datetime, *, show_caller: bool, badges: str,
               extra_cells: Sequence[Callable[[Any], str]]) -> SafeString:
    """One `<tr>` of the queue table (the same cells as the table's head declares)."""
    number = escape(row.number)
    failure = getattr(row, "bulk_failure", "")
    attrs = f' class="table-danger bulk-failed" title="Not changed: {escape(failure)}"' if failure else ""
    checked = " checked" if getattr(row, "selected", False) else ""
    title = escape(row.title)
    cells = [
        f'<td class="select-col"><input type="checkbox" class="form-check-input" name="numbers" value="{number}"'
        f' aria-label="Select {number}"{checked}></td>',
        f'<td class="col-number"><a href="{escape(row.url)}" data-ticket-link>{number}</a></td>',
        f'<td class="title-col"><span class="title-text" title="{title}">{badges}{title}</span></td>',
    ]
    if show_caller:
        caller = escape(row.requester.display_name)
        cells.append(f'<td class="col-caller" title="{caller}">{caller}</td>')
    service, team, assignee = (_name(getattr(row.service, "name", "")), _name(getattr(row.team, "name", "")),
                               _name(getattr(row.assignee, "display_name", "")))
    cells += [
        f'<td class="col-state">{state_badge(row)}</td>',
        f'<td class="col-priority">{priority_badge(row)}</td>',
        f'<td class="col-service col-from-xxl" title="{service[0]}">{service[1]}</td>',
        f'<td class="col-group" title="{team[0]}">{team[1]}</td>',
        f'<td class="col-person" title="{assignee[0]}">{assignee[1]}</td>',
        *[cell(row) for cell in extra_cells],
        f'<td class="col-sla small" data-testid="sla-due">{sla_due(row, now)}</td>',
        f'<td class="col-date small">{stamp(row.updated_at)}</td>',
        f'<td class="col-date col-from-wide small">{stamp(row.opened_at)}</td>',
    ]
    return mark_safe(f'<tr data-testid="queue-row"{attrs}>{"".join(cells)}</tr>')  # noqa: S308 - escaped above
