#!/usr/bin/env bash
# Runs the add-on's Python tests under pytest-odoo on a fresh database with the add-on
# and its demo data, the browser tours included; pytest's own summary line ends it.
# See README.md, "Tests under pytest-odoo".
#   bash scripts/pytest.sh                        # every test of tests/
#   bash scripts/pytest.sh -k TestRounding        # pytest's -k picks tests
#   bash scripts/pytest.sh --no-http              # without the HTTP tests and tours
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python scripts/run_pytest.py "$@"
