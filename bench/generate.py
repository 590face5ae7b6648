"""The benchmarks' data set (``Generator``): a busy shop's customers, projects, tasks,
employees and users through the ORM, then its timesheet entries, prepaid blocks, trips
and posted invoices straight in SQL (``INSERT … SELECT`` over ``generate_series``, fixed
seed), and sale orders with timesheets for Odoo's own invoicing of the same work."""

import json
import time
from datetime import date, timedelta

from common import GENERATED_KEY, log

# what the issue asks for, at scale 1.0
SIZES = {
    "customers": 2000,
    "blocks": 1000,
    "entries": 1_000_000,
    "trips": 100_000,
    "invoice_customers": 500,
    "invoice_entries": 50_000,
}
EMPLOYEES = 50
VEHICLES = 10
# name, kind, hourly rate, billable, block factor, share of the entries
SUPPORT_TYPES = [
    ("Bench Phone", "phone", 80.0, True, 1.0, 0.35),
    ("Bench Remote", "remote", 95.0, True, 1.0, 0.30),
    ("Bench On-site", "onsite", 110.0, True, 1.0, 0.20),
    ("Bench After-hours", "remote", 140.0, True, 1.5, 0.08),
    ("Bench Meeting", "meeting", 0.0, False, 1.0, 0.07),
]
MILEAGE_RATE = {"kilometers": 0.45, "miles": 0.67}
MILEAGE_COST = {"kilometers": 0.30, "miles": 0.48}


class Generator:
    def __init__(self, odoo, env, scale):
        self.odoo = odoo
        self.env = env
        self.cr = env.cr
        self.sizes = {key: max(int(value * scale), 10) for key, value in SIZES.items()}
        sizes = self.sizes
        sizes["blocks"] = min(sizes["blocks"], sizes["customers"] // 2)
        sizes["invoice_customers"] = min(
            sizes["invoice_customers"], sizes["customers"] - sizes["blocks"]
        )
        today = date.today()
        self.invoice_to = today.replace(day=1) - timedelta(days=1)
        self.invoice_from = self.invoice_to.replace(day=1)
        self.history_from = _add_months(self.invoice_from, -23)
        self.block_from = _add_months(self.history_from, 12)

    def sql(self, query, *args, **kwargs):
        SQL = self.odoo.tools.SQL
        self.cr.execute(SQL(query, *args, **kwargs))
        return self.cr.fetchall() if self.cr.description else None

    def run(self):
        started = time.perf_counter()
        context = dict(
            self.env.context,
            tracking_disable=True,
            mail_create_nolog=True,
            mail_create_nosubscribe=True,
            mail_notrack=True,
            no_reset_password=True,
        )
        self.env = self.env(context=context)
        self.setup_orm()
        log(f"ORM records ready in {time.perf_counter() - started:.0f}s")
        step = time.perf_counter()
        self.generate_entries()
        log(f"entries, blocks, trips and invoices written in {time.perf_counter() - step:.0f}s")
        step = time.perf_counter()
        self.setup_sale_orders()
        log(f"sale orders and their timesheets ready in {time.perf_counter() - step:.0f}s")
        step = time.perf_counter()
        self.env.flush_all()
        self.cr.commit()
        self.cr.execute("ANALYZE")
        log(f"ANALYZE in {time.perf_counter() - step:.0f}s")
        self.env["ir.config_parameter"].set_param(
            GENERATED_KEY,
            json.dumps(
                {
                    "sizes": self.sizes,
                    "invoice_from": str(self.invoice_from),
                    "invoice_to": str(self.invoice_to),
                    "seconds": round(time.perf_counter() - started),
                }
            ),
        )
        self.cr.commit()
        return time.perf_counter() - started

    # -- ORM part: customers, projects, tasks, people -----------------------------------------
    def setup_orm(self):
        env = self.env
        company = env.company
        company.write(
            {
                "support_round_minimum": 15,
                "support_round_increment": 15,
                "support_round_method": "up",
                "support_mileage_rate_km": MILEAGE_RATE["kilometers"],
                "support_mileage_rate_mi": MILEAGE_RATE["miles"],
                "support_mileage_cost_km": MILEAGE_COST["kilometers"],
                "support_mileage_cost_mi": MILEAGE_COST["miles"],
            }
        )
        manager_groups = ["base.group_user", "it_support_time.group_support_manager"]
        self.manager = self._user("bench_manager", manager_groups)
        self.technician = self._user(
            "bench_technician", ["base.group_user", "it_support_time.group_support_user"]
        )
        self.accountant = self._user(
            "bench_accountant",
            [
                *manager_groups,
                "account.group_account_invoice",
                "sales_team.group_sale_salesman_all_leads",
            ],
        )
        env["hr.employee"].create(
            {"name": "Bench Technician", "user_id": self.technician.id, "hourly_cost": 35.0}
        )
        self.employees = env["hr.employee"].create(
            [
                {"name": f"Bench Employee {index:02d}", "hourly_cost": 25.0 + index % 30}
                for index in range(EMPLOYEES)
            ]
        )
        self.types = env["support.type"].create(
            [
                {
                    "name": name,
                    "kind": kind,
                    "hourly_rate": rate,
                    "billable": billable,
                    "block_factor": factor,
                }
                for name, kind, rate, billable, factor, _share in SUPPORT_TYPES
            ]
        )
        count = self.sizes["customers"]
        self.customers = env["res.partner"].create(
            [{"name": f"Bench Customer {index:04d}", "is_company": True} for index in range(count)]
        )
        self.projects = env["project.project"].create(
            [
                {
                    "name": f"Support - {customer.name}",
                    "partner_id": customer.id,
                    "is_support_project": True,
                    "allow_timesheets": True,
                }
                for customer in self.customers
            ]
        )
        tasks = env["project.task"].create(
            [
                {"name": name, "project_id": project.id, "partner_id": project.partner_id.id}
                for project in self.projects
                for name in ("Help desk", "Maintenance")
            ]
        )
        self.tasks = [(tasks[2 * i], tasks[2 * i + 1]) for i in range(count)]
        brand = env["fleet.vehicle.model.brand"].create({"name": "Bench Motors"})
        model = env["fleet.vehicle.model"].create(
            {"name": "Bench Van", "brand_id": brand.id, "vehicle_type": "car"}
        )
        self.vehicles = env["fleet.vehicle"].create(
            [
                {
                    "model_id": model.id,
                    "license_plate": f"BENCH-{index}",
                    "odometer_unit": "kilometers" if index < VEHICLES // 2 else "miles",
                }
                for index in range(VEHICLES)
            ]
        )
        # the quick timer: one task with 10 earlier entries, one with 10,000
        last = self.projects[-1]
        self.timer_tasks = env["project.task"].create(
            [
                {"name": f"Timer {size}", "project_id": last.id, "partner_id": last.partner_id.id}
                for size in (10, 10_000)
            ]
        )
        env.flush_all()

    def _user(self, login, groups):
        return self.env["res.users"].create(
            {
                "name": login.replace("_", " ").title(),
                "login": login,
                "password": login,
                "groups_id": [self.odoo.Command.set([self.env.ref(xmlid).id for xmlid in groups])],
            }
        )

    # -- SQL part: entries, blocks, trips, invoices ------------------------------------------
    def _reference_tables(self):
        env = self.env
        sizes = self.sizes
        hour = env.ref("uom.product_uom_hour")
        self.sql(
            "CREATE TEMP TABLE bench_customer ON COMMIT DROP AS "
            "SELECT * FROM unnest(%s::int[], %s::int[], %s::int[], %s::int[], %s::int[], "
            "%s::int[]) AS c(idx, partner_id, project_id, account_id, task1_id, task2_id)",
            list(range(sizes["customers"])),
            self.customers.ids,
            self.projects.ids,
            [project.account_id.id or None for project in self.projects],
            [pair[0].id for pair in self.tasks],
            [pair[1].id for pair in self.tasks],
        )
        self.sql(
            "ALTER TABLE bench_customer ADD COLUMN block_id int; "
            "UPDATE bench_customer SET block_id = nextval('support_block_id_seq') "
            "WHERE idx < %s",
            sizes["blocks"],
        )
        self.sql(
            "CREATE TEMP TABLE bench_employee ON COMMIT DROP AS "
            "SELECT * FROM unnest(%s::int[], %s::int[], %s::float[]) AS e(idx, id, cost)",
            list(range(EMPLOYEES)),
            self.employees.ids,
            self.employees.mapped("hourly_cost"),
        )
        bounds, total = [], 0.0
        for *_values, share in SUPPORT_TYPES:
            total += share
            bounds.append(total)
        self.sql(
            "CREATE TEMP TABLE bench_type ON COMMIT DROP AS "
            "SELECT * FROM unnest(%s::int[], %s::int[], %s::float[], %s::bool[], %s::float[], "
            "%s::float[]) AS t(idx, id, rate, billable, factor, upper_bound)",
            list(range(len(SUPPORT_TYPES))),
            self.types.ids,
            [values[2] for values in SUPPORT_TYPES],
            [values[3] for values in SUPPORT_TYPES],
            [values[4] for values in SUPPORT_TYPES],
            bounds,
        )
        self.sql(
            "CREATE TEMP TABLE bench_vehicle ON COMMIT DROP AS "
            "SELECT * FROM unnest(%s::int[], %s::int[], %s::varchar[], %s::float[], "
            "%s::float[]) AS v(idx, id, unit, rate, cost)",
            list(range(VEHICLES)),
            self.vehicles.ids,
            self.vehicles.mapped("odometer_unit"),
            [MILEAGE_RATE[unit] for unit in self.vehicles.mapped("odometer_unit")],
            [MILEAGE_COST[unit] for unit in self.vehicles.mapped("odometer_unit")],
        )
        return hour

    def generate_entries(self):
        env = self.env
        sizes = self.sizes
        company = env.company
        hour = self._reference_tables()
        self.sql("SELECT setseed(0.42)")
        history = sizes["entries"] - sizes["invoice_entries"]
        history_days = (self.invoice_from - self.history_from).days
        # billed hours: 15-minute minimum and increment, rounded up (the policy above)
        self.sql(
            """
            CREATE TEMP TABLE bench_entry ON COMMIT DROP AS
            WITH raw AS (
                SELECT g AS n,
                       floor(random() * %(customers)s)::int AS cust,
                       %(history_from)s::date + floor(random() * %(days)s)::int AS date,
                       floor(random() * %(employees)s)::int AS emp,
                       random() AS type_draw,
                       round((0.1 + random() * 2.9)::numeric, 2)::float AS hours,
                       random() < 0.6 AS first_task,
                       FALSE AS open
                  FROM generate_series(1, %(history)s) g
                UNION ALL
                SELECT %(history)s + g,
                       %(blocks)s + mod(g, %(invoice_customers)s),
                       %(invoice_from)s::date + floor(random() * %(month_days)s)::int,
                       floor(random() * %(employees)s)::int,
                       random() * 0.93,
                       round((0.1 + random() * 2.9)::numeric, 2)::float,
                       random() < 0.6,
                       TRUE
                  FROM generate_series(1, %(invoice_entries)s) g
            )
            SELECT raw.n, raw.cust, raw.date, raw.open, raw.hours,
                   (EXTRACT(YEAR FROM age(date_trunc('month', raw.date),
                                          %(history_from)s::date)) * 12
                    + EXTRACT(MONTH FROM age(date_trunc('month', raw.date),
                                             %(history_from)s::date)))::int AS month_idx,
                   c.partner_id, c.project_id, c.account_id,
                   CASE WHEN raw.first_task THEN c.task1_id ELSE c.task2_id END AS task_id,
                   e.id AS employee_id, round((-raw.hours * e.cost)::numeric, 2) AS amount,
                   t.id AS type_id, t.rate, t.billable, t.factor,
                   CASE WHEN t.billable THEN ceil(round((raw.hours * 4)::numeric, 6)) / 4.0
                        ELSE 0.0 END::float AS billed,
                   CASE WHEN t.billable AND NOT raw.open AND raw.date >= %(block_from)s
                        THEN c.block_id END AS block_id,
                   FALSE AS overage,
                   CASE WHEN t.billable AND NOT raw.open
                         AND (raw.date < %(block_from)s OR c.block_id IS NULL)
                        THEN 'time' END AS inv_kind
              FROM raw
              JOIN bench_customer c ON c.idx = raw.cust
              JOIN bench_employee e ON e.idx = raw.emp
              JOIN LATERAL (
                    SELECT * FROM bench_type t WHERE t.upper_bound > raw.type_draw
                    ORDER BY t.upper_bound LIMIT 1
              ) t ON TRUE
            """,
            customers=sizes["customers"],
            history_from=self.history_from,
            days=history_days,
            employees=EMPLOYEES,
            history=history,
            blocks=sizes["blocks"],
            invoice_customers=sizes["invoice_customers"],
            invoice_from=self.invoice_from,
            month_days=(self.invoice_to - self.invoice_from).days + 1,
            invoice_entries=sizes["invoice_entries"],
            block_from=self.block_from,
        )
        # blocks: what their entries draw, purchased hours around it; one in ten bills
        # what goes beyond at its overage rate
        self.sql(
            """
            CREATE TEMP TABLE bench_block ON COMMIT DROP AS
            SELECT c.block_id AS id, c.idx, c.partner_id, c.project_id,
                   COALESCE(d.drawn, 0.0) AS drawn,
                   mod(c.idx, 10) = 0 AS overage_policy,
                   CASE WHEN mod(c.idx, 10) = 0 THEN greatest(round(COALESCE(d.drawn, 0) * 0.8), 1)
                        ELSE round(COALESCE(d.drawn, 0) * 1.25) + 10 END AS purchased,
                   70 + mod(c.idx, 30) AS price_unit
              FROM bench_customer c
              LEFT JOIN (SELECT block_id, sum(billed * factor) AS drawn
                           FROM bench_entry WHERE block_id IS NOT NULL GROUP BY block_id) d
                ON d.block_id = c.block_id
             WHERE c.block_id IS NOT NULL
            """
        )
        self.sql(
            """
            UPDATE bench_entry e SET overage = TRUE, inv_kind = 'overage'
              FROM (SELECT w.n
                      FROM (SELECT n, block_id,
                                   sum(billed * factor) OVER (PARTITION BY block_id
                                                              ORDER BY date, n) AS running
                              FROM bench_entry WHERE block_id IS NOT NULL) w
                      JOIN bench_block b ON b.id = w.block_id AND b.overage_policy
                     WHERE w.running > b.purchased) o
             WHERE e.n = o.n
            """
        )
        self.sql(
            """
            CREATE TEMP TABLE bench_trip ON COMMIT DROP AS
            WITH raw AS (
                SELECT g AS n,
                       floor(random() * %(customers)s)::int AS cust,
                       %(history_from)s::date + floor(random() * %(days)s)::int AS date,
                       floor(random() * %(employees)s)::int AS emp,
                       floor(random() * %(vehicles)s)::int AS veh,
                       round((5 + random() * 115)::numeric, 2) AS distance,
                       random() < 0.9 AS billable,
                       random() < 0.05 AS draft
                  FROM generate_series(1, %(trips)s) g
            )
            SELECT raw.n, raw.date, raw.distance, raw.billable, c.partner_id,
                   c.task1_id AS task_id,
                   CASE WHEN raw.date >= %(block_from)s THEN c.block_id END AS block_id,
                   e.id AS employee_id, v.id AS vehicle_id, v.unit, v.rate,
                   round(raw.distance * v.rate::numeric, 2) AS amount,
                   (EXTRACT(YEAR FROM age(date_trunc('month', raw.date),
                                          %(history_from)s::date)) * 12
                    + EXTRACT(MONTH FROM age(date_trunc('month', raw.date),
                                             %(history_from)s::date)))::int AS month_idx,
                   CASE WHEN raw.draft THEN 'draft'
                        WHEN raw.billable AND raw.date < %(invoice_from)s THEN 'invoiced'
                        ELSE 'confirmed' END AS state
              FROM raw
              JOIN bench_customer c ON c.idx = raw.cust
              JOIN bench_employee e ON e.idx = raw.emp
              JOIN bench_vehicle v ON v.idx = raw.veh
            """,
            customers=sizes["customers"],
            history_from=self.history_from,
            days=(self.invoice_to - self.history_from).days + 1,
            employees=EMPLOYEES,
            vehicles=VEHICLES,
            trips=sizes["trips"],
            block_from=self.block_from,
            invoice_from=self.invoice_from,
        )
        self._generate_invoices(company, hour)
        self._insert_blocks(company)
        self._insert_entries(company, hour)
        self._insert_trips(company)
        self._insert_timer_entries(company, hour)

    def _generate_invoices(self, company, hour):
        """One posted invoice per customer and month: a line per support type for the
        time, one for the block overage (at the block's overage rate), one for the
        trips, and the receivable line."""
        env = self.env
        journal = env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", company.id)], limit=1
        )
        income = journal.default_account_id
        receivable = env["account.account"].search(
            [("account_type", "=", "asset_receivable"), ("company_ids", "in", company.id)],
            limit=1,
        )
        self.sql(
            """
            CREATE TEMP TABLE bench_line ON COMMIT DROP AS
            SELECT nextval('account_move_line_id_seq') AS id, s.*,
                   round((s.quantity * s.price_unit)::numeric, 2) AS amount
              FROM (
                SELECT e.partner_id, e.month_idx, 'time' AS kind, e.type_id AS type_key,
                       sum(e.billed)::numeric AS quantity, max(e.rate)::numeric AS price_unit
                  FROM bench_entry e
                 WHERE e.inv_kind = 'time'
                 GROUP BY e.partner_id, e.month_idx, e.type_id
                UNION ALL
                SELECT e.partner_id, e.month_idx, 'overage', 0,
                       sum(e.billed * e.factor)::numeric, 150.0
                  FROM bench_entry e WHERE e.inv_kind = 'overage'
                 GROUP BY e.partner_id, e.month_idx
                UNION ALL
                SELECT t.partner_id, t.month_idx, 'mileage', 0, 1.0, sum(t.amount)
                  FROM bench_trip t WHERE t.state = 'invoiced'
                 GROUP BY t.partner_id, t.month_idx
              ) s
            """
        )
        self.sql(
            """
            CREATE TEMP TABLE bench_move ON COMMIT DROP AS
            SELECT nextval('account_move_id_seq') AS id, partner_id, month_idx,
                   (%(history_from)s::date + make_interval(months => month_idx + 1))::date
                       AS date,
                   sum(amount) AS total
              FROM bench_line GROUP BY partner_id, month_idx
            """,
            history_from=self.history_from,
        )
        common = self.odoo.tools.SQL(
            "%s, %s, now() at time zone 'UTC', now() at time zone 'UTC'",
            self.env.uid,
            self.env.uid,
        )
        self.sql(
            """
            INSERT INTO account_move (id, name, move_type, state, date, invoice_date,
                invoice_date_due, journal_id, company_id, currency_id, partner_id,
                commercial_partner_id, auto_post, amount_untaxed, amount_tax, amount_total,
                amount_residual, amount_untaxed_signed, amount_total_signed,
                amount_residual_signed, payment_state, invoice_origin,
                create_uid, write_uid, create_date, write_date)
            SELECT m.id, 'BENCH/' || m.id, 'out_invoice', 'posted', m.date, m.date,
                   m.date + 30, %(journal)s, %(company)s, %(currency)s, m.partner_id,
                   m.partner_id, 'no', m.total, 0, m.total, m.total, m.total, m.total,
                   m.total, 'not_paid', 'Bench', %(common)s
              FROM bench_move m
            """,
            journal=journal.id,
            company=company.id,
            currency=company.currency_id.id,
            common=common,
        )
        self.sql(
            """
            INSERT INTO account_move_line (id, move_id, move_name, journal_id, company_id,
                company_currency_id, currency_id, partner_id, account_id, name, display_type,
                date, parent_state, quantity, price_unit, price_subtotal, price_total,
                balance, debit, credit, amount_currency, amount_residual,
                amount_residual_currency, sequence, support_source, product_uom_id,
                create_uid, write_uid, create_date, write_date)
            SELECT l.id, m.id, 'BENCH/' || m.id, %(journal)s, %(company)s, %(currency)s,
                   %(currency)s, l.partner_id, %(income)s, 'Bench ' || l.kind, 'product',
                   m.date, 'posted', l.quantity, l.price_unit, l.amount, l.amount,
                   -l.amount, 0, l.amount, -l.amount, 0, 0, 10, l.kind,
                   CASE WHEN l.kind = 'mileage' THEN NULL ELSE %(hour)s END, %(common)s
              FROM bench_line l
              JOIN bench_move m ON m.partner_id = l.partner_id AND m.month_idx = l.month_idx
            UNION ALL
            SELECT nextval('account_move_line_id_seq'), m.id, 'BENCH/' || m.id, %(journal)s,
                   %(company)s, %(currency)s, %(currency)s, m.partner_id, %(receivable)s,
                   'BENCH/' || m.id, 'payment_term', m.date, 'posted', 1, 0, 0, 0,
                   m.total, m.total, 0, m.total, m.total, m.total, 100, NULL, NULL, %(common)s
              FROM bench_move m
            """,
            journal=journal.id,
            company=company.id,
            currency=company.currency_id.id,
            income=income.id,
            receivable=receivable.id,
            hour=hour.id,
            common=common,
        )

    def _insert_blocks(self, company):
        self.sql(
            """
            INSERT INTO support_block (id, name, partner_id, po_number, hours_purchased,
                currency_id, price_unit, amount_total, date_start, state, user_id,
                company_id, project_id, overage_policy, overage_rate, rollover,
                alert_thresholds, alert_fired, hours_available, rollover_hours_in,
                rollover_hours_out, create_uid, write_uid, create_date, write_date)
            SELECT b.id, 'BLK/BENCH/' || lpad(b.idx::text, 4, '0'), b.partner_id,
                   'PO-BENCH-' || b.idx, b.purchased, %(currency)s, b.price_unit,
                   b.purchased * b.price_unit, %(block_from)s, CASE
                       WHEN b.drawn >= b.purchased THEN 'exhausted' ELSE 'active' END,
                   %(uid)s, %(company)s, b.project_id,
                   CASE WHEN b.overage_policy THEN 'overage_rate' ELSE 'next_block' END,
                   CASE WHEN b.overage_policy THEN 150.0 ELSE 0.0 END, FALSE,
                   '75,90,100', '75,90,100', b.purchased, 0, 0,
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM bench_block b
            """,
            currency=company.currency_id.id,
            block_from=self.block_from,
            uid=self.env.uid,
            company=company.id,
        )

    def _insert_entries(self, company, hour):
        # support_partner_id and support_revenue as the add-on computes them: the
        # customer of support entries; block time at the block's price per block hour,
        # invoiced time and overage at their (posted) line's net price per unit
        self.sql(
            """
            INSERT INTO account_analytic_line (name, date, amount, unit_amount, account_id,
                company_id, currency_id, product_uom_id, partner_id, employee_id,
                project_id, task_id, support_type_id, billable, billed_hours,
                support_block_id, support_block_hours, support_is_overage,
                support_invoice_line_id, support_partner_id, support_revenue,
                create_uid, write_uid, create_date, write_date)
            SELECT 'Support session', e.date, e.amount, e.hours, e.account_id, %(company)s,
                   %(currency)s, %(hour)s, e.partner_id, e.employee_id, e.project_id,
                   e.task_id, e.type_id, e.billable, e.billed, e.block_id,
                   CASE WHEN e.block_id IS NOT NULL THEN e.billed * e.factor ELSE 0.0 END,
                   e.overage, l.id, e.partner_id,
                   round((CASE
                       WHEN e.block_id IS NOT NULL AND NOT e.overage
                       THEN b.price_unit * e.billed * e.factor
                       WHEN l.id IS NOT NULL
                       THEN l.amount / l.quantity
                            * (CASE WHEN e.overage THEN e.billed * e.factor ELSE e.billed END)
                       ELSE 0.0 END)::numeric, 2),
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM bench_entry e
              LEFT JOIN bench_block b ON b.id = e.block_id
              LEFT JOIN bench_line l
                ON l.partner_id = e.partner_id AND l.month_idx = e.month_idx
               AND l.kind = e.inv_kind
               AND l.type_key = (CASE WHEN e.inv_kind = 'time' THEN e.type_id ELSE 0 END)
             ORDER BY e.date, e.n
            """,
            company=company.id,
            currency=company.currency_id.id,
            hour=hour.id,
            uid=self.env.uid,
        )

    def _insert_trips(self, company):
        self.sql(
            """
            INSERT INTO support_trip (name, company_id, date, employee_id, vehicle_id,
                task_id, partner_id, block_id, purpose, distance, distance_unit, rate, amount,
                billable, state, support_invoice_line_id, support_revenue, support_mileage_cost,
                create_uid, write_uid, create_date, write_date)
            SELECT 'TRIP/BENCH/' || t.n, %(company)s, t.date, t.employee_id, t.vehicle_id,
                   t.task_id, t.partner_id, t.block_id, 'Bench visit', t.distance, t.unit,
                   t.rate, t.amount, t.billable, t.state, l.id,
                   CASE WHEN l.id IS NOT NULL THEN t.amount ELSE 0 END,
                   t.distance * CASE WHEN t.unit = 'miles' THEN %(cost_mi)s ELSE %(cost_km)s END,
                   %(uid)s, %(uid)s,
                   now() at time zone 'UTC', now() at time zone 'UTC'
              FROM bench_trip t
              LEFT JOIN bench_line l
                ON l.kind = 'mileage' AND l.partner_id = t.partner_id
               AND l.month_idx = t.month_idx AND t.state = 'invoiced'
             ORDER BY t.date, t.n
            """,
            company=company.id,
            uid=self.env.uid,
            cost_km=MILEAGE_COST["kilometers"],
            cost_mi=MILEAGE_COST["miles"],
        )

    def _insert_timer_entries(self, company, hour):
        employee = self.technician.employee_id
        for task, count in zip(self.timer_tasks, (10, 10_000), strict=True):
            self.sql(
                """
                INSERT INTO account_analytic_line (name, date, amount, unit_amount,
                    account_id, company_id, currency_id, product_uom_id, partner_id,
                    user_id, employee_id, project_id, task_id, support_type_id, billable,
                    billed_hours, support_block_hours, support_partner_id, support_revenue,
                    create_uid, write_uid, create_date, write_date)
                SELECT 'Earlier session', %(date)s::date - mod(g, 300), -8.75, 0.25,
                       %(account)s, %(company)s, %(currency)s, %(hour)s, %(partner)s,
                       %(user)s, %(employee)s, %(project)s, %(task)s, %(type)s, TRUE, 0.25,
                       0.0, %(partner)s, 0.0, %(user)s, %(user)s, now() at time zone 'UTC',
                       now() at time zone 'UTC'
                  FROM generate_series(1, %(count)s) g
                """,
                date=self.invoice_to,
                account=task.project_id.account_id.id or None,
                company=company.id,
                currency=company.currency_id.id,
                hour=hour.id,
                partner=task.partner_id.id,
                user=self.technician.id,
                employee=employee.id,
                project=task.project_id.id,
                task=task.id,
                type=self.types[0].id,
                count=count,
            )
        # the tasks' stored totals, as if the entries had been logged one by one
        self.env.invalidate_all()
        self.timer_tasks.modified(["timesheet_ids"])
        self.env.flush_all()

    # -- Odoo's own invoicing: sale orders invoiced on timesheets ----------------------------
    def setup_sale_orders(self):
        """Odoo's own invoicing of the same work through sale orders (``sale_timesheet``),
        for the same 500 customers, in two set-ups:

        - ``BENCH-TYPES``, the comparison: the invoices the wizard makes. Each customer
          has an order with a timesheet-invoiced service per support type (the type's
          rate, the company's sales tax as the wizard's lines get), and the order's
          timesheets are the customer's entries that the wizard bills: same count,
          billed hours, types and dates. Both make one taxed line per support type.
        - ``BENCH-ONE``, a reference: one untaxed service line per order and 50,000
          generated timesheets (the set-up of the first benchmark)."""
        env = self.env
        sizes = self.sizes
        hour = env.ref("uom.product_uom_hour")
        tax = env.company.account_sale_tax_id
        project = env["project.project"].create(
            {"name": "Bench Sale Orders", "allow_timesheets": True, "allow_billable": True}
        )
        customers = self.customers[sizes["blocks"] : sizes["blocks"] + sizes["invoice_customers"]]

        def service(name, price, taxes):
            return env["product.product"].create(
                {
                    "name": name,
                    "type": "service",
                    "service_policy": "delivered_timesheet",
                    "uom_id": hour.id,
                    "uom_po_id": hour.id,
                    "list_price": price,
                    "taxes_id": [self.odoo.Command.set(taxes.ids)],
                }
            )

        one = service("Bench Support Hour (timesheets)", 90.0, env["account.tax"])
        billable_types = self.types.filtered("billable")
        by_type = {
            support_type: service(
                f"{support_type.name} (timesheets)", support_type.hourly_rate, tax
            )
            for support_type in billable_types
        }
        orders = env["sale.order"].create(
            [
                {
                    "partner_id": customer.id,
                    "client_order_ref": ref,
                    "order_line": [
                        self.odoo.Command.create(
                            {"product_id": product.id, "product_uom_qty": 1.0}
                        )
                        for product in products
                    ],
                }
                for ref, products in (("BENCH-ONE", [one]), ("BENCH-TYPES", by_type.values()))
                for customer in customers
            ]
        )
        orders.action_confirm()
        common = dict(
            account=project.account_id.id or None,
            company=env.company.id,
            currency=env.company.currency_id.id,
            hour=hour.id,
            project=project.id,
            uid=self.env.uid,
        )
        one_orders = orders.filtered(lambda order: order.client_order_ref == "BENCH-ONE")
        self.sql(
            """
            INSERT INTO account_analytic_line (name, date, amount, unit_amount, account_id,
                company_id, currency_id, product_uom_id, partner_id, employee_id,
                project_id, so_line, order_id, timesheet_invoice_type, create_uid,
                write_uid, create_date, write_date)
            SELECT 'Timesheet', %(date_from)s::date + mod(g, %(days)s),
                   round((-(0.25 + mod(g, 12) * 0.25) * 40)::numeric, 2),
                   0.25 + mod(g, 12) * 0.25, %(account)s, %(company)s, %(currency)s, %(hour)s,
                   so.partner_id, e.id, %(project)s, sol.id, so.id, 'billable_time',
                   %(uid)s, %(uid)s, now() at time zone 'UTC', now() at time zone 'UTC'
              FROM sale_order so
              JOIN sale_order_line sol ON sol.order_id = so.id
              CROSS JOIN generate_series(1, %(per_order)s) g
              JOIN bench_employee e ON e.idx = mod(g, %(employees)s)
             WHERE so.id IN %(orders)s
            """,
            date_from=self.invoice_from,
            days=(self.invoice_to - self.invoice_from).days + 1,
            per_order=sizes["invoice_entries"] // len(one_orders),
            employees=EMPLOYEES,
            orders=tuple(one_orders.ids),
            **common,
        )
        # the entries the wizard bills for these customers, as timesheets of the orders
        for support_type, product in by_type.items():
            self.sql(
                """
                INSERT INTO account_analytic_line (name, date, amount, unit_amount,
                    account_id, company_id, currency_id, product_uom_id, partner_id,
                    employee_id, project_id, so_line, order_id, timesheet_invoice_type,
                    create_uid, write_uid, create_date, write_date)
                SELECT 'Timesheet', a.date, a.amount, a.billed_hours, %(account)s,
                       %(company)s, %(currency)s, %(hour)s, so.partner_id, a.employee_id,
                       %(project)s, sol.id, so.id, 'billable_time', %(uid)s, %(uid)s,
                       now() at time zone 'UTC', now() at time zone 'UTC'
                  FROM account_analytic_line a
                  JOIN project_project p ON p.id = a.project_id AND p.is_support_project
                  JOIN sale_order so
                    ON so.partner_id = a.partner_id AND so.client_order_ref = 'BENCH-TYPES'
                  JOIN sale_order_line sol
                    ON sol.order_id = so.id AND sol.product_id = %(product)s
                 WHERE a.support_type_id = %(type)s AND a.date BETWEEN %(date_from)s
                   AND %(date_to)s AND a.billable AND a.billed_hours > 0
                   AND a.support_block_id IS NULL AND a.support_invoice_line_id IS NULL
                   AND a.so_line IS NULL AND a.support_timer_start IS NULL
                """,
                product=product.id,
                type=support_type.id,
                date_from=self.invoice_from,
                date_to=self.invoice_to,
                **common,
            )
        # delivered quantities, as if the timesheets had been logged one by one
        self.env.invalidate_all()
        sale_lines = orders.order_line
        self.env.add_to_compute(sale_lines._fields["qty_delivered"], sale_lines)
        sale_lines.modified(["qty_delivered"])
        self.env.flush_all()
        to_invoice = orders.filtered(lambda order: order.invoice_status == "to invoice")
        if len(to_invoice) != len(orders):
            line = orders.order_line[:1]
            raise SystemExit(
                f"only {len(to_invoice)} of {len(orders)} sale orders to invoice: "
                f"{line.qty_delivered_method=} {line.qty_delivered=} {line.qty_to_invoice=} "
                f"{line.invoice_status=} {one.invoice_policy=} {orders[:1].state=}"
            )


def _add_months(day, months):
    month = day.month - 1 + months
    return day.replace(year=day.year + month // 12, month=month % 12 + 1, day=1)
