"""The ticket-kind contract: what each practice (incident, problem, change...) declares in one place.

A practice app subclasses `Kind`, fills in its attributes and overrides the hooks it needs, and registers an
instance from its AppConfig.ready(). Everything generic reads the registry instead of importing the practice:
the SLA engine asks a kind which states stop or cancel a clock and runs escalations through its hook, the home
pages ask each kind for its queues, dashboards link to each kind's own page. `core` and `sla` never import a
practice app; they look kinds up here by the ticket's `kind` code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar, cast

from django.apps import apps
from django.urls import NoReverseMatch, reverse

from core.workflow import Workflow

if TYPE_CHECKING:

    from core.models import Ticket
    from core.unified_search import Group, Query


class Kind:
    """One kind of ticket. Subclass it in the practice app; override the hooks that apply.

    Attributes a kind declares:
    - `key`: its `core.TicketKind` code (also `Ticket.kind`); `prefix` is the number prefix (INC, PRB...).
    - `model_label`: "app_label.Model" of its model (a multi-table child of core.Ticket).
    - `label` / `label_plural`: how people call it.
    - `workflow`: states, moves, and which states are open, resolved, cancelled (core.workflow.Workflow).
    - `agent_url_name`: the agent ticket page (reversed with the number); `queue_url_name`: the agent queue;
      `portal_url_name`: the end user's page of one ticket, or "" when end users never see this kind.
    - `choice_fields`: the choices of its own fields the journal stores as codes (`{"state": State.choices}`).
    - `end_users_see`: whether end users may see tickets of this kind at all (problems: never; the access rule
      leaves them out of an end user's sight whoever requested or watches them).
    - Who writes what (core.writes): `end_user_create_fields` / `end_user_update_fields` (an end user raising /
      editing their own), `agent_fields` (the desk), `privileged_fields` (also writable with the permission
      `privileged_permission`, e.g. flagging an incident major). `transition_fields`: what a state change may
      carry (a hold reason, resolution notes), taken by `transition_errors` / `on_move`; `state_needs`: which of
      them a move to each state takes (the ticket page's quick action asks for those).
    - `search_group_key`: where the unified search (core.unified_search) lists its tickets: "tickets", found by
      number, title and description with every other kind's; or the key of a group of its own that `search_group`
      fills (knowledge articles: their published versions, ranked).
    - `end_user_hidden_fields`: the desk's own assessment and bookkeeping that end users never read, neither in
      their API and pages nor as changes in the history (e.g. impact, an incident's channel or parent).
      `internal_fields`: the other fields whose changes end users never read in the history (e.g. priority);
      `history_internal_fields` is the union of both, the one list the journal reads.
    """

    key: ClassVar[str]
    prefix: ClassVar[str]
    model_label: ClassVar[str]
    label: ClassVar[str]
    label_plural: ClassVar[str]
    workflow: ClassVar[Workflow]
    agent_url_name: ClassVar[str]
    queue_url_name: ClassVar[str]
    portal_url_name: ClassVar[str] = ""
    # The labels of the kind's own choice fields that the journal keeps as codes (state, hold reason...).
    choice_fields: ClassVar[Mapping[str, Iterable[tuple[Any, str]]]] = {}
    end_users_see: ClassVar[bool] = True
    # every agent reads every ticket of the kind (knowledge articles), not only their teams' and their own
    desk_reads_all: ClassVar[bool] = False
    end_user_create_fields: ClassVar[frozenset[str]] = frozenset({"title", "description", "urgency", "service"})
    end_user_update_fields: ClassVar[frozenset[str]] = frozenset({"title", "description", "urgency"})
    agent_fields: ClassVar[frozenset[str]] = frozenset({
        "title", "description", "impact", "urgency", "service", "team", "assignee", "requester", "state",
    })
    privileged_fields: ClassVar[frozenset[str]] = frozenset()
    privileged_permission: ClassVar[str] = ""
    transition_fields: ClassVar[frozenset[str]] = frozenset()
    state_needs: ClassVar[Mapping[str, tuple[str, ...]]] = {}
    end_user_hidden_fields: ClassVar[frozenset[str]] = frozenset({"impact"})
    internal_fields: ClassVar[frozenset[str]] = frozenset({"impact", "priority"})
    # The e-mails to the desk the default `notify` sends (core.desk_mail): event -> DeskEvent.
    desk_events: ClassVar[Mapping[str, Any]] = {}
    # What it is raised from (core.raised_from): source kind key -> the link kind from a source to it.
    raised_from: ClassVar[Mapping[str, str]] = {}
    # The fields a ticket raised from another takes from it (those this kind has and lets the desk write).
    fields_from_source: ClassVar[tuple[str, ...]] = (
        "title", "description", "service", "category", "impact", "urgency")
    search_group_key: ClassVar[str] = "tickets"

    @property
    def slug(self) -> str:
        """Its name in URLs: "incidents", "problems"."""
        return self.label_plural.lower().replace(" ", "-")

    @property
    def history_internal_fields(self) -> frozenset[str]:
        """The fields whose changes end users never read: the internal ones and those hidden from them."""
        return self.internal_fields | self.end_user_hidden_fields

    @property
    def model(self) -> type[Ticket]:
        """The kind's model, a multi-table child of core.Ticket."""
        return cast("type[Ticket]", apps.get_model(self.model_label))

    def agent_url(self, number: str) -> str:
        """The agent's page of one ticket of this kind."""
        return reverse(self.agent_url_name, args=[number])

    def queue_url(self) -> str:
        return reverse(self.queue_url_name)

    def state_label(self, state: str) -> str:
        return self.workflow.label(state)

    # --- hooks ------------------------------------------------------------------------------------------------

    def may(self, user: Any, action: str, ticket: Ticket) -> bool | None:
        """The kind's own answer to `core.access.may` (its own actions, or a narrower rule), or None to leave
        the decision to the core's rule."""
        return None

    def action(self, write: Callable[..., Any]) -> Callable[..., Any]:
        """Wrap a write of the core (core.writes) as one action of this kind, so the notifications it asks for
        go out together after commit (incidents: one e-mail per person per action). The default adds nothing."""
        return write

    def after_comment(self, ticket: Ticket, actor: Any, entry: Any) -> None:
        """What follows a public comment, in its transaction (a requester's reply reopens a resolved incident;
        the other side hears of it). Work notes have no follow-up."""

    def clean(self, ticket: Ticket | None, actor: Any, data: dict[str, Any]) -> None:
        """The kind's own checks of a create (`ticket` None) or an update, after references are resolved; may
        adjust `data` (clear a subcategory that no longer fits). Raise ValidationError on a field."""

    def route_team(self, data: Mapping[str, Any]) -> Any:
        """The team of a new ticket nobody assigned: by default the support team of its service."""
        service = data.get("service")
        return service.support_team if service is not None and service.support_team_id else None

    def create_defaults(self, actor: Any, data: Mapping[str, Any]) -> dict[str, Any]:
        """Values of the kind's own fields for a new ticket when the input does not give them."""
        return {}

    def transition_errors(self, ticket: Ticket, target: str, fields: Mapping[str, Any]) -> dict[str, list[str]]:
        """What moving to `target` still needs ({field: [message]}), given the `transition_fields` sent."""
        return {}

    def on_move(self, ticket: Ticket, current: str, target: str, fields: Mapping[str, Any]) -> dict[str, Any]:
        """The kind's fields a move sets (journaled with it): a hold reason, resolution notes, cleared on reopen."""
        return {}

    def derived(self, ticket: Ticket) -> dict[str, Any]:
        """Fields that follow from the others, applied (and journaled) with every change: a problem becomes a
        known error once it has a root cause and a workaround."""
        return {}

    def after_transition(self, ticket: Ticket, actor: Any, current: str, target: str,
                         fields: Mapping[str, Any]) -> None:
        """What follows a move, in its transaction (resolve the children, the linked incidents...)."""

    def approval_decided(self, ticket: Ticket, approval: Any, actor: Any, comment: str) -> None:
        """An approval of the ticket was settled (approved or rejected) by `actor`'s decision (core.approvals),
        inside the decision's transaction with the ticket locked."""

    def awaiting_decision(self, user: Any) -> list[Any]:
        """Tickets of this kind waiting for `user`'s own decision besides their approvals (a change's final say),
        listed on My approvals."""
        return []

    def fields_from(self, source: Ticket) -> dict[str, Any]:
        """A new ticket's fields, taken from the ticket it is raised from (core.raised_from)."""
        return {name: getattr(source, name) for name in self.fields_from_source
                if name in self.agent_fields and hasattr(source, name)}

    def after_link(self, ticket: Ticket, source: Ticket, actor: Any) -> None:
        """What follows linking a source to a ticket of this kind, in its transaction (a problem's published
        workaround reaches the incident)."""

    def notify(self, event: str, ticket: Ticket, actor: Any, entry_id: int | None = None) -> None:
        """Ask for the e-mails of `event` (created, assigned, team, state, comment, reply), sent after commit: by
        default those of `desk_events` to the desk (core.desk_mail)."""
        from core import desk_mail

        desk_mail.notify(self, event, ticket, actor, entry_id)

    def escalate(self, ticket: Ticket, action: str, escalation_team: Any = None) -> str:
        """Run an SLA escalation action that changes the ticket (raise priority, flag major, reassign) as the
        system, through the kind's own service functions; return what happened in a few words for the SLA
        event's record. Kinds without such an action say so."""
        return f"skipped: {self.label_plural.lower()} have no such action"

    def side_panels(self, ticket: Ticket, user: Any) -> list[dict[str, Any]]:
        """Panels this kind adds to the agent page of a ticket of another kind (`{"template": ..., ...}` with
        the template's context; `"top": True` puts it first in the side column, else after the shared panels):
        the problems of an incident, with the known errors that may explain it. By
        default, on the page of a ticket this kind is raised from, for the desk: the tickets of this kind it is
        linked to, and the forms that link it to one or raise one (core.raised_from.targets_panel)."""
        from accounts.roles import can
        from core import raised_from

        if ticket.kind not in self.raised_from or not can(user, "tickets.work"):
            return []
        return [raised_from.targets_panel(self, ticket, user)]

    def bulk_actions(self, kind_key: str, user: Any) -> list[dict[str, str]]:
        """Actions this kind offers on the ticked rows of another kind's queue (`{"label", "url"}`, the `name` and
        `value` its button sends, and `input`, `input_label`, `placeholder` for one text field it needs; the URL
        takes the rows' `numbers`, `next` and those by POST): raise a problem from the selected incidents, or link
        them to one. By default those of raising this kind from the queue's kind (core.raised_from), for the desk."""
        from accounts.roles import can
        from core import raised_from

        if kind_key not in self.raised_from or not can(user, "tickets.work"):
            return []
        return raised_from.bulk_actions(self, kind_key)

    def queue_summaries(self, user: Any) -> list[dict[str, Any]]:
        """The queues of this kind on the agent's workspace home, with counts through the access rule."""
        return []

    def portal_urls(self, tickets: Sequence[Ticket], user: Any) -> dict[str, str]:
        """The end user's page of each of these tickets of this kind, by number, for those that have one: by default
        `portal_url_name` with the ticket's number; none when the kind has no portal page. One query at most for all
        of them (the unified search lists tickets of every kind at once)."""
        if not self.portal_url_name:
            return {}
        return {ticket.number: reverse(self.portal_url_name, args=[ticket.number]) for ticket in tickets}

    def search_group(self, user: Any, query: Query) -> Group | None:
        """The unified search's group of this kind, for a kind with one of its own (`search_group_key` other than
        "tickets"): what `user` may read matching `query` (its text, or the number typed), at most `query.limit`
        hits, through the access rule and in a constant number of queries. None: the kind has no group of its own."""
        return None

    def portal_recent(self, user: Any, limit: int) -> list[Any]:
        """The end user's most recently updated tickets of this kind for the portal home (through the access
        rule), each with a `status_text`; empty for kinds end users do not see."""
        return []


_REGISTRY: dict[str, Kind] = {}
# Apps that are not kinds and add panels to tickets' pages (the CMDB's configuration items): (ticket, user) -> panels
_PANEL_PROVIDERS: list[Callable[[Any, Any], list[dict[str, Any]]]] = []


def add_panel_provider(provider: Callable[[Any, Any], list[dict[str, Any]]]) -> None:
    """Let an app that is not a ticket kind add panels to the agent page of tickets (called from its
    AppConfig.ready(); once per provider)."""
    if provider not in _PANEL_PROVIDERS:
        _PANEL_PROVIDERS.append(provider)


def side_panels(ticket: Ticket, user: Any) -> list[dict[str, Any]]:
    """The panels other kinds and apps add to the agent page of `ticket` (see Kind.side_panels)."""
    return [*(panel for kind in registered() for panel in kind.side_panels(ticket, user)),
            *(panel for provider in _PANEL_PROVIDERS for panel in provider(ticket, user))]


def register(kind: Kind) -> Kind:
    """Make a kind known to the core (called from the practice's AppConfig.ready())."""
    if kind.key in _REGISTRY and type(_REGISTRY[kind.key]) is not type(kind):
        raise ValueError(f"Two kinds registered for {kind.key!r}.")
    _REGISTRY[kind.key] = kind
    from core import count_cache  # its tickets' writes renew the lists' kept counts

    count_cache.watch(kind.model)
    return kind


def unregister(key: str) -> None:
    """Forget a kind (tests that register a kind of their own)."""
    _REGISTRY.pop(key, None)


def get(key: str) -> Kind:
    """The kind registered for a `Ticket.kind` code; LookupError when no installed app declares it."""
    try:
        return _REGISTRY[key]
    except KeyError:
        raise LookupError(f"No ticket kind '{key}' is registered.") from None


def find(key: str) -> Kind | None:
    return _REGISTRY.get(key)


def of(ticket: Ticket) -> Kind:
    """The kind of a ticket (any row of core.Ticket or of a child model)."""
    return get(ticket.kind)


def agent_url_of(ticket: Ticket) -> str:
    """The agent page of any ticket, by its kind; "" when no installed app declares the kind (or its page)."""
    kind = find(ticket.kind)
    if kind is None:
        return ""
    try:
        return kind.agent_url(ticket.number)
    except NoReverseMatch:
        return ""


def state_label_of(ticket: Ticket) -> str:
    """The label of a ticket's state, by its kind; the code made readable for a kind no app declares."""
    kind = find(ticket.kind)
    return kind.state_label(ticket.state) if kind else ticket.state.replace("_", " ").capitalize()


def registered() -> list[Kind]:
    """Every registered kind, in registration order (the order of INSTALLED_APPS)."""
    return list(_REGISTRY.values())
