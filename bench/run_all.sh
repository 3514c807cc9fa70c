#!/usr/bin/env bash
# Runs the benchmarks (started by `make bench`, or by hand): for each size, generate the database, explain the
# queue queries, then load-test the pages. See bench/README.md for what each step does and how long it takes.
#
# Knobs (environment):
#   BENCH_SIZES="10k 1m"       which databases: 10k = itsm_bench_10k (10,000 incidents, 1,000 problems),
#                              1m = itsm_bench_1m (1,000,000 incidents, 100,000 problems)
#   BENCH_SKIP_GENERATE=1      reuse the databases already generated (generate.py --recreate drops them, and with
#                              them the SLA rows bench/sla_generate.py adds to itsm_bench_1m)
#   BENCH_DURATION=15          seconds measured per scenario and concurrency
#   BENCH_CONNECTIONS=1,2      concurrent connections to test
#   BENCH_SAVE=1               copy the EXPLAIN plans to bench/explain/ (committed)
#   BENCH_PG_URL               PostgreSQL server (no database name); default: the server of $DATABASE_URL if set
#                              (as under `make bench`), else postgres://postgres@127.0.0.1:5432
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

if [ -z "${BENCH_PG_URL:-}" ] && [ -n "${DATABASE_URL:-}" ]; then
  export BENCH_PG_URL="${DATABASE_URL%/*}"
fi
if [ -z "${BENCH_REDIS_URL:-}" ] && [ -n "${REDIS_URL:-}" ]; then
  export BENCH_REDIS_URL="${REDIS_URL%/*}/5"
fi
if ! command -v wrk >/dev/null; then
  echo "Note: wrk is not installed (apt-get install wrk); bench/load.py falls back to its Python client."
fi

for size in ${BENCH_SIZES:-10k 1m}; do
  case "$size" in
    10k) incidents=10000 ;;
    1m) incidents=1000000 ;;
    *) echo "Unknown size $size (10k or 1m)"; exit 2 ;;
  esac
  echo "=== $size: generate"
  if [ "${BENCH_SKIP_GENERATE:-0}" != "1" ]; then
    $PY bench/generate.py --database-url "$size" --recreate --incidents "$incidents"
  fi
  echo "=== $size: explain"
  $PY bench/explain.py --database-url "$size" --problems $([ "${BENCH_SAVE:-0}" = "1" ] && echo --save)
  echo "=== $size: load"
  $PY bench/load.py --database-url "$size" --duration "${BENCH_DURATION:-15}" \
    --connections "${BENCH_CONNECTIONS:-1,2}"
done

# The other benchmarks (bench_*.py: the SLA ones, bench_kpis.py's KPI dashboard) run on the 1M database, with its SLA timers
# (bench/sla_generate.py skips when they are already there).
if [[ " ${BENCH_SIZES:-10k 1m} " == *" 1m "* ]]; then
  url="${BENCH_PG_URL:-postgres://postgres@127.0.0.1:5432}/itsm_bench_1m"
  if [ -f bench/sla_generate.py ]; then
    echo "=== bench/sla_generate.py"
    $PY bench/sla_generate.py --database-url "$url"
  fi
  shopt -s nullglob
  for script in bench/bench_*.py; do
    echo "=== $script"
    $PY "$script" --database-url "$url"
  done
fi
