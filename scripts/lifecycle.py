"""Upgrade and uninstall of it_support_time on a database full of data, for the test
command (scripts/run_tests.py). Each of the two counts as one check.

- upgrade: the module's everyday flows are run on the database (bench/flows.py, through
  the Odoo shell, as its users), then ``-u it_support_time --stop-after-init``; the log
  must hold no ``ERROR``, ``CRITICAL`` or ``Traceback``;
- uninstall: ``button_immediate_uninstall()`` through the Odoo shell, then, straight in
  SQL: the module is uninstalled and nothing of it is left - no table, column or index,
  no model, field, view, menu, action, rule, access right, group, cron, template,
  sequence, message, follower, activity, attachment or parameter, and no external id
  except those of demo business records (customers, vehicles …) that other data still
  uses: Odoo keeps such records, with their external ids, on purpose.
"""

import subprocess
from pathlib import Path

from odoo_env import LOG_DIR, MODULE, ROOT

FLOWS = ROOT / "bench" / "flows.py"
TIMER_INDEX = "account_analytic_line_support_timer_one_per_user"
# Odoo's own models that the module extends with columns (the list)
EXTENDED_TABLES = (
    "account_analytic_line",
    "res_company",
    "res_partner",
    "project_task",
    "project_project",
    "hr_expense",
    "fleet_vehicle",
    "product_template",
    "sale_order_line",
    "account_move",
    "account_move_line",
    "calendar_event",
)
# records that describe the module itself (schema, UI, security, jobs, templates):
# none may be left; business records (demo customers …) may be kept when still used
STRUCTURAL_MODELS = (
    "res.groups",
    "mail.template",
    "decimal.precision",
    "report.paperformat",
    "mail.message.subtype",
    "mail.activity.type",
)
BAD_LOG = (" ERROR ", " CRITICAL ", "Traceback")


def shell(run, db, script, log_name):
    """Run ``script`` (Python source) in the Odoo shell on ``db``; (exit code, output)."""
    cmd = run.odoo_command("-d", db, "--no-http", "--log-level", "warn", command="shell")
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(cmd, input=script, capture_output=True, text=True)
    output = proc.stdout + proc.stderr
    (LOG_DIR / log_name).write_text(output)
    return proc.returncode, output


def bad_lines(text):
    return [line for line in text.splitlines() if any(bad in line for bad in BAD_LOG)]


def check_upgrade(run, db):
    """Everyday flows, then ``-u``: no error in the log."""
    code, output = shell(run, db, FLOWS.read_text(), "flows.log")
    if code or "flows done" not in output:
        run.record(
            "upgrade on a database full of data",
            0,
            1,
            f"(the data flows failed, exit {code}; see {LOG_DIR}/flows.log)",
        )
        return False
    summary = next(line for line in output.splitlines() if "flows done" in line)
    code, log = run.odoo(
        "-d",
        db,
        "-u",
        MODULE,
        "--stop-after-init",
        "--no-http",
        log_file=LOG_DIR / "upgrade.log",
    )
    bad = bad_lines(log)
    for line in bad[:10]:
        print(f"[upgrade] {line}")
    ok = not code and not bad
    run.record(
        "upgrade on a database full of data",
        int(ok),
        int(not ok),
        f"(exit {code}, {len(bad)} error lines; {summary})",
    )
    return ok


class Uninstall:
    def __init__(self, run, db):
        self.run, self.db = run, db
        self.problems = []

    def sql(self, query, params=None):
        return self.run.sql(query, params, dbname=self.db) or []

    def capture(self):
        """What the module owns, read before it is uninstalled."""
        self.data = self.sql(
            "SELECT model, res_id, name FROM ir_model_data WHERE module = %s", [MODULE]
        )
        # the models the module defines: no other module has an external id for them
        # (every module extending a model gets one)
        self.models = [
            row[0]
            for row in self.sql(
                "SELECT m.model FROM ir_model m JOIN ir_model_data d ON d.model = 'ir.model' "
                "AND d.res_id = m.id AND d.module = %s WHERE NOT EXISTS (SELECT 1 FROM "
                "ir_model_data o WHERE o.model = 'ir.model' AND o.res_id = m.id "
                "AND o.module != %s)",
                [MODULE, MODULE],
            )
        ]
        field_ids = [res_id for model, res_id, _name in self.data if model == "ir.model.fields"]
        self.columns = [
            (model.replace(".", "_"), name)
            for model, name in self.sql(
                "SELECT model, name FROM ir_model_fields WHERE id = ANY(%s) AND store "
                "AND ttype NOT IN ('one2many', 'many2many') AND NOT (model = ANY(%s))",
                [field_ids, self.models],
            )
        ]
        self.fields = self.sql(
            "SELECT model, name FROM ir_model_fields WHERE id = ANY(%s)", [field_ids]
        )
        self.relations = [
            row[0]
            for row in self.sql(
                "SELECT r.name FROM ir_model_relation r JOIN ir_module_module m "
                "ON m.id = r.module WHERE m.name = %s",
                [MODULE],
            )
        ]
        self.ids = {}
        for model, res_id, _name in self.data:
            self.ids.setdefault(model, []).append(res_id)

    def uninstall(self):
        code, output = shell(
            self.run,
            self.db,
            f"env['ir.module.module'].search([('name', '=', {MODULE!r})])"
            ".button_immediate_uninstall()\nenv.cr.commit()\nprint('uninstall done')\n",
            "uninstall.log",
        )
        if code or "uninstall done" not in output:
            self.problems.append(
                f"the uninstall failed (exit {code}; see {LOG_DIR}/uninstall.log)"
            )
        for line in output.splitlines():
            if "Traceback" in line or " CRITICAL " in line:
                self.problems.append(f"uninstall log: {line.strip()}")

    def expect_none(self, what, query, params=None):
        rows = self.sql(query, params)
        if rows:
            self.problems.append(f"{what}: {rows[:5]}{' …' if len(rows) > 5 else ''}")

    def check(self):
        state = self.sql("SELECT state FROM ir_module_module WHERE name = %s", [MODULE])
        if not state or state[0][0] != "uninstalled":
            self.problems.append(f"module state: {state}")
        tables = [model.replace(".", "_") for model in self.models] + self.relations
        self.expect_none(
            "tables left",
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "AND (table_name = ANY(%s) OR table_name LIKE 'support\\_%%')",
            [tables],
        )
        self.expect_none(
            "columns left",
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = 'public' AND ((table_name = ANY(%s) AND column_name LIKE "
            "'support\\_%%') OR (table_name || '.' || column_name) = ANY(%s))",
            [list(EXTENDED_TABLES), [f"{table}.{column}" for table, column in self.columns]],
        )
        self.expect_none(
            "indexes left",
            "SELECT indexname FROM pg_indexes WHERE indexname = %s "
            "OR indexname LIKE 'support\\_%%'",
            [TIMER_INDEX],
        )
        self.expect_none(
            "models left", "SELECT model FROM ir_model WHERE model = ANY(%s)", [self.models]
        )
        self.expect_none(
            "fields left",
            "SELECT model, name FROM ir_model_fields WHERE (model || '.' || name) = ANY(%s)",
            [[f"{model}.{name}" for model, name in self.fields]],
        )
        for model, table in (
            ("ir.ui.view", "ir_ui_view"),
            ("ir.ui.menu", "ir_ui_menu"),
            ("ir.actions.act_window", "ir_act_window"),
            ("ir.actions.server", "ir_act_server"),
            ("ir.actions.report", "ir_act_report_xml"),
            ("ir.cron", "ir_cron"),
            ("ir.rule", "ir_rule"),
            ("ir.model.access", "ir_model_access"),
            ("res.groups", "res_groups"),
            ("mail.template", "mail_template"),
            ("ir.sequence", "ir_sequence"),
            ("ir.module.category", "ir_module_category"),
        ):
            self.expect_none(
                f"{model} records left",
                f"SELECT id FROM {table} WHERE id = ANY(%s)",
                [self.ids.get(model, [])],
            )
        self.expect_none(
            "views of the module left (by key)",
            "SELECT key FROM ir_ui_view WHERE key LIKE %s",
            [f"{MODULE}.%"],
        )
        for table, column in (
            ("mail_message", "model"),
            ("mail_followers", "res_model"),
            ("mail_activity", "res_model"),
            ("ir_attachment", "res_model"),
            ("ir_act_window", "res_model"),
            ("ir_act_server", "model_name"),
            ("ir_act_report_xml", "model"),
            ("mail_template", "model"),
            ("ir_filters", "model_id"),
            ("mail_message_subtype", "res_model"),
        ):
            self.expect_none(
                f"{table} rows of the module's models left",
                f"SELECT {column}, count(*) FROM {table} WHERE {column} = ANY(%s) "
                f"GROUP BY {column}",
                [self.models],
            )
        self.expect_none(
            "settings left",
            "SELECT key FROM ir_config_parameter WHERE key LIKE %s",
            [f"{MODULE}.%"],
        )
        return self._kept_records()

    def _kept_records(self):
        """External ids of the module still present: allowed only for existing business
        records (not ``ir.*`` nor the structural models) that other data uses."""
        rows = self.sql(
            "SELECT model, name, res_id FROM ir_model_data WHERE module = %s ORDER BY model, name",
            [MODULE],
        )
        kept = []
        for model, name, res_id in rows:
            if model.startswith("ir.") or model in STRUCTURAL_MODELS:
                self.problems.append(f"external id left: {model} {name}")
                continue
            table = model.replace(".", "_")
            exists = self.sql("SELECT to_regclass(%s) IS NOT NULL", [table])[0][0] and self.sql(
                f"SELECT 1 FROM {table} WHERE id = %s", [res_id]
            )
            if not exists:
                self.problems.append(f"orphan external id: {model} {name} (record gone)")
            else:
                kept.append(f"{model} {name}")
        return kept


def check_uninstall(run, db):
    uninstall = Uninstall(run, db)
    uninstall.capture()
    uninstall.uninstall()
    kept = uninstall.check()
    for problem in uninstall.problems:
        print(f"[uninstall] {problem}")
    if kept:
        print(
            f"[uninstall] kept (demo business records other data still uses, as Odoo "
            f"does): {', '.join(kept)}"
        )
    ok = not uninstall.problems
    run.record(
        "uninstall leaves no orphan",
        int(ok),
        int(not ok),
        f"({len(uninstall.problems)} problems; {len(uninstall.models)} models, "
        f"{len(uninstall.columns)} columns on Odoo's tables and "
        f"{len(uninstall.data)} external ids removed but {len(kept)} kept records)",
    )
    return ok


if __name__ == "__main__":  # pragma: no cover - helper module
    raise SystemExit(f"{Path(__file__).name} is used by scripts/run_tests.py")
