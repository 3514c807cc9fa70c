"""The agent's queue page of any kind: saved queues as tabs, the kind's FilterSet in a filter panel, sorting by a
column, paging, and bulk actions (assign, change state, and what other kinds offer) on the ticked rows.

A kind gets its queue by declaring a `QueuePage` (its kind, FilterSet, saved queues, filter panel, columns) and
adding `page.urls("agent/<plural>/")` to its URLs. The queryset always starts from the access rule
(`visible_to(user)`), then the saved queue, then the user's filters; counting and paging happen in SQL (the capped
count is kept: core.count_cache) and the displayed references are prefetched, one query each, so the number of
queries does not grow with the rows. Unknown queues, bad filters, orderings or cursors answer 400 with the reason,
never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, ClassVar, cast

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.datastructures import MultiValueDict
from django.utils.functional import cached_property
from django.views.decorators.http import require_POST

from accounts.models import Team, User
from core import clock, kinds, reference_cache, writes
from core.filters import DateOrDateTimeInput, describe_value
from core.kinds import Kind
from core.models import user_team_ids
from core.net import safe_next
from core.pagination import COUNT_CAP, CappedPaginator, InvalidCursor, capped_count, page_numbers, paginate_html
from core.people import is_id, team_agent_choices
from core.permissions import permission_required
from core.queue_rows import render_row
from core.queues import sort_links
from core.ticket_filters import DEFAULT_ORDERING, parse_ordering
from core.ticket_forms import AGENT_ROLES, offer_reference, scope_assignee
from core.widgets import FastSelect, ListSelect

# What people read for each ?ordering= field (core.ticket_filters.ORDERING_FIELDS).
ORDERING_LABELS = {"priority": "priority", "updated_at": "last update", "opened_at": "opening time",
                   "number": "number", "state": "state", "sla_due_at": "SLA due time"}
SELECTION_KEY = "queue_selection"
# How the yes/no filters read in the panel.
YES_NO_WORDS = {"unassigned": ("Unassigned only", "Assigned only"), "active": ("Open", "Closed or cancelled"),
                "known_error": ("Known errors only", "Not known errors"),
                "caused_incidents": ("Caused incidents", "Caused no incident")}


def no_params(user: Any) -> dict[str, list[str]]:
    """Everything the user may see."""
    return {}


def open_tickets(user: Any) -> dict[str, list[str]]:
    return {"active": ["true"]}


def assigned_to_me(user: Any) -> dict[str, list[str]]:
    return {"assignee": [str(user.pk)], "active": ["true"]}


def my_teams_unassigned(user: Any) -> dict[str, list[str]]:
    return {"team": [str(t) for t in user_team_ids(user)] or ["0"], "unassigned": ["true"],
            "active": ["true"]}


@dataclass(frozen=True)
class SavedQueue:
    """A saved filter of a queue page (a tab): a name, what it shows, the filter parameters it applies for a user
    (lists per key, like request.GET) and its ordering when the user chose none."""

    slug: str
    label: str
    description: str
    params: Callable[[Any], dict[str, list[str]]] = no_params
    default_ordering: list[str] = field(default_factory=lambda: list(DEFAULT_ORDERING))


def standard_queues(kind: Kind) -> dict[str, SavedQueue]:
    """The saved queues every kind's queue page has, by slug: mine, my teams' unassigned, all open, recent."""
    plural = kind.label_plural.lower()
    return {queue.slug: queue for queue in (
        SavedQueue("mine", "Assigned to me", f"Open {plural} assigned to you.", assigned_to_me),
        SavedQueue("my-teams", "My teams - unassigned", f"Open {plural} of your teams that nobody has taken yet.",
                   my_teams_unassigned),
        SavedQueue("open", "All open", f"Every open {kind.label.lower()} you can see.", open_tickets),
        SavedQueue("recent", "Recently updated", "Everything you can see, most recently updated first.",
                   default_ordering=["-updated_at"]),
    )}


def summary(queue: Any, queryset: QuerySet[Any], url: str) -> dict[str, Any]:
    """A queue on the home page: its name and description (`queue.slug`, `.label`, `.description`), its count
    (capped: one COUNT through the access rule, never more than COUNT_CAP rows read) and its link."""
    count = capped_count(queryset)
    return {"queue": queue, "url": url, "count": count if count <= COUNT_CAP else f"{COUNT_CAP}+"}


class BulkForm(forms.Form):
    """The ticked rows of a queue and what to do with them; `for_page` adds the kind's states and what a move
    to each needs (a hold reason, resolution notes...)."""

    action = forms.ChoiceField(choices=[("assign", "Assign"), ("transition", "Change state")])
    numbers = forms.Field(required=False, widget=forms.MultipleHiddenInput)  # the ticked rows' numbers
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="Keep the team",
                                  widget=FastSelect, label="Assignment group")
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Assigned to",
                                      widget=FastSelect)
    state = forms.ChoiceField(choices=[], required=False, label="New state")

    MAX_ROWS = 500
    NUMBER_MAX_LENGTH = 16  # core.models.Ticket.number
    kind: ClassVar[Kind]
    needs: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def for_page(cls, kind: Kind, transition_form: type[forms.Form]) -> type[BulkForm]:
        needs = tuple(dict.fromkeys(name for names in kind.state_needs.values() for name in names))
        attrs: dict[str, Any] = {name: transition_form.base_fields[name] for name in needs}
        return type(f"{kind.label}BulkForm", (cls,), {**attrs, "kind": kind, "needs": needs})

    def __init__(self, *args: Any, user: Any, excluded_states: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = User.objects.filter(role__in=AGENT_ROLES)
        # the chosen team's agents (a kept choice after a failed action too), else the user's own teams'
        kept = str(self.initial.get("assignee") or "")
        scope_assignee(self, team=self.initial.get("team"), blank="Keep the assignee",
                       current=User.objects.filter(pk=kept).first() if is_id(kept) else None,
                       fallback_teams=user_team_ids(user))
        offer_reference(self.fields["team"], Team.objects.all(), None, "teams", active_only=False)
        workflow = self.kind.workflow
        state = self.fields["state"]
        assert isinstance(state, forms.ChoiceField)
        state.choices = [("", "Choose a state"), *[(s, workflow.label(s)) for s in workflow.labels
                                                   if s != workflow.initial and s not in excluded_states]]
        state.error_messages["invalid_choice"] = "Choose one of the states offered."

    def clean_numbers(self) -> list[str]:
        noun = self.kind.label.lower()
        numbers = [str(n).strip().upper() for n in self.cleaned_data.get("numbers") or [] if str(n).strip()]
        if not numbers:
            raise ValidationError(f"Tick at least one {noun}.")
        if len(numbers) > self.MAX_ROWS:
            raise ValidationError(f"At most {self.MAX_ROWS} {self.kind.label_plural.lower()} at a time.")
        bad = [n for n in numbers if not n.isprintable() or len(n) > self.NUMBER_MAX_LENGTH]
        if bad:  # a NUL character would reach PostgreSQL (which refuses it) in the lookup of the rows
            shown = ", ".join([f"“{n[:self.NUMBER_MAX_LENGTH]}…”" for n in bad if n.isprintable()][:3])
            raise ValidationError(f"Not {'an' if noun[0] in 'aeiou' else 'a'} {noun} number: {shown}." if shown
                                  else f"A ticked row is not {'an' if noun[0] in 'aeiou' else 'a'} {noun} number.")
        return numbers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("action") == "assign" and not (cleaned.get("team") or cleaned.get("assignee")):
            self.add_error("team", "Choose a team or an assignee.")
        if cleaned.get("action") == "transition" and not cleaned.get("state"):
            self.add_error("state", "Choose the new state.")
        return cleaned


class QueuePage:
    """The queue page of one kind. Subclasses declare the class attributes; `annotate` adds what the rows show
    beyond the joined references (e.g. a problem's incident count)."""

    kind: ClassVar[Kind]
    filterset: ClassVar[type[Any]]
    transition_form: ClassVar[type[forms.Form]]
    queues: ClassVar[list[SavedQueue]]
    default_queue: ClassVar[str]
    # The filter panel: (filter name, grid class, inline choices); any other active filter (SLA drill-downs
    # from the dashboard, dates from the API's vocabulary) is carried as a hidden input and summarised.
    filter_layout: ClassVar[list[tuple[str, str, bool]]]
    # the people the rows show, each read in one query for the page's rows: joined instead, PostgreSQL spent
    # ~4 ms planning the page's query (2 ms to run it) at 1M tickets, against 0.2 ms without the joins
    related: ClassVar[tuple[str, ...]] = ("assignee", "requester")
    # the small reference tables the rows show, from the process's kept rows (core.reference_cache)
    kept: ClassVar[tuple[str, ...]] = ("team", "service")
    template: ClassVar[str] = "tickets/queue.html"
    # (heading, the row's `<td>` as escaped HTML) after the assignee, e.g. a problem's incident count
    extra_columns: ClassVar[list[tuple[str, Callable[[Any], str]]]] = []
    show_caller: ClassVar[bool] = True
    new_url_name: ClassVar[str] = ""  # the "New ..." button
    links: ClassVar[list[tuple[str, str]]] = []  # (label, URL name) of other pages next to it
    placeholder: ClassVar[str] = ""  # the search box's example
    page_size: ClassVar[int] = 50
    # states the bulk action does not offer (a move whose page asks more, e.g. resolving a problem)
    bulk_excluded_states: ClassVar[tuple[str, ...]] = ()

    @property
    def name(self) -> str:
        return self.kind.queue_url_name

    @cached_property
    def deferred(self) -> list[str]:
        """The kind's long texts (description, resolution notes, a problem's root cause...): no row shows them."""
        return [f.name for f in self.kind.model._meta.concrete_fields if isinstance(f, models.TextField)]

    @cached_property
    def bulk_form(self) -> type[BulkForm]:
        """The kind's bulk form class (built once per page)."""
        return BulkForm.for_page(self.kind, self.transition_form)

    def queue(self, slug: str) -> SavedQueue | None:
        return next((q for q in self.queues if q.slug == slug), None)

    def annotate(self, queryset: QuerySet[Any]) -> QuerySet[Any]:
        return queryset

    def title_badges(self, row: Any) -> str:
        """The kind's badges before a row's title (e.g. "Major"), as escaped HTML."""
        return ""

    def make_bulk_form(self, *args: Any, user: Any, **kwargs: Any) -> BulkForm:
        return self.bulk_form(*args, user=user, excluded_states=self.bulk_excluded_states, **kwargs)

    def queue_queryset(self, user: Any, queue: SavedQueue) -> QuerySet[Any]:
        """The tickets of a saved queue, within what `user` may see (nothing when the queue's filter is void)."""
        base = self.kind.model.objects.visible_to(user)
        params = queue.params(user)
        if not params:
            return base
        filterset = self.filterset.only(params)(MultiValueDict(params), queryset=base, user=user)
        return filterset.qs if filterset.is_valid() else base.none()

    def summaries(self, user: Any) -> list[dict[str, Any]]:
        """Each saved queue with its count (one capped COUNT each, through the access rule), for the home page."""
        return [summary(q, self.queue_queryset(user, q).order_by(*q.default_ordering),
                        f"{reverse(self.name)}?queue={q.slug}") for q in self.queues]

    def style_filters(self, form: forms.Form, user: Any = None, names: Iterable[str] | None = None) -> None:
        """Friendlier widgets for the filter panel: dates, words for yes/no filters ("Unassigned only"), check
        boxes for the inline choices, single selects with "Any" for the others."""
        for name, _css, inline in self.filter_layout:
            field_ = form.fields.get(name)
            if field_ is None or name == "q" or (names is not None and name not in names):
                continue
            if name in YES_NO_WORDS:
                yes, no = YES_NO_WORDS[name]
                field_.widget.choices = [("unknown", "Any"), ("true", yes), ("false", no)]
            elif name.endswith(("_after", "_before")):
                field_.widget = DateOrDateTimeInput()
            elif inline:
                field_.widget = forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"},
                                                             choices=field_.choices)  # type: ignore[attr-defined]
            elif name == "assignee" and user is not None:
                # the agents of the user's teams (everyone's for a manager in no team), and those chosen
                teams = user_team_ids(user)
                chosen = {str(v) for v in form.data.getlist(name)} if hasattr(form.data, "getlist") else set()
                if teams:
                    agents = team_agent_choices(teams)
                else:
                    agents = [(p.pk, p.display_name) for p in User.objects.filter(
                        role__in=AGENT_ROLES, is_active=True).order_by("first_name", "last_name", "username")]
                offered = {str(pk) for pk, _name in agents}
                others = [int(v) for v in chosen if is_id(v) and v not in offered][:20]
                extra = [(p.pk, p.display_name) for p in User.objects.filter(pk__in=others)] if others else []
                field_.widget = ListSelect(choices=[("", "Any"), *agents, *extra])  # the chosen others last
            elif isinstance(field_, forms.ModelChoiceField):  # teams, services, categories: read once per process
                cached = reference_cache.model_choices(field_, f"filter:{self.filterset.__name__}:{name}")
                field_.widget = ListSelect(choices=[("", "Any"), *cached])
            elif hasattr(field_, "choices"):
                field_.widget = ListSelect(choices=[("", "Any"), *field_.choices])
        form.fields["q"].label = "Text or number"
        form.fields["q"].widget.attrs.update({"type": "search", "placeholder": self.placeholder})

    def tab_links(self, request: HttpRequest) -> dict[str, str]:
        """Each tab's URL, carrying the current filters, search and sort (not the page): switching tabs keeps
        what the user narrowed; "Clear filters" is the explicit way back."""
        params = request.GET.copy()
        for key in ("queue", "page", "cursor"):
            params.pop(key, None)
        extra = params.urlencode()
        base = reverse(self.name)
        return {q.slug: f"{base}?queue={q.slug}" + (f"&{extra}" if extra else "") for q in self.queues}

    def view(self, request: HttpRequest) -> HttpResponse:
        """A queue page."""
        problems: list[str] = []
        slug = request.GET.get("queue") or self.default_queue
        queue = self.queue(slug)
        if queue is None:
            problems.append(f"Unknown queue “{slug}”. Known queues: {', '.join(q.label for q in self.queues)}.")
            queue = self.queue(self.default_queue)
            assert queue is not None
        raw_ordering = request.GET.get("ordering", "")
        try:
            ordering = parse_ordering(raw_ordering, queue.default_ordering)
        except ValueError:
            problems.append(f"Cannot sort by “{raw_ordering}”. Sort by {', '.join(ORDERING_LABELS.values())}.")
            ordering, raw_ordering = queue.default_ordering, ""
        if not any(f.lstrip("-") in ("id", "number") for f in ordering):
            ordering = [*ordering, "-id"]

        filterset = self.filterset(request.GET, queryset=self.queue_queryset(request.user, queue), request=request)
        form = filterset.form
        self.style_filters(form, request.user)
        valid = filterset.is_valid()
        shown = {name for name, _css, _inline in self.filter_layout}
        problems += [f"{form.fields[key].label or key.replace('_', ' ')}: {' '.join(errors)}"
                     for key, errors in form.errors.items() if key in form.fields and key not in shown]
        qs = filterset.qs if valid and not problems else self.kind.model.objects.none()
        qs = qs.prefetch_related(*self.related).kept(*self.kept).defer(*self.deferred)
        qs = self.annotate(qs).order_by(*ordering)
        try:
            page = paginate_html(qs, request.GET, self.page_size)
        except InvalidCursor as exc:
            problems.append(str(exc))
            page = CappedPaginator(qs.none(), self.page_size).get_page(1)
        selection = self.pop_selection(request)
        row_url = reverse(self.kind.agent_url_name, args=["NUMBER"])  # one reverse, not one per row
        now = clock.now()
        cells = [cell for _heading, cell in self.extra_columns]
        for row in page.object_list:  # evaluates the page once; the rows are written in Python (core.queue_rows)
            row.url = row_url.replace("NUMBER", row.number)
            row.selected = row.number in selection["numbers"]
            row.bulk_failure = selection["failed"].get(row.number, "")
            row.html = render_row(row, now, show_caller=self.show_caller, badges=self.title_badges(row),
                                  extra_cells=cells)
        hidden_filters, hidden_summary = self.hidden_filters(request, form, shown)
        filtering = any(value not in ("", "unknown") for key, values in request.GET.lists() if key in form.fields
                        for value in values)
        tabs = self.tab_links(request)
        bulk_form = self.make_bulk_form(auto_id="bulk_%s", initial=selection["choices"], user=request.user)
        context = {
            "page_def": self, "kind": self.kind,
            "queues": [(q, tabs[q.slug]) for q in self.queues], "queue": queue,
            "filter_form": form, "filter_rows": [{"field": form[name], "css": css, "inline": inline}
                                                 for name, css, inline in self.filter_layout if name in form.fields],
            "filtering": filtering, "hidden_filters": hidden_filters, "hidden_summary": hidden_summary,
            "problems": problems, "page": page, "page_numbers": page_numbers(page),
            "sort": sort_links(request, ordering), "ordering": raw_ordering,
            "bulk_form": bulk_form, "bulk_url_name": f"{self.name}-bulk",
            "bulk_needs": [{"field": bulk_form[name], "state": state,
                            "css": "col-12" if isinstance(bulk_form.fields[name].widget, forms.Textarea)
                            else "col-sm-6"}
                           for state, names in self.kind.state_needs.items() for name in names
                           if state not in self.bulk_excluded_states],
            "other_bulk_actions": [action for other in kinds.registered()
                                   for action in other.bulk_actions(self.kind.key, request.user)],
            "selection": selection, "next_url": request.get_full_path(),
            "columns": 11 + self.show_caller + len(self.extra_columns),
        }
        return render(request, self.template, context, status=400 if problems or not valid else 200)

    def hidden_filters(self, request: HttpRequest, form: forms.Form,
                       shown: set[str]) -> tuple[list[tuple[str, str]], list[str]]:
        """The active filters the panel does not show: (name, raw value) pairs for hidden inputs, and one line per
        filter for people ("SLA breached: Yes", "Opened from: 3 Dec 2026, 17:26" in their time zone), never the
        raw value of a valid filter."""
        hidden, summary = [], []
        cleaned_data = getattr(form, "cleaned_data", {})
        for key, values in request.GET.lists():
            if key not in form.fields or key in shown:
                continue
            values = [v for v in values if v not in ("", "unknown")]
            hidden += [(key, v) for v in values]
            if not values:
                continue
            field_ = form.fields[key]
            text = describe_value(field_, cleaned_data.get(key)) if key not in form.errors else ""
            if not text:  # not valid: what was typed, quoted (the error above says what is wrong)
                text = ", ".join(f"“{v}”" for v in values)
            summary.append(f"{field_.label or key.replace('_', ' ').capitalize()}: {text}")
        return hidden, summary

    # --- bulk actions ------------------------------------------------------------------------------

    def bulk(self, request: HttpRequest) -> HttpResponse:
        """Assign or change the state of the ticked tickets, each through the write path (one notification
        action for all); report each failure and keep the selection when something failed."""
        back = safe_next(request, reverse(self.name))
        form = self.make_bulk_form(request.POST, user=request.user)
        noun, plural = self.kind.label.lower(), self.kind.label_plural.lower()
        if not form.is_valid():
            for name, errors in form.errors.items():
                label = form.fields[name].label if name in form.fields and name != "__all__" else ""
                for error in errors:
                    messages.error(request, f"{label}: {error}" if label else str(error))
            self.keep_selection(request, form, {})
            return redirect(back)
        data = form.cleaned_data
        numbers = data["numbers"]
        model = self.kind.model
        tickets = list(model.objects.visible_to(request.user)
                       .filter(number__in=numbers).order_by("number"))
        missing = sorted(set(numbers) - {t.number for t in tickets})
        result = self.kind.action(self.run_bulk)(tickets, request.user, data)
        verb = "Assigned" if data["action"] == "assign" else "Updated"
        if result.updated:
            count = len(result.updated)
            messages.success(request, f"{verb} {count} {noun if count == 1 else plural}: "
                                      f"{', '.join(result.updated)}.")
        failed = {number: " ".join(errors) for number, errors in sorted(result.errors.items())}
        failed.update({number: f"no such {noun} that you can see." for number in missing})
        for number, reason in failed.items():
            messages.error(request, f"{number}{' was not changed' if number not in missing else ''}: {reason}")
        if failed:
            self.keep_selection(request, form, failed)
            messages.info(request, f"Your selection is kept: the {plural} that were not changed are highlighted.")
        return redirect(back)

    def run_bulk(self, tickets: list[Any], user: Any, data: dict[str, Any]) -> writes.BulkResult:
        kind = self.kind
        if data["action"] == "assign":
            changes = {name: data[name] for name in ("team", "assignee") if data.get(name) is not None}
            return writes.bulk(tickets, kind.action(lambda t: writes.update(kind, t, user, changes)))
        target = data["state"]
        fields = {name: data.get(name) or "" for name in kind.state_needs.get(target, ())}
        # each row its own (nested) action: a refused row's notifications are dropped with it
        return writes.bulk(tickets, kind.action(lambda t: writes.transition(kind, t, user, target, fields=fields)))

    def keep_selection(self, request: HttpRequest, form: BulkForm, failed: dict[str, str]) -> None:
        """After a bulk action that failed (wholly or for some rows): remember the ticked rows, what failed and
        why, and the choices made, so that the queue shows them again once (the session carries them)."""
        numbers = [n.strip().upper() for n in cast(Any, form.data).getlist("numbers") if n.strip()][:BulkForm.MAX_ROWS]
        request.session[f"{SELECTION_KEY}:{self.kind.key}"] = {
            "numbers": [n for n in numbers if n.isprintable() and len(n) <= BulkForm.NUMBER_MAX_LENGTH * 2],
            "failed": failed,
            "choices": {name: form.data.get(name, "") for name in ("action", "team", "assignee", "state",
                                                                    *form.needs)},
        }

    def pop_selection(self, request: HttpRequest) -> dict[str, Any]:
        """The selection kept by the last failed bulk action on this kind's queue (once), or an empty one."""
        kept = request.session.pop(f"{SELECTION_KEY}:{self.kind.key}", None) or {}
        return {"numbers": set(kept.get("numbers", ())), "failed": kept.get("failed", {}),
                "choices": kept.get("choices", {})}

    def urls(self, base: str) -> list[URLPattern]:
        """The queue and its bulk action under `base`, named after the kind's queue URL name."""
        agent = permission_required("tickets.work")
        return [path(base, agent(self.view), name=self.name),
                path(f"{base}bulk/", agent(require_POST(self.bulk)), name=f"{self.name}-bulk")]
