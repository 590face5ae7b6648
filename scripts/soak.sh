#!/usr/bin/env bash
# Concurrency soak: it_support_time in a real multi-process Odoo (--workers=2, 127.0.0.1
# only) under 8 JSON-RPC users for 60 s, then its invariants checked in SQL.
#   bash scripts/soak.sh [--duration 60] [--clients 8] [--db NAME]
# Prints the requests, the errors by kind and the invariants; exits non-zero when one
# does not hold. The short form (--duration 10) runs in scripts/test.sh.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python bench/soak.py "$@"
