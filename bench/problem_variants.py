"""What the proposals for the problem lists would change, measured on the queries the pages really send.

    .venv/bin/python bench/explain.py --database-url 1m --only-problems --save    # first: captures the queries
    .venv/bin/python bench/problem_variants.py --database-url 1m                  # then: the table below
    .venv/bin/python bench/problem_variants.py --database-url 1m --save           # and bench/explain/1m-...txt

Reads every problem query (FROM problems_problem INNER JOIN core_ticket) that explain.py captured from the pages
(bench/explain/<size>-problems-agent.txt and -manager.txt) and runs it under EXPLAIN ANALYZE (median of 3, after a
warm-up run) in each variant, inside a transaction that is rolled back (nothing in the database or the app
changes):

- now: as the app sends it;
- kind: with `core_ticket.kind = 'problem'` added to the query's WHERE (what a Problem manager filtering its kind
  would send);
- kind+pidx: the same plus partial indexes on the problem rows of core_ticket (PROBLEM_INDEXES);
- cap100: as now, but the capped counts stop at 101 rows instead of 1,001;
- nomerge: as now with `enable_mergejoin = off` (a diagnosis of the merge-join plans, not a proposal).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import psycopg2
from common import EXPLAIN_DIR, database_name, database_url

MAIN_JOIN = re.compile(r'FROM "problems_problem" INNER JOIN "core_ticket" ON '
                       r'\("problems_problem"."ticket_ptr_id" = "core_ticket"."id"\)')
PROBLEM_INDEXES = {
    "bench_problem_open_queue": "(priority, updated_at DESC) WHERE active AND kind = 'problem'",
    "bench_problem_team_open": "(team_id, priority, updated_at DESC) WHERE active AND kind = 'problem'",
    "bench_problem_team": "(team_id, updated_at DESC) WHERE kind = 'problem'",
    "bench_problem_state": "(state, updated_at DESC) WHERE kind = 'problem'",
    "bench_problem_assignee": "(assignee_id) WHERE kind = 'problem'",
    "bench_problem_requester": "(requester_id) WHERE kind = 'problem'",
    "bench_problem_number": "(number) WHERE kind = 'problem'",
}
# name: (with the kind predicate, with the indexes, session settings, count cap)
VARIANTS = {
    "now": (False, False, [], None),
    "kind": (True, False, [], None),
    "kind+pidx": (True, True, [], None),
    "cap100": (False, False, [], 100),
    "nomerge": (False, False, ["SET enable_mergejoin = off"], None),
}


def with_kind(sql: str) -> str:
    """The query with `core_ticket.kind = 'problem'` ANDed to the WHERE of its main FROM (not of a subquery in the
    SELECT list, which comes before it)."""
    match = MAIN_JOIN.search(sql)
    where = sql.find(" WHERE ", match.end()) if match else -1
    if where < 0:
        return sql
    return f"{sql[:where]} WHERE \"core_ticket\".\"kind\" = 'problem' AND {sql[where + 7:]}"


def with_cap(sql: str, cap: int) -> str:
    return sql.replace(" LIMIT 1001) subquery", f" LIMIT {cap + 1}) subquery")


def captured_queries(short: str) -> list[tuple[str, str]]:
    """(name, SQL) of every problem query in the saved plans of explain.py --only-problems."""
    out = []
    for role in ("agent", "manager"):
        path = EXPLAIN_DIR / f"{short}-problems-{role}.txt"
        if not path.exists():
            sys.exit(f"{path} is missing: run bench/explain.py --database-url {short} --only-problems --save first.")
        for block in path.read_text().split("=== ")[1:]:
            head, rest = block.split("\n", 1)
            sql = rest.split("\n\n", 1)[0].strip()
            if sql.startswith("SELECT") and MAIN_JOIN.search(sql):
                out.append((head.replace("GET ", ""), sql))
    return out


def execution_ms(cur, sql: str, runs: int) -> float:
    cur.execute(sql)  # warm-up
    cur.fetchall()
    times = []
    for _ in range(runs):
        cur.execute("EXPLAIN (ANALYZE) " + sql)
        text = "\n".join(row[0] for row in cur.fetchall())
        times.append(float(re.search(r"Execution Time: ([\d.]+) ms", text).group(1)))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=None, help="URL, database name, 10k or 1m (default 10k)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--variants", default=",".join(VARIANTS), help="comma-separated, of: " + ", ".join(VARIANTS))
    parser.add_argument("--save", action="store_true", help="write bench/explain/<size>-problems-variants.txt")
    args = parser.parse_args()
    url = database_url(args.database_url)
    short = database_name(url).removeprefix("itsm_bench_")
    names = [v.strip() for v in args.variants.split(",") if v.strip()]
    queries = captured_queries(short)
    conn = psycopg2.connect(url)
    cur = conn.cursor()
    results: dict[tuple[str, str], float] = {}
    for name in names:
        kind, indexes, settings, cap = VARIANTS[name]
        cur.execute("SET LOCAL jit = off")  # as the app's connections
        if indexes:
            for index, definition in PROBLEM_INDEXES.items():
                cur.execute(f"CREATE INDEX {index} ON core_ticket {definition}")
            cur.execute("ANALYZE core_ticket")
        for setting in settings:
            cur.execute(setting)
        for label, sql in queries:
            query = with_kind(sql) if kind else sql
            if cap:
                query = with_cap(query, cap)
            results[(label, name)] = execution_ms(cur, query, args.runs)
        conn.rollback()  # the indexes and settings go away again
    conn.close()
    lines = [f"Problem queries of the pages, database {database_name(url)}: EXPLAIN ANALYZE execution time (ms, median "
             f"of {args.runs}) per variant (bench/problem_variants.py)", "",
             "| query | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for label, _sql in queries:
        lines.append(f"| {label} | " + " | ".join(f"{results[(label, n)]:.1f}" for n in names) + " |")
    lines += ["", "Indexes of kind+pidx (partial, on core_ticket):"]
    lines += [f"- {index} ON core_ticket {definition}" for index, definition in PROBLEM_INDEXES.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.save:
        out = EXPLAIN_DIR / f"{short}-problems-variants.txt"
        out.write_text(text)
        print(f"Saved {out}")


if __name__ == "__main__":
    main()
