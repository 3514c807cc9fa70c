"""The event console (/agent/events/): the latest events, what became of each, and the incident it raised.

For the desk (`events.view`). The table refreshes itself every 10 seconds (htmx asks for the rows alone). Filters:
state, severity, source; an unknown value is shown as an error on its filter, never a 500. An incident is a link
when the viewer may open it (the access rule, one query for the page), its number alone otherwise. A page costs a
fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.models import Ticket
from core.permissions import permission_required
from events.choices import EventState, Severity
from events.models import Alert, Event

PAGE_ROWS = 100
SEVERITY_BADGES: dict[str, str] = {
    Severity.CRITICAL: "text-bg-danger", Severity.MAJOR: "text-bg-warning", Severity.MINOR: "text-bg-info",
    Severity.WARNING: "text-bg-light border", Severity.INFO: "text-bg-secondary",
}
STATE_BADGES: dict[str, str] = {
    EventState.RECEIVED: "text-bg-light border", EventState.RECORDED: "text-bg-secondary",
    EventState.TICKETED: "text-bg-primary", EventState.SUPPRESSED: "text-bg-dark",
    EventState.DEDUPLICATED: "text-bg-info", EventState.FLAPPING: "text-bg-warning",
    EventState.RESOLVED: "text-bg-success",
}


class ConsoleFilters(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", "Every state"), *EventState.choices])
    severity = forms.ChoiceField(required=False, choices=[("", "Every severity"), *Severity.choices])
    source = forms.CharField(required=False, max_length=100)


def sources() -> list[str]:
    """The sources monitoring has sent (from the alerts, a table far smaller than the events)."""
    return list(Alert.objects.order_by("source").values_list("source", flat=True).distinct()[:50])


def events_for(form: ConsoleFilters) -> QuerySet[Event]:
    events = Event.objects.select_related("ci", "incident").order_by("-received_at", "-id")
    if form.is_valid():
        for name in ("state", "severity", "source"):
            if form.cleaned_data[name]:
                events = events.filter(**{name: form.cleaned_data[name]})
    return events


@permission_required("events.view")
def console(request: HttpRequest) -> HttpResponse:
    """The console page, or (htmx) its rows alone."""
    form = ConsoleFilters(request.GET or None)
    rows = list(events_for(form)[:PAGE_ROWS])
    incident_ids = {e.incident_id for e in rows if e.incident_id}
    visible = set(Ticket.objects.visible_to(request.user).filter(pk__in=incident_ids).values_list("pk", flat=True)) \
        if incident_ids else set()
    for event in rows:
        event.severity_badge = SEVERITY_BADGES.get(event.severity, "text-bg-light")  # type: ignore[attr-defined]
        event.state_badge = STATE_BADGES.get(event.state, "text-bg-light")  # type: ignore[attr-defined]
        event.incident_visible = event.incident_id in visible  # type: ignore[attr-defined]
    context = {"form": form, "rows": rows, "page_rows": PAGE_ROWS, "query": request.GET.urlencode()}
    if request.headers.get("HX-Request"):
        return render(request, "events/_rows.html", context)
    context["sources"] = sources()
    return render(request, "events/console.html", context)
