#!/usr/bin/env bash
# Runs every check and test of it_support_time in real Odoo 18 on PostgreSQL:
# ruff, pylint-odoo, install into a fresh database, the Python tests and the
# browser tours. Ends with the line "N passed, N failed"; exits non-zero on failure.
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python scripts/run_tests.py "$@"
