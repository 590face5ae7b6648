#!/usr/bin/env bash
# Starts a demo server: Odoo 18 on http://127.0.0.1:8069 with it_support_time and its
# demo data installed in the database "it_support_demo" (login admin / admin).
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
setup_all
trap stop_postgres EXIT
DEMO_DB=${DEMO_DB:-it_support_demo}
HTTP_PORT=${HTTP_PORT:-8069}
if ! psql_ -d postgres -tAc "select 1 from pg_database where datname='$DEMO_DB'" | grep -q 1; then
    log "creating database $DEMO_DB with it_support_time and its demo data (a few minutes)"
    odoo_bin -d "$DEMO_DB" -i it_support_time --stop-after-init --no-http \
        --log-level=warn
else
    log "updating it_support_time in $DEMO_DB"
    odoo_bin -d "$DEMO_DB" -u it_support_time --stop-after-init --no-http --log-level=warn
fi
# PDF reports: wkhtmltopdf fetches the page assets from this server
psql_ -d "$DEMO_DB" -qc "INSERT INTO ir_config_parameter (key, value, create_date, write_date)
    VALUES ('report.url', 'http://127.0.0.1:$HTTP_PORT', now(), now())
    ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value"
log "Odoo is at http://127.0.0.1:$HTTP_PORT  (login admin / admin; technicians marc / marc, julie / julie)"
echo "http://127.0.0.1:$HTTP_PORT"
odoo_bin -d "$DEMO_DB" --db-filter "^$DEMO_DB\$" --http-interface 127.0.0.1 \
    --http-port "$HTTP_PORT" --log-level=info "$@"
