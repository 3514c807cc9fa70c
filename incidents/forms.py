"""Forms of the incident pages: the portal's report and reply forms, and the agent workspace's forms.

Forms only validate and present input; every write goes through incidents.services (or core.services), whose
ValidationError / TransitionError field dicts are put back on the form with `add_service_errors`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Prefetch, Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.functional import lazy
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.safestring import SafeString
from django.utils.text import format_lazy

from accounts.models import Team, User
from accounts.roles import Role
from catalog.models import Service
from core import kept_uploads, limits
from core import services as core_services
from core.form_fields import TicketNumberField
from core.limits import TEXT_MAX_LENGTH, TITLE_MAX_LENGTH
from core.models import Impact, LinkKind, Ticket, Urgency
from core.people import pickable_people, search_people
from core.widgets import FastSelect
from core.workflow import TransitionError
from incidents.choices import URGENCY_PLAIN, Channel, HoldReason, ResolutionCode, State
from incidents.models import Category, Incident

MAX_FILES = 10
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


class SubcategorySelect(FastSelect):
    """Options carry `data-parent` (their category's id) so the page script can narrow them to the category."""

    def __init__(self, *args: Any, parents: Mapping[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.parents = dict(parents or {})

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        parent = self.parents.get(str(getattr(value, "value", value)))
        if parent is not None:
            option["attrs"]["data-parent"] = str(parent)
        return option


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


def agent_choices(teams: QuerySet | None = None, *, blank: str | None = "Unassigned") -> list:
    """Assignee choices grouped by team (optgroups), from two queries whatever the number of teams."""
    agents = User.objects.filter(role__in=AGENT_ROLES, is_active=True).order_by("first_name", "last_name", "username")
    teams = (teams if teams is not None else Team.objects.all()).prefetch_related(
        Prefetch("members", queryset=agents, to_attr="agent_members")
    )
    choices: list = [("", blank)] if blank is not None else []
    for team in teams:
        if team.agent_members:
            choices.append((team.name, [(u.pk, u.display_name) for u in team.agent_members]))
    return choices


# --- Portal ---------------------------------------------------------------------------------------------


class ReportIncidentForm(forms.Form):
    """The end user's "Report an issue" form: plain words, nothing the desk decides."""

    title = forms.CharField(
        label="What is the problem, in a few words?", max_length=TITLE_MAX_LENGTH,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="For example: “Cannot print to the 2nd floor printer”.",
    )
    description = forms.CharField(
        label="Tell us more", widget=forms.Textarea(attrs={"rows": 5}), max_length=TEXT_MAX_LENGTH,
        help_text="What were you doing, what did you expect, what happened instead? Any error message?",
    )
    urgency = forms.TypedChoiceField(
        label="How much does it affect your work?", choices=URGENCY_PLAIN, coerce=int, initial=3,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    service = forms.ModelChoiceField(
        label="Which service is affected?", queryset=Service.objects.none(), empty_label="Choose a service",
    )
    category = forms.ModelChoiceField(
        label="What kind of problem is it?", queryset=Category.objects.none(), required=False,
        empty_label="I don't know",
    )
    attachments = attachments_field("Screenshots or files")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(active=True)
        self.fields["category"].queryset = Category.objects.filter(active=True, parent__isnull=True)

    def service_data(self) -> dict[str, Any]:
        """What create_incident receives (the attachments go separately, as uploads)."""
        data = {k: self.cleaned_data[k] for k in ("title", "description", "urgency", "service")}
        if self.cleaned_data.get("category"):
            data["category"] = self.cleaned_data["category"]
        return data


class PortalReplyForm(forms.Form):
    """A public reply and/or files from the requester's side."""

    body = forms.CharField(label="Your reply", widget=forms.Textarea(attrs={"rows": 4}), required=False,
                           max_length=TEXT_MAX_LENGTH)
    attachments = attachments_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            raise ValidationError("Write a reply or choose a file to attach.")
        return cleaned


class PortalTransitionForm(forms.Form):
    """Reopen, confirm or withdraw (the service decides whether the requester may)."""

    state = forms.ChoiceField(choices=[(State.IN_PROGRESS, "Reopen"), (State.CLOSED, "Confirm"),
                                       (State.CANCELLED, "Withdraw")])
    comment = forms.CharField(
        label="What is still wrong? (optional)", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        max_length=TEXT_MAX_LENGTH,
    )


class WithdrawForm(forms.Form):
    """The confirmation step of withdrawing a ticket: an optional reason, sent to the desk as a reply."""

    reason = forms.CharField(
        label="Why do you withdraw it? (optional)", required=False, max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: “It works again after a restart”. The desk will read it.",
    )


# --- Agent workspace ------------------------------------------------------------------------------------


class AgentIncidentForm(forms.Form):
    """The fields an agent edits on the ticket page. `version` guards against saving over someone else's change."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(max_length=TITLE_MAX_LENGTH)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), required=False,
                                  max_length=TEXT_MAX_LENGTH)
    service = forms.ModelChoiceField(queryset=Service.objects.none(), required=False, empty_label="—")
    category = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, empty_label="—")
    subcategory = forms.ModelChoiceField(queryset=Category.objects.none(), required=False, empty_label="—")
    impact = forms.TypedChoiceField(choices=Impact.choices, coerce=int)
    urgency = forms.TypedChoiceField(choices=Urgency.choices, coerce=int)
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="—", widget=FastSelect,
                                  label="Assignment group")
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Assigned to",
                                      widget=FastSelect)
    channel = forms.ChoiceField(choices=Channel.choices)
    parent = forms.CharField(
        required=False, max_length=16, label="Parent incident",
        widget=forms.TextInput(attrs={"placeholder": "INC…", "autocomplete": "off"}),
    )
    major = forms.BooleanField(required=False, label="Major incident")

    def __init__(self, *args: Any, incident: Incident, user: User, can_flag_major: bool, **kwargs: Any) -> None:
        kwargs.setdefault("initial", self.initial_for(incident))
        super().__init__(*args, **kwargs)
        self.incident, self.user = incident, user
        self.fields["service"].queryset = active_or_current(Service.objects.all(), incident.service_id)
        self.fields["category"].queryset = active_or_current(
            Category.objects.filter(parent__isnull=True), incident.category_id
        )
        subcategories = active_or_current(Category.objects.filter(parent__isnull=False), incident.subcategory_id)
        self.fields["subcategory"].queryset = subcategories.select_related("parent")
        parents = {str(c.pk): c.parent_id for c in self.fields["subcategory"].queryset}
        self.fields["subcategory"].widget = SubcategorySelect(parents=parents)
        self.fields["subcategory"].widget.choices = self.fields["subcategory"].choices
        self.fields["assignee"].queryset = User.objects.filter(role__in=AGENT_ROLES)
        choices = agent_choices()
        offered = {pk for _group, options in choices[1:] for pk, _name in options}
        if incident.assignee_id and incident.assignee_id not in offered:  # e.g. deactivated: never drop silently
            choices.append(("Other", [(incident.assignee_id, incident.assignee.display_name)]))
        self.fields["assignee"].choices = choices
        if not can_flag_major:
            del self.fields["major"]
        self.read_only = incident.state in (State.CLOSED, State.CANCELLED)
        # Each field also sends the value the page was rendered with ("initial-<name>"), so that after a
        # conflict the fields the user changed are told apart from those someone else changed meanwhile.
        for name, field in self.fields.items():
            field.show_hidden_initial = name != "version"
        self.current: dict[str, str] = {}  # after a conflict: what the incident holds where the user differs
        self.refreshed: set[str] = set()  # after a conflict: fields someone else changed, now shown current

    LAYOUT = [
        ("title", "col-12"), ("description", "col-12"),
        ("service", "col-sm-6"), ("category", "col-sm-6"), ("subcategory", "col-sm-6"),
        ("impact", "col-sm-6"), ("urgency", "col-sm-6"), ("channel", "col-sm-6"),
        ("team", "col-sm-6"), ("assignee", "col-sm-6"), ("parent", "col-sm-6"),
        ("major", "col-12"),
    ]

    def layout(self) -> list[dict[str, Any]]:
        """The visible fields in page order: grid class, the hidden initial value, and the conflict notes."""
        return [
            {"field": self[name], "css": css, "hidden_initial": self[name].as_hidden(only_initial=True),
             "current": self.current.get(name), "refreshed": name in self.refreshed}
            for name, css in self.LAYOUT if name in self.fields
        ]

    @staticmethod
    def initial_for(incident: Incident) -> dict[str, Any]:
        return {
            "version": incident.version, "title": incident.title, "description": incident.description,
            "service": incident.service_id, "category": incident.category_id,
            "subcategory": incident.subcategory_id, "impact": incident.impact, "urgency": incident.urgency,
            "team": incident.team_id, "assignee": incident.assignee_id, "channel": incident.channel,
            "parent": incident.parent.number if incident.parent_id else "", "major": incident.major,
        }

    def clean_parent(self) -> Incident | None:
        number = (self.cleaned_data.get("parent") or "").strip().upper()
        if not number:
            return None
        if self.incident.parent_id and number == self.incident.parent.number:
            return self.incident.parent  # kept as it is, even by an agent who cannot open it
        parent = Incident.objects.visible_to(self.user).filter(number=number).first()
        if parent is None:
            raise ValidationError(f"No incident {number} that you can see.")
        if parent.pk == self.incident.pk:
            raise ValidationError("An incident cannot be its own parent.")
        return parent

    def changes(self) -> dict[str, Any]:
        """Only the fields the user changed: the service then applies its rules (moving team unassigns...)."""
        return {name: self.cleaned_data[name] for name in self.changed_data if name != "version"}

    def loaded_value(self, name: str) -> Any:
        """The value the page showed for `name` when it was rendered (its hidden "initial-" input)."""
        bound = self[name]
        raw = self._widget_data_value(bound.field.hidden_widget(), bound.html_initial_name)
        try:
            return bound.field.to_python(raw)
        except ValidationError:
            return None

    def rebased_on(self, current: Incident) -> AgentIncidentForm:
        """After a conflict: a form on the current incident that keeps what this user changed and takes every
        other field from the incident as it is now. It notes where the user's value now differs from the
        incident's (`current`) and which untouched fields someone else changed (`refreshed`)."""
        names = [name for name in self.fields if name != "version"]
        user_changed = set(self.changed_data) - {"version"}  # compared with the "initial-" values
        fresh = self.initial_for(current)

        def text(field: forms.Field, value: Any) -> str:
            prepared = field.prepare_value(value)
            return "" if prepared is None else str(prepared)

        data = self.data.copy()
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
        rebased = type(self)(data, incident=current, user=self.user, can_flag_major="major" in self.fields)
        for name in names:
            field = self.fields[name]
            changed_meanwhile = text(field, self.loaded_value(name)) != text(field, fresh[name])
            if name in user_changed:
                submitted = field.widget.value_from_datadict(self.data, self.files, self.add_prefix(name))
                if changed_meanwhile and field.has_changed(fresh[name], submitted):  # both changed it
                    rebased.current[name] = self._display(name, current)
            elif changed_meanwhile:
                rebased.refreshed.add(name)
        return rebased

    @staticmethod
    def _display(name: str, incident: Incident) -> str:
        value = getattr(incident, name)
        if name in ("impact", "urgency", "channel"):
            return getattr(incident, f"get_{name}_display")()
        if name == "parent":
            return value.number if value else "(none)"
        if name == "major":
            return "yes" if value else "no"
        if isinstance(value, User):
            return value.display_name
        return str(value) if value not in (None, "") else "(empty)"


class AgentCommentForm(forms.Form):
    """A work note (internal) or a public comment, with optional files."""

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

    INTERNAL_BUTTON = "Add internal note"
    PUBLIC_BUTTON = "Send to customer"

    @property
    def internal(self) -> bool:
        return self.cleaned_data.get("visibility") != "public"

    @property
    def shows_public(self) -> bool:
        """Whether the composer is rendered on "public" (only when re-shown after an error with that choice)."""
        return self.is_bound and self["visibility"].value() == "public"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not (cleaned.get("body") or "").strip() and not cleaned.get("attachments") and not self.errors:
            raise ValidationError("Write something or choose a file to attach.")
        return cleaned


class TransitionForm(forms.Form):
    """A quick action on the ticket header: the target state and what it needs."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    state = forms.ChoiceField(choices=State.choices)
    hold_reason = forms.ChoiceField(choices=[("", "Choose a reason"), *HoldReason.choices], required=False,
                                    label="Reason")
    resolution_code = forms.ChoiceField(choices=[("", "Choose a code"), *ResolutionCode.choices], required=False,
                                        label="Resolution code")
    resolution_notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                                       label="Resolution notes", max_length=TEXT_MAX_LENGTH)

    def service_kwargs(self) -> dict[str, Any]:
        d = self.cleaned_data
        return {"hold_reason": d.get("hold_reason") or "", "resolution_code": d.get("resolution_code") or "",
                "resolution_notes": d.get("resolution_notes") or ""}


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

    def __init__(self, *args: Any, actor: User, ticket: Ticket, **kwargs: Any) -> None:
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
        cleaned = super().clean()
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
                               widget=forms.TextInput(attrs={"placeholder": "INC…", "autocomplete": "off"}))

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_target(self) -> Ticket:
        number = self.cleaned_data["target"]
        ticket = Ticket.objects.visible_to(self.user).filter(number=number).first()
        if ticket is None:
            raise ValidationError(f"No ticket {number} that you can see.")
        return ticket


class BulkForm(forms.Form):
    """Checked rows of the queue and what to do with them."""

    action = forms.ChoiceField(choices=[("assign", "Assign"), ("transition", "Change state")])
    numbers = forms.Field(required=False, widget=forms.MultipleHiddenInput)  # the ticked rows' numbers
    team = forms.ModelChoiceField(queryset=Team.objects.all(), required=False, empty_label="Keep the team",
                                  widget=FastSelect,
                                  label="Assignment group")
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Assigned to",
                                      widget=FastSelect)
    state = forms.ChoiceField(
        choices=[("", "Choose a state"), *[(v, label) for v, label in State.choices if v != State.NEW]],
        required=False, label="New state",
    )
    hold_reason = TransitionForm.base_fields["hold_reason"]
    resolution_code = TransitionForm.base_fields["resolution_code"]
    resolution_notes = TransitionForm.base_fields["resolution_notes"]

    MAX_ROWS = 500
    NUMBER_MAX_LENGTH = 16  # core.models.Ticket.number

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = User.objects.filter(role__in=AGENT_ROLES)
        self.fields["assignee"].choices = agent_choices(blank="Keep the assignee")

    def clean_numbers(self) -> list[str]:
        numbers = [str(n).strip().upper() for n in self.cleaned_data.get("numbers") or [] if str(n).strip()]
        if not numbers:
            raise ValidationError("Tick at least one incident.")
        if len(numbers) > self.MAX_ROWS:
            raise ValidationError(f"At most {self.MAX_ROWS} incidents at a time.")
        bad = [n for n in numbers if not n.isprintable() or len(n) > self.NUMBER_MAX_LENGTH]
        if bad:  # a NUL character would reach PostgreSQL (which refuses it) in the lookup of the rows
            shown = ", ".join([f"“{n[:self.NUMBER_MAX_LENGTH]}…”" for n in bad if n.isprintable()][:3])
            raise ValidationError(
                f"Not an incident number: {shown}." if shown else "A ticked row is not an incident number."
            )
        return numbers

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("action") == "assign" and not (cleaned.get("team") or cleaned.get("assignee")):
            self.add_error("team", "Choose a team or an assignee.")
        if cleaned.get("action") == "transition" and not cleaned.get("state"):
            self.add_error("state", "Choose the new state.")
        return cleaned
