"""Benchmark of the import of another tracker's export (``support.time.import.wizard``).
Not a test: rows per second and queries per row, to read and to record in the README.

Run by ``bash scripts/bench_import.sh --rows 10000`` (set up as ``scripts/test.sh``).

Steps:

1. a fresh database copied from the shared template (``Run.fresh_database`` of
   ``scripts/odoo_env.py``) with the add-on and its demo data installed (``--reuse``
   keeps an existing one);
2. a Toggl Track detailed report of ``--rows`` rows (default 10,000) written in memory:
   the demo technicians' time on the demo customers' help desks over the last 200 days,
   one row in three billable;
3. in one Odoo process: the preview (read, parse, match, check, one preview row each),
   then the import (the same checks again, then one create() of every entry), each timed
   and its queries counted (``cr.sql_log_count``); a second preview of the same file
   (every row already imported). Everything is rolled back at the end.
"""

import argparse
import base64
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from odoo_env import Run, split_argv  # noqa: E402  (scripts/: Odoo and the databases)

HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount ()"
)
TECHNICIANS = [("Marc Tech", "marc@example.com"), ("Julie Support", "julie@example.com")]
CUSTOMERS = [
    "Acme Dental Clinic",
    "Bright & Partners Law",
    "City Bakery",
    "Delta Architects",
    "Evergreen School",
]


def log(message):
    print(f"[bench-import] {message}", flush=True)


def toggl_file(rows, today):
    lines = [HEADER]
    for index in range(rows):
        name, email = TECHNICIANS[index % len(TECHNICIANS)]
        customer = CUSTOMERS[index % len(CUSTOMERS)]
        day = (today - timedelta(days=1 + index % 200)).isoformat()
        minutes = 5 + (index * 7) % 115
        start = f"{7 + index % 10:02d}:{index % 60:02d}:{(index // 60) % 60:02d}"
        billable = "Yes" if index % 3 == 0 else "No"
        lines.append(
            f'{name},{email},"{customer}",Managed IT,Help desk,Bench session {index},'
            f"{billable},{day},{start},{day},18:00:00,"
            f"{minutes // 60:02d}:{minutes % 60:02d}:00,,"
        )
    return base64.b64encode(("\n".join(lines) + "\n").encode())


def measure(env, label, rows, step):
    env.flush_all()
    env.invalidate_all()
    queries = env.cr.sql_log_count
    started = time.perf_counter()
    result = step()
    env.flush_all()
    seconds = time.perf_counter() - started
    queries = env.cr.sql_log_count - queries
    log(
        f"{label}: {rows} rows in {seconds:.2f} s = {rows / seconds:,.0f} rows/s; "
        f"{queries} queries = {queries / rows:.3f} per row"
    )
    return result, (label, seconds, rows / seconds, queries, queries / rows)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="ist_bench_import", help="database (dropped first)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows of the file")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="reuse the database if it exists")
    db_args, rest = split_argv()
    opts = parser.parse_args(rest)
    run = Run(db_args)
    if not (opts.reuse and run.db_exists(opts.db)):
        run.fresh_database(opts.db, "bench_import_install.log")
    odoo, registry = run.boot(opts.db)
    results = []
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        admin = env.ref("base.user_admin")
        env = env(user=admin, context={"tz": "UTC"})
        data = toggl_file(opts.rows, date.today())
        Wizard = env["support.time.import.wizard"]
        try:
            wizard = Wizard.create({"data_file": data, "filename": "bench.csv"})
            _, figures = measure(env, "preview", opts.rows, wizard.action_preview)
            results.append(figures)
            log(f"preview: {wizard.valid_count} to import, {wizard.refused_count} refused")
            _, figures = measure(env, "import", opts.rows, wizard.action_import)
            results.append(figures)
            log(wizard.result_message)
            again = Wizard.create({"data_file": data, "filename": "bench.csv"})
            _, figures = measure(
                env, "preview, all already there", opts.rows, again.action_preview
            )
            results.append(figures)
            log(f"second preview: {again.existing_count} rows already imported")
        finally:
            cr.rollback()
    print("\n| step | rows | seconds | rows/s | queries | queries/row |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    for label, seconds, rate, queries, per_row in results:
        print(
            f"| {label} | {opts.rows:,} | {seconds:.2f} | {rate:,.0f} | {queries:,} | "
            f"{per_row:.3f} |"
        )
    if not opts.keep:
        run.odoo_db("drop", opts.db)


if __name__ == "__main__":
    main()
