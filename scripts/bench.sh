#!/usr/bin/env bash
# Benchmarks of it_support_time at the scale of a busy shop (not tests): builds a fresh
# database from the template, generates the data set in SQL and prints a table of
# timings, query counts and peak memory. See README.md, "Benchmarks".
#   bash scripts/bench.sh              # full size (1,000,000 entries), about 10 minutes
#   bash scripts/bench.sh --scale 0.05 # a quick run on 5 % of the data
#   bash scripts/bench.sh --keep       # keep the database (ist_bench) afterwards
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python bench/bench.py "$@"
