"""The changes bench/RESULTS.md recommends for the incident lists, in a form the benchmarks can try out.

Nothing here changes the app: explain.py --proposals builds the indexes inside a transaction it rolls back, and
load.py --whatif serves the app through whatif.py (which patches the running process only) against a database
where these indexes exist for the duration of the run.

1. visible_to(): the watched-tickets branch filters a core_ticket column: `Q(number__in=watched_numbers)`. On
   Incident, `Q(pk__in=...)` and also `Q(id__in=...)` compile to incidents_incident.ticket_ptr_id (Django trims
   the join for the parent's primary key), so the OR of the access rule spans two tables and PostgreSQL can
   only apply it as a Join Filter after joining the two 1M-row tables (hash join, sequential scans). The SQL
   rewrite below puts the branch on core_ticket.id, which plans like core_ticket.number (both unique indexes).
2. Counts of the paginated lists stop at COUNT_CAP + 1 rows ("1,000+"): an exact COUNT(*) visits every visible
   row (90,000 open incidents, 96,000 of a large organization) through the multi-table-inheritance join.
3. Three indexes on core_ticket, so that each list's filter and default ordering is one index range:
"""

from __future__ import annotations

import re

COUNT_CAP = 1000

PROPOSED_INDEXES = {
    # ?state=...(&priority=...) ordered by priority, -updated_at or by -updated_at within a priority
    "ticket_state_queue": "ON core_ticket (state, priority, updated_at DESC)",
    # the "my teams - unassigned" queue: open, unassigned, in the queue's order; teams filtered on the way
    "ticket_unassigned_queue": "ON core_ticket (priority, updated_at DESC) WHERE active AND assignee_id IS NULL",
    # the default order (priority, -updated_at) over large visible sets that are not limited to open tickets
    # (an end user's organization, the API list without filters)
    "ticket_by_priority": "ON core_ticket (priority, updated_at DESC)",
}


def index_ddl(prefix: str = "") -> list[str]:
    """CREATE INDEX statements of the proposed indexes (names prefixed, e.g. for a temporary what-if copy)."""
    return [f"CREATE INDEX IF NOT EXISTS {prefix}{name} {definition}" for name, definition in PROPOSED_INDEXES.items()]


WATCHED_ON_INCIDENT = '"incidents_incident"."ticket_ptr_id" IN ('
WATCHED_ON_TICKET = '"core_ticket"."id" IN ('
COUNT_PREFIX = re.compile(r'^SELECT COUNT\(\*\) AS "__count" FROM ', re.IGNORECASE)


def rewrite(sql: str) -> str:
    """The SQL the app would send with proposals 1 and 2 (the indexes are separate)."""
    sql = sql.replace(WATCHED_ON_INCIDENT, WATCHED_ON_TICKET)
    if COUNT_PREFIX.match(sql):
        inner = COUNT_PREFIX.sub("SELECT 1 FROM ", sql)
        sql = f'SELECT COUNT(*) AS "__count" FROM ({inner} LIMIT {COUNT_CAP + 1}) capped'

    return sql
