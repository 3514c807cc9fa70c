"""EXPLAIN (ANALYZE, BUFFERS) of the incident (and problem) queue and list queries, as the app builds them.

    .venv/bin/python bench/explain.py --database-url 1m            # prints a summary, writes bench/out/explain-*/
    .venv/bin/python bench/explain.py --database-url 1m --save     # and copies the plans to bench/explain/
    .venv/bin/python bench/explain.py --database-url 1m --only-problems --save    # the problem pages only

Three parts, for the benchmark agent, a manager and an end user (see bench/common.py):
1. ORM: `Incident.objects.visible_to(user)` + IncidentFilter with each saved queue's parameters (QUEUES), ordered
   like the queue page (the queue's default ordering plus the `-id` tie-breaker) and sliced [:50], then the
   COUNT(*) of the same; and the two API list filters measured by bench/load.py.
2. Pages: the real views are requested through Django's test client (queue pages, ticket page, API list and
   detail, the portal list); every SELECT they run on the incident tables is captured and explained.
3. `--problems` (or `--only-problems`): the problem pages (queue, known-error filter, problem page, known-error
   database with a text search, API list and detail; the agent home with its problem queue counts and an incident
   page with its problem panel) for the agent and a manager: every SELECT on core_ticket, problems_problem or
   core_ticketlink, and how many queries each page runs in all.
Each query runs once to warm the cache, then under EXPLAIN (ANALYZE, BUFFERS). The goal: no sequential scan on
the ticket tables (core_ticket, incidents_incident, problems_problem, core_ticketlink), and every plan a few
milliseconds.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (
    BENCH_AGENT,
    BENCH_END_USER,
    BENCH_MANAGER,
    EXPLAIN_DIR,
    OUT_DIR,
    database_name,
    database_url,
    setup_django,
)

TICKET_TABLES = re.compile(r'"(core_ticket|incidents_incident)"')
PROBLEM_TABLES = re.compile(r'"(core_ticket|problems_problem|core_ticketlink)"')
SEQ_SCAN = re.compile(r"Seq Scan on (core_ticket|incidents_incident|problems_problem|core_ticketlink)\b")
TABLES = ("core_ticket", "incidents_incident", "problems_problem", "core_ticketlink")


@dataclass
class Plan:
    user: str
    name: str
    sql: str
    text: str

    @property
    def execution_ms(self) -> float:
        m = re.search(r"Execution Time: ([\d.]+) ms", self.text)
        return float(m.group(1)) if m else float("nan")

    @property
    def planning_ms(self) -> float:
        m = re.search(r"Planning Time: ([\d.]+) ms", self.text)
        return float(m.group(1)) if m else float("nan")

    @property
    def seq_scans(self) -> list[str]:
        return sorted(set(SEQ_SCAN.findall(self.text)))

    @property
    def buffers(self) -> str:
        m = re.search(r"Buffers: (shared [^\n]*)", self.text)
        return m.group(1).strip() if m else ""

    @property
    def top_node(self) -> str:
        first = self.text.splitlines()[0]
        return re.sub(r"\s+\(cost=.*", "", first).strip()

    @property
    def access_paths(self) -> str:
        """The scans on the incident tables, in plan order (e.g. 'Index Scan using ticket_open_by_priority')."""
        found = re.findall(r"((?:Parallel )?(?:Seq Scan|Index Only Scan|Index Scan(?: Backward)?|Bitmap Index Scan)"
                           r"(?: using (\w+))?(?: on (\w+))?)", self.text)
        keep = []
        for whole, index, table in found:
            if table in TABLES or (index and index.startswith(("ticket_", "core_ticket", "incident", "problem",
                                                               "link_"))):
                keep.append(re.sub(r" on (core_ticket|incidents_incident)$", "", whole) if index else whole)
        return ", ".join(dict.fromkeys(keep))


def explain(user: str, name: str, sql: str) -> Plan:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(sql)  # warm the cache: the plan below is the steady state
        cur.fetchall()
        cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        text = "\n".join(row[0] for row in cur.fetchall())
    return Plan(user, name, sql, text)


def captured(run, tables: re.Pattern = TICKET_TABLES, every: list | None = None) -> list[str]:
    """The SELECTs on `tables` that `run()` executes (exact SQL, parameters inlined by psycopg2); `every` receives
    all the queries it ran."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        run()
    if every is not None:
        every.extend(q["sql"] for q in ctx.captured_queries)
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT") and tables.search(q["sql"])
            and "FOR UPDATE" not in q["sql"].upper()]


def orm_plans(users: dict) -> list[Plan]:
    from django.http import QueryDict

    from incidents.filters import IncidentFilter, parse_ordering
    from incidents.models import Incident
    from incidents.views.agent_queue import PAGE, QUEUES

    # the queue querysets exactly like the queue page (core.queue_page)
    LIST_RELATED = PAGE.related
    queue_queryset = PAGE.queue_queryset

    try:  # the pages count at most COUNT_CAP + 1 rows since the lists-at-scale change
        from core.pagination import capped_count
    except ImportError:
        capped_count = None

    def counts(role: str, label: str, qs) -> list[Plan]:
        out = [explain(role, f"{label}: count", sql) for sql in captured(lambda: qs.count())]
        if capped_count is not None:
            out += [explain(role, f"{label}: capped count (as the pages)", sql)
                    for sql in captured(lambda: capped_count(qs))]
        return out

    plans = []
    agent_team = users["agent"].teams.order_by("id").values_list("id", flat=True).first()
    for role, user in users.items():
        for queue in QUEUES:
            qs = queue_queryset(user, queue)
            ordering = parse_ordering(None, queue.default_ordering)
            if not any(f.lstrip("-") in ("id", "number") for f in ordering):
                ordering = [*ordering, "-id"]
            page = qs.select_related(*LIST_RELATED).order_by(*ordering)[:50]
            for sql in captured(lambda page=page: list(page)):
                plans.append(explain(role, f"queue {queue.slug}: page of 50", sql))
            plans += counts(role, f"queue {queue.slug}", qs)
        for label, query, ordering in [
            ("API ?state=new&priority=2&ordering=-updated_at", "state=new&priority=2", ["-updated_at", "-pk"]),
            (f"API ?team={agent_team}&active=true", f"team={agent_team}&active=true",
             ["priority", "-updated_at", "-pk"]),
        ]:
            qs = IncidentFilter(QueryDict(query), queryset=Incident.objects.visible_to(user), user=user).qs
            page = qs.order_by(*ordering)[:50]
            for sql in captured(lambda page=page: list(page)):
                plans.append(explain(role, f"{label}: page of 50", sql))
            plans += counts(role, label, qs)
    return plans


def page_plans(users: dict) -> list[Plan]:
    """Every incident-table SELECT of the real pages, through Django's test client."""
    from django.core.management import call_command
    from django.test import Client

    from incidents.models import Incident

    call_command("collectstatic", interactive=False, verbosity=0)  # DEBUG=0 templates need the manifest
    agent = users["agent"]
    team = agent.teams.order_by("id").values_list("id", flat=True).first()
    number = (Incident.objects.filter(team_id=team).order_by("-updated_at").values_list("number", flat=True).first())
    pages = {
        "agent": ["/agent/", "/agent/incidents/?queue=my-teams", "/agent/incidents/?queue=open",
                  "/agent/incidents/?queue=mine", "/agent/incidents/?queue=recent",
                  "/api/v1/incidents/?state=new&priority=2&ordering=-updated_at",
                  f"/api/v1/incidents/?team={team}&active=true", f"/agent/incidents/{number}/",
                  f"/api/v1/incidents/{number}/"],
        "manager": ["/agent/incidents/?queue=open", "/agent/incidents/?queue=recent",
                    "/api/v1/incidents/?state=new&priority=2&ordering=-updated_at"],
        "end_user": ["/portal/", "/portal/incidents/", "/api/v1/incidents/", "/api/v1/incidents/?state=new"],
    }
    plans = []
    for role, urls in pages.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[role])
        for url in urls:
            status = {}

            def get(url=url, status=status, client=client):
                status["code"] = client.get(url, HTTP_ACCEPT="application/json" if "/api/" in url else "text/html"
                                            ).status_code

            sqls = captured(get)
            if status["code"] != 200:
                plans.append(Plan(role, f"GET {url}", "", f"answered {status['code']}: not explained"))
                continue
            for i, sql in enumerate(sqls, 1):
                plans.append(explain(role, f"GET {url} [query {i}/{len(sqls)}]", sql))
    return plans


def problem_page_plans(users: dict) -> list[Plan]:
    """Every SELECT on the ticket, problem and link tables of the problem pages (and of the agent home, which counts
    three problem queues, and of an incident page, which shows the incident's problems and the known errors that
    may explain it), through Django's test client; one line per page with the number of queries it runs in all."""
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("collectstatic", interactive=False, verbosity=0)
    agent = users["agent"]
    teams = list(agent.teams.values_list("id", flat=True))
    with connection.cursor() as cur:  # like bench/load.py: a problem of the agent's with 3-5 linked incidents
        cur.execute(
            "SELECT t.number FROM core_ticket t JOIN core_ticketlink l ON l.target_id = t.id AND l.kind = 'caused_by' "
            "JOIN core_ticket i ON i.id = l.source_id "
            "WHERE t.kind = 'problem' AND (t.team_id = ANY(%s) OR t.assignee_id = %s) "
            "GROUP BY t.id HAVING count(*) >= 3 "
            "AND count(*) FILTER (WHERE i.team_id = ANY(%s) OR i.assignee_id = %s) >= 2 "
            "ORDER BY md5(t.number) LIMIT 1", [teams, agent.pk, teams, agent.pk])
        row = cur.fetchone()
        cur.execute("SELECT number FROM core_ticket WHERE kind = 'incident' AND active AND team_id = %s "
                    "ORDER BY updated_at DESC LIMIT 1", [min(teams)])
        incident = cur.fetchone()
    if row is None:
        return [Plan("agent", "problem pages", "", "no problem generated: run generate.py with --problems")]
    number = row[0]
    pages = {
        "agent": ["/agent/", "/agent/problems/", "/agent/problems/?active=true&known_error=true",
                  f"/agent/problems/{number}/",
                  "/agent/known-errors/?q=error", "/api/v1/problems/?state=assessment&ordering=-updated_at",
                  f"/api/v1/problems/{number}/", f"/agent/incidents/{incident[0]}/" if incident else None],
        "manager": ["/agent/problems/", "/agent/known-errors/?q=error",
                    "/api/v1/problems/?state=assessment&ordering=-updated_at"],
    }
    plans = []
    for role, urls in pages.items():
        client = Client(HTTP_HOST="127.0.0.1")
        client.force_login(users[role])
        for url in filter(None, urls):
            status: dict = {}
            every: list = []

            def get(url=url, status=status, client=client):
                status["code"] = client.get(url, HTTP_ACCEPT="application/json" if "/api/" in url else "text/html"
                                            ).status_code

            get()  # warm: sessions, caches
            sqls = captured(get, PROBLEM_TABLES, every)
            if status["code"] != 200:
                plans.append(Plan(role, f"GET {url}", "", f"answered {status['code']}: not explained"))
                continue
            mine = [explain(role, f"GET {url} [query {i}/{len(sqls)}]", sql) for i, sql in enumerate(sqls, 1)]
            total = sum(p.execution_ms for p in mine)
            plans.append(Plan(role, f"GET {url}", "", f"{len(every)} queries in all, {len(sqls)} on the ticket "
                                                      f"tables: {total:.1f} ms of execution"))
            plans += mine
    return plans


def summary(plans: list[Plan], db: str) -> str:
    lines = [f"EXPLAIN (ANALYZE, BUFFERS) summary, database {db}", "",
             "| user | query | execution ms | planning ms | seq scan on ticket tables | access paths | buffers |",
             "|---|---|---:|---:|---|---|---|"]
    for p in plans:
        if not p.sql:
            lines.append(f"| {p.user} | {p.name} | | | | {p.text} | |")
            continue
        lines.append(f"| {p.user} | {p.name} | {p.execution_ms:.2f} | {p.planning_ms:.2f} | "
                     f"{', '.join(p.seq_scans) or 'none'} | {p.access_paths} | {p.buffers} |")
    seq = [p for p in plans if p.seq_scans]
    slow = [p for p in plans if p.sql and p.execution_ms > 50]
    lines += ["", f"{len(plans)} plans; {len(seq)} with a sequential scan on {' / '.join(TABLES)}; "
              f"{len(slow)} over 50 ms."]
    return "\n".join(lines) + "\n"


def proposal_plans(plans: list[Plan]) -> list[Plan]:
    """The same queries with the proposed SQL (bench/proposals.py) and indexes, in a transaction rolled back."""
    from django.db import connection, transaction
    from proposals import index_ddl, rewrite

    after = []
    with transaction.atomic():
        with connection.cursor() as cur:
            for ddl in index_ddl():
                cur.execute(ddl)
            cur.execute("ANALYZE core_ticket")
        for p in plans:
            after.append(explain(p.user, p.name, rewrite(p.sql)) if p.sql else p)
        transaction.set_rollback(True)  # the indexes go away again
    return after


def compare(before: list[Plan], after: list[Plan], db: str) -> str:
    lines = [f"Proposals (bench/proposals.py) vs now, database {db}: EXPLAIN ANALYZE execution time", "",
             "| user | query | now ms | proposed ms | seq scan now | seq scan proposed | proposed access paths |",
             "|---|---|---:|---:|---|---|---|"]
    for b, a in zip(before, after, strict=True):
        if not b.sql:
            continue
        lines.append(f"| {b.user} | {b.name} | {b.execution_ms:.2f} | {a.execution_ms:.2f} | "
                     f"{', '.join(b.seq_scans) or 'none'} | {', '.join(a.seq_scans) or 'none'} | {a.access_paths} |")
    worst_now = max((p.execution_ms for p in before if p.sql), default=0)
    worst_after = max((p.execution_ms for p in after if p.sql), default=0)
    lines += ["", f"Slowest query now {worst_now:.1f} ms, with the proposals {worst_after:.1f} ms; sequential scans on "
              f"the incident tables now {sum(1 for p in before if p.seq_scans)}, with the proposals "
              f"{sum(1 for p in after if p.seq_scans)}."]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="URL, database name, 10k or 1m (default 10k)")
    parser.add_argument("--save", action="store_true", help="also copy the plans to bench/explain/ (committed)")
    parser.add_argument("--no-pages", action="store_true", help="only the ORM part")
    parser.add_argument("--problems", action="store_true", help="also the problem pages")
    parser.add_argument("--only-problems", action="store_true", help="only the problem pages")
    parser.add_argument("--proposals", action="store_true",
                        help="also explain every query as it would run with bench/proposals.py (rolled back)")
    args = parser.parse_args()
    url = database_url(args.database_url)
    db = database_name(url)
    setup_django(url)
    from accounts.models import User

    users = {"agent": User.objects.get(username=BENCH_AGENT), "manager": User.objects.get(username=BENCH_MANAGER),
             "end_user": User.objects.get(username=BENCH_END_USER)}
    parts = {}
    if not args.only_problems:
        parts["orm"] = orm_plans(users)
        if not args.no_pages:
            parts["pages"] = page_plans(users)
    if args.problems or args.only_problems:
        parts["problems"] = problem_page_plans(users)
    out = OUT_DIR / f"explain-{db}"
    out.mkdir(parents=True, exist_ok=True)
    all_plans = [p for plans in parts.values() for p in plans]
    written = []
    for part, plans in parts.items():
        for role in users:
            mine = [p for p in plans if p.user == role]
            if not mine:
                continue
            written.append(out / f"{part}-{role}.txt")
            written[-1].write_text("".join(
                f"=== {p.user}: {p.name}\n{p.sql}\n\n{p.text}\n\n" for p in mine))
    summary_name = "problems-summary" if args.only_problems else "summary"
    text = summary(all_plans, db)
    (out / f"{summary_name}.md").write_text(text)
    print(text)
    print(f"Plans written to {out}/")
    if args.proposals:
        after = proposal_plans(all_plans)
        for role in users:
            written.append(out / f"proposals-{role}.txt")
            written[-1].write_text("".join(
                f"=== {p.user}: {p.name}\n{p.sql}\n\n{p.text}\n\n" for p in after if p.user == role))
        text = compare(all_plans, after, db)
        (out / "proposals-summary.md").write_text(text)
        print(text)
    if args.save:
        EXPLAIN_DIR.mkdir(exist_ok=True)
        short = db.removeprefix("itsm_bench_")
        for f in written:
            shutil.copy(f, EXPLAIN_DIR / f"{short}-{f.name}")
        shutil.copy(out / f"{summary_name}.md", EXPLAIN_DIR / f"{short}-{summary_name}.txt")
        if args.proposals:
            shutil.copy(out / "proposals-summary.md", EXPLAIN_DIR / f"{short}-proposals-summary.txt")
        print(f"Copied to {EXPLAIN_DIR}/")
    if any(p.seq_scans for p in all_plans):
        print("Sequential scans on the ticket tables: see the summary above.")


if __name__ == "__main__":
    main()
