"""Fill a PostgreSQL database with a large, realistic service desk: 1,000,000 incidents and 100,000 problems by
default.

    .venv/bin/python bench/generate.py --database-url 1m --recreate              # itsm_bench_1m, 1M + 100k
    .venv/bin/python bench/generate.py --database-url 10k --recreate --incidents 10000    # 10k + 1,000 problems

What it makes: ~200 organizations (a quarter share their tickets; sizes skewed), 20,000 end users, 50 teams,
500 agents (each in 1-2 teams), 5 managers, 1 admin, 100 services, 10 categories x 4 subcategories; then the
incidents, each with 3 to 9 journal entries (field changes, public comments, work notes) and ~3% with a watcher.
About 9% of the incidents are open (new / in progress / on hold, mostly recent), the rest resolved, closed or
cancelled over three years; priorities lean to 3 and 4 (impact x urgency agree with the ITIL matrix).
Then `--problems` problems (default a tenth of the incidents): ~30 % open (new / assessment / root cause analysis /
fix in progress), the rest resolved, closed or cancelled; ~20 % known errors (root cause and workaround recorded,
half of them with the workaround published); teams and assignees like the incidents (mostly the service's support
team); a journal of ~10 lines each (state moves, root cause, workaround, fix, work notes, the links); each caused
by 1 to 5 incidents (core.TicketLink kind "caused_by", incident -> problem), mostly of its service and, for an open
problem, mostly open ones, with the link's journal line on both tickets.

How: the database is migrated first (`migrate`), the reference rows are written with the ORM, and the tickets,
incidents, journal entries and watchers are streamed with COPY (in-memory text buffers, one chunk at a time)
over two connections, so that PostgreSQL indexes the tickets while Python writes the next chunk and the other
connection loads the journal. Every index and constraint of the schema stays in place; the two loading
sessions only `SET session_replication_role = replica` (no per-row foreign-key triggers: the generator writes
consistent ids itself). Autovacuum is switched off on the four big tables while loading and switched back on
afterwards; the sequences (ids, INC and PRB numbers) are advanced past what was loaded; VACUUM (ANALYZE) ends
the run.
"""

from __future__ import annotations

import argparse
import io
import math
import queue
import random
import sys
import threading
import time
from bisect import bisect
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg2
from common import (
    BENCH_AGENT,
    BENCH_END_USER,
    BENCH_PASSWORD,
    database_name,
    database_url,
    setup_django,
)

N_ORGS = 200
N_END_USERS = 20_000
N_TEAMS = 50
N_AGENTS = 500
N_MANAGERS = 5
N_SERVICES = 100
DAY = 86_400
NULL = "\\N"  # NULL in COPY's text format
SPAN_DAYS = 3 * 365

TICKET_COLUMNS = [
    "id", "number", "kind", "title", "description", "state", "active", "impact", "urgency", "priority",
    "opened_at", "updated_at", "resolved_at", "closed_at", "version", "assignee_id", "organization_id",
    "requester_id", "service_id", "team_id",
]
INCIDENT_COLUMNS = [
    "ticket_ptr_id", "channel", "hold_reason", "resolution_code", "resolution_notes", "major", "category_id",
    "subcategory_id",
]
# written when the table has them (they arrived with the SLA work): the first response of the desk
OPTIONAL_TICKET_COLUMNS = ["responded_at"]
JOURNAL_COLUMNS = ["kind", "internal", "body", "field", "old_value", "new_value", "created_at", "actor_id", "ticket_id"]
WATCHER_COLUMNS = ["created_at", "ticket_id", "user_id"]
BIG_TABLES = ["core_ticket", "incidents_incident", "core_journalentry", "core_watcher", "problems_problem",
              "core_ticketlink"]
PROBLEM_COLUMNS = [
    "ticket_ptr_id", "category_id", "root_cause", "workaround", "fix", "related_change", "known_error",
    "known_error_at", "workaround_published_at", "workaround_public",
]
# a link's journal line names the other ticket (core.references renders it per viewer)
LINK_JOURNAL_COLUMNS = [*JOURNAL_COLUMNS, "new_ticket_id"]
LINK_COLUMNS = ["kind", "created_at", "created_by_id", "source_id", "target_id"]

FIRST_NAMES = ["Alice", "Bruno", "Chloe", "Dmitri", "Elena", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Keiko",
               "Liam", "Maya", "Nadia", "Omar", "Paula", "Quentin", "Rosa", "Sven", "Tara", "Umar", "Vera",
               "Wei", "Ximena", "Yusuf", "Zoe", "Anton", "Bea", "Carlos", "Dana", "Emil", "Fatima"]
LAST_NAMES = ["Smith", "Garcia", "Muller", "Rossi", "Kowalski", "Nguyen", "Okafor", "Larsen", "Dubois", "Silva",
              "Tanaka", "Novak", "Haddad", "Jensen", "Moreau", "Costa", "Ivanova", "Brown", "Wilson", "Khan",
              "Schmidt", "Martin", "Lopez", "Bauer", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Hoffmann"]
ORG_WORDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Wonka", "Tyrell", "Cyberdyne", "Soylent",
             "Hooli", "Vandelay", "Oscorp", "Aperture", "Gringotts", "Monarch", "Nakatomi", "Pied Piper",
             "Massive Dynamic", "Dunder"]
ORG_SUFFIXES = ["Ltd", "Group", "Holdings", "Labs", "Logistics", "Retail", "Health", "Energy", "Finance", "Media"]
TEAM_BASES = ["Service Desk", "Network", "Identity and Access", "Messaging", "Desktop Support", "Database",
              "Linux Servers", "Windows Servers", "Storage", "Security Operations", "ERP Support", "CRM Support",
              "Telephony", "Printing", "Field Services", "Cloud Platform", "Web Hosting", "Payroll Systems",
              "HR Systems", "Data Warehouse", "Mobile Devices", "Facilities IT", "Backup", "Monitoring",
              "Middleware"]
TEAM_REGIONS = ["", " EMEA"]
SERVICE_BASES = ["E-mail", "VPN", "Wi-Fi", "Payroll", "Expenses", "CRM", "ERP Finance", "ERP Logistics", "Intranet",
                 "File Shares", "Printing", "Telephony", "Video Conferencing", "Laptop", "Desktop", "Mobile Phone",
                 "Single Sign-On", "Directory", "Backup", "Data Warehouse", "HR Portal", "Timesheets",
                 "Public Website", "Web Shop", "Ticketing", "Source Control", "Build Servers", "Chat",
                 "Document Management", "Badge Access", "Firewall", "DNS", "Database Hosting", "Kubernetes",
                 "Object Storage", "Reporting", "Learning Portal", "Travel Booking", "Procurement", "Contracts",
                 "Customer Portal", "Call Center", "Warehouse Scanners", "Point of Sale", "Fleet Tracking",
                 "Antivirus", "Password Reset", "Remote Desktop", "Calendar", "Meeting Rooms"]
CATEGORIES = {
    "Hardware": ["Laptop", "Desktop", "Monitor", "Peripheral"],
    "Software": ["Installation", "Licence", "Crash", "Update"],
    "Network": ["Wi-Fi", "VPN", "LAN", "Firewall"],
    "Access": ["Password", "Permissions", "Account locked", "New account"],
    "E-mail": ["Delivery", "Mailbox", "Calendar", "Spam"],
    "Telephony": ["Desk phone", "Mobile", "Voicemail", "Conference"],
    "Printing": ["Print queue", "Scanner", "Toner", "Paper jam"],
    "Database": ["Performance", "Backup", "Replication", "Access"],
    "Security": ["Phishing", "Malware", "Lost device", "Vulnerability"],
    "Facilities": ["Badge", "Meeting room", "Desk", "Power"],
}
SUBJECTS = ["VPN client", "Outlook", "Laptop", "Printer on floor 3", "Wi-Fi in building B", "Payroll report",
            "CRM dashboard", "Shared drive", "Teams meeting", "Docking station", "Badge reader", "ERP invoice run",
            "Password reset page", "Expense app", "Second monitor", "Mobile phone", "Intranet search",
            "Web shop checkout", "Database backup job", "Timesheet submission", "Calendar sync", "Scanner",
            "Single sign-on", "Build pipeline", "Conference room screen", "Desk phone", "File upload", "Chat client",
            "Warehouse scanner", "Remote desktop"]
SYMPTOMS = ["keeps disconnecting", "does not start", "is very slow", "shows an error", "cannot connect",
            "crashes on login", "times out", "is not responding", "lost my data", "asks for my password again",
            "prints blank pages", "does not sync", "is unreachable", "returns wrong totals", "freezes every hour",
            "rejects my certificate", "will not update", "has no sound", "drops the call", "shows old data"]
SENTENCES = ["It started this morning after the update.", "Several colleagues in my team have the same problem.",
             "I already restarted the computer twice.", "The error message says the server is not available.",
             "This blocks the month-end closing.", "It works from home but not in the office.",
             "I need this fixed before the customer meeting tomorrow.", "Nothing changed on my side.",
             "The problem comes and goes, roughly every ten minutes.", "Screenshots are attached.",
             "It happens with every browser I tried.", "My manager approved the request last week.",
             "The same thing happened last month and was fixed by the network team.",
             "I cannot work on the quarterly report until this works.", "Only the new laptop is affected.",
             "Our branch office in Lyon reports it as well.", "Logging out and in again did not help.",
             "The monitoring dashboard shows a red status for this service.",
             "It fails for invoices above ten thousand euros.", "I was told to raise an incident for this."]
COMMENTS = ["Any news on this?", "Thanks, it works again.", "I can still reproduce it this morning.",
            "Could you call me back on my mobile?", "Attached a screenshot of the error.",
            "The workaround helps for now.", "It happened again after lunch.", "Please close it, all good now.",
            "We have checked the logs and are looking into it.", "Could you try again and tell us if it works?",
            "A fix has been deployed, please confirm.", "We are waiting for the vendor to answer."]
FOLLOW_UPS = ["Adding a screenshot of the error.", "It also happens on my second laptop.",
              "Please call me on my mobile if needed.", "Forgot to say: the finance team is blocked too.",
              "It still happens after a restart.", "My colleague Ana has the same problem."]
WORK_NOTES = ["Checked the server logs: connection pool exhausted at 09:12.", "Escalated to the vendor, case 4471.",
              "Known issue, linked to the change of last night.", "Reset the user's profile; to be verified.",
              "Certificate expired on the proxy; renewal requested.", "Could not reproduce on a test laptop.",
              "Disk on the file server was full; cleaned up old snapshots.",
              "Asked the network team to check port 443."]
RESOLUTION_NOTES = ["Restarted the service.", "Reinstalled the client.", "Renewed the certificate.",
                    "Explained how to use the new login page.", "Replaced the device.", "Fixed by the vendor patch."]
CHANNELS = [("portal", 0.5), ("email", 0.25), ("phone", 0.15), ("monitoring", 0.07), ("api", 0.03)]
HOLD_REASONS = ["awaiting_caller", "awaiting_change", "awaiting_problem", "awaiting_vendor"]
RESOLUTION_CODES = ["solved", "workaround", "user_error", "not_reproducible", "duplicate"]
# priority -> the (impact, urgency) pairs that give it under the ITIL matrix; and how often each priority is
PRIORITY_PAIRS = {1: [(1, 1)], 2: [(1, 2), (2, 1)], 3: [(1, 3), (2, 2), (3, 1)], 4: [(2, 3), (3, 2)], 5: [(3, 3)]}
PRIORITY_WEIGHTS = [0.02, 0.10, 0.38, 0.40, 0.10]
OPEN_FRACTION = 0.09
OPEN_STATES = [("new", 0.35), ("in_progress", 0.45), ("on_hold", 0.20)]
STATE_LABELS = {"new": "New", "in_progress": "In progress", "on_hold": "On hold", "resolved": "Resolved",
                "closed": "Closed", "cancelled": "Cancelled"}

# --- problems: states (~30 % open), the path each final state went through, texts -------------------------------
PROBLEM_STATES = [("new", 0.05), ("assessment", 0.08), ("root_cause_analysis", 0.10), ("fix_in_progress", 0.07),
                  ("resolved", 0.06), ("closed", 0.56), ("cancelled", 0.08)]
PROBLEM_OPEN = frozenset({"new", "assessment", "root_cause_analysis", "fix_in_progress"})
PROBLEM_PATHS = {
    "new": [], "assessment": ["assessment"], "root_cause_analysis": ["assessment", "root_cause_analysis"],
    "fix_in_progress": ["assessment", "root_cause_analysis", "fix_in_progress"],
    "resolved": ["assessment", "root_cause_analysis", "fix_in_progress", "resolved"],
    "closed": ["assessment", "root_cause_analysis", "fix_in_progress", "resolved", "closed"],
}
# how often a problem in this state has its root cause recorded, and then a workaround too (a known error):
# ~20 % of all problems end up known errors (half of them still open)
PROBLEM_ROOT_CAUSE = {"root_cause_analysis": 0.35, "fix_in_progress": 1.0, "resolved": 0.85, "closed": 0.85}
PROBLEM_WORKAROUND = {"root_cause_analysis": 0.85, "fix_in_progress": 0.70, "resolved": 0.22, "closed": 0.22}
PROBLEM_PRIORITY_WEIGHTS = [0.05, 0.20, 0.40, 0.30, 0.05]
PROBLEM_TITLES = ["{} for several users", "Recurring: {}", "{} after the monthly patch", "Intermittent: {}",
                  "{} in the EMEA offices", "{} since the last release"]
ROOT_CAUSES = [
    "The connection pool of the application server is too small for the Monday morning peak.",
    "A certificate in the proxy chain expired; clients fall back to an old cipher and time out.",
    "The nightly backup job locks the shared folder for up to two hours.",
    "A memory leak in the vendor's agent (version 4.2) exhausts the host after about eight hours.",
    "The load balancer health check points at a retired node.",
    "Group policy pushes a driver that conflicts with the docking station firmware.",
    "The DNS record has a TTL of five minutes and the secondary server is out of sync.",
    "Disk latency spikes when the antivirus scans the database files.",
    "A firewall rule added for the audit blocks the callback port.",
    "The single sign-on token lifetime is shorter than the application session.",
]
WORKAROUNDS = [
    "Restart the client and sign in again; the session lasts for the rest of the day.",
    "Use the web version of the application until the fix is deployed.",
    "Clear the local cache (Settings > Advanced > Clear cache) and reconnect.",
    "Connect through the backup VPN gateway vpn2.example.com.",
    "Print to the floor 2 printer; jobs sent there are not affected.",
    "Ask the service desk to recycle the application pool (runbook RB-112).",
    "Undock and dock the laptop again after waking it up.",
    "Re-run the report after 10:00, when the nightly jobs have finished.",
]
FIXES = [
    "Raised the connection pool to 200 and added monitoring of its usage.",
    "Renewed the certificate and added it to the expiry calendar.",
    "Moved the backup window and excluded the shared folder from the lock.",
    "Upgraded the vendor agent to 4.3, which fixes the leak.",
    "Removed the retired node from the load balancer pool.",
    "Rolled back the driver and pinned the firmware version in the policy.",
    "Synchronised the secondary DNS server and added an alert on serial drift.",
    "Excluded the database files from the on-access scan.",
]
PROBLEM_WORK_NOTES = [
    "Collected logs from three affected laptops; the pattern matches.", "Vendor case opened, waiting for analysis.",
    "Reproduced in the test environment.", "Reviewed the changes of the last two weeks: two candidates.",
    "Trend analysis: the incidents cluster on Monday mornings.", "Discussed in the weekly problem review.",
]


def cumulative(weights: list[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return [c / total for c in out]


def zipf_weights(n: int, s: float) -> list[float]:
    return [1 / (i + 1) ** s for i in range(n)]


def pick(rng: random.Random, cum: list[float]) -> int:
    return min(bisect(cum, rng.random()), len(cum) - 1)


# --- database set-up ------------------------------------------------------------------------------------------

def prepare_database(url: str, recreate: bool) -> None:
    """Create (or, with --recreate, drop and create) the database, then run Django's migrations into it."""
    name = database_name(url)
    server = url.rsplit("/", 1)[0] + "/postgres"
    conn = psycopg2.connect(server)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cur.fetchone() is not None
        if exists and recreate:
            if not name.startswith("itsm_bench"):
                sys.exit(f"--recreate only drops databases named itsm_bench*, not {name!r}.")
            cur.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = False
        if not exists:
            cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    setup_django(url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def check_columns(cur, verbose: bool = True) -> list[str]:
    """The COPY column lists must cover the tables' writable columns: fail loudly if the models moved on.

    Returns the optional ticket columns the table has (OPTIONAL_TICKET_COLUMNS, written when present); other new
    nullable columns are left NULL and named.
    """
    expected = {"core_ticket": TICKET_COLUMNS, "incidents_incident": [*INCIDENT_COLUMNS, "parent_id"],
                "core_journalentry": ["id", *LINK_JOURNAL_COLUMNS], "core_watcher": ["id", *WATCHER_COLUMNS],
                "problems_problem": PROBLEM_COLUMNS, "core_ticketlink": ["id", *LINK_COLUMNS]}
    optional = []
    for table, columns in expected.items():
        cur.execute(
            "SELECT column_name, is_nullable = 'YES' OR column_default IS NOT NULL FROM information_schema.columns "
            "WHERE table_name = %s AND is_generated = 'NEVER'",
            [table],
        )
        actual = dict(cur.fetchall())
        missing = set(columns) - set(actual)
        if missing:
            sys.exit(f"{table} has no column(s) {sorted(missing)}: update bench/generate.py")
        extra = set(actual) - set(columns)
        if table == "core_ticket":
            optional = [c for c in OPTIONAL_TICKET_COLUMNS if c in extra]
            extra -= set(optional)
        required = sorted(c for c in extra if not actual[c])
        if required:
            sys.exit(f"{table} has new NOT NULL column(s) {required}: update bench/generate.py")
        if extra and verbose:
            print(f"  {table}: left NULL / default: {', '.join(sorted(extra))}", flush=True)
    return optional


# --- reference data (ORM) ----------------------------------------------------------------------------------------

class Reference:
    """Ids and names of everything the tickets point at, plus the weights used to pick them."""

    def __init__(self, rng: random.Random):
        from django.contrib.auth.hashers import make_password

        from accounts.models import Organization, Team, User
        from accounts.roles import Role
        from catalog.models import Service
        from incidents.models import Category

        if User.objects.exists():
            sys.exit("The database already has users: generate into a fresh database (use --recreate).")
        password = make_password(BENCH_PASSWORD)
        joined = datetime.now(UTC) - timedelta(days=SPAN_DAYS + 30)

        org_names = [f"{w} {s}" for s in ORG_SUFFIXES for w in ORG_WORDS][:N_ORGS]
        orgs = Organization.objects.bulk_create([
            Organization(name=name, slug=f"org-{i + 1:03d}", share_tickets=(i == 0 or rng.random() < 0.2))
            for i, name in enumerate(org_names)
        ])
        org_cum = cumulative(zipf_weights(len(orgs), 0.8))

        def person(username: str, role: str, org_id: int | None) -> User:
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            return User(username=username, password=password, role=role, first_name=first, last_name=last,
                        email=f"{username}@example.com", organization_id=org_id, is_staff=role == Role.ADMIN,
                        is_superuser=False, is_active=True, date_joined=joined, time_zone="Europe/Paris")

        end_users = [person(f"user{i + 1:05d}", Role.END_USER,
                            orgs[0].pk if i == 0 else (None if rng.random() < 0.03 else orgs[pick(rng, org_cum)].pk))
                     for i in range(N_END_USERS)]
        agents = [person(f"agent{i + 1:03d}", Role.AGENT, None) for i in range(N_AGENTS)]
        managers = [person(f"manager{i + 1}", Role.MANAGER, None) for i in range(N_MANAGERS)]
        admin = person("admin", Role.ADMIN, None)
        User.objects.bulk_create([*end_users, *agents, *managers, admin], batch_size=2000)

        team_names = [f"{b}{r}" for r in TEAM_REGIONS for b in TEAM_BASES][:N_TEAMS]
        teams = Team.objects.bulk_create([
            Team(name=name, slug=f"team-{i + 1:02d}", email=f"team{i + 1:02d}@example.com")
            for i, name in enumerate(team_names)
        ])
        team_weights = zipf_weights(len(teams), 0.8)
        team_cum = cumulative(team_weights)
        members: list[list[User]] = [[] for _ in teams]
        for agent in agents:
            if agent.username == BENCH_AGENT:
                chosen = {0, 7}  # the largest team and a mid-sized one
            else:
                chosen = {pick(rng, team_cum)}
                if rng.random() < 0.4:
                    chosen.add(pick(rng, team_cum))
            for t in chosen:
                members[t].append(agent)
        for team_members in members:  # every team has at least two agents
            while len(team_members) < 2:
                extra = agents[rng.randrange(1, len(agents))]
                if extra not in team_members:
                    team_members.append(extra)
        Through = Team.members.through
        Through.objects.bulk_create([
            Through(team_id=teams[t].pk, user_id=u.pk) for t, team_members in enumerate(members) for u in team_members
        ])
        for t, team in enumerate(teams):
            team.lead_id = members[t][0].pk
        Team.objects.bulk_update(teams, ["lead"])

        service_names = [*SERVICE_BASES, *(f"{b} (EMEA)" for b in SERVICE_BASES)][:N_SERVICES]
        services = Service.objects.bulk_create([
            Service(name=name, slug=f"service-{i + 1:03d}", description=f"The {name} service.",
                    support_team_id=teams[pick(rng, team_cum)].pk, owner_team_id=teams[rng.randrange(len(teams))].pk,
                    criticality=rng.choice([1, 2, 2, 3, 3, 4]))
            for i, name in enumerate(service_names)
        ])
        tops = Category.objects.bulk_create([Category(name=name) for name in CATEGORIES])
        subs = Category.objects.bulk_create([
            Category(name=sub, parent=top) for top in tops for sub in CATEGORIES[top.name]
        ])

        self.end_user_ids = [u.pk for u in end_users]
        self.end_user_orgs = [u.organization_id for u in end_users]
        self.agent_ids = [a.pk for a in agents]
        self.agent_names = [f"{a.first_name} {a.last_name}" for a in agents]
        self.bench_agent_id = next(a.pk for a in agents if a.username == BENCH_AGENT)
        self.bench_end_user_id = next(u.pk for u in end_users if u.username == BENCH_END_USER)
        self.team_ids = [t.pk for t in teams]
        self.team_names = [t.name for t in teams]
        self.team_cum = team_cum
        self.team_members = [[(u.pk, f"{u.first_name} {u.last_name}") for u in m] for m in members]
        self.service_ids = [s.pk for s in services]
        team_index = {pk: i for i, pk in enumerate(self.team_ids)}
        self.service_team = [team_index[s.support_team_id] for s in services]
        self.service_cum = cumulative(zipf_weights(len(services), 0.7))
        self.category_ids = [c.pk for c in tops]
        self.subcategory_ids = [[s.pk for s in subs if s.parent_id == c.pk] for c in tops]
        self.counts = {"organizations": len(orgs), "end users": len(end_users), "agents": len(agents),
                       "managers": len(managers), "teams": len(teams), "team memberships":
                       sum(len(m) for m in members), "services": len(services), "categories": len(tops) + len(subs)}


# --- incidents (COPY) -----------------------------------------------------------------------------------------------

class TicketWriter:
    """Writes the COPY text of one chunk of incidents: tickets, incident rows, journal entries, watchers."""

    def __init__(self, ref: Reference, rng: random.Random, first_id: int, first_number: int, now: int, n: int,
                 optional: list[str]):
        self.ref, self.rng, self.first_id, self.first_number, self.now = ref, rng, first_id, first_number, now
        self.with_responded = "responded_at" in optional
        start = now - SPAN_DAYS * DAY - 40 * DAY
        self.day0 = start - start % DAY
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        n_days = (now - self.day0) // DAY + 2
        # timestamps as text without datetime objects: a day's date string plus a precomputed "HH:MM:SS+00"
        self.days = [(epoch + timedelta(seconds=self.day0 + d * DAY)).strftime("%Y-%m-%d ") for d in range(n_days)]
        self.hms = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}+00" for s in range(DAY)]
        self.priority_cum = cumulative(PRIORITY_WEIGHTS)
        self.open_state_cum = cumulative([w for _s, w in OPEN_STATES])
        self.channel_cum = cumulative([w for _c, w in CHANNELS])
        self.titles = [f"{s} {y}" for s in SUBJECTS for y in SYMPTOMS]
        self.descriptions = [f"{a} {b}" for a in SENTENCES for b in SENTENCES if a != b]
        self.descriptions += [  # a few with a paragraph break (an escaped newline in COPY's text format)
            f"{d}\\n\\n{SENTENCES[i % len(SENTENCES)]}" for i, d in enumerate(self.descriptions[:200])
        ]
        # ~100 tickets watched by the benchmark agent, whatever the size
        self.bench_watch_rate = 100 / max(n, 100)

    def ts(self, t: int) -> str:
        d = t - self.day0
        return self.days[d // DAY] + self.hms[d % DAY]

    def chunk(self, first: int, count: int) -> tuple[str, str, str, str, int]:
        r = self.rng.random
        rr = self.rng.randrange
        ref, ts, now = self.ref, self.ts, self.now
        users, user_orgs, n_users = ref.end_user_ids, ref.end_user_orgs, len(ref.end_user_ids)
        agents, n_agents = ref.agent_ids, len(ref.agent_ids)
        team_ids, team_members, team_cum = ref.team_ids, ref.team_members, ref.team_cum
        service_ids, service_team, service_cum = ref.service_ids, ref.service_team, ref.service_cum
        cat_ids, sub_ids, n_cats = ref.category_ids, ref.subcategory_ids, len(ref.category_ids)
        titles, n_titles = self.titles, len(self.titles)
        descriptions, n_desc = self.descriptions, len(self.descriptions)
        prio_cum, open_cum, chan_cum = self.priority_cum, self.open_state_cum, self.channel_cum
        span = SPAN_DAYS * DAY
        bench_agent, watch_rate = ref.bench_agent_id, self.bench_watch_rate
        with_responded = self.with_responded
        tickets, incidents, journal, watchers = [], [], [], []
        t_app, i_app, j_app, w_app = tickets.append, incidents.append, journal.append, watchers.append
        for k in range(first, first + count):
            tid = self.first_id + k
            p = bisect(prio_cum, r()) + 1
            pairs = PRIORITY_PAIRS[min(p, 5)]
            impact, urgency = pairs[rr(len(pairs))]
            x = r()
            if x < OPEN_FRACTION:
                state = OPEN_STATES[bisect(open_cum, r())][0]
                active = "t"
                opened = now - int(r() * r() * 90 * DAY) - rr(3600)
                updated = opened + int(r() * (now - opened))
            elif x < OPEN_FRACTION + 0.045:
                state, active = "resolved", "f"
                opened = now - int(r() * 12 * DAY) - 3600
            elif x < OPEN_FRACTION + 0.09:
                state, active = "cancelled", "f"
                opened = now - DAY - int(r() * span)
            else:
                state, active = "closed", "f"
                opened = now - 30 * DAY - int(r() * (span - 30 * DAY))
            # people, team, service, category
            if r() < 0.99:
                u = rr(n_users)
                requester, org = users[u], user_orgs[u]
            else:
                requester, org = agents[rr(n_agents)], None
            if r() < 0.95:
                s = bisect(service_cum, r())
                service = service_ids[s]
                team = service_team[s] if r() < 0.75 else bisect(team_cum, r())
            else:
                service, team = None, bisect(team_cum, r())
            members = team_members[team]
            if state == "new":
                assignee = members[rr(len(members))] if r() < 0.4 else None
            elif state == "cancelled":
                assignee = members[rr(len(members))] if r() < 0.5 else None
            else:
                assignee = members[rr(len(members))]
            c = rr(n_cats)
            category = cat_ids[c]
            subcategory = sub_ids[c][rr(4)] if r() < 0.7 else None
            channel = CHANNELS[bisect(chan_cum, r())][0]
            title = titles[rr(n_titles)]
            # history: (time, journal line) and the final timestamps
            opened_s = ts(opened)
            versions = 1
            j_app(f"field_change\tf\t\tstate\t\tnew\t{opened_s}\t{requester}\t{tid}\n")
            t1 = opened + 60 + rr(4 * 3600)
            j_app(f"comment\tf\t{FOLLOW_UPS[rr(6)]}\t\t\t\t{ts(opened + 30 + rr(1800))}\t{requester}\t{tid}\n")
            hold_reason = resolution_code = resolution_notes = ""
            resolved_at = closed_at = responded_at = None
            if state == "new":
                if assignee:
                    versions += 1
                    j_app(f"field_change\tf\t\tassignee\t\t{assignee[1]}\t{ts(min(t1, updated))}\t"
                          f"{assignee[0]}\t{tid}\n")
                else:
                    j_app(f"work_note\tt\tTriage: {WORK_NOTES[rr(8)]}\t\t\t\t{ts(min(t1, updated))}\t"
                          f"{members[0][0]}\t{tid}\n")
            elif state in ("in_progress", "on_hold"):
                t1 = min(t1, updated)
                responded_at = ts(t1)
                versions += 2
                j_app(f"field_change\tf\t\tassignee\t\t{assignee[1]}\t{ts(t1)}\t{assignee[0]}\t{tid}\n")
                j_app(f"field_change\tf\t\tstate\tnew\tin_progress\t{ts(t1)}\t{assignee[0]}\t{tid}\n")
                if r() < 0.6:
                    j_app(f"work_note\tt\t{WORK_NOTES[rr(8)]}\t\t\t\t{ts(updated)}\t{assignee[0]}\t{tid}\n")
                if state == "on_hold":
                    hold_reason = HOLD_REASONS[rr(4)]
                    versions += 2
                    j_app(f"field_change\tf\t\tstate\tin_progress\ton_hold\t{ts(updated)}\t{assignee[0]}\t{tid}\n")
                    j_app(f"field_change\tt\t\thold_reason\t\t{hold_reason}\t{ts(updated)}\t{assignee[0]}\t{tid}\n")
            elif state == "cancelled":
                closed = opened + 600 + rr(2 * DAY)
                if closed > now - 60:
                    closed = opened + int(r() * (now - 60 - opened))
                closed_at = ts(closed)
                updated = closed
                versions += 1
                j_app(f"field_change\tf\t\tstate\tnew\tcancelled\t{closed_at}\t"
                      f"{assignee[0] if assignee else requester}\t{tid}\n")
            else:
                duration = 900 + int(r() ** 3 * 20 * DAY)
                resolved = opened + duration
                if state == "resolved" and resolved > now - 60:  # still within its auto-close week
                    resolved = opened + int(r() * (now - 60 - opened))
                t1 = opened + (resolved - opened) // 3
                responded_at = ts(t1)
                resolution_code = RESOLUTION_CODES[rr(5)]
                resolution_notes = RESOLUTION_NOTES[rr(6)]
                resolved_at = ts(resolved)
                versions += 4
                j_app(f"field_change\tf\t\tassignee\t\t{assignee[1]}\t{ts(t1)}\t{assignee[0]}\t{tid}\n")
                if r() < 0.3:
                    versions += 1
                    j_app(f"field_change\tf\t\tstate\tnew\tin_progress\t{ts(t1)}\t{assignee[0]}\t{tid}\n")
                if r() < 0.3:
                    j_app(f"work_note\tt\t{WORK_NOTES[rr(8)]}\t\t\t\t{ts(t1 + 60)}\t{assignee[0]}\t{tid}\n")
                if r() < 0.4:
                    j_app(f"comment\tf\t{COMMENTS[rr(12)]}\t\t\t\t{ts(resolved - 600)}\t{assignee[0]}\t{tid}\n")
                j_app(f"field_change\tf\t\tstate\tin_progress\tresolved\t{resolved_at}\t{assignee[0]}\t{tid}\n")
                j_app(f"field_change\tf\t\tresolution_code\t\t{resolution_code}\t{resolved_at}\t{assignee[0]}\t{tid}\n")
                updated = resolved
                if state == "closed":
                    closed = resolved + 7 * DAY
                    closed_at = ts(closed)
                    updated = closed
                    j_app(f"field_change\tf\t\tstate\tresolved\tclosed\t{closed_at}\t\\N\t{tid}\n")
            t_app(
                f"{tid}\tINC{self.first_number + k:07d}\tincident\t{title}\t{descriptions[rr(n_desc)]}\t{state}\t"
                f"{active}\t{impact}\t{urgency}\t{p}\t{opened_s}\t{ts(updated)}\t{resolved_at or NULL}\t"
                f"{closed_at or NULL}\t{versions}\t{assignee[0] if assignee else NULL}\t"
                f"{org if org is not None else NULL}\t{requester}\t{service if service else NULL}\t{team_ids[team]}"
                + (f"\t{responded_at or NULL}\n" if with_responded else "\n")
            )
            i_app(
                f"{tid}\t{channel}\t{hold_reason}\t{resolution_code}\t{resolution_notes}\t"
                f"{'t' if r() < 0.0005 else 'f'}\t{category}\t{subcategory if subcategory else NULL}\n"
            )
            if r() < 0.03:
                w = rr(n_users) if r() < 0.8 else None
                w_app(f"{ts(opened + 120)}\t{tid}\t{users[w] if w is not None else agents[rr(n_agents)]}\n")
            elif r() < watch_rate:
                w_app(f"{ts(opened + 120)}\t{tid}\t{bench_agent}\n")
        return "".join(tickets), "".join(incidents), "".join(journal), "".join(watchers), len(journal)


class Copier(threading.Thread):
    """One loading connection: takes lists of (table, columns, text) from its queue and COPYs them in."""

    def __init__(self, url: str, name: str):
        super().__init__(name=name, daemon=True)
        self.jobs: queue.Queue = queue.Queue(maxsize=3)
        self.error: BaseException | None = None
        self.conn = psycopg2.connect(url)
        with self.conn.cursor() as cur:
            # session settings only: no FK trigger per row (ids are consistent by construction), bigger GIN
            # pending list and sort memory for the full-text index, no wait for the WAL flush at commit
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET synchronous_commit = off")
            cur.execute("SET gin_pending_list_limit = '64MB'")
            cur.execute("SET work_mem = '256MB'")

    def run(self) -> None:
        try:
            with self.conn.cursor() as cur:
                while (job := self.jobs.get()) is not None:
                    for table, columns, text in job:
                        if text:
                            cur.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", io.StringIO(text),
                                            size=1 << 20)
            self.conn.commit()
        except BaseException as exc:  # reported by the main thread
            self.error = exc
            self.conn.rollback()
            while self.jobs.get() is not None:  # drain so the producer never blocks
                pass
        finally:
            self.conn.close()

    def put(self, job) -> None:
        while True:
            if self.error is not None:
                raise RuntimeError(f"{self.name} failed: {self.error}") from self.error
            try:
                self.jobs.put(job, timeout=1)
                return
            except queue.Full:
                continue


# NOT NULL columns a generated row leaves to a default (Django keeps defaults in Python, not in the schema): set
# while loading, dropped by `finish`. A knowledge article's `public` flag: no generated ticket is published.
LOAD_DEFAULTS = {"core_ticket": {"public": "false"}}


def open_loading(url: str, verbose: bool = True) -> tuple:
    """The control connection of a load: the loading defaults, checks the columns, switches autovacuum off on the
    big tables."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    for table, defaults in LOAD_DEFAULTS.items():
        for column, value in defaults.items():
            cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET DEFAULT {value}")
    optional = check_columns(cur, verbose)
    for table in BIG_TABLES:
        cur.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
    return conn, cur, optional


def first_free(cur, kind: str, n: int) -> tuple[int, int]:
    """The first ticket id and the first number of `kind` that `n` new tickets can take."""
    cur.execute("SELECT COALESCE(max(id), 0) FROM core_ticket")
    first_id = cur.fetchone()[0] + 1
    cur.execute(f"SELECT last_value, is_called FROM core_ticket_number_{kind}")
    last, is_called = cur.fetchone()
    first_number = last + 1 if is_called else last
    if first_number + n - 1 > 9_999_999:
        sys.exit(f"{kind} numbers would pass 9999999.")
    return first_id, first_number


def stream(chunks, n: int, url: str, what: str) -> tuple[int, float]:
    """COPY the chunks (ticket side, journal side) over two connections; returns (journal rows, seconds)."""
    tickets_conn = Copier(url, "tickets")
    journal_conn = Copier(url, "journal")
    tickets_conn.start()
    journal_conn.start()
    started = time.monotonic()
    journal_rows = 0
    step = max(n // 10, 1)
    next_report = step
    try:
        for done, ticket_job, journal_job, j_rows in chunks:
            journal_rows += j_rows
            tickets_conn.put(ticket_job)
            journal_conn.put(journal_job)
            if done >= next_report:
                elapsed = time.monotonic() - started
                print(f"  {done:>9,} {what} generated  {elapsed:6.1f}s  ({done / elapsed:,.0f} {what}/s)", flush=True)
                next_report += step
    finally:
        tickets_conn.jobs.put(None)
        journal_conn.jobs.put(None)
        tickets_conn.join()
        journal_conn.join()
    for c in (tickets_conn, journal_conn):
        if c.error is not None:
            raise RuntimeError(f"loading failed in {c.name}: {c.error}") from c.error
    return journal_rows, time.monotonic() - started


def load_incidents(url: str, ref: Reference, n: int, chunk_size: int, seed: int) -> dict:
    conn, cur, optional = open_loading(url)
    first_id, first_number = first_free(cur, "incident", n)
    writer = TicketWriter(ref, random.Random(seed + 1), first_id, first_number, int(time.time()), n, optional)

    def chunks():
        for first in range(0, n, chunk_size):
            count = min(chunk_size, n - first)
            t_text, i_text, j_text, w_text, j_rows = writer.chunk(first, count)
            yield (first + count,
                   [("core_ticket", [*TICKET_COLUMNS, *optional], t_text),
                    ("incidents_incident", INCIDENT_COLUMNS, i_text)],
                   [("core_journalentry", JOURNAL_COLUMNS, j_text), ("core_watcher", WATCHER_COLUMNS, w_text)],
                   j_rows)

    journal_rows, copy_seconds = stream(chunks(), n, url, "incidents")
    # sequences past what was loaded: ids and numbers drawn from now on do not collide
    cur.execute("SELECT setval(pg_get_serial_sequence('core_ticket', 'id'), (SELECT max(id) FROM core_ticket))")
    if n:
        cur.execute("SELECT setval('core_ticket_number_incident', %s)", [first_number + n - 1])
    cur.execute("SELECT count(*) FROM core_watcher")
    watchers = cur.fetchone()[0]
    conn.close()
    return {"incidents": n, "journal": journal_rows, "watchers": watchers, "copy_s": copy_seconds,
            "first_number": first_number, "first_id": first_id, "now": writer.now}


def finish(url: str) -> float:
    """Autovacuum back on, then VACUUM (ANALYZE) of everything loaded; returns the seconds it took."""
    conn = psycopg2.connect(url)
    conn.autocommit = True
    cur = conn.cursor()
    for table in BIG_TABLES:
        cur.execute(f"ALTER TABLE {table} RESET (autovacuum_enabled)")
    for table, defaults in LOAD_DEFAULTS.items():
        for column in defaults:
            cur.execute(f"ALTER TABLE {table} ALTER COLUMN {column} DROP DEFAULT")
    started = time.monotonic()
    cur.execute("SET maintenance_work_mem = '1GB'")
    for table in [*BIG_TABLES, "accounts_user", "accounts_team_members", "accounts_team", "accounts_organization",
                  "catalog_service", "incidents_category"]:
        cur.execute(f"VACUUM (ANALYZE) {table}")
    conn.close()
    return time.monotonic() - started


# --- problems (COPY) ------------------------------------------------------------------------------------------------

class ProblemWriter:
    """Writes the COPY text of one chunk of problems: tickets, problem rows, their journal, the "caused by" links
    from 1 to 5 incidents each (with the link's journal line on both tickets)."""

    def __init__(self, ref: Reference, rng: random.Random, first_id: int, first_number: int, now: int,
                 optional: list[str], incidents: TicketWriter, pools: dict[tuple[int, bool], list[int]],
                 incident_number: tuple[int, int]):
        self.ref, self.rng, self.first_id, self.first_number, self.now = ref, rng, first_id, first_number, now
        self.with_responded = "responded_at" in optional
        self.ts = incidents.ts  # the same day table
        self.descriptions = incidents.descriptions
        self.titles = [t.format(f"{s} {y}") for t in PROBLEM_TITLES for s in SUBJECTS for y in SYMPTOMS]
        self.state_cum = cumulative([w for _s, w in PROBLEM_STATES])
        self.priority_cum = cumulative(PROBLEM_PRIORITY_WEIGHTS)
        # incidents to link, by (service id or 0, open): a problem's incidents are mostly of its service
        self.pools = pools
        self.all_incidents = [i for ids in pools.values() for i in ids]
        self.inc_first_id, self.inc_first_number = incident_number
        self.links = 0

    def incident_number(self, pk: int) -> str:
        return f"INC{self.inc_first_number + pk - self.inc_first_id:07d}"

    def pick_incidents(self, service: int | None, open_problem: bool, k: int) -> list[int]:
        r, rr = self.rng.random, self.rng.randrange
        chosen: set[int] = set()
        for _ in range(k * 3):
            if len(chosen) == k:
                break
            pool = self.pools.get((service or 0, open_problem and r() < 0.6)) if r() < 0.85 else None
            if not pool:
                pool = self.all_incidents
            if pool:
                chosen.add(pool[rr(len(pool))])
        return sorted(chosen)

    def chunk(self, first: int, count: int) -> tuple[str, str, str, str, int]:
        r, rr = self.rng.random, self.rng.randrange
        ref, ts, now = self.ref, self.ts, self.now
        agents, n_agents = ref.agent_ids, len(ref.agent_ids)
        team_ids, team_members, team_cum, team_names = ref.team_ids, ref.team_members, ref.team_cum, ref.team_names
        service_ids, service_team, service_cum = ref.service_ids, ref.service_team, ref.service_cum
        cat_ids, n_cats = ref.category_ids, len(ref.category_ids)
        titles, n_titles = self.titles, len(self.titles)
        descriptions, n_desc = self.descriptions, len(self.descriptions)
        span = SPAN_DAYS * DAY
        with_responded = self.with_responded
        tickets, problems, journal, links = [], [], [], []
        t_app, p_app, j_app, l_app = tickets.append, problems.append, journal.append, links.append
        for k in range(first, first + count):
            tid = self.first_id + k
            number = f"PRB{self.first_number + k:07d}"
            state = PROBLEM_STATES[bisect(self.state_cum, r())][0]
            is_open = state in PROBLEM_OPEN
            p = bisect(self.priority_cum, r()) + 1
            pairs = PRIORITY_PAIRS[min(p, 5)]
            impact, urgency = pairs[rr(len(pairs))]
            if r() < 0.9:
                s = bisect(service_cum, r())
                service = service_ids[s]
                team = service_team[s] if r() < 0.75 else bisect(team_cum, r())
            else:
                service, team = None, bisect(team_cum, r())
            members = team_members[team]
            requester = members[rr(len(members))][0] if r() < 0.6 else agents[rr(n_agents)]
            if state == "new":
                assignee = members[rr(len(members))] if r() < 0.3 else None
            elif state == "cancelled":
                assignee = members[rr(len(members))] if r() < 0.4 else None
            else:
                assignee = members[rr(len(members))]
            actor = assignee[0] if assignee else members[0][0]
            category = cat_ids[rr(n_cats)] if r() < 0.7 else None
            # when: open problems are recent (months), the others spread over the three years
            if is_open:
                opened = now - int(r() * r() * 180 * DAY) - rr(3600)
                end = opened + int(r() * (now - 60 - opened))
            elif state == "resolved":
                opened = now - 14 * DAY - int(r() * 120 * DAY)
                end = now - 60 - int(r() * 13 * DAY)
            elif state == "cancelled":
                opened = now - DAY - int(r() * span)
                end = opened + 600 + rr(10 * DAY)
                end = min(end, now - 60)
            else:
                opened = now - 90 * DAY - int(r() * (span - 90 * DAY))
                end = opened + 3 * DAY + int(r() ** 2 * 80 * DAY)
            path = PROBLEM_PATHS.get(state) or (["assessment", "cancelled"] if r() < 0.5 else ["cancelled"])
            # the steps at sorted times between opening and the last change
            times = sorted(opened + 300 + int(r() * (end - opened - 300)) for _ in path)
            if path and state in ("resolved", "closed"):
                times[-1] = end
            opened_s = ts(opened)
            j_app(f"field_change\tf\t\tstate\t\tnew\t{opened_s}\t{requester}\t{tid}\t\\N\n")
            j_app(f"field_change\tf\t\tteam\t\t{team_names[team]}\t{opened_s}\t{requester}\t{tid}\t\\N\n")
            versions = 1
            if assignee:
                versions += 1
                j_app(f"field_change\tt\t\tassignee\t\t{assignee[1]}\t{ts(opened + 600)}\t{actor}\t{tid}\t\\N\n")
            previous = "new"
            root_cause = workaround = fix = related_change = ""
            known_error_at = published_at = None
            latest = opened + 600
            resolved_at = closed_at = None
            for step, t in zip(path, times, strict=True):
                versions += 1
                if step == "resolved":
                    fix = FIXES[rr(len(FIXES))]
                    resolved_at = ts(t)
                    j_app(f"field_change\tt\t\tfix\t\t{fix}\t{resolved_at}\t{actor}\t{tid}\t\\N\n")
                elif step in ("closed", "cancelled"):
                    closed_at = ts(t)
                j_app(f"field_change\tt\t\tstate\t{previous}\t{step}\t{ts(t)}\t{actor}\t{tid}\t\\N\n")
                if step == "root_cause_analysis" and r() < 0.7:
                    j_app(f"work_note\tt\t{PROBLEM_WORK_NOTES[rr(6)]}\t\t\t\t{ts(t + 3600)}\t{actor}\t{tid}\t\\N\n")
                previous = step
            if state in PROBLEM_ROOT_CAUSE and r() < PROBLEM_ROOT_CAUSE[state]:
                # recorded during the analysis: before the fix started (or before the end for an open one)
                rca_at = times[path.index("root_cause_analysis")] + 2 * 3600
                if "fix_in_progress" in path:
                    rca_at = min(rca_at, times[path.index("fix_in_progress")] - 60)
                latest = rca_at + 60
                root_cause = ROOT_CAUSES[rr(len(ROOT_CAUSES))]
                versions += 1
                j_app(f"field_change\tt\t\troot_cause\t\t{root_cause}\t{ts(rca_at)}\t{actor}\t{tid}\t\\N\n")
                if r() < PROBLEM_WORKAROUND[state]:
                    workaround = WORKAROUNDS[rr(len(WORKAROUNDS))]
                    known = ts(rca_at + 60)
                    known_error_at = known
                    versions += 1
                    j_app(f"field_change\tt\t\tworkaround\t\t{workaround}\t{known}\t{actor}\t{tid}\t\\N\n")
                    if r() < 0.5:
                        published_at = known
                        j_app(f"field_change\tt\t\tworkaround_published\t\t"
                              f"{'the requesters of its incidents' if r() < 0.6 else 'the service desk only'}\t"
                              f"{known}\t{actor}\t{tid}\t\\N\n")
                if "fix_in_progress" in path and r() < 0.6:
                    related_change = f"CHG{rr(1001, 200_000):07d}"
            last = max(times[-1] if times else opened + 600, latest)
            if is_open and r() < 0.5:
                last = min(now - 60, last + rr(3 * DAY))
                j_app(f"work_note\tt\t{PROBLEM_WORK_NOTES[rr(6)]}\t\t\t\t{ts(last)}\t{actor}\t{tid}\t\\N\n")
            updated = max(last, opened)
            # the incidents it causes: linked while the problem was open (the first one when it was raised)
            linked = self.pick_incidents(service, is_open, 1 + rr(5))
            # an open problem only takes links: until now, or until it was resolved or cancelled
            link_end = times[path.index("resolved") if "resolved" in path else -1] if not is_open else updated
            for i, iid in enumerate(linked):
                at = ts(opened if i == 0 else opened + int(r() * max(link_end - opened, 1)))
                inc = self.incident_number(iid)
                l_app(f"caused_by\t{at}\t{actor}\t{iid}\t{tid}\n")
                j_app(f"field_change\tt\t\tlink\t\t{inc} caused by this\t{at}\t{actor}\t{tid}\t{iid}\n")
                j_app(f"field_change\tt\t\tlink\t\tcaused by {number}\t{at}\t{actor}\t{iid}\t{tid}\n")
            self.links += len(linked)
            title = titles[rr(n_titles)]
            t_app(
                f"{tid}\t{number}\tproblem\t{title}\t{descriptions[rr(n_desc)]}\t{state}\t"
                f"{'t' if is_open else 'f'}\t{impact}\t{urgency}\t{p}\t{opened_s}\t{ts(updated)}\t"
                f"{resolved_at or NULL}\t{closed_at or NULL}\t{versions}\t{assignee[0] if assignee else NULL}\t"
                f"{NULL}\t{requester}\t{service if service else NULL}\t{team_ids[team]}"
                + (f"\t{NULL}\n" if with_responded else "\n")
            )
            p_app(
                f"{tid}\t{category or NULL}\t{root_cause}\t{workaround}\t{fix}\t{related_change}\t"
                f"{'t' if known_error_at else 'f'}\t{known_error_at or NULL}\t{published_at or NULL}\t"
                f"{'t' if published_at and r() < 0.6 else 'f'}\n"
            )
        return "".join(tickets), "".join(problems), "".join(journal), "".join(links), len(journal)


def incident_pools(cur) -> dict[tuple[int, bool], list[int]]:
    """The generated incidents' ids by (service id or 0, open)."""
    cur.execute("SELECT COALESCE(service_id, 0), active, array_agg(id ORDER BY id) FROM core_ticket "
                "WHERE kind = 'incident' GROUP BY 1, 2")
    return {(service, active): ids for service, active, ids in cur.fetchall()}


def load_problems(url: str, ref: Reference, n: int, chunk_size: int, seed: int, incidents: dict) -> dict:
    conn, cur, optional = open_loading(url, verbose=False)
    first_id, first_number = first_free(cur, "problem", n)
    started = time.monotonic()
    pools = incident_pools(cur)
    pools_seconds = time.monotonic() - started
    inc_writer = TicketWriter(ref, random.Random(seed + 2), first_id, first_number, incidents["now"],
                              max(incidents["incidents"], 1), optional)
    writer = ProblemWriter(ref, random.Random(seed + 3), first_id, first_number, incidents["now"], optional,
                           inc_writer, pools, (incidents["first_id"], incidents["first_number"]))

    def chunks():
        for first in range(0, n, chunk_size):
            count = min(chunk_size, n - first)
            t_text, p_text, j_text, l_text, j_rows = writer.chunk(first, count)
            yield (first + count,
                   [("core_ticket", [*TICKET_COLUMNS, *optional], t_text), ("problems_problem", PROBLEM_COLUMNS,
                                                                             p_text)],
                   [("core_journalentry", LINK_JOURNAL_COLUMNS, j_text), ("core_ticketlink", LINK_COLUMNS, l_text)],
                   j_rows)

    journal_rows, copy_seconds = stream(chunks(), n, url, "problems")
    cur.execute("SELECT setval(pg_get_serial_sequence('core_ticket', 'id'), (SELECT max(id) FROM core_ticket))")
    if n:
        cur.execute("SELECT setval('core_ticket_number_problem', %s)", [first_number + n - 1])
    conn.close()
    return {"problems": n, "journal": journal_rows, "links": writer.links, "copy_s": copy_seconds + pools_seconds,
            "first_number": first_number}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--incidents", type=int, default=1_000_000, help="how many incidents (default 1,000,000)")
    parser.add_argument("--problems", type=int, default=None,
                        help="how many problems (default: a tenth of --incidents, 100,000 for 1M)")
    parser.add_argument("--database-url", default=None,
                        help="postgres://... URL, a database name, or 10k / 1m (default $BENCH_DATABASE_URL or 10k)")
    parser.add_argument("--recreate", action="store_true", help="drop and create the (itsm_bench*) database first")
    parser.add_argument("--chunk", type=int, default=10_000, help="incidents (problems) per COPY chunk")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    n_problems = args.incidents // 10 if args.problems is None else args.problems
    url = database_url(args.database_url)
    total_started = time.monotonic()
    print(f"Database {database_name(url)}: migrating", flush=True)
    prepare_database(url, args.recreate)
    migrated = time.monotonic()
    rng = random.Random(args.seed)
    ref = Reference(rng)
    referenced = time.monotonic()
    print("Reference data: " + ", ".join(f"{v:,} {k}" for k, v in ref.counts.items())
          + f"  ({referenced - migrated:.1f}s)", flush=True)
    print(f"Loading {args.incidents:,} incidents with COPY", flush=True)
    stats = load_incidents(url, ref, args.incidents, args.chunk, args.seed)
    rows = stats["incidents"] * 2 + stats["journal"] + stats["watchers"]
    print(f"Loaded {stats['incidents']:,} incidents (tickets + incident rows), {stats['journal']:,} journal entries "
          f"({stats['journal'] / max(stats['incidents'], 1):.2f} per incident), {stats['watchers']:,} watchers "
          f"in {stats['copy_s']:.1f}s: {stats['incidents'] / stats['copy_s']:,.0f} incidents/s, "
          f"{rows / stats['copy_s']:,.0f} rows/s", flush=True)
    print(f"Numbers INC{stats['first_number']:07d}..INC{stats['first_number'] + stats['incidents'] - 1:07d}",
          flush=True)
    if n_problems > 0:
        print(f"Loading {n_problems:,} problems with COPY (and their links from incidents)", flush=True)
        pstats = load_problems(url, ref, n_problems, args.chunk, args.seed, stats)
        rows = pstats["problems"] * 2 + pstats["journal"] + pstats["links"]
        print(f"Loaded {pstats['problems']:,} problems (tickets + problem rows), {pstats['journal']:,} journal "
              f"entries (link lines on both sides included), {pstats['links']:,} caused-by links "
              f"({pstats['links'] / pstats['problems']:.2f} incidents per problem) in {pstats['copy_s']:.1f}s: "
              f"{pstats['problems'] / pstats['copy_s']:,.0f} problems/s, {rows / pstats['copy_s']:,.0f} rows/s",
              flush=True)
        print(f"Numbers PRB{pstats['first_number']:07d}..PRB{pstats['first_number'] + n_problems - 1:07d}",
              flush=True)
    vacuum_seconds = finish(url)
    print(f"VACUUM (ANALYZE): {vacuum_seconds:.1f}s; sequences advanced", flush=True)
    total = time.monotonic() - total_started
    print(f"Total time: {total:.1f}s ({math.floor(total / 60)} min {total % 60:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
