#!/usr/bin/env bash
# Benchmark of the import of a Toggl Track export (bench/bench_import.py, not a test):
# a fresh database from the template, a file of --rows rows, the preview and the import
# timed with their queries. See README.md, "Import benchmark".
#   bash scripts/bench_import.sh                # 10,000 rows
#   bash scripts/bench_import.sh --rows 1000 --keep   # keep the database (--reuse runs on it)
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python bench/bench_import.py "$@"
