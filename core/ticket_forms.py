"""The forms every kind's ticket page shares: files, comments and work notes, watchers, links, the version of a
quick action, and `TicketFieldsForm`, the base of each kind's fields panel (it keeps a user's input over someone
else's change: see `rebased_on`).

Forms only validate and present input; every write goes through core.writes or a kind's services, whose
ValidationError / TransitionError field dicts are put back on the form with `add_service_errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import format_lazy

from accounts.models import Team, User
from accounts.roles import Role
from core import kept_uploads, kinds, limits, reference_cache
from core import services as core_services
from core.form_fields import PersonField, TicketNumberField
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import MAX_TIME_SPENT, Impact, LinkKind, Ticket, Urgency
from core.people import assignee_choices, pickable_people, search_people, team_ids
from core.task_states import TaskState
from core.widgets import FastSelect
from core.workflow import TransitionError

MAX_FILES = 10
# catalog.Service, read off the ticket (the core imports no app above it)
SERVICE = cast("type[models.Model]", Ticket._meta.get_field("service").related_model)
AGENT_ROLES = [Role.AGENT, Role.MANAGER, Role.ADMIN]


class MultipleFileInput(forms.FileInput):
    """A file input that accepts several files at once, and keeps them when the form is shown again.

    Shown again (after an error), each accepted file is stored (core.kept_uploads) and listed under the input as
    "name (kept)" with a ticked check box `<name>-kept` carrying its token; the next submission gets it back.
    """

    allow_multiple_selected = True

    def value_from_datadict(self, data: Mapping, files: Mapping, name: str) -> list:
        chosen = [f for f in (files.getlist(name) if hasattr(files, "getlist") else [files.get(name)]) if f]
        tokens = data.getlist(f"{name}-kept") if hasattr(data, "getlist") else []
        return chosen + [kept_uploads.restore(token) for token in tokens[:MAX_FILES]]

    def render(self, name, value, attrs=None, renderer=None) -> SafeString:
        html = super().render(name, None, attrs, renderer)
        kept = [(kept_uploads.keep(f), f) for f in self.keepable(value)]
        if not kept:
            return html
        items = format_html_join(
            "", '<div class="form-check kept-file"><input class="form-check-input" type="checkbox" name="{}-kept" '
                'value="{}" id="{}-kept-{}" checked><label class="form-check-label" for="{}-kept-{}">{} '
                '<span class="text-body-secondary">({}, kept)</span></label></div>',
            ((name, token, name, i, name, i, f.name, filesizeformat(f.size)) for i, (token, f) in enumerate(kept)),
        )
        note = format_html('<div class="form-text" data-testid="kept-files-note">{}</div>',
                           "Already attached from your last attempt: untick a file to leave it out.")
        return format_html('{}<div class="kept-files mt-2" data-testid="kept-files">{}{}</div>', html, items, note)

    @staticmethod
    def keepable(value: Any) -> list:
        """The files worth keeping: readable, within the size limit, at most MAX_FILES."""
        out = []
        for upload in value if isinstance(value, list | tuple) else []:
            if isinstance(upload, kept_uploads.LostUpload) or not getattr(upload, "name", None):
                continue
            try:
                core_services.validate_upload(upload)
            except ValidationError:
                continue
            out.append(upload)
        return out[:MAX_FILES]


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files, each checked against ATTACHMENT_MAX_BYTES (core.services.validate_upload)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def bound_data(self, data: Any, initial: Any) -> Any:
        """The files submitted, so that the widget can keep them when the form is shown again."""
        return data if isinstance(data, list) else initial

    def clean(self, data: Any, initial: Any = None) -> list:
        files = data if isinstance(data, list | tuple) else ([data] if data else [])
        files = [f for f in files if f]
        if any(isinstance(f, kept_uploads.LostUpload) for f in files):
            raise kept_uploads.lost_error()
        if len(files) > MAX_FILES:
            raise ValidationError(f"Attach at most {MAX_FILES} files at a time.")
        cleaned = [super(MultipleFileField, self).clean(f, initial) for f in files]
        errors: list[str] = []
        for upload in cleaned:
            try:
                core_services.validate_upload(upload)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if not errors:
            try:
                core_services.validate_uploads_total(cleaned)
            except ValidationError as exc:
                errors.extend(exc.messages)
        if errors:
            errors.append("Nothing was saved yet: choose a file that fits instead (any other files are kept).")
            raise ValidationError(errors)
        return cleaned


def attachments_field(label: str = "Attachments") -> MultipleFileField:
    return MultipleFileField(
        label=label,
        help_text=format_lazy(
            "Optional. Up to {} files, at most {} each and {} together.", MAX_FILES,
            lazy(lambda: limits.format_size(limits.attachment_max_bytes()), str)(),
            lazy(lambda: limits.format_size(limits.attachments_total_max_bytes()), str)(),
        ),
    )


def add_service_errors(form: forms.Form, exc: ValidationError | TransitionError) -> None:
    """Put a service's field errors on the form: on the field when the form has it, else on the form."""
    if isinstance(exc, TransitionError):
        errors = exc.field_errors
    elif hasattr(exc, "error_dict"):
        errors = exc.message_dict
    else:
        errors = {"__all__": exc.messages}
    for name, messages in errors.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
            elif name in ("__all__", "non_field_errors"):
                form.add_error(None, message)
            else:
                form.add_error(None, f"{name.replace('_', ' ').capitalize()}: {message}")


def active_or_current(queryset: QuerySet, current_pk: int | None) -> QuerySet:
    """Active rows, plus the one currently set (a retired value stays valid while it is not changed)."""
    condition = Q(active=True)
    if current_pk:
        condition |= Q(pk=current_pk)
    return queryset.filter(condition)


def offer_reference(field: forms.Field, queryset: QuerySet, current_pk: int | None, name: str, *,
                    active_only: bool = True) -> None:
    """A reference select (service, category, team): accepts the active rows of `queryset` and the current one
    (checked against the database, as active_or_current), and offers them from this process's copy of the
    active rows (core.reference_cache, under `name`) plus the current one when it was retired."""
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = active_or_current(queryset, current_pk) if active_only else queryset
    label = field.label_from_instance
    rows = reference_cache.choices(queryset.model, name, lambda: [
        (str(row.pk), label(row)) for row in (queryset.filter(active=True) if active_only else queryset)])
    if current_pk and str(current_pk) not in {value for value, _label in rows}:
        retired = queryset.filter(pk=current_pk).first()
        rows = [*rows, *([(str(retired.pk), label(retired))] if retired is not None else [])]
    field.choices = [*([("", field.empty_label)] if field.empty_label is not None else []), *rows]


def scope_assignee(form: forms.Form, *, team: Any, current: Any = None, blank: str = "Unassigned",
                   fallback_teams: list[int] | None = None) -> None:
    """Offer as assignees only the agents of the team chosen in `form` (its submitted team, else `team`), and
    the current assignee: tens of options, never the whole desk's hundreds. Changing the team select reloads
    the options (htmx, core.views_people.assignees); `fallback_teams` are offered while no team is chosen (a
    bulk assignment that keeps each ticket's team offers the user's own teams' agents)."""
    chosen = form.data.get(form.add_prefix("team")) if form.is_bound else team
    assignee = form.fields["assignee"]
    assert isinstance(assignee, forms.ChoiceField)
    assignee.choices = assignee_choices(team_ids(chosen) or list(fallback_teams or []), current, blank=blank)
    query = {"blank": blank, **({"fallback": "mine"} if fallback_teams is not None else {})}
    form.fields["team"].widget.attrs.update({
        "hx-get": f"{reverse('people-assignees')}?{urlencode(query)}", "hx-trigger": "change",
        "hx-target": f"#{form['assignee'].auto_id}", "hx-swap": "innerHTML", "hx-sync": "this:replace",
    })


class TicketFieldsForm(forms.Form):
    """The fields panel of a ticket page: the fields an agent edits, with the `version` the page was rendered with.

    Each field also sends the value the page showed ("initial-<name>"), so that after a conflict the fields the
    user changed are told apart from those someone else changed meanwhile (`rebased_on`). A kind's form declares
    its fields and `LAYOUT` (name, grid class); `initial_for` and `display` read the ticket generically (override
    them for a field that is not a model field of the same name, such as an incident's parent number).
    """

    version = forms.IntegerField(widget=forms.HiddenInput)
    LAYOUT: ClassVar[list[tuple[str, str]]] = []

    def __init__(self, *args: Any, ticket: Ticket, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(ticket))
        super().__init__(*args, **kwargs)
        self.ticket, self.user = ticket, user
        self.setup()
        self.read_only = ticket.state in kinds.of(ticket).workflow.final_states
        for name, field in self.fields.items():
            field.show_hidden_initial = name != "version"
        self.current: dict[str, str] = {}  # after a conflict: what the ticket holds where the user differs
        self.refreshed: set[str] = set()  # after a conflict: fields someone else changed, now shown current

    def setup(self) -> None:
        """The kind's adjustments once the form is bound (choices, fields the user may not set)."""

    def layout(self) -> list[dict[str, Any]]:
        """The visible fields in page order: grid class, the hidden initial value, and the conflict notes."""
        return [
            {"field": self[name], "css": css, "hidden_initial": self[name].as_hidden(only_initial=True),
             "current": self.current.get(name), "refreshed": name in self.refreshed}
            for name, css in self.LAYOUT if name in self.fields
        ]

    @classmethod
    def initial_for(cls, ticket: Ticket) -> dict[str, Any]:
        """The form's values read off the ticket (a reference as its id)."""
        initial: dict[str, Any] = {"version": ticket.version}
        for name in cls.base_fields:
            if name == "version":
                continue
            field = ticket._meta.get_field(name)
            initial[name] = getattr(ticket, getattr(field, "attname", name) if field.is_relation else name)
        return initial

    def changes(self) -> dict[str, Any]:
        """Only the fields the user changed: the service then applies its rules (moving team unassigns...)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}

    def loaded_value(self, name: str) -> Any:
        """The value the page showed for `name` when it was rendered (its hidden "initial-" input)."""
        bound = self[name]
        raw = bound.field.hidden_widget().value_from_datadict(self.data, self.files, bound.html_initial_name)
        try:
            return bound.field.to_python(raw)
        except ValidationError:
            return None

    def rebased_on(self, current: Ticket) -> TicketFieldsForm:
        """After a conflict: a form on the current ticket that keeps what this user changed and takes every
        other field from the ticket as it is now. It notes where the user's value now differs from the
        ticket's (`current`) and which untouched fields someone else changed (`refreshed`)."""
        names = [name for name in self.fields if name != "version"]
        user_changed = set(self.changed_data) - {"version"}  # compared with the "initial-" values
        fresh = self.initial_for(current)

        def text(field: forms.Field, value: Any) -> str:
            prepared = field.prepare_value(value)
            return "" if prepared is None else str(prepared)

        data = cast(Any, self.data).copy()  # a QueryDict: its lists are kept
        data[self.add_prefix("version")] = str(current.version)
        for name in names:
            field, key = self.fields[name], self.add_prefix(name)
            data[f"initial-{key}"] = text(field, fresh[name])
            if name in user_changed:
                continue
            if isinstance(field, forms.BooleanField):  # a check box sends "on" or nothing
                data.pop(key, None)
                if fresh[name]:
                    data[key] = "on"
            else:
                data[key] = text(field, fresh[name])
        rebased = type(self)(data, ticket=current, user=self.user)
        for name in names:
            field = self.fields[name]
            changed_meanwhile = text(field, self.loaded_value(name)) != text(field, fresh[name])
            if name in user_changed:
                submitted = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
                if changed_meanwhile and field.has_changed(fresh[name], submitted):  # both changed it
                    rebased.current[name] = self.display(name, current)
            elif changed_meanwhile:
                rebased.refreshed.add(name)
        return rebased

    def display(self, name: str, ticket: Ticket) -> str:
        """What the ticket holds in `name`, for people (a label, a name, "yes"/"no", "(empty)")."""
        field = ticket._meta.get_field(name)
        value = getattr(ticket, name)
        if getattr(field, "choices", None):
            return str(getattr(ticket, f"get_{name}_display")())
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, User):
            return value.display_name
        if isinstance(value, Ticket):
            return value.number
        return str(value) if value not in (None, "") else "(empty)"


def long_text(label: str, rows: int = 4) -> forms.CharField:
    """An optional long text of a fields panel (kept as typed: no stripping)."""
    return forms.CharField(label=label, required=False, max_length=TEXT_MAX_LENGTH, strip=False,
                           widget=forms.Textarea(attrs={"rows": rows}))


class TriageFieldsForm(TicketFieldsForm):
    """The fields every kind triages the same way: title, description, impact, urgency, service, assignment group
    and assignee, their selects offered from this process's copy of the active rows (core.reference_cache) and
    the assignees narrowed to the chosen group's agents. A kind's form adds its own fields and `LAYOUT`."""

    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    description = long_text("Description")
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int, widget=FastSelect)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int, widget=FastSelect)
    service = forms.ModelChoiceField(SERVICE._default_manager.none(), required=False, widget=FastSelect)
    team = forms.ModelChoiceField(Team.objects.order_by("name"), required=False, label="Assignment group",
                                  widget=FastSelect)
    assignee = PersonField(User.objects.none(), required=False, label="Assigned to", widget=FastSelect)

    def setup(self) -> None:
        ticket: Any = self.ticket
        offer_reference(self.fields["service"], SERVICE._default_manager.all(), ticket.service_id,
                        f"{ticket.kind}:service")
        offer_reference(self.fields["team"], Team.objects.all(), ticket.team_id, "teams", active_only=False)
        assignee = self.fields["assignee"]
        assert isinstance(assignee, forms.ModelChoiceField)
        assignee.queryset = User.objects.filter(role__in=AGENT_ROLES)  # core.writes checks the team membership
        scope_assignee(self, team=ticket.team_id, current=ticket.assignee)  # e.g. deactivated: kept


class CommentForm(forms.Form):
    """A work note (internal) or a public comment, with optional files. For a kind end users never see
    (`public=False`, e.g. problems) there is no choice: every note is internal."""

    body = forms.CharField(label="Comment or work note", widget=forms.Textarea(attrs={"rows": 3, "data-shortcut": "c"}),
                           required=False,
                           max_length=TEXT_MAX_LENGTH)
    visibility = forms.ChoiceField(
        label="Who can see it", initial="internal",
        choices=[("internal", "Work note (internal: the desk only)"), ("public", "Comment (the requester sees it)")],
        # autocomplete=off: the browser must not bring "public" back on reload, back/forward or autofill
        widget=forms.RadioSelect(attrs={"class": "form-check-input", "autocomplete": "off",
                                        "data-comment-visibility": ""}),
    )
    attachments = attachments_field()
    time_spent = forms.IntegerField(
        label="Time spent (minutes)", required=False, min_value=0, max_value=MAX_TIME_SPENT,
        help_text="Optional: the minutes you spent on this, for the cost of each contact. Never shown to the "
                  "requester.", widget=forms.NumberInput(attrs={"class": "form-control time-spent-input",
                                                                "step": "1", "inputmode": "numeric"}))

    INTERNAL_BUTTON = "Add internal note"
    PUBLIC_BUTTON = "Send to customer"

    def __init__(self, *args: Any, public: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not public:
            del self.fields["visibility"]
            self.fields["body"].label = "Work note"

    @property
    def internal(self) -> bool:
        return self.cleaned_data.get("visibility") != "public"

    @property
    def shows_public(self) -> bool:
        """Whether the composer is rendered on "public" (only when re-shown after an error with that choice)."""
        return self.is_bound and "visibility" in self.fields and self["visibility"].value() == "public"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not (cleaned.get("body") or "").strip() and not self.errors:
            if cleaned.get("time_spent") is not None:
                self.add_error("body", "Say what the time was spent on: write a work note or comment.")
            elif not cleaned.get("attachments"):
                raise ValidationError("Write something or choose a file to attach.")
        return cleaned


class VersionForm(forms.Form):
    """Just the version the page was rendered with (Take)."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class WatcherForm(forms.Form):
    """Pick a watcher from the people found by the search (core.people), by id: never by a typed address.

    Without JavaScript, submitting only the search words shows the people found to choose from.
    """

    q = forms.CharField(label="Add a watcher", max_length=200, required=False,
                        widget=forms.TextInput(attrs={"type": "search", "placeholder": "Name, username or e-mail",
                                                      "autocomplete": "off"}))
    user = forms.IntegerField(required=False, min_value=1, max_value=2**31 - 1, widget=forms.HiddenInput)
    confirm_other_organization = forms.BooleanField(
        required=False, label="Yes, let this person of another organization read this ticket",
    )

    def __init__(self, *args: Any, actor: Any, ticket: Ticket, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.actor, self.ticket = actor, ticket
        self.fields["q"].widget.attrs.update({
            "hx-get": f"{reverse('people-search')}?{urlencode({'ticket': ticket.number})}",
            "hx-trigger": "input changed delay:300ms, search", "hx-target": "#watcher-people", "hx-swap": "innerHTML",
        })
        self.people: list[User] = []
        self.needs_confirmation = False

    def clean_user(self) -> User | None:
        pk = self.cleaned_data.get("user")
        if pk is None:
            return None
        user = pickable_people(self.actor).filter(pk=pk).select_related("organization").first()
        if user is None:
            raise ValidationError("Choose a person from the list.")
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("user") is None and "user" not in self.errors:
            self.people = search_people(self.actor, cleaned.get("q") or "")
            if self.people:
                self.add_error("user", "Choose one of the people found.")
            elif (cleaned.get("q") or "").strip():
                self.add_error("q", f"Nobody matches “{cleaned['q'].strip()}”.")
            else:
                self.add_error("q", "Type a name, username or e-mail address, then choose the person.")
        return cleaned

    def refused(self, exc: ValidationError) -> None:
        """Show the watcher rule's refusal; offer the confirmation when it is what would allow the watcher."""
        errors = exc.error_dict.get("user", []) if hasattr(exc, "error_dict") else exc.error_list
        self.needs_confirmation = any(e.code == "other_organization" for e in errors)
        self.people = [self.cleaned_data["user"]]
        add_service_errors(self, exc)


class LinkForm(forms.Form):
    kind = forms.ChoiceField(
        label="Link type", choices=[(k, LinkKind(k).label) for k in (LinkKind.RELATED, LinkKind.DUPLICATE_OF,
                                                                      LinkKind.CAUSED_BY)],
    )
    target = TicketNumberField(label="Ticket number",
                               widget=forms.TextInput(attrs={"placeholder": "e.g. INC0001001", "autocomplete": "off"}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_target(self) -> Ticket:
        number = self.cleaned_data["target"]
        ticket = Ticket.objects.visible_to(self.user).filter(number=number).first()
        if ticket is None:
            raise ValidationError(f"No ticket {number} that you can see.")
        return ticket


class TaskTransitionForm(forms.Form):
    """A task's quick action: its state, and what was done when it is finished."""

    state = forms.ChoiceField(choices=TaskState.choices)
    close_notes = long_text("Close notes (what was done)", rows=2)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
