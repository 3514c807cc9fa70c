"""The agent's queues: saved filters plus the free filters of IncidentFilter, sorting, paging and bulk actions.

The queryset always starts from `Incident.objects.visible_to(user)`, then the queue, then the user's filters;
counting and paging happen in SQL, and the displayed references are joined (select_related), so the number of
queries of the page does not grow with the number of rows.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.http import require_POST

from core import clock, kinds
from core.filters import DateOrDateTimeInput, describe_value
from core.net import safe_next
from core.pagination import COUNT_CAP, CappedPaginator, InvalidCursor, capped_count, page_numbers, paginate_html
from core.permissions import permission_required
from core.queues import sort_links
from core.widgets import ListSelect
from incidents import services
from incidents.filters import QUEUES, QUEUES_BY_SLUG, IncidentFilter, Queue, parse_ordering
from incidents.forms import BulkForm
from incidents.kind import INCIDENT
from incidents.models import Incident

PAGE_SIZE = 50
DEFAULT_QUEUE = "open"
# Columns the user can sort by (each an ORDERING_FIELDS entry), with the direction of a first click.
# What people read for each ?ordering= field (incidents.filters.ORDERING_FIELDS).
ORDERING_LABELS = {"priority": "priority", "updated_at": "last update", "opened_at": "opening time",
                   "number": "number", "state": "state", "sla_due_at": "SLA due time"}
LIST_RELATED = ("team", "assignee", "service", "requester")
# Filters shown in the filter panel (the others, e.g. requester or major, still work from the URL).
SELECT_FILTERS = ("team", "assignee", "service", "category")


def queue_queryset(user, queue: Queue) -> QuerySet[Incident]:
    """The incidents of a saved queue, within what `user` may see (nothing when the queue's filter is void)."""
    base = Incident.objects.visible_to(user)
    params = queue.params(user)
    if not params:
        return base
    filterset = IncidentFilter(MultiValueDict(params), queryset=base, user=user)  # lists per key, like request.GET
    return filterset.qs if filterset.is_valid() else base.none()


def queue_summaries(user) -> list[dict]:
    """Each queue with its count (one COUNT per queue, through the access rule) for the workspace home."""
    out = []
    for q in QUEUES:
        count = capped_count(queue_queryset(user, q).order_by(*q.default_ordering))
        out.append({"queue": q, "count": count if count <= COUNT_CAP else f"{COUNT_CAP}+",
                    "url": f"{reverse('agent-incidents')}?queue={q.slug}"})
    return out


def style_filter_form(form: forms.Form) -> None:
    """Friendlier widgets for the filter panel: check boxes for states and priorities, single selects, dates."""
    for name in ("state", "priority"):
        field = form.fields[name]
        field.widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}, choices=field.choices)
    for name in SELECT_FILTERS:
        field = form.fields[name]
        field.widget = ListSelect(choices=[("", "Any"), *field.choices])
    for name in ("opened_after", "opened_before"):
        form.fields[name].widget = DateOrDateTimeInput()
    form.fields["unassigned"].widget.choices = [("unknown", "Any"), ("true", "Unassigned only"),
                                                ("false", "Assigned only")]
    form.fields["q"].label = "Text or number"
    form.fields["q"].widget.attrs.update({"type": "search", "placeholder": "e.g. printer, INC0001001"})


def tab_links(request: HttpRequest) -> dict[str, str]:
    """Each queue tab's URL, carrying the current filters, search and sort (not the page): switching tabs keeps
    what the user narrowed; "Clear filters" is the explicit way back."""
    params = request.GET.copy()
    for key in ("queue", "page"):
        params.pop(key, None)
    extra = params.urlencode()
    base = reverse("agent-incidents")
    return {q.slug: f"{base}?queue={q.slug}" + (f"&{extra}" if extra else "") for q in QUEUES}


@permission_required("tickets.work")
def queue_list(request: HttpRequest) -> HttpResponse:
    """A queue page. Unknown queues, bad filters or orderings answer 400 with the reason, never a 500."""
    status = 200
    problems: list[str] = []
    slug = request.GET.get("queue") or DEFAULT_QUEUE
    queue = QUEUES_BY_SLUG.get(slug)
    if queue is None:
        problems.append(f"Unknown queue “{slug}”. Known queues: {', '.join(q.label for q in QUEUES)}.")
        queue = QUEUES_BY_SLUG[DEFAULT_QUEUE]
    raw_ordering = request.GET.get("ordering", "")
    try:
        ordering = parse_ordering(raw_ordering, queue.default_ordering)
    except ValueError:
        problems.append(f"Cannot sort by “{raw_ordering}”. Sort by {', '.join(ORDERING_LABELS.values())}.")
        ordering, raw_ordering = queue.default_ordering, ""
    if not any(f.lstrip("-") in ("id", "number") for f in ordering):
        ordering = [*ordering, "-id"]

    filterset = IncidentFilter(request.GET, queryset=queue_queryset(request.user, queue), request=request)
    style_filter_form(filterset.form)
    valid = filterset.is_valid()
    problems += _hidden_filter_errors(filterset.form)
    if problems or not valid:
        status = 400
        qs = Incident.objects.none()
    else:
        qs = filterset.qs
    qs = qs.select_related(*LIST_RELATED).order_by(*ordering)
    try:
        page = paginate_html(qs, request.GET, PAGE_SIZE)
    except InvalidCursor as exc:
        problems.append(str(exc))
        status = 400
        page = CappedPaginator(qs.none(), PAGE_SIZE).get_page(1)
    filter_keys = set(filterset.form.fields)
    tabs = tab_links(request)
    selection = pop_selection(request)
    for incident in page.object_list:  # evaluates the page once; the template reuses these rows
        incident.selected = incident.number in selection["numbers"]
        incident.bulk_failure = selection["failed"].get(incident.number, "")
    hidden_filters, hidden_summary = _hidden_filters(request, filterset)
    filtering = any(value not in ("", "unknown") for key, values in request.GET.lists() if key in filter_keys
                    for value in values)
    context = {
        "queues": [(q, tabs[q.slug]) for q in QUEUES],
        "queue": queue,
        "filter_form": filterset.form,
        "filtering": filtering,
        "hidden_filters": hidden_filters,
        "hidden_summary": hidden_summary,
        "problems": problems,
        "page": page,
        "page_numbers": page_numbers(page),
        "sort": sort_links(request, ordering),
        "ordering": raw_ordering,  # kept by the filter form (only when valid)
        "bulk_form": BulkForm(auto_id="bulk_%s", initial=selection["choices"]),
        "other_bulk_actions": [action for kind in kinds.registered()
                               for action in kind.bulk_actions(INCIDENT.key, request.user)],
        "selection": selection,
        "next_url": request.get_full_path(),
        "now": clock.now(),
    }
    return render(request, "agent/queue.html", context, status=status)


@require_POST
@permission_required("tickets.work")
def bulk(request: HttpRequest) -> HttpResponse:
    """Assign or change the state of the ticked incidents, each through the service; report each failure."""
    back = safe_next(request, reverse("agent-incidents"))
    form = BulkForm(request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields and field != "__all__" else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        keep_selection(request, form, {})
        return redirect(back)
    data = form.cleaned_data
    numbers = data["numbers"]
    incidents = list(Incident.objects.visible_to(request.user).filter(number__in=numbers).order_by("number"))
    missing = sorted(set(numbers) - {i.number for i in incidents})
    if data["action"] == "assign":
        result = services.bulk_assign(incidents, request.user, team=data["team"], assignee=data["assignee"])
        verb = "Assigned"
    else:
        result = services.bulk_transition(
            incidents, request.user, data["state"], hold_reason=data.get("hold_reason") or "",
            resolution_code=data.get("resolution_code") or "", resolution_notes=data.get("resolution_notes") or "",
        )
        verb = "Updated"
    if result.updated:
        messages.success(request, f"{verb} {len(result.updated)} incident{'s' if len(result.updated) != 1 else ''}: "
                                  f"{', '.join(result.updated)}.")
    for number, errors in sorted(result.errors.items()):
        messages.error(request, f"{number} was not changed: {' '.join(errors)}")
    for number in missing:
        messages.error(request, f"{number}: no such incident that you can see.")
    failed = {number: " ".join(errors) for number, errors in result.errors.items()}
    failed.update({number: "no such incident that you can see." for number in missing})
    if failed:
        keep_selection(request, form, failed)
        messages.info(request, "Your selection is kept: the incidents that were not changed are highlighted.")
    return redirect(back)


SELECTION_KEY = "queue_selection"
BULK_CHOICES = ("action", "team", "assignee", "state", "hold_reason", "resolution_code", "resolution_notes")


def keep_selection(request: HttpRequest, form: BulkForm, failed: dict[str, str]) -> None:
    """After a bulk action that failed (wholly or for some rows): remember the ticked rows, what failed and why,
    and the choices made, so that the queue shows them again once (the session carries them over the redirect)."""
    numbers = [n.strip().upper() for n in form.data.getlist("numbers") if n.strip()][:BulkForm.MAX_ROWS]
    request.session[SELECTION_KEY] = {
        "numbers": [n for n in numbers if n.isprintable() and len(n) <= 32],
        "failed": failed,
        "choices": {name: form.data.get(name, "") for name in BULK_CHOICES},
    }


def pop_selection(request: HttpRequest) -> dict:
    """The selection kept by the last failed bulk action (once), or an empty one."""
    kept = request.session.pop(SELECTION_KEY, None) or {}
    return {"numbers": set(kept.get("numbers", ())), "failed": kept.get("failed", {}),
            "choices": kept.get("choices", {})}


# The filters the queue's filter form shows; any other active filter (SLA drill-downs from the dashboard,
# dates from the API's vocabulary) is carried as a hidden input and summarised above the table.
VISIBLE_FILTERS = {"q", "state", "priority", "team", "assignee", "unassigned", "service", "category",
                   "opened_after", "opened_before"}


def _hidden_filter_errors(form: forms.Form) -> list[str]:
    """The errors of filters the panel does not show (they come from the URL), each with its label."""
    return [f"{form.fields[key].label or key.replace('_', ' ')}: {' '.join(errors)}"
            for key, errors in form.errors.items() if key in form.fields and key not in VISIBLE_FILTERS]


def _hidden_filters(request: HttpRequest, filterset: IncidentFilter) -> tuple[list, list[str]]:
    """The active filters the panel does not show: (name, raw value) pairs for hidden inputs, and one line per
    filter for people ("SLA breached: Yes", "SLA stage: Breached", "Opened from: 3 Dec 2026, 17:26" in their
    time zone), never the raw value of a valid filter."""
    hidden, summary = [], []
    form = filterset.form
    cleaned_data = getattr(form, "cleaned_data", {})
    for key, values in request.GET.lists():
        if key not in form.fields or key in VISIBLE_FILTERS:
            continue
        values = [v for v in values if v not in ("", "unknown")]
        hidden += [(key, v) for v in values]
        if not values:
            continue
        field = form.fields[key]
        shown = describe_value(field, cleaned_data.get(key)) if key not in form.errors else ""
        if not shown:  # not valid: what was typed, quoted (the error above says what is wrong)
            shown = ", ".join(f"“{v}”" for v in values)
        summary.append(f"{field.label or key.replace('_', ' ').capitalize()}: {shown}")
    return hidden, summary
