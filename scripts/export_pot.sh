#!/usr/bin/env bash
# Exports the add-on's translation template i18n/it_support_time.pot with Odoo itself
# (odoo-bin --i18n-export … --modules=it_support_time) from a fresh database with the
# add-on and its demo data; the test command fails when a translatable string is missing
# from the committed file. See README.md, "Translations".
#   bash scripts/export_pot.sh                  # writes i18n/it_support_time.pot
#   bash scripts/export_pot.sh --db NAME        # from an existing database
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
run_python scripts/translations.py "$@"
