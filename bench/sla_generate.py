"""Add SLA data (schedules, definitions, one timer per incident and target, breach events) to a bench database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/itsm_bench_1m DEBUG=1 REDIS_URL=redis://127.0.0.1:6379/6 \
        .venv/bin/python bench/sla_generate.py            # skips when the bench timers are already there
    ... bench/sla_generate.py --recreate                  # deletes the bench definitions' timers and writes them again

What it writes (the few reference rows with the ORM, the bulk server-side with INSERT ... SELECT, which keeps
every row inside PostgreSQL: no Python round trip, faster than streaming the same rows through COPY):
  * schedules "Bench 24x7" and "Bench business hours" (Mon-Fri 08:00-18:00 Europe/Paris);
  * definitions "Bench P1..P4 response/resolution" with start_condition {"priority": [n]} (P4 resolution also
    covers priority 5, so that every incident has a resolution timer); response timers for P1-P2 only;
  * for every incident a resolution timer (and a response timer for P1-P2):
      closed / resolved -> achieved or breached (~10 %), stopped_at = resolved_at (response: shortly after opening),
                           elapsed, breached_at for breached ones;
      cancelled         -> cancelled, stopped_at = closed_at;
      open, on hold     -> paused (due_at and next_event_at NULL, as sla.services does while paused);
      open otherwise    -> in_progress, due_at spread over the next 7 days, next_event_at = the next threshold instant;
  * core_ticket.sla_due_at of open tickets = their nearest due time of in-progress timers;
  * one breach SlaEvent (threshold 100, actions [], actions_done true) per breached timer; then VACUUM (ANALYZE).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import time as dtime
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/itsm_bench_1m"

# name -> (target, priorities, duration, 24x7?)
DEFINITIONS = {
    "Bench P1 response": ("response", [1], timedelta(minutes=15), True),
    "Bench P1 resolution": ("resolution", [1], timedelta(hours=4), True),
    "Bench P2 response": ("response", [2], timedelta(minutes=30), True),
    "Bench P2 resolution": ("resolution", [2], timedelta(hours=8), True),
    "Bench P3 response": ("response", [3], timedelta(hours=4), False),
    "Bench P3 resolution": ("resolution", [3], timedelta(hours=30), False),
    "Bench P4 response": ("response", [4], timedelta(hours=8), False),
    "Bench P4 resolution": ("resolution", [4, 5], timedelta(hours=50), False),
}
TIMER_COLUMNS = ["ticket_id", "definition_id", "stage", "started_at", "duration", "thresholds", "due_at", "elapsed",
                 "elapsed_as_of", "paused_total", "paused_since", "breached", "breached_at", "stopped_at",
                 "next_event_at", "next_threshold", "updated_at", "ticket_kind", "service_id", "team_id", "priority"]
EVENT_COLUMNS = ["timer_id", "kind", "threshold", "due_at", "recorded_at", "actions", "actions_done"]

# One row per (incident, definition): r1..r3 are per-row random draws; f the fraction of the target used.
TIMERS_SQL = """
WITH base AS (
    SELECT t.id AS ticket_id, d.id AS definition_id, d.target, d.duration, t.state, t.active, t.opened_at,
           t.resolved_at, t.closed_at, random() AS r1, random() AS r2, random() AS r3,
           t.kind, t.service_id, t.team_id, t.priority
    FROM core_ticket t
    JOIN incidents_incident i ON i.ticket_ptr_id = t.id
    JOIN sla_sladefinition d ON d.name LIKE 'Bench %%'
        AND t.priority IN (SELECT jsonb_array_elements_text(d.start_condition -> 'priority')::int)
    WHERE d.target = 'resolution' OR t.priority <= 2
), shaped AS (
    SELECT b.*,
        CASE
            WHEN b.state = 'cancelled' THEN 'cancelled'
            WHEN NOT b.active AND b.r1 < 0.10 THEN 'breached'
            WHEN NOT b.active THEN 'achieved'
            WHEN b.target = 'response' AND b.state <> 'new' THEN 'achieved'
            WHEN b.state = 'on_hold' THEN 'paused'
            ELSE 'in_progress'
        END AS stage,
        CASE WHEN b.target = 'response'
             THEN LEAST(COALESCE(b.resolved_at, %(now)s), b.opened_at + b.duration * (0.1 + b.r2))
             ELSE COALESCE(b.resolved_at, b.closed_at) END AS stop_at,
        interval '1 minute' + b.r2 * interval '7 days' AS left_wall,
        LEAST(b.r3, 0.97) AS f
    FROM base b
)
INSERT INTO sla_slatimer ({columns})
SELECT s.ticket_id, s.definition_id, s.stage, s.opened_at, s.duration, '[50, 75]'::jsonb,
    -- due_at
    CASE s.stage WHEN 'in_progress' THEN %(now)s + s.left_wall
                 WHEN 'paused' THEN NULL
                 ELSE s.opened_at + s.duration END,
    -- elapsed
    CASE s.stage WHEN 'breached' THEN s.duration * (1.01 + s.r2)
                 WHEN 'achieved' THEN s.duration * (0.05 + 0.94 * s.r2)
                 WHEN 'cancelled' THEN s.duration * s.r2 * 0.5
                 ELSE s.duration * s.f END,
    -- elapsed_as_of
    CASE WHEN s.stage IN ('in_progress', 'paused') THEN %(now)s ELSE s.stop_at END,
    interval '0', -- paused_total
    CASE WHEN s.stage = 'paused' THEN %(now)s - s.r2 * interval '2 days' END, -- paused_since
    s.stage = 'breached',
    CASE WHEN s.stage = 'breached'
         THEN s.opened_at + (s.stop_at - s.opened_at) / (1.01 + s.r2) END, -- breached_at
    CASE WHEN s.stage IN ('in_progress', 'paused') THEN NULL ELSE s.stop_at END, -- stopped_at
    -- next_event_at: the instant of the next threshold, the remaining wall time scaled to the fraction left
    CASE WHEN s.stage = 'in_progress' THEN
        CASE WHEN s.f < 0.50 THEN %(now)s + s.left_wall * ((0.50 - s.f) / (1 - s.f))
             WHEN s.f < 0.75 THEN %(now)s + s.left_wall * ((0.75 - s.f) / (1 - s.f))
             ELSE %(now)s + s.left_wall + interval '1 microsecond' END
    END,
    CASE WHEN s.stage IN ('in_progress', 'paused') THEN
        CASE WHEN s.f < 0.50 THEN 50 WHEN s.f < 0.75 THEN 75 ELSE 100 END
    END,
    %(now)s,
    s.kind, s.service_id, s.team_id, s.priority -- the ticket's fields every timer carries for the reports
FROM shaped s
""".format(columns=", ".join(TIMER_COLUMNS))

EVENTS_SQL = """
INSERT INTO sla_slaevent ({columns})
SELECT tm.id, 'breach', 100, tm.breached_at, tm.breached_at + interval '5 seconds', '[]'::jsonb, true
FROM sla_slatimer tm JOIN sla_sladefinition d ON d.id = tm.definition_id
WHERE d.name LIKE 'Bench %%' AND tm.breached
""".format(columns=", ".join(EVENT_COLUMNS))

TICKET_DUE_SQL = """
UPDATE core_ticket t SET sla_due_at = x.due
FROM (SELECT tm.ticket_id, MIN(tm.due_at) AS due FROM sla_slatimer tm
      WHERE tm.stage = 'in_progress' AND tm.due_at IS NOT NULL GROUP BY tm.ticket_id) x
WHERE t.id = x.ticket_id AND t.active AND t.sla_due_at IS DISTINCT FROM x.due
"""


def setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DEBUG", "1")
    os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/6")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    os.environ.setdefault("EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
    os.environ["DJANGO_SETTINGS_MODULE"] = "itsm.settings"
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def check_columns(cur) -> None:
    """Every NOT NULL column without a default must be written: fail loudly if the models moved on."""
    for table, written in (("sla_slatimer", TIMER_COLUMNS), ("sla_slaevent", EVENT_COLUMNS)):
        cur.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO' "
            "AND column_default IS NULL AND is_identity = 'NO' AND column_name <> 'id'", [table])
        missing = sorted({r[0] for r in cur.fetchall()} - set(written))
        if missing:
            sys.exit(f"{table}: NOT NULL column(s) not written by this generator: {missing}")


def reference_rows():
    """The two schedules and eight definitions (ORM; idempotent)."""
    from sla.models import Schedule, SlaDefinition, WorkingHours

    always, _ = Schedule.objects.get_or_create(
        slug="bench-24x7", defaults={"name": "Bench 24x7", "is_24x7": True, "time_zone": "UTC"})
    office, created = Schedule.objects.get_or_create(
        slug="bench-business-hours", defaults={"name": "Bench business hours", "time_zone": "Europe/Paris"})
    if created or not office.hours.exists():
        WorkingHours.objects.bulk_create(
            WorkingHours(schedule=office, weekday=day, start=dtime(8), end=dtime(18)) for day in range(5))
    definitions = []
    for order, (name, (target, priorities, duration, is_24x7)) in enumerate(DEFINITIONS.items()):
        definition, _ = SlaDefinition.objects.update_or_create(name=name, defaults={
            "target": target, "start_condition": {"priority": priorities}, "pause_condition": {"state": ["on_hold"]},
            "duration": duration, "schedule": always if is_24x7 else office, "thresholds": [50, 75],
            "actions": {}, "order": order + 1, "active": True,
        })
        definitions.append(definition)
    return definitions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--recreate", action="store_true", help="delete the bench timers and write them again")
    args = parser.parse_args()
    if "itsm_bench" not in args.database_url:
        sys.exit("Only itsm_bench* databases.")
    setup(args.database_url)
    from django.db import connection, transaction

    from core import clock

    started = time.monotonic()
    definitions = reference_rows()
    ids = [d.pk for d in definitions]
    with connection.cursor() as cur:
        check_columns(cur)
        cur.execute("SELECT COUNT(*) FROM sla_slatimer WHERE definition_id = ANY(%s)", [ids])
        existing = cur.fetchone()[0]
        if existing and not args.recreate:
            print(f"{existing} bench timers already there: nothing to do (--recreate to write them again).")
            return
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SET LOCAL synchronous_commit = off")
        cur.execute("SET LOCAL work_mem = '256MB'")
        if existing:
            t = time.monotonic()
            cur.execute("DELETE FROM sla_slaevent WHERE timer_id IN "
                        "(SELECT id FROM sla_slatimer WHERE definition_id = ANY(%s))", [ids])
            cur.execute("DELETE FROM sla_slatimer WHERE definition_id = ANY(%s)", [ids])
            print(f"deleted {existing} timers in {time.monotonic() - t:.1f} s")
        cur.execute("SELECT setseed(0.42)")
        now = clock.now()
        t = time.monotonic()
        cur.execute(TIMERS_SQL, {"now": now})
        print(f"timers: {cur.rowcount} in {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        cur.execute(EVENTS_SQL)
        print(f"breach events: {cur.rowcount} in {time.monotonic() - t:.1f} s")
        t = time.monotonic()
        cur.execute("UPDATE core_ticket SET sla_due_at = NULL WHERE active AND sla_due_at IS NOT NULL")
        cur.execute(TICKET_DUE_SQL)
        print(f"core_ticket.sla_due_at: {cur.rowcount} open tickets in {time.monotonic() - t:.1f} s")
    with connection.cursor() as cur:
        t = time.monotonic()
        # VACUUM too, as autovacuum would soon (it is off on the shared machine's PostgreSQL): without it the
        # visibility map of every page the inserts and the sla_due_at update touched stays clear, and the
        # dashboard's index-only scans (sla_timer_completed, ticket_open_opened...) visit the tables instead
        cur.execute("VACUUM (ANALYZE) sla_slatimer, sla_slaevent, core_ticket")
        print(f"VACUUM (ANALYZE) in {time.monotonic() - t:.1f} s")
        cur.execute("SELECT stage, COUNT(*) FROM sla_slatimer WHERE definition_id = ANY(%s) GROUP BY 1 ORDER BY 1",
                    [ids])
        print("timers by stage:", dict(cur.fetchall()))
    print(f"done in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
