"""Benchmarks of it_support_time at the scale of a busy shop. Not tests: a table of
timings, query counts and peak memory to read and to record in the README.

Run by ``bash scripts/bench.sh`` (which prepares the virtualenv, Odoo and PostgreSQL as
``scripts/test.sh`` does). Steps:

1. a fresh database copied from the shared template (``Run.fresh_database`` of
   ``scripts/odoo_env.py``) with the add-on and its demo data installed;
2. a data set written straight in SQL (``INSERT … SELECT`` over ``generate_series``):
   1,000,000 timesheet entries of 2,000 customers' support tasks (24 months; billed hours
   by the rounding policy, costs by 50 employees' hourly costs), 1,000 prepaid blocks
   drawn by their customers' entries (100 of them with overage billed at their overage
   rate), 100,000 trips, and posted invoices billing the invoiced time, overage and
   mileage; plus 500 sale orders with 50,000 timesheets for Odoo's own invoicing. The
   small records (customers, projects, tasks, employees, users) go through the ORM;
2. ``ANALYZE``, then each benchmark inside this one Odoo process (``odoo.registry``),
   rolled back at the end.

Time is the best of ``--runs`` runs (one run for the invoicing, which bills once).
Memory is the peak resident set size of the process during the step: ``VmHWM`` of
``/proc/self/status``, reset before each step through ``/proc/self/clear_refs``.
"""

import argparse
import json
import sys
import time
from datetime import date
from pathlib import Path

from common import GENERATED_KEY, OUT, log, machine_note
from generate import Generator
from measure_blocks import BlockMeasures
from measure_invoicing import INVOICING_RUNS, InvoicingMeasure
from measure_report import REPORT_RUNS, ReportMeasure
from measure_smart_button import SmartButtonMeasure
from measure_timer import TimerMeasure

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from odoo_env import Run, split_argv  # noqa: E402  (scripts/: Odoo and the databases)


# -- the benchmarks ---------------------------------------------------------------------------
class Bench(ReportMeasure, SmartButtonMeasure, BlockMeasures, TimerMeasure, InvoicingMeasure):
    """The measures (one module each, ``bench/measure_*.py``) on one environment, and the
    table of their results."""

    def __init__(self, odoo, env, runs, info, profile=False):
        self.profile = profile
        self.profiled_steps = set()
        self.odoo = odoo
        self.env = env
        self.cr = env.cr
        self.runs = runs
        self.info = info
        self.rows = []
        self.notes = []
        self.invoice_from = date.fromisoformat(info["invoice_from"])
        self.invoice_to = date.fromisoformat(info["invoice_to"])
        users = env["res.users"].search(
            [("login", "in", ("bench_manager", "bench_technician", "bench_accountant"))]
        )
        by_login = {user.login: user for user in users}
        self.manager = by_login["bench_manager"]
        self.technician = by_login["bench_technician"]
        self.accountant = by_login["bench_accountant"]

    def row(self, name, value, goal="", verdict="", memory=None):
        """``memory``: the step's Measure (peak RSS of the process, and its growth over
        the RSS at the start of the step)."""
        memory_text = f"{memory.peak_mb:.0f} (+{memory.growth_mb:.0f})" if memory else ""
        self.rows.append((name, value, goal, verdict, memory_text))
        log(f"{name}: {value} {goal} {verdict}")

    def user_env(self, user):
        return self.env(user=user, context=user.context_get())

    def run_all(self):
        # the view and its index as the add-on's code defines them now (--reuse)
        self.env["support.profitability.report"].init()
        self.cr.execute("ANALYZE account_analytic_line")
        counts = self.sql_one(
            "SELECT (SELECT count(*) FROM account_analytic_line), "
            "(SELECT count(*) FROM account_analytic_line l JOIN project_project p "
            " ON p.id = l.project_id AND p.is_support_project), "
            "(SELECT count(DISTINCT l.partner_id) FROM account_analytic_line l JOIN "
            " project_project p ON p.id = l.project_id AND p.is_support_project), "
            "(SELECT count(*) FROM support_block), (SELECT count(*) FROM support_trip), "
            "(SELECT count(*) FROM account_move WHERE state = 'posted'), "
            "(SELECT count(*) FROM support_profitability_report)"
        )
        self.notes.append(
            "data set: {:,} timesheet entries ({:,} of support projects, {:,} customers), "
            "{:,} blocks, {:,} trips, {:,} posted invoices; the report has {:,} rows".format(
                *counts
            )
        )
        self.report_by_customer()
        self.smart_button()
        self.block_balances()
        self.block_forecasts()
        self.timer_stop()
        self.invoicing()

    def sql_one(self, query):
        self.cr.execute(query)
        return self.cr.fetchone()

    # -- output ------------------------------------------------------------------------------
    def table(self):
        headers = ("measure", "result", "goal", "", "peak RSS MB (growth)")
        widths = [max(len(str(row[i])) for row in [headers, *self.rows]) for i in range(5)]
        lines = [
            "| " + " | ".join(str(cell).ljust(widths[i]) for i, cell in enumerate(row)) + " |"
            for row in [headers, *self.rows]
        ]
        lines.insert(1, "|" + "|".join("-" * (width + 2) for width in widths) + "|")
        return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", default="ist_bench", help="database to build (dropped first)")
    parser.add_argument("--scale", type=float, default=1.0, help="share of the full data set")
    parser.add_argument("--runs", type=int, default=5, help="runs per timing (best is kept)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the invoicing runs into bench/out/ (their timings are then not valid)",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="reuse the database if its data set is complete"
    )
    db_args, rest = split_argv()
    opts = parser.parse_args(rest)
    run = Run(db_args)
    started = time.perf_counter()
    reuse = opts.reuse and run.db_exists(opts.db)
    if reuse:
        rows = run.sql(
            "SELECT value FROM ir_config_parameter WHERE key = %s", [GENERATED_KEY], dbname=opts.db
        )
        reuse = bool(rows)
    if not reuse:
        run.fresh_database(opts.db, "bench_install.log")
    odoo, registry = run.boot(opts.db)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        if not reuse:
            log(f"generating the data set (scale {opts.scale})")
            Generator(odoo, env, opts.scale).run()
        info = json.loads(env["ir.config_parameter"].get_param(GENERATED_KEY))
        log(f"data set ready after {time.perf_counter() - started:.0f}s")
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        bench = Bench(odoo, env, opts.runs, info, profile=opts.profile)
        try:
            bench.run_all()
        finally:
            cr.rollback()
    total = time.perf_counter() - started
    bench.notes.append(f"generated in {info['seconds']}s; whole run {total:.0f}s")
    bench.notes.append(machine_note())
    bench.notes.append(
        f"time: best of {opts.runs} runs (the report's variants: best of "
        f"{max(opts.runs, REPORT_RUNS)} rounds, in turn; invoicing: best of "
        f"{INVOICING_RUNS} runs in turn, each rolled back, after a one-customer warm-up); "
        "memory: peak RSS "
        "of the process during the step (VmHWM, reset through /proc/self/clear_refs) and "
        "its growth over the RSS at the start of the step"
    )
    output = bench.table() + "\n\n" + "\n".join(f"- {note}" for note in bench.notes)
    print("\n" + output, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "results.md").write_text(output + "\n")
    if not opts.keep:
        run.odoo_db("drop", opts.db)


if __name__ == "__main__":
    main()
