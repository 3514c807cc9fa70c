#!/usr/bin/env bash
# Runs every benchmark under bench/ (started by `make bench`, with DATABASE_URL and REDIS_URL set).
set -euo pipefail
cd "$(dirname "$0")"
shopt -s nullglob
scripts=(bench_*.py)
if [ ${#scripts[@]} -eq 0 ]; then
  echo "No benchmarks yet: they arrive with the incident and SLA issues (see bench/README.md)."
  exit 0
fi
for script in "${scripts[@]}"; do
  echo "== $script"
  ../.venv/bin/python "$script"
done
