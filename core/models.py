"""The shared ticket core: the Ticket base table, its journal, attachments, watchers and links.

Every practice (incidents, problems, changes, requests) extends `Ticket` by multi-table inheritance, so SLA
timers, journal entries, attachments, watchers and links point at one table with real foreign keys, and an
agent's queue can span every kind in one query. Only service functions write these rows (see core.services).
"""

from __future__ import annotations

import time
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import EmptyResultSet
from django.db import connection, models
from django.db.models import Q
from django.db.models.functions import Left
from django.utils import timezone
from django.utils.functional import LazyObject, empty

from accounts.roles import Role, role_of
from core import count_cache, kinds, reference_cache
from core.limits import SEARCH_TEXT_PREFIX, TITLE_MAX_LENGTH, long_text


class TicketKind(models.TextChoices):
    INCIDENT = "incident", "Incident"
    PROBLEM = "problem", "Problem"
    CHANGE = "change", "Change"
    REQUEST = "request", "Request"
    REQUESTED_ITEM = "ritm", "Requested item"
    TASK = "task", "Task"
    CHANGE_TASK = "ctask", "Change task"
    RELEASE = "release", "Release"
    ARTICLE = "article", "Knowledge article"


# Number prefix per kind; each has its own PostgreSQL sequence (see migration 0001).
NUMBER_PREFIX = {
    TicketKind.INCIDENT: "INC",
    TicketKind.PROBLEM: "PRB",
    TicketKind.CHANGE: "CHG",
    TicketKind.REQUEST: "REQ",
    TicketKind.REQUESTED_ITEM: "RITM",
    TicketKind.TASK: "TASK",
    TicketKind.CHANGE_TASK: "CTASK",
    TicketKind.RELEASE: "RLS",
    TicketKind.ARTICLE: "KB",
}
NUMBER_DIGITS = 7


def sequence_name(kind: str) -> str:
    return f"core_ticket_number_{kind}"


def next_number(kind: str) -> str:
    """The next number of a kind (INC0001001...), from a PostgreSQL sequence: unique under concurrency."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [sequence_name(kind)])
        value = cursor.fetchone()[0]
    return f"{NUMBER_PREFIX[TicketKind(kind)]}{value:0{NUMBER_DIGITS}d}"


class Impact(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Urgency(models.IntegerChoices):
    HIGH = 1, "1 - High"
    MEDIUM = 2, "2 - Medium"
    LOW = 3, "3 - Low"


class Priority(models.IntegerChoices):
    CRITICAL = 1, "1 - Critical"
    HIGH = 2, "2 - High"
    MODERATE = 3, "3 - Moderate"
    LOW = 4, "4 - Low"
    PLANNING = 5, "5 - Planning"


# ITIL's default matrix: priority = f(impact, urgency); admins may edit it (PriorityRule).
DEFAULT_PRIORITY_MATRIX = {
    (1, 1): 1, (1, 2): 2, (1, 3): 3,
    (2, 1): 2, (2, 2): 3, (2, 3): 4,
    (3, 1): 3, (3, 2): 4, (3, 3): 5,
}


class PriorityRule(models.Model):
    """One cell of the impact x urgency -> priority matrix (admin-editable, ITIL default seeded)."""

    impact = models.PositiveSmallIntegerField(choices=Impact.choices)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)

    class Meta:
        ordering = ["impact", "urgency"]
        constraints = [models.UniqueConstraint(fields=["impact", "urgency"], name="priority_rule_unique_cell")]

    def __str__(self) -> str:
        return f"impact {self.impact} x urgency {self.urgency} -> P{self.priority}"


def compute_priority(impact: int, urgency: int) -> int:
    """Priority from the admin-editable matrix, falling back to the ITIL default for a missing cell."""
    rule = PriorityRule.objects.filter(impact=impact, urgency=urgency).values_list("priority", flat=True).first()
    return rule if rule is not None else DEFAULT_PRIORITY_MATRIX[(impact, urgency)]


class OutboxTask(models.Model):
    """A Celery task to send, written in the transaction of the change that needs it (see core.outbox).

    Deleted once the broker accepted it; while Redis is away the rows wait and beat's drain sends them.
    """

    task = models.CharField(max_length=200)
    args = models.JSONField(default=list, blank=True)
    kwargs = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


class IdempotencyKey(models.Model):
    """The stored answer to a create sent with an `Idempotency-Key` header (see core.api.idempotency).

    Written in the transaction of the create, so a committed create always has its answer stored.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)  # sha256 of method, path and body
    status_code = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="idempotency_key_unique_per_user")]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"


# Watched tickets beyond this many (per user) are not granted by watching alone.
MAX_WATCHED = 2000


# A user's access-rule inputs (watched tickets, team ids) as this process last read them, under the generation of
# the ticket data they were read in (core.count_cache: watchers, team memberships, users and organizations that
# change start a new one) and for at most KEPT_INPUTS_SECONDS (a change whose new generation could not reach Redis
# is seen within that time). Bounded: cleared when full.
_kept_inputs: dict[tuple[int, str], tuple[tuple[int, int], float, tuple[Any, ...]]] = {}
KEPT_INPUTS_MAX = 20_000
KEPT_INPUTS_SECONDS = 10.0
# What is remembered on a user object (request.user: for the request): the access rule's inputs, and which tickets
# it may see among those a page refers to (core.references.visible_ticket_ids).
WATCHED_MEMO, TEAMS_MEMO, VISIBILITY_MEMO = "_watched_numbers", "_team_ids", "_ticket_visibility"


def user_object(user: Any) -> Any:
    """The user itself behind `request.user`'s lazy wrapper: what is remembered on a user object (its teams, its
    watched tickets) must be on the object the signals see."""
    if isinstance(user, LazyObject):
        lazy: Any = user
        if lazy._wrapped is empty:
            lazy._setup()
        return lazy._wrapped
    return user


def _kept_input(user: Any, name: str, load: Any) -> list[Any]:
    """`user.__dict__[name]` (once per user object: once per request for request.user), else this process's copy
    when the ticket data has not changed since it was read (and it is fresh), else `load()`. Nothing is kept from
    a transaction that changed ticket data (it may yet be rolled back), nor across a change of this process that
    could not start a new generation (Redis away)."""
    user = user_object(user)
    memo = user.__dict__.get(name)
    if memo is not None:
        return memo
    generation = count_cache.generation()
    current = None if generation is None else (generation, count_cache.missed_bumps)
    key = (user.pk, name)
    kept = _kept_inputs.get(key)
    now = time.monotonic()
    if current is not None and kept is not None and kept[0] == current and now - kept[1] < KEPT_INPUTS_SECONDS:
        value = kept[2]
    else:
        value = tuple(load())
        if current is not None and not count_cache.change_pending():
            if len(_kept_inputs) >= KEPT_INPUTS_MAX:
                _kept_inputs.clear()
            _kept_inputs[key] = (current, now, value)
    memo = user.__dict__[name] = list(value)  # the caller's own list: the kept value is shared
    return memo


def watched_numbers(user: Any) -> list[str]:
    """The numbers of the tickets shared with `user` in person: those they watch and those whose pending approval
    they are asked for (core.approvals), at most MAX_WATCHED, in one query. Read once per user object, and kept by the
    process until a watcher or a vote (or anything else that changes the ticket data's generation) changes.
    Adding or removing a watcher also makes its user object forget them (core.signals)."""

    def load() -> list[str]:
        watched = Watcher.objects.filter(user_id=user.pk).values_list("ticket_id", "ticket__number").order_by()
        approving = ApprovalVote.objects.filter(approver_id=user.pk, approval__state="pending").values_list(
            "approval__ticket_id", "approval__ticket__number").order_by()  # what they must decide, not history
        # in a stable order: the rule's SQL (and so the key of its kept counts, core.count_cache) is then the
        # same from one request to the next
        return [number for _, number in watched.union(approving).order_by("ticket_id")[:MAX_WATCHED]]

    return _kept_input(user, WATCHED_MEMO, load)


def user_team_ids(user: Any) -> list[int]:
    """The ids of `user`'s teams, kept by the process like watched_numbers: a team membership that changes starts
    a new generation (and `user.teams...` makes the user object forget them: core.signals)."""
    return _kept_input(user, TEAMS_MEMO, lambda: user.teams.values_list("pk", flat=True) if user.pk else [])


def forget(user: Any, *memos: str) -> None:
    """The user object (if any) reads these again (after a change of its watchers or teams)."""
    if user is not None:
        for memo in memos:
            user_object(user).__dict__.pop(memo, None)


def forget_watched(*users: Any) -> None:
    """These user objects read their watched tickets again (after a watcher of theirs was added or removed)."""
    for user in users:
        forget(user, WATCHED_MEMO, VISIBILITY_MEMO)


@models.CharField.register_lookup
class AnyOf(models.Lookup):
    """`field__any=[...]`: `field = ANY(%s)` with the list as one array parameter. PostgreSQL plans it as it plans
    an IN list (it turns IN lists into = ANY), but Django compiles one parameter instead of one per value (the
    access rule lists up to MAX_WATCHED watched ticket numbers in most ticket queries)."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        values = [str(value) for value in self.rhs]
        if not values:
            raise EmptyResultSet  # as `__in=[]`: nothing matches
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s::text[])", [*lhs_params, values]


class TicketQuerySet(models.QuerySet):
    """Tickets, with THE access rule (`visible_to`) and references taken from the kept reference rows (`kept`)."""

    _kept_references: tuple[str, ...] = ()

    def kept(self, *names: str) -> TicketQuerySet:
        """Attach the foreign keys `names` (small reference tables: team, service, category) from this process's
        kept rows (core.reference_cache.attach) when the tickets are read, instead of a join or a query each."""
        clone = self._chain()  # type: ignore[attr-defined]
        clone._kept_references = (*self._kept_references, *names)
        return clone

    def _clone(self) -> TicketQuerySet:
        clone = super()._clone()  # type: ignore[misc]
        clone._kept_references = self._kept_references
        return clone

    def _fetch_all(self) -> None:
        fresh = self._result_cache is None
        super()._fetch_all()
        if fresh and self._kept_references and self._result_cache and isinstance(self._result_cache[0], Ticket):
            reference_cache.attach(self._result_cache, self._kept_references)

    def visible_to(self, user, *, subqueries: bool = False) -> TicketQuerySet:
        """THE access rule. Every view, API, export, search, count and dashboard starts from it.

        - end user: tickets they requested, tickets they watch, and their organization's if it shares tickets,
          never of a kind end users do not see (core.kinds.Kind.end_users_see: problems, knowledge articles);
          and what is published to them (`public`: a public knowledge article's last published version, for
          every end user or only those of the organizations in `public_to`);
        - agent: tickets of their teams, assigned to them, or requested by them (and those they watch), and
          every ticket of a kind the whole desk reads (core.kinds.Kind.desk_reads_all: knowledge articles);
        - manager and admin: everything;
        - anonymous or inactive: nothing.

        `subqueries`: the same rule with the user's watched tickets, teams and organization's sharing read inside
        the one SQL query instead of fetched first (tests compare both forms). Otherwise they are read once per
        user object (request.user: once per request), which is what the pages and the API use.
        """
        role = role_of(user)
        if role is None:
            return self.none()
        if role in (Role.MANAGER, Role.ADMIN):
            return self
        hidden: list[str] = []
        if role == Role.END_USER:  # problems: end users read only their incidents' conversations about them
            hidden = [kind.key for kind in kinds.registered() if not kind.end_users_see]
        # Every branch is an indexed column, so PostgreSQL can combine them (BitmapOr) instead of scanning the
        # table: the watched tickets are fetched first (a user watches few tickets).
        watched = (Watcher.objects.filter(user_id=user.pk).values_list("ticket__number", flat=True)[:MAX_WATCHED]
                   if subqueries else watched_numbers(user))
        rule = Q(requester_id=user.pk)
        if subqueries or watched:
            # by number, a core_ticket column: on Incident, `pk`/`id` would be incidents_incident.ticket_ptr_id and
            # the OR would span the join, which PostgreSQL can only apply after joining both tables
            # (one array parameter, not one per number: Django compiles each of an IN list's values)
            rule |= Q(number__in=watched) if subqueries else Q(number__any=watched)
        if role == Role.AGENT:
            teams = user.teams.values_list("id", flat=True) if subqueries else user_team_ids(user)
            rule |= Q(assignee_id=user.pk)
            if subqueries or teams:
                rule |= Q(team_id__in=teams)
            everyone = [kind.key for kind in kinds.registered() if kind.desk_reads_all]
            if everyone:  # knowledge articles: the whole desk reads them
                rule |= Q(kind__in=everyone)
        elif user.organization_id:
            organizations = user._meta.get_field("organization").related_model.objects  # no query for the row
            sharing = organizations.filter(pk=user.organization_id, share_tickets=True)
            if subqueries:
                rule |= Q(organization_id__in=sharing.values("pk"))
            elif sharing.exists():
                rule |= Q(organization_id=user.organization_id)
        if hidden:
            rule &= ~Q(kind__in=hidden)
        if role == Role.END_USER:  # what is published to every end user, or to those of their organization
            restricted = Q(public_to__contains=[user.organization_id]) if user.organization_id else Q(pk__in=[])
            rule |= Q(public=True) & (Q(public_to__isnull=True) | restricted)
        return self.filter(rule)

    def active(self) -> TicketQuerySet:
        return self.filter(active=True)


class TicketManager(models.Manager.from_queryset(TicketQuerySet)):  # type: ignore[misc]  # django-stubs: dynamic base
    """Tickets without their search vector (only the text filter reads it, inside SQL)."""

    def get_queryset(self) -> TicketQuerySet:
        return super().get_queryset().defer("search")


class Ticket(models.Model):
    """What every ticket shares: number, kind, title, state, priority, people, service, times, version.

    `active` is true while the ticket is open (not resolved, closed or cancelled); queues filter on it through
    partial indexes. `version` grows by one on every change of a field or state (optimistic concurrency: a
    write that carries an older version is refused with a conflict).
    """

    number = models.CharField(max_length=16, unique=True, editable=False)
    kind = models.CharField(max_length=16, choices=TicketKind.choices, editable=False)
    title = models.CharField(max_length=TITLE_MAX_LENGTH)
    description = models.TextField(**long_text(blank=True))
    state = models.CharField(max_length=32)
    active = models.BooleanField(default=True)
    impact = models.PositiveSmallIntegerField(choices=Impact.choices, default=Impact.LOW)
    urgency = models.PositiveSmallIntegerField(choices=Urgency.choices, default=Urgency.LOW)
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.PLANNING)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="requested_tickets"
    )
    organization = models.ForeignKey(
        "accounts.Organization", null=True, blank=True, on_delete=models.SET_NULL, related_name="tickets",
        help_text="The requester's organization when the ticket was raised (for organization sharing).",
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_tickets"
    )
    service = models.ForeignKey(
        "catalog.Service", null=True, blank=True, on_delete=models.PROTECT, related_name="tickets"
    )
    opened_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    responded_at = models.DateTimeField(
        null=True, blank=True, help_text="First response: the desk's first public reply, or work started."
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    public = models.BooleanField(
        default=False, editable=False,
        help_text="Published to end users (all, or those of `public_to`): a public knowledge article.",
    )
    public_to = ArrayField(
        models.PositiveIntegerField(), null=True, blank=True, editable=False,
        help_text="When public: the ids of the only organizations whose end users read it (empty: everyone).",
    )
    sla_due_at = models.DateTimeField(
        null=True, blank=True, editable=False,
        help_text="The nearest due time of the ticket's running SLA timers (kept by sla.services).",
    )
    watchers: models.ManyToManyField[Any, Any] = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="Watcher", related_name="watched_tickets", blank=True
    )
    # Full-text search over title and description, kept by PostgreSQL itself (GIN-indexed). Only the first
    # SEARCH_TEXT_PREFIX characters of the description count: PostgreSQL refuses a tsvector over 1 MB, which a
    # long text of distinct words would reach, and then the row could not be saved at all.
    search = models.GeneratedField(
        expression=SearchVector("title", Left("description", SEARCH_TEXT_PREFIX), config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    objects = TicketManager()

    class Meta:
        ordering = ["-opened_at"]
        indexes = [
            # queues: my work, my teams' open work, all open work, recently updated; requesters' lists
            models.Index(fields=["assignee", "priority", "-updated_at"], name="ticket_assignee_queue",
                         condition=Q(active=True)),
            models.Index(fields=["team", "priority", "-updated_at"], name="ticket_team_queue",
                         condition=Q(active=True)),
            models.Index(fields=["priority", "-updated_at"], name="ticket_open_by_priority",
                         condition=Q(active=True)),
            models.Index(fields=["-updated_at"], name="ticket_updated"),
            # the end users' branch of the access rule: what is published to them
            models.Index(fields=["organization"], name="ticket_public", condition=Q(public=True)),
            models.Index(fields=["-opened_at"], name="ticket_opened"),
            models.Index(fields=["requester", "-updated_at"], name="ticket_requester"),
            models.Index(fields=["organization", "-updated_at"], name="ticket_organization"),
            models.Index(fields=["team", "-updated_at"], name="ticket_team_updated"),
            models.Index(fields=["assignee", "-updated_at"], name="ticket_assignee_updated"),
            # one kind's tickets in a state, newest change first (the API lists' ?state= in their default order)
            models.Index(fields=["kind", "state", "-updated_at"], name="ticket_kind_state_updated"),
            # lists filtered by state (and priority) in their default order; the unassigned team queue;
            # the default order over large visible sets not limited to open tickets (bench/RESULTS.md)
            models.Index(fields=["state", "priority", "-updated_at"], name="ticket_state_queue"),
            models.Index(fields=["priority", "-updated_at"], name="ticket_unassigned_queue",
                         condition=Q(active=True) & Q(assignee__isnull=True)),
            models.Index(fields=["priority", "-updated_at"], name="ticket_by_priority"),
            # the SLA dashboard's wall-clock mean times (tickets responded to / resolved in a period) and its open
            # backlog by age: with the columns sla.report reads, so that they are answered from the index alone
            models.Index(fields=["responded_at"], name="ticket_responded_times", include=["opened_at", "kind"],
                         condition=Q(responded_at__isnull=False)),
            models.Index(fields=["resolved_at"], name="ticket_resolved_times", include=["opened_at", "kind"],
                         condition=Q(resolved_at__isnull=False)),
            models.Index(fields=["opened_at"], name="ticket_open_opened", include=["kind"], condition=Q(active=True)),
            models.Index(fields=["sla_due_at"], name="ticket_sla_due",
                         condition=Q(active=True) & Q(sla_due_at__isnull=False)),
            GinIndex(fields=["search"], name="ticket_search"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"


class JournalKind(models.TextChoices):
    COMMENT = "comment", "Comment"
    WORK_NOTE = "work_note", "Work note"
    FIELD_CHANGE = "field_change", "Field change"


MAX_TIME_SPENT = 24 * 60  # minutes one entry may log


class JournalEntry(models.Model):
    """One line of a ticket's history: a public comment, an internal work note, or one field's change.

    Written by service functions in the same transaction as the change. Work notes (and the field changes
    of internal fields) are `internal`: end users never see them.
    """

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="journal")
    kind = models.CharField(max_length=16, choices=JournalKind.choices)
    internal = models.BooleanField(default=False)
    body = models.TextField(**long_text(blank=True))
    field = models.CharField(max_length=64, blank=True)
    old_value = models.TextField(blank=True)
    new_value = models.TextField(blank=True)
    # A field change that points at another ticket (a link, a parent) records the ticket itself: its number and
    # title are rendered for each viewer (core.references), never stored as text that every viewer would read.
    old_ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        help_text="The ticket the old value referred to (links, parent).",
    )
    new_ticket = models.ForeignKey(
        Ticket, null=True, blank=True, on_delete=models.SET_NULL, related_name="+", db_index=False,
        help_text="The ticket the new value refers to (links, parent).",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    # the desk's time logged with a comment or work note (costs.report prices it); never shown to end users
    time_spent = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Minutes the desk spent, logged with a comment or work note (0-1440).")

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.CheckConstraint(condition=Q(time_spent__lte=MAX_TIME_SPENT),
                                              name="journal_time_spent_max")]
        indexes = [
            models.Index(fields=["ticket", "created_at", "id"], name="journal_ticket_time"),
            # few entries refer to a ticket: partial indexes keep deleting a ticket (SET_NULL) cheap
            models.Index(fields=["old_ticket"], name="journal_old_ticket", condition=Q(old_ticket__isnull=False)),
            models.Index(fields=["new_ticket"], name="journal_new_ticket", condition=Q(new_ticket__isnull=False)),
        ]
        verbose_name_plural = "journal entries"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} on ticket {self.ticket_id}"


def attachment_path(instance: Attachment, filename: str) -> str:
    # The stored name is never the user's: it cannot collide, traverse or carry an executable extension.
    import uuid

    return f"attachments/{instance.ticket_id}/{uuid.uuid4().hex}"


class Attachment(models.Model):
    """A file on a ticket, stored with Django's storage and served only through an access-checked view."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    journal_entry = models.ForeignKey(
        JournalEntry, null=True, blank=True, on_delete=models.SET_NULL, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=150)
    size = models.PositiveBigIntegerField()
    internal = models.BooleanField(default=False, help_text="Attached to a work note: hidden from end users.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename

    @property
    def extension(self) -> str:
        return PurePath(self.filename).suffix.lower()


class Watcher(models.Model):
    """A user who follows a ticket: they see it and are told of its public changes."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="watcher_rows")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="watcher_rows")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ticket", "user"], name="watcher_unique")]
        indexes = [models.Index(fields=["user", "ticket"], name="watcher_user")]

    def __str__(self) -> str:
        return f"user {self.user_id} watches ticket {self.ticket_id}"


class LinkKind(models.TextChoices):
    RELATED = "related", "Related to"
    DUPLICATE_OF = "duplicate_of", "Duplicate of"
    CAUSED_BY = "caused_by", "Caused by"
    PARENT_OF = "parent_of", "Parent of"
    FIXED_BY = "fixed_by", "Fixed by"
    SOLVED_BY = "solved_by", "Solved by"  # a ticket -> the knowledge article that solved it


class TicketLink(models.Model):
    """A typed link from one ticket to another (related, duplicate of, caused by, parent of)."""

    source = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_out")
    target = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="links_in")
    kind = models.CharField(max_length=16, choices=LinkKind.choices)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "target", "kind"], name="link_unique"),
            models.CheckConstraint(condition=~Q(source=models.F("target")), name="link_not_self"),
        ]

    def __str__(self) -> str:
        return f"ticket {self.source_id} {self.get_kind_display().lower()} ticket {self.target_id}"


class SentNotification(models.Model):
    """One e-mail for one event (key) to one address: makes notification tasks idempotent, and records a
    delivery that failed (retrying, then failed for good) so it is never silently dropped."""

    class Status(models.TextChoices):
        SENT = "sent", "Sent"
        RETRYING = "retrying", "Failed, will be retried"
        FAILED = "failed", "Failed (gave up)"

    key = models.CharField(max_length=200)
    recipient = models.EmailField()
    sent_at = models.DateTimeField("recorded at", auto_now_add=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENT)
    attempts = models.PositiveIntegerField(default=1)
    subject = models.CharField(max_length=255, blank=True)
    last_error = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True, null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "recipient"], name="sent_notification_unique")]
        indexes = [models.Index(fields=["status"], name="sent_notification_undelivered",
                                condition=~Q(status="sent"))]

    def __str__(self) -> str:
        return f"{self.key} -> {self.recipient} ({self.get_status_display()})"


class ApprovalRule(models.TextChoices):
    """How many approvers of a group must approve (core.approvals.needed)."""

    ANY = "any", "Any one approver"
    ALL = "all", "Every approver"
    MAJORITY = "majority", "A majority of the approvers"
    N_OF_M = "n_of_m", "A number of the approvers"


class ApprovalState(models.TextChoices):
    PENDING = "pending", "Waiting for approvers"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"
    CANCELLED = "cancelled", "Withdrawn"


class VoteDecision(models.TextChoices):
    PENDING = "pending", "Not decided yet"
    APPROVED = "approved", "Approved"
    REJECTED = "rejected", "Rejected"


class ApproverGroup(models.Model):
    """People who approve together (a change advisory board, an emergency CAB, the owners of a service): a
    policy of a kind (changes.ApprovalPolicy) asks a group for a ticket's approval under a rule."""

    name = models.CharField(max_length=120, unique=True)
    description = models.CharField(max_length=300, blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="approver_groups")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Approval(models.Model):
    """One request for a ticket's approval: a group's members each approve or reject (ApprovalVote) and the
    rule decides the outcome (core.approvals). A ticket asked again (a change back from assessment) gets a new
    one; the earlier ones stay as its history."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="approvals")
    group = models.ForeignKey(ApproverGroup, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="approvals", help_text="Empty: people named one by one (a manager).")
    label = models.CharField(max_length=160, blank=True, help_text="Who is asked, when not a group: "
                                                                   "“Uma User's manager”.")
    rule = models.CharField(max_length=16, choices=ApprovalRule.choices)
    required = models.PositiveSmallIntegerField(default=1, help_text="How many approve (the N of N of M).")
    state = models.CharField(max_length=16, choices=ApprovalState.choices, default=ApprovalState.PENDING)
    requested_at = models.DateTimeField()
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "id"]
        indexes = [models.Index(fields=["ticket", "requested_at"], name="approval_ticket")]
        constraints = [models.UniqueConstraint(fields=["ticket"], condition=Q(state="pending"),
                                               name="approval_one_pending_per_ticket")]

    def __str__(self) -> str:
        return f"approval of ticket {self.ticket_id} by {self.name}"

    @property
    def name(self) -> str:
        """Who is asked, as people read it: the group's name, or the label of the people asked."""
        return self.group.name if self.group_id and self.group else self.label


class ApprovalVote(models.Model):
    """One approver's decision on an approval, with its comment (journaled on the ticket)."""

    approval = models.ForeignKey(Approval, on_delete=models.CASCADE, related_name="votes")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="approval_votes")
    decision = models.CharField(max_length=16, choices=VoteDecision.choices, default=VoteDecision.PENDING)
    comment = models.TextField(**long_text(blank=True))
    decided_at = models.DateTimeField(null=True, blank=True)
    reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["approval", "id"]
        constraints = [models.UniqueConstraint(fields=["approval", "approver"], name="approval_vote_unique")]
        indexes = [models.Index(fields=["approver", "decision"], name="approval_vote_approver")]

    def __str__(self) -> str:
        return f"vote of user {self.approver_id} on approval {self.approval_id}"
