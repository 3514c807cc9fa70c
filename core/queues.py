"""What every kind's queue page shares: the sortable columns and their links."""

from __future__ import annotations

from django.http import HttpRequest

# Sortable columns: ?ordering= field -> (column heading, the first ordering a click asks for).
SORTABLE = {"priority": ("Priority", "priority"), "updated_at": ("Updated", "-updated_at"),
            "opened_at": ("Opened", "-opened_at"), "sla_due_at": ("SLA due", "sla_due_at")}


def sort_links(request: HttpRequest, ordering: list[str]) -> dict[str, dict]:
    """For each sortable column: the URL that sorts by it (toggling direction) and its aria-sort value."""
    primary = ordering[0] if ordering else ""
    links = {}
    for field, (label, first) in SORTABLE.items():
        current = primary.lstrip("-") == field
        descending = primary.startswith("-")
        target = (field if descending else f"-{field}") if current else first
        params = request.GET.copy()
        params["ordering"] = target
        params.pop("page", None)
        params.pop("cursor", None)
        links[field] = {
            "label": label,
            "url": f"?{params.urlencode()}",
            "aria_sort": ("descending" if descending else "ascending") if current else "none",
        }
    return links
