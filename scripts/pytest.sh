#!/usr/bin/env bash
# Runs the add-on's Python tests under pytest-odoo on a fresh database with the add-on
# and its demo data; pytest's own summary line ends it. See README.md, "Tests".
#   bash scripts/pytest.sh                          # the Python tests (not the tours)
#   bash scripts/pytest.sh -k TestRounding          # pytest's -k picks tests
#   bash scripts/pytest.sh --odoo-http -k UiDesktop # HttpCase tests and tours too
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python scripts/run_pytest.py "$@"
