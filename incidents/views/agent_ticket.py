"""The agent's ticket page: fields, quick actions, the activity stream, comments and work notes.

The page is made of panels (header, fields, comment form, activity, attachments, watchers, links). With htmx a
form posts to its action and gets back its own panel plus the panels the change affected, swapped out of band
(`hx-swap-oob`); without JavaScript the same URLs answer with a redirect (success) or the whole page (errors).
Saving the fields carries the `version` the page was rendered with: a stale save changes nothing and shows the
user's input next to the current values (409).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.views.decorators.http import require_GET, require_POST

from accounts.roles import can
from core import journal, kinds, references
from core import services as core_services
from core.models import Ticket, TicketLink, Watcher
from core.permissions import permission_required
from core.services import ConflictError
from core.workflow import TransitionError
from incidents import services
from incidents.choices import WORKFLOW, State
from incidents.forms import (
    AgentCommentForm,
    AgentIncidentForm,
    LinkForm,
    TransitionForm,
    VersionForm,
    WatcherForm,
    add_service_errors,
)
from incidents.models import Incident
from incidents.views.common import is_htmx, post_reply
from sla.display import timer_views

DETAIL_RELATED = ("requester", "team", "assignee", "service", "category", "subcategory", "parent")
PANELS = {
    "header": "agent/incident/_header.html",
    "fields": "agent/incident/_fields.html",
    "comment": "agent/incident/_comment_form.html",
    "activity": "agent/incident/_activity.html",
    "attachments": "agent/incident/_attachments.html",
    "watchers": "agent/incident/_watchers.html",
    "links": "agent/incident/_links.html",
    "status": "agent/incident/_status.html",
    "sla": "agent/incident/_sla.html",
}
CONFLICT_TEXT = "Not saved: someone else changed this incident meanwhile. Your input is kept below."
STALE_ACTION_TEXT = "This incident changed since you opened it, so nothing was done. It now shows its current state."


def action_label(current: str, target: str) -> str:
    """The button text of a transition, in the agent's words."""
    if target == State.IN_PROGRESS:
        return {State.NEW: "Start work", State.ON_HOLD: "Resume work", State.RESOLVED: "Reopen"}.get(current, "Work")
    return {State.ON_HOLD: "Put on hold", State.RESOLVED: "Resolve", State.CLOSED: "Close",
            State.CANCELLED: "Cancel incident"}.get(target, State(target).label)


def load_incident(request: HttpRequest, number: str) -> Incident:
    """The incident if the user may see it (404 otherwise), with the references the page shows."""
    return get_object_or_404(
        Incident.objects.visible_to(request.user).select_related(*DETAIL_RELATED)
        .annotate(parent_visible=references.visible_exists(request.user, "parent_id")), number=number,
    )


def page_context(request: HttpRequest, incident: Incident, **overrides: Any) -> dict[str, Any]:
    """Everything the panels need. Querysets stay lazy: a partial response only runs what it renders."""
    user = request.user
    can_flag_major = can(user, "incidents.flag_major")
    failed_state = overrides.pop("failed_state", "")
    transition_form = overrides.pop("transition_form", None)

    def action_form(state: str, prefix: str) -> TransitionForm:
        if transition_form is not None and failed_state == state:
            transition_form.auto_id = f"{prefix}_%s"
            return transition_form
        return TransitionForm(initial={"version": incident.version, "state": state}, auto_id=f"{prefix}_%s")

    actions = [
        {"state": target, "label": action_label(incident.state, target),
         "kind": {State.ON_HOLD: "hold", State.RESOLVED: "resolve"}.get(target, "button"),
         "danger": target == State.CANCELLED}
        for target in WORKFLOW.allowed_from(incident.state)
    ]
    context = {
        "incident": incident,
        "actions": actions,
        "hold_form": action_form(State.ON_HOLD, "hold"),
        "resolve_form": action_form(State.RESOLVED, "resolve"),
        "failed_state": failed_state,
        "can_take": incident.state in (State.NEW, State.IN_PROGRESS, State.ON_HOLD)
        and incident.assignee_id != user.pk,
        "fields_form": AgentIncidentForm(incident=incident, user=user, can_flag_major=can_flag_major),
        "comment_form": AgentCommentForm(),
        "watcher_form": WatcherForm(actor=user, ticket=incident),
        "link_form": LinkForm(user=user),
        "entries": SimpleLazyObject(lambda: journal.activity(incident, user)),
        "attachments": incident.attachments.select_related("uploaded_by"),
        "watchers": Watcher.objects.filter(ticket_id=incident.pk).select_related("user__organization")
        .order_by("created_at"),
        "links": SimpleLazyObject(lambda: links_panel(incident, user)),
        "sla_timers": SimpleLazyObject(lambda: timer_views(incident.pk)),
        # what other kinds add to an incident's page (its problems and the known errors that may explain it)
        "extra_panels": SimpleLazyObject(lambda: [
            panel for kind in kinds.registered() for panel in kind.side_panels(incident, user)]),
        "status_message": "",
        "conflict": False,
        "response_error": False,
    }
    context.update(overrides)
    return context


def links_panel(incident: Incident, user) -> dict[str, Any]:
    """The links panel's content as `user` may see it: each link's other ticket as a reference (number, title and
    page only when the access rule lets `user` see it, "another ticket" otherwise), and the parent likewise.
    Visibility comes inside the links' own queries (and load_incident's `parent_visible`)."""
    out = (TicketLink.objects.filter(source_id=incident.pk).select_related("target")
           .defer("target__search", "target__description")
           .annotate(visible=references.visible_exists(user, "target_id")).order_by("created_at", "id"))
    into = (TicketLink.objects.filter(target_id=incident.pk).select_related("source")
            .defer("source__search", "source__description")
            .annotate(visible=references.visible_exists(user, "source_id")).order_by("created_at", "id"))

    def ref(ticket, visible: bool) -> references.TicketReference:
        return references.reference(ticket, {ticket.pk} if visible else set())

    parent = None
    if incident.parent_id:
        parent = ref(incident.parent, getattr(incident, "parent_visible", False))
    return {
        "out": [{"link": link, "ticket": ref(link.target, link.visible)} for link in out],
        "in": [{"link": link, "ticket": ref(link.source, link.visible)} for link in into],
        "parent": parent,
    }


def render_panels(
    request: HttpRequest, context: dict[str, Any], primary: str, oob: Iterable[str] = (), status: int = 200
) -> HttpResponse:
    """The `primary` panel (the request's hx-target) followed by out-of-band panels htmx swaps by id."""
    html = render_to_string(PANELS[primary], {**context, "oob": False}, request)
    for name in oob:
        html += render_to_string(PANELS[name], {**context, "oob": True}, request)
    return HttpResponse(html, status=status)


def respond(
    request: HttpRequest, incident: Incident, *, primary: str, oob: Iterable[str] = (), status: int = 200,
    message: str = "", anchor: str = "", **overrides: Any
) -> HttpResponse:
    """Success without JS: message + redirect. Errors without JS: the whole page. With htmx: the panels."""
    if is_htmx(request):
        context = page_context(request, incident, status_message=message, response_error=status >= 400, **overrides)
        return render_panels(request, context, primary, [*oob, "status", "sla"], status=status)
    if status < 400:
        if message:
            messages.success(request, message)
        return redirect(reverse("agent-incident", args=[incident.number]) + anchor)
    if message:
        messages.error(request, message)
    return render(request, "agent/incident_detail.html", page_context(request, incident, **overrides), status=status)


@permission_required("tickets.work")
def detail(request: HttpRequest, number: str) -> HttpResponse:
    """GET: the ticket page. POST: save the fields (with the version the form was rendered with)."""
    incident = load_incident(request, number)
    if request.method != "POST":
        return render(request, "agent/incident_detail.html", page_context(request, incident))
    user = request.user
    form = AgentIncidentForm(request.POST, incident=incident, user=user,
                             can_flag_major=can(user, "incidents.flag_major"))
    if form.is_valid():
        if form.read_only:
            form.add_error(None, f"{incident.number} is {incident.get_state_display().lower()}: "
                                 "it can no longer change.")
        else:
            try:
                changes = form.changes()
                if changes:
                    incident = services.update_incident(
                        incident, user, changes, expected_version=form.cleaned_data["version"]
                    )
                elif form.cleaned_data["version"] != incident.version:
                    raise ConflictError(incident.version)
            except ConflictError:
                return _conflict(request, number)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                incident = load_incident(request, number)
                text = "Saved." if changes else "Nothing to save: no field was changed."
                return respond(request, incident, primary="fields", oob=("header", "activity"), message=text)
    return respond(request, incident, primary="fields", status=400, fields_form=form,
                   message="Not saved: correct the fields marked below.")


def _conflict(request: HttpRequest, number: str) -> HttpResponse:
    """Re-show the user's input on top of the current incident, with the current values pointed out."""
    current = load_incident(request, number)
    user = request.user
    stale = AgentIncidentForm(request.POST, incident=current, user=user,
                              can_flag_major=can(user, "incidents.flag_major"))
    form = stale.rebased_on(current)
    return respond(request, current, primary="fields", oob=("header", "activity"), status=409,
                   fields_form=form, conflict=True, message=CONFLICT_TEXT)


@require_POST
@permission_required("tickets.work")
def comment(request: HttpRequest, number: str) -> HttpResponse:
    """Add a work note or a public comment, with optional files."""
    incident = load_incident(request, number)
    form = AgentCommentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            entry, files = post_reply(incident, request.user, form.cleaned_data["body"],
                                      form.cleaned_data["attachments"], internal=form.internal)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            what = "Work note added" if form.internal else "Comment sent to the requester"
            if not entry:
                what = f"{len(files)} file{'s' if len(files) != 1 else ''} attached"
            fresh = AgentCommentForm()  # back on internal after every post: the next note stays in the desk
            return respond(request, incident, primary="comment", oob=("activity", "attachments"),
                           message=f"{what}.", anchor="#activity", comment_form=fresh)
    return respond(request, incident, primary="comment", status=400, comment_form=form,
                   message="Nothing was posted: see the message under the form.")


@require_POST
@permission_required("tickets.work")
def take(request: HttpRequest, number: str) -> HttpResponse:
    """Assign the incident to me (and start work on a new one)."""
    incident = load_incident(request, number)
    form = VersionForm(request.POST)
    version = form.cleaned_data.get("version") if form.is_valid() else None
    try:
        services.take(incident, request.user, expected_version=version)
    except ConflictError:
        return respond(request, load_incident(request, number), primary="header", oob=("activity",), status=409,
                       message=STALE_ACTION_TEXT)
    except ValidationError as exc:
        return respond(request, incident, primary="header", status=400, message=" ".join(exc.messages))
    return respond(request, load_incident(request, number), primary="header", oob=("fields", "activity"),
                   message=f"You took {incident.number}.")


@require_POST
@permission_required("tickets.work")
def change_state(request: HttpRequest, number: str) -> HttpResponse:
    """A quick action: move to another state allowed by WORKFLOW, with what that state needs."""
    incident = load_incident(request, number)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        if "state" in form.errors:
            return respond(request, incident, primary="header", status=400, message="Choose a valid state.")
        errors = "; ".join(e for errs in form.errors.values() for e in errs)  # e.g. notes too long: kept in the form
        return respond(request, incident, primary="header", status=400, transition_form=form,
                       failed_state=form.cleaned_data["state"], message=f"{incident.number} was not changed: {errors}")
    target = form.cleaned_data["state"]
    try:
        services.transition(incident, request.user, target, expected_version=form.cleaned_data.get("version"),
                            **form.service_kwargs())
    except ConflictError:
        return respond(request, load_incident(request, number), primary="header", oob=("activity",), status=409,
                       message=STALE_ACTION_TEXT)
    except (TransitionError, ValidationError) as exc:
        add_service_errors(form, exc)
        errors = "; ".join(e for errs in form.errors.values() for e in errs)
        return respond(request, incident, primary="header", status=400, transition_form=form,
                       failed_state=target, message=f"{incident.number} was not changed: {errors}")
    incident = load_incident(request, number)
    return respond(request, incident, primary="header", oob=("fields", "activity"),
                   message=f"{incident.number} is now {incident.get_state_display().lower()}.")


@require_POST
@permission_required("tickets.work")
def add_watcher(request: HttpRequest, number: str) -> HttpResponse:
    """Add a watcher chosen from the people picker (a watcher sees the ticket and hears of its public changes).

    The watcher rule (core.services.watcher_refusal) may ask to confirm a person of another organization.
    """
    incident = load_incident(request, number)
    form = WatcherForm(request.POST, actor=request.user, ticket=incident)
    if form.is_valid():
        user = form.cleaned_data["user"]
        try:
            created = core_services.add_watcher(
                incident, user, request.user,
                confirm_other_organization=form.cleaned_data["confirm_other_organization"],
            )
        except ValidationError as exc:
            form.refused(exc)
        else:
            text = f"{user.display_name} now watches {incident.number}." if created else \
                f"{user.display_name} already watches {incident.number}."
            return respond(request, incident, primary="watchers", oob=("activity",), message=text, anchor="#watchers")
    return respond(request, incident, primary="watchers", status=400, watcher_form=form,
                   message="No watcher was added.")


@require_POST
@permission_required("tickets.work")
def remove_watcher(request: HttpRequest, number: str, user_id: int) -> HttpResponse:
    incident = load_incident(request, number)
    watcher = get_object_or_404(Watcher.objects.select_related("user"), ticket_id=incident.pk, user_id=user_id)
    core_services.remove_watcher(incident, watcher.user, request.user)
    return respond(request, incident, primary="watchers", oob=("activity",),
                   message=f"{watcher.user.display_name} no longer watches {incident.number}.", anchor="#watchers")


@require_POST
@permission_required("tickets.work")
def add_link(request: HttpRequest, number: str) -> HttpResponse:
    """Link this incident to another ticket the user can see, by number."""
    incident = load_incident(request, number)
    form = LinkForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            core_services.link_tickets(incident, form.cleaned_data["target"], form.cleaned_data["kind"], request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return respond(request, incident, primary="links", oob=("activity",), anchor="#links",
                           message=f"Linked to {form.cleaned_data['target'].number}.")
    return respond(request, incident, primary="links", status=400, link_form=form, message="No link was added.")


@require_POST
@permission_required("tickets.work")
def remove_link(request: HttpRequest, number: str, link_id: int) -> HttpResponse:
    incident = load_incident(request, number)
    link = get_object_or_404(TicketLink.objects.select_related("source", "target"), pk=link_id, source_id=incident.pk,
                             target__in=Ticket.objects.visible_to(request.user).values("pk"))  # as the API does
    core_services.unlink_tickets(link, request.user)
    return respond(request, incident, primary="links", oob=("activity",), anchor="#links",
                   message=f"Link to {link.target.number} removed.")


@permission_required("tickets.work")
@require_GET
def sla_panel(request: HttpRequest, number: str) -> HttpResponse:
    """The SLA panel alone (htmx refreshes it every 30 seconds while the page is open)."""
    incident = load_incident(request, number)
    return render(request, PANELS["sla"], {"incident": incident, "sla_timers": timer_views(incident.pk), "oob": False})
