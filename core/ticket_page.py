"""The agent's ticket page of any kind: the conversation first (composer and activity), the fields, SLA, files,
watchers and links in a side panel, quick actions in the header, and the kind's own panels.

A kind gets its page by declaring a `TicketPage` (its kind, URL name, fields form and transition form) and adding
`page.urls("agent/<plural>/")` to its URLs. The page is made of panels; with htmx a form posts to its action and
gets back its own panel plus the panels the change affected, swapped out of band (`hx-swap-oob`); without
JavaScript the same URLs answer with a redirect (success) or the whole page (errors). Saving the fields carries the
`version` the page was rendered with: a stale save changes nothing and shows the user's input next to the current
values (409). Every write goes through core.writes as one action of the kind (`Kind.action`: notifications are
batched per person).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import URLPattern, path, reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST

from core import journal, kinds, raised_from, references, related, writes
from core import services as core_services
from core.kinds import Kind
from core.models import Attachment, JournalEntry, Ticket, TicketLink, Watcher
from core.permissions import permission_required
from core.services import ConflictError
from core.ticket_forms import (
    CommentForm,
    LinkForm,
    TicketFieldsForm,
    VersionForm,
    WatcherForm,
    add_service_errors,
)
from core.workflow import TransitionError
from sla.display import timer_views

PANELS = {
    "header": "tickets/_header.html",
    "fields": "tickets/_fields.html",
    "comment": "tickets/_comment_form.html",
    "activity": "tickets/_activity.html",
    "attachments": "tickets/_attachments.html",
    "watchers": "tickets/_watchers.html",
    "links": "tickets/_links.html",
    "status": "tickets/_status.html",
    "sla": "tickets/_sla.html",
    "sources": "tickets/_sources.html",
}
# The URL names of a page's actions, after its own name ("agent-incident" -> "agent-incident-comment").
ACTIONS = ("comment", "take", "sla", "state", "watcher-add", "watcher-remove", "link-add", "link-remove")


def is_htmx(request: HttpRequest) -> bool:
    """True for a request made by htmx (it then wants a fragment, not a page)."""
    return request.headers.get("HX-Request") == "true"


@transaction.atomic
def post_reply(ticket: Ticket, actor: Any, body: str, uploads: Iterable[Any], *,
               internal: bool, time_spent: int | None = None) -> tuple[JournalEntry | None, list[Attachment]]:
    """A comment or work note (with the minutes the desk spent, optional) and/or files, in one transaction and
    one action of the ticket's kind; the files hang off the journal entry."""
    if time_spent is not None and not body.strip():
        raise ValidationError({"body": ["Say what the time was spent on: write a work note or comment."]})

    def write() -> tuple[JournalEntry | None, list[Attachment]]:
        entry = writes.add_comment(ticket, actor, body, internal=internal,
                                   time_spent=time_spent) if body.strip() else None
        files = [core_services.add_attachment(ticket, actor, upload, internal=internal, journal_entry=entry)
                 for upload in uploads]
        return entry, files

    result: tuple[JournalEntry | None, list[Attachment]] = kinds.of(ticket).action(write)()
    return result


def bulk_texts(result: writes.BulkResult | None, done: str, kind: Kind) -> list[str]:
    """What an action did to related tickets (a problem's incidents), in words: how many it changed (after
    `done`), which refused and why, how many were left alone because they are out of the actor's sight."""
    if result is None:
        return []
    texts = []
    noun, plural = kind.label.lower(), kind.label_plural.lower()
    if result.updated:
        count = len(result.updated)
        texts.append(f"{done} {count} {noun if count == 1 else plural}: {', '.join(result.updated)}.")
    texts += [f"{number} was not changed: {' '.join(errors)}" for number, errors in sorted(result.errors.items())]
    if result.out_of_sight:
        hidden = result.out_of_sight
        texts.append(f"{hidden} open {noun if hidden == 1 else plural} of other teams were left alone: their teams "
                     "decide.")
    return texts


def links_panel(ticket: Ticket, user: Any) -> dict[str, Any]:
    """The links panel's content as `user` may see it: each link's other ticket as a reference (number, title and
    page only when the access rule lets `user` see it, "another ticket" otherwise), and the parent likewise.
    One query for the links both ways, one through the access rule for the tickets they reach (none without
    links: most tickets have none)."""
    links = references.links_of(ticket)
    parent_id = getattr(ticket, "parent_id", None)  # a kind's field (incidents)
    others = {link.target_id if link.source_id == ticket.pk else link.source_id for link in links}
    visible = references.visible_ticket_ids(user, [*others, parent_id])
    return {
        "out": [{"link": link, "ticket": references.reference(link.target, visible)}
                for link in links if link.source_id == ticket.pk],
        "in": [{"link": link, "ticket": references.reference(link.source, visible)}
               for link in links if link.source_id != ticket.pk],
        "parent": references.reference(getattr(ticket, "parent"), visible) if parent_id else None,  # noqa: B009
    }


class TicketPage:
    """The agent's page of one kind. Subclasses declare the class attributes and may extend `extra_context`
    (the kind's own panels), `action_label` and `move` (what a state change does beyond the core's move)."""

    kind: ClassVar[Kind]
    name: ClassVar[str]  # the page's URL name, e.g. "agent-incident"; its actions' names follow (ACTIONS)
    fields_form: ClassVar[type[TicketFieldsForm]]
    transition_form: ClassVar[type[forms.Form]]
    # the references the page shows: joined (few: every join costs PostgreSQL planning time), then prefetched;
    # small reference tables from the process's kept rows (core.reference_cache), neither joined nor queried
    related: ClassVar[tuple[str, ...]] = ("requester", "assignee")
    prefetched: ClassVar[tuple[str, ...]] = ()
    kept: ClassVar[tuple[str, ...]] = ("team", "service")
    template: ClassVar[str] = "tickets/detail.html"
    badges_template: ClassVar[str] = ""  # the kind's badges next to state and priority in the header
    summary_template: ClassVar[str] = ""  # under the header (e.g. an incident's resolution)
    # the kind's own panels, above the shared ones; each has an id and swaps out of band (`oob`) after a save or
    # a move
    side_templates: ClassVar[tuple[str, ...]] = ()
    # what the kind's tickets have: a priority (badge in the header), service levels (the SLA panel); and whether
    # the fields are edited in the main column (a long text at the heart of the ticket: a knowledge article)
    shows_priority: ClassVar[bool] = True
    shows_sla: ClassVar[bool] = True
    fields_in_main: ClassVar[bool] = False
    action_labels: ClassVar[Mapping[str, str]] = {}  # button text per target state (else the state's label)
    confirm: ClassVar[Mapping[str, str]] = {}  # a question before moving to a state, e.g. cancelling
    extra_needs: ClassVar[Mapping[str, tuple[str, ...]]] = {}  # form fields a move takes beyond the kind's

    # --- reading ---------------------------------------------------------------------------------------

    def queryset(self, request: HttpRequest) -> QuerySet[Any]:
        """The tickets of this kind the user may see, with the references the page shows."""
        return (self.kind.model.objects.visible_to(request.user).select_related(*self.related)
                .prefetch_related(*self.prefetched).kept(*self.kept))

    def load(self, request: HttpRequest, number: str) -> Any:
        """The ticket if the user may see it (404 otherwise)."""
        return get_object_or_404(self.queryset(request), number=number)

    def urls_of(self) -> dict[str, str]:
        """The URL names the panels post to ("page", "comment", "watcher_add"...)."""
        return {"page": self.name, **{action.replace("-", "_"): f"{self.name}-{action}" for action in ACTIONS}}

    def action_label(self, current: str, target: str) -> str:
        """The button text of a move, in the agent's words."""
        return self.action_labels.get(target) or self.kind.state_label(target)

    def needs(self, target: str) -> tuple[str, ...]:
        """The form fields a move to `target` shows (what the target state requires, and the page's extras)."""
        return (*self.kind.state_needs.get(target, ()), *self.extra_needs.get(target, ()))

    def actions(self, ticket: Any, failed_state: str, failed_form: forms.Form | None) -> list[dict[str, Any]]:
        """The quick actions of the header: each allowed move, with its form when the target needs input (the
        one that failed keeps its input and errors)."""
        workflow = self.kind.workflow
        out = []
        for target in workflow.allowed_from(ticket.state):
            form = failed_form if failed_form is not None and failed_state == target else self.transition_form(
                initial={"version": ticket.version, "state": target}, auto_id=f"{target}_%s")
            form.auto_id = f"{target}_%s"
            out.append({
                "state": target, "label": self.action_label(ticket.state, target), "form": form,
                "fields": [form[name] for name in self.needs(target)],
                "resolves": workflow.is_resolved(target), "danger": workflow.is_cancelled(target),
                "confirm": self.confirm.get(target, "").format(number=ticket.number),
                "open": failed_state == target,
            })
        return out

    def context(self, request: HttpRequest, ticket: Any, **overrides: Any) -> dict[str, Any]:
        """Everything the panels need. Querysets stay lazy: a partial response only runs what it renders."""
        user = request.user
        failed_state = overrides.pop("failed_state", "")
        transition_form = overrides.pop("transition_form", None)
        source_link_form = overrides.pop("source_link_form", None)
        workflow = self.kind.workflow
        # the files panel and the activity stream's files: one query for both, when either is shown
        attachments = SimpleLazyObject(lambda: list(ticket.attachments.select_related("uploaded_by")))
        context = {
            "ticket": ticket,
            "page": self,
            "kind": self.kind,
            "urls": self.urls_of(),
            "actions": self.actions(ticket, failed_state, transition_form),
            "can_take": workflow.is_open(ticket.state) and ticket.assignee_id != user.pk,
            "state_label": self.kind.state_label(ticket.state),
            "fields_form": self.fields_form(ticket=ticket, user=user),
            "comment_form": CommentForm(public=self.kind.end_users_see),
            "watcher_form": WatcherForm(actor=user, ticket=ticket),
            "link_form": LinkForm(user=user),
            "entries": SimpleLazyObject(lambda: journal.activity(ticket, user, attachments)),
            "attachments": attachments,
            "watchers": Watcher.objects.filter(ticket_id=ticket.pk).select_related("user__organization")
            .order_by("created_at"),
            "links": SimpleLazyObject(lambda: links_panel(ticket, user)),
            "sla_timers": SimpleLazyObject(lambda: timer_views(ticket.pk)),
            # the tickets it was raised from (a problem's incidents), each kind with a form to link one more
            "sources": SimpleLazyObject(lambda: raised_from.sources_panels(self.kind, ticket, user, source_link_form)),
            # what other kinds add to this page (e.g. an incident's problems and the known errors that may explain it)
            "extra_panels": SimpleLazyObject(lambda: kinds.side_panels(ticket, user)),
            "status_message": "",
            "conflict": False,
            "response_error": False,
        }
        context.update(self.extra_context(request, ticket, overrides))
        context.update(overrides)
        return context

    def extra_context(self, request: HttpRequest, ticket: Any, overrides: dict[str, Any]) -> dict[str, Any]:
        """The kind's own panels' content (lazy where it queries)."""
        return {}

    # --- answering -------------------------------------------------------------------------------------

    def render_page(self, request: HttpRequest, ticket: Any, status: int = 200, **overrides: Any) -> HttpResponse:
        return render(request, self.template, self.context(request, ticket, **overrides), status=status)

    def render_panels(self, request: HttpRequest, context: dict[str, Any], primary: str, oob: Iterable[str] = (),
                      status: int = 200) -> HttpResponse:
        """The `primary` panel (the request's hx-target) followed by out-of-band panels htmx swaps by id (a name
        of PANELS, or the template of one of the kind's side panels)."""
        html = render_to_string(PANELS[primary], {**context, "oob": False}, request)
        for name in oob:
            html += render_to_string(PANELS.get(name, name), {**context, "oob": True}, request)
        return HttpResponse(html, status=status)

    def respond(self, request: HttpRequest, ticket: Any, *, primary: str, oob: Iterable[str] = (), status: int = 200,
                message: str = "", anchor: str = "", **overrides: Any) -> HttpResponse:
        """Success without JS: message + redirect. Errors without JS: the whole page. With htmx: the panels."""
        if is_htmx(request):
            context = self.context(request, ticket, status_message=message, response_error=status >= 400,
                                   **overrides)
            # a save or a move may change what the kind's own panels show (a problem's workaround, its incidents)
            side = (*(("sources",) if self.kind.raised_from else ()), *self.side_templates) if primary in (
                "fields", "header") and status < 400 else ()
            panels = [*oob, *side, "status", *(("sla",) if self.shows_sla else ())]
            return self.render_panels(request, context, primary, panels, status=status)
        if status < 400:
            if message:
                messages.success(request, message)
            return redirect(reverse(self.name, args=[ticket.number]) + anchor)
        if message:
            messages.error(request, message)
        return self.render_page(request, ticket, status=status, **overrides)

    def conflict_text(self) -> str:
        return f"Not saved: someone else changed this {self.kind.label.lower()} meanwhile. Your input is kept below."

    def stale_text(self) -> str:
        return (f"This {self.kind.label.lower()} changed since you opened it, so nothing was done. "
                "It now shows its current state.")

    # --- writing (one action of the kind each) ---------------------------------------------------------

    def save(self, ticket: Any, user: Any, changes: dict[str, Any], version: int | None) -> Any:
        return self.kind.action(writes.update)(self.kind, ticket, user, changes, expected_version=version)

    def move(self, request: HttpRequest, ticket: Any, target: str, form: forms.Form) -> str:
        """Move the ticket with what the target needs; the message that says what happened."""
        data = form.cleaned_data
        fields = {name: data.get(name) or "" for name in self.kind.state_needs.get(target, ())}
        moved = self.kind.action(writes.transition)(self.kind, ticket, request.user, target,
                                                    expected_version=data.get("version"), fields=fields)
        return f"{moved.number} is now {self.kind.state_label(moved.state).lower()}."

    # --- views ---------------------------------------------------------------------------------------

    def detail(self, request: HttpRequest, number: str) -> HttpResponse:
        """GET: the ticket page. POST: save the fields (with the version the form was rendered with)."""
        ticket = self.load(request, number)
        if request.method != "POST":
            return self.render_page(request, ticket)
        form = self.fields_form(request.POST, ticket=ticket, user=request.user)
        if form.is_valid():
            if form.read_only:
                form.add_error(None, f"{ticket.number} is {self.kind.state_label(ticket.state).lower()}: "
                                     "it can no longer change.")
            else:
                try:
                    changes = form.changes()
                    if changes:
                        self.save(ticket, request.user, changes, form.cleaned_data["version"])
                    elif form.cleaned_data["version"] != ticket.version:
                        raise ConflictError(ticket.version)
                except ConflictError:
                    return self.conflict(request, number)
                except ValidationError as exc:
                    add_service_errors(form, exc)
                else:
                    text = "Saved." if changes else "Nothing to save: no field was changed."
                    saved = self.queryset(request).filter(number=number).first()
                    if saved is None:  # handed to a team the user is not in: it left their sight
                        return self.left_sight(request, number)
                    return self.respond(request, saved, primary="fields", oob=("header", "activity"), message=text)
        return self.respond(request, ticket, primary="fields", status=400, fields_form=form,
                            message="Not saved: correct the fields marked below.")

    def left_sight(self, request: HttpRequest, number: str) -> HttpResponse:
        """After a save that moved the ticket out of the user's sight (another team): say so and go to the queue
        (htmx follows `HX-Redirect`), rather than answer 404 to the user who just made the change."""
        messages.success(request, f"Saved. {number} now belongs to a team you are not in: it is no longer in "
                                  "your queues.")
        url = reverse(self.kind.queue_url_name)
        if is_htmx(request):
            return HttpResponse(status=204, headers={"HX-Redirect": url})
        return redirect(url)

    def conflict(self, request: HttpRequest, number: str) -> HttpResponse:
        """Re-show the user's input on top of the current ticket, with the current values pointed out."""
        current = self.load(request, number)
        stale = self.fields_form(request.POST, ticket=current, user=request.user)
        return self.respond(request, current, primary="fields", oob=("header", "activity"), status=409,
                            fields_form=stale.rebased_on(current), conflict=True, message=self.conflict_text())

    def comment(self, request: HttpRequest, number: str) -> HttpResponse:
        """Add a work note or (a kind end users see) a public comment, with optional files."""
        ticket = self.load(request, number)
        public = self.kind.end_users_see
        form = CommentForm(request.POST, request.FILES, public=public)
        if form.is_valid():
            try:
                entry, files = post_reply(ticket, request.user, form.cleaned_data["body"],
                                          form.cleaned_data["attachments"], internal=form.internal,
                                          time_spent=form.cleaned_data.get("time_spent"))
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                what = "Work note added" if form.internal else "Comment sent to the requester"
                if not entry:
                    what = f"{len(files)} file{'s' if len(files) != 1 else ''} attached"
                # back on internal after every post: the next note stays in the desk
                return self.respond(request, ticket, primary="comment", oob=("activity", "attachments"),
                                    message=f"{what}.", anchor="#activity", comment_form=CommentForm(public=public))
        return self.respond(request, ticket, primary="comment", status=400, comment_form=form,
                            message="Nothing was posted: see the message under the form.")

    def take(self, request: HttpRequest, number: str) -> HttpResponse:
        """Assign the ticket to me (and start work on a new one)."""
        ticket = self.load(request, number)
        form = VersionForm(request.POST)
        version = form.cleaned_data.get("version") if form.is_valid() else None
        try:
            self.kind.action(writes.take)(self.kind, ticket, request.user, expected_version=version)
        except ConflictError:
            return self.respond(request, self.load(request, number), primary="header", oob=("activity",),
                                status=409, message=self.stale_text())
        except ValidationError as exc:
            return self.respond(request, ticket, primary="header", status=400, message=" ".join(exc.messages))
        return self.respond(request, self.load(request, number), primary="header", oob=("fields", "activity"),
                            message=f"You took {ticket.number}.")

    def change_state(self, request: HttpRequest, number: str) -> HttpResponse:
        """A quick action: move to another state the workflow allows, with what that state needs."""
        ticket = self.load(request, number)
        form = self.transition_form(request.POST)
        if not form.is_valid():
            if "state" in form.errors:
                return self.respond(request, ticket, primary="header", status=400, message="Choose a valid state.")
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)  # e.g. notes too long: kept
            return self.respond(request, ticket, primary="header", status=400, transition_form=form,
                                failed_state=form.cleaned_data["state"],
                                message=f"{ticket.number} was not changed: {errors}")
        target = form.cleaned_data["state"]
        try:
            message = self.move(request, ticket, target, form)
        except ConflictError:
            return self.respond(request, self.load(request, number), primary="header", oob=("activity",),
                                status=409, message=self.stale_text())
        except (TransitionError, ValidationError) as exc:
            add_service_errors(form, exc)
            errors = "; ".join(str(e) for errs in form.errors.values() for e in errs)
            return self.respond(request, ticket, primary="header", status=400, transition_form=form,
                                failed_state=target, message=f"{ticket.number} was not changed: {errors}")
        return self.respond(request, self.load(request, number), primary="header", oob=("fields", "activity"),
                            message=message)

    def add_watcher(self, request: HttpRequest, number: str) -> HttpResponse:
        """Add a watcher chosen from the people picker (a watcher sees the ticket and hears of its public
        changes). The watcher rule (core.services.watcher_refusal) may ask to confirm a person of another
        organization."""
        ticket = self.load(request, number)
        form = WatcherForm(request.POST, actor=request.user, ticket=ticket)
        if form.is_valid():
            user = form.cleaned_data["user"]
            try:
                created = core_services.add_watcher(
                    ticket, user, request.user,
                    confirm_other_organization=form.cleaned_data["confirm_other_organization"])
            except ValidationError as exc:
                form.refused(exc)
            else:
                text = f"{user.display_name} {'now watches' if created else 'already watches'} {ticket.number}."
                return self.respond(request, ticket, primary="watchers", oob=("activity",), message=text,
                                    anchor="#watchers")
        return self.respond(request, ticket, primary="watchers", status=400, watcher_form=form,
                            message="No watcher was added.")

    def remove_watcher(self, request: HttpRequest, number: str, user_id: int) -> HttpResponse:
        ticket = self.load(request, number)
        watcher = get_object_or_404(Watcher.objects.select_related("user"), ticket_id=ticket.pk, user_id=user_id)
        core_services.remove_watcher(ticket, watcher.user, request.user)
        return self.respond(request, ticket, primary="watchers", oob=("activity",), anchor="#watchers",
                            message=f"{watcher.user.display_name} no longer watches {ticket.number}.")

    def add_link(self, request: HttpRequest, number: str) -> HttpResponse:
        """Link this ticket to another ticket the user can see, by number."""
        ticket = self.load(request, number)
        form = LinkForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                core_services.link_tickets(ticket, form.cleaned_data["target"], form.cleaned_data["kind"],
                                           request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                return self.respond(request, ticket, primary="links", oob=("activity",), anchor="#links",
                                    message=f"Linked to {form.cleaned_data['target'].number}.")
        return self.respond(request, ticket, primary="links", status=400, link_form=form,
                            message="No link was added.")

    def remove_link(self, request: HttpRequest, number: str, link_id: int) -> HttpResponse:
        ticket = self.load(request, number)
        link = get_object_or_404(TicketLink.objects.select_related("source", "target"), pk=link_id,
                                 source_id=ticket.pk,
                                 target__in=Ticket.objects.visible_to(request.user).values("pk"))  # as the API
        core_services.unlink_tickets(link, request.user)
        return self.respond(request, ticket, primary="links", oob=("activity",), anchor="#links",
                            message=f"Link to {link.target.number} removed.")

    def link_source(self, request: HttpRequest, number: str, source_key: str) -> HttpResponse:
        """Link one more ticket this kind is raised from (an incident to a problem), by number."""
        ticket = self.load(request, number)
        source_kind = kinds.get(source_key)
        form = raised_from.source_link_form(source_kind)(request.POST)
        if form.is_valid():
            try:
                source = related.visible_number(source_kind, request.user, form.cleaned_data[source_key], source_key)
                linked = raised_from.link_source(self.kind, ticket, source, request.user)
            except ValidationError as exc:
                form.add_error(source_key, writes.error_text(exc))
            else:
                messages.success(request, f"{source.number} is linked to {number}." if linked
                                 else f"{source.number} was already linked to {number}.")
                return redirect(reverse(self.name, args=[number]) + f"#{source_kind.slug}")
        return self.render_page(request, ticket, status=400, source_link_form=form)

    def sla_panel(self, request: HttpRequest, number: str) -> HttpResponse:
        """The SLA panel alone (htmx refreshes it every 30 seconds while the page is open)."""
        ticket = self.load(request, number)
        return render(request, PANELS["sla"], {"ticket": ticket, "kind": self.kind, "urls": self.urls_of(),
                                               "sla_timers": timer_views(ticket.pk), "oob": False})

    # --- URLs --------------------------------------------------------------------------------------

    def urls(self, base: str) -> list[URLPattern]:
        """The page's URL patterns under `base` (e.g. "agent/incidents/"), named after `name`."""
        def agent(view: Callable[..., HttpResponse], post: bool = True) -> Callable[..., HttpResponse]:
            return permission_required("tickets.work")(require_POST(view) if post else view)

        n, number = self.name, f"{base}<str:number>/"
        return [
            path(number, agent(self.detail, post=False), name=n),
            path(f"{number}comment/", agent(self.comment), name=f"{n}-comment"),
            path(f"{number}take/", agent(self.take), name=f"{n}-take"),
            path(f"{number}sla/", agent(require_GET(self.sla_panel), post=False), name=f"{n}-sla"),
            path(f"{number}state/", agent(self.change_state), name=f"{n}-state"),
            path(f"{number}watchers/", agent(self.add_watcher), name=f"{n}-watcher-add"),
            path(f"{number}watchers/<int:user_id>/remove/", agent(self.remove_watcher), name=f"{n}-watcher-remove"),
            path(f"{number}links/", agent(self.add_link), name=f"{n}-link-add"),
            path(f"{number}links/<int:link_id>/remove/", agent(self.remove_link), name=f"{n}-link-remove"),
            *(path(f"{number}{kinds.get(key).slug}/", agent(partial(self.link_source, source_key=key)),
                   name=f"{n}-{key}-link") for key in self.kind.raised_from),
        ]
