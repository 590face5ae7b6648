import ast
from collections import defaultdict

from odoo import Command
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged

from .mileage_common import MileageCommon

# Inputs of the fixed data set (the employees' hourly costs come from SupportCommon)
COST_SAM = 30.0  # Sam Support, the support user
COST_MIA = 45.0  # Mia Manager
RATE_PHONE = 80.0
RATE_REMOTE = 100.0
RATE_AFTERHOURS = 150.0
FACTOR_AFTERHOURS = 1.5
BLOCK_B_PRICE = 90.0
BLOCK_C_PRICE = 100.0
OVERAGE_C_RATE = 120.0
RATE_KM = 0.40  # billed per km (MileageCommon)
COST_KM = 0.30  # what a km costs the shop
COST_MI = 0.45  # what a mile costs the shop


@tagged("post_install", "-at_install")
class TestProfitabilityReport(MileageCommon):
    """Three customers: A invoiced (a posted invoice for March, a draft one for April)
    with trips, B drawing from a prepaid block, C beyond its block at the overage rate
    (invoiced). Every expected figure below is worked out from the inputs above."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Report = cls.env["support.profitability.report"]
        cls.company.write({"support_mileage_cost_km": COST_KM, "support_mileage_cost_mi": COST_MI})
        cls.accountant = new_test_user(
            cls.env,
            login="analysis_accountant",
            groups="base.group_user,it_support_time.group_support_manager,"
            "account.group_account_invoice",
            name="Ada Accountant",
        )
        cls.type_afterhours = cls.env["support.type"].create(
            {
                "name": "Test After-hours",
                "kind": "remote",
                "hourly_rate": RATE_AFTERHOURS,
                "block_factor": FACTOR_AFTERHOURS,
            }
        )
        cls.customer_a = cls.customer
        cls.customer_b, cls.task_b = cls._customer("Bravo Bakery")
        cls.customer_c, cls.task_c = cls._customer("Charlie Clinic")
        Block = cls.env["support.block"].with_user(cls.support_manager)
        cls.block_b = Block.create(
            {
                "partner_id": cls.customer_b.id,
                "po_number": "PO-B",
                "hours_purchased": 10.0,
                "price_unit": BLOCK_B_PRICE,
                "date_start": "2025-01-01",
            }
        )
        cls.block_c = Block.create(
            {
                "partner_id": cls.customer_c.id,
                "po_number": "PO-C",
                "hours_purchased": 1.0,
                "price_unit": BLOCK_C_PRICE,
                "date_start": "2025-01-01",
                "overage_policy": "overage_rate",
                "overage_rate": OVERAGE_C_RATE,
            }
        )
        (cls.block_b | cls.block_c).action_activate()

        # time (billing: no minimum, 15-minute increment, rounded up)
        sam, mia = cls.support_user, cls.support_manager
        cls.e_old = cls._entry(sam, cls.task, cls.type_phone, 60, "2024-01-15")
        cls.e1 = cls._entry(sam, cls.task, cls.type_phone, 45, "2025-03-03")
        cls.e2 = cls._entry(mia, cls.task, cls.type_remote, 31, "2025-03-04")
        cls.e3 = cls._entry(sam, cls.task, cls.type_meeting, 60, "2025-03-05")
        cls.e5 = cls._entry(
            sam, cls.task, cls.type_remote, 30, "2025-03-06", partner_id=cls.customer_contact.id
        )
        cls.e4 = cls._entry(sam, cls.task, cls.type_phone, 20, "2025-04-02")
        cls.e6 = cls._entry(sam, cls.task_b, cls.type_phone, 90, "2025-03-03")
        cls.e7 = cls._entry(mia, cls.task_b, cls.type_afterhours, 60, "2025-03-04")
        cls.e8 = cls._entry(sam, cls.task_c, cls.type_remote, 120, "2025-03-05")
        cls.e8_overage = cls.env["account.analytic.line"].search(
            [("support_block_id", "=", cls.block_c.id), ("support_is_overage", "=", True)]
        )

        # A's March time invoiced and posted; April invoiced in a draft
        cls.march_invoice = cls._run_wizard(cls.customer_a, "2025-03-01", "2025-03-31")
        cls.march_invoice.action_post()
        cls.april_invoice = cls._run_wizard(cls.customer_a, "2025-04-01", "2025-04-30")

        # trips: one invoiced (posted), one confirmed, one draft; B's in miles
        cls.t1 = cls._confirmed_trip(task_id=cls.task.id, distance=40, date="2025-03-10")
        cls.t2 = cls._confirmed_trip(task_id=cls.task.id, distance=15, date="2025-04-05")
        cls.t3 = cls._trip_for(task_id=cls.task.id, distance=100, date="2025-04-06")
        cls.t4 = cls._confirmed_trip(
            task_id=cls.task_b.id, distance=10, date="2025-03-12", vehicle_id=cls.car_mi.id
        )
        cls.mileage_invoice = cls._manual_invoice(
            cls.customer_a, "Mileage", 1.0, 40 * RATE_KM, "mileage"
        )
        cls.t1._support_mark_invoiced(cls.mileage_invoice.invoice_line_ids)
        cls.mileage_invoice.action_post()
        # C's overage billed at the overage rate per block hour, posted
        cls.overage_invoice = cls._manual_invoice(
            cls.customer_c, "Overage PO-C", 1.0, OVERAGE_C_RATE, "overage"
        )
        cls.e8_overage.sudo().write(
            {"support_invoice_line_id": cls.overage_invoice.invoice_line_ids.id}
        )
        cls.overage_invoice.action_post()
        cls.env.flush_all()

    # -- fixtures ------------------------------------------------------------------------
    @classmethod
    def _customer(cls, name):
        customer = cls.env["res.partner"].create({"name": name, "is_company": True})
        project = cls.env["project.project"].create(
            {
                "name": f"Support - {name}",
                "partner_id": customer.id,
                "is_support_project": True,
                "allow_timesheets": True,
            }
        )
        task = cls.env["project.task"].create(
            {"name": "Help desk", "project_id": project.id, "partner_id": customer.id}
        )
        return customer, task

    @classmethod
    def _entry(cls, user, task, support_type, minutes, day, **vals):
        values = {
            "name": "Support session",
            "project_id": task.project_id.id,
            "task_id": task.id,
            "support_type_id": support_type.id,
            "unit_amount": minutes / 60,
            "date": day,
            **vals,
        }
        return cls.env["account.analytic.line"].with_user(user).create(values)

    @classmethod
    def _run_wizard(cls, customer, date_from, date_to):
        wizard = (
            cls.env["support.invoice.wizard"]
            .with_user(cls.accountant)
            .create(
                {
                    "partner_ids": [Command.set(customer.ids)],
                    "date_from": date_from,
                    "date_to": date_to,
                    "include_time": True,
                    "include_overage": False,
                    "include_mileage": False,
                    "include_expenses": False,
                }
            )
        )
        return wizard._create_invoices()

    @classmethod
    def _trip_for(cls, **vals):
        values = {"vehicle_id": cls.van_km.id, "purpose": "On-site visit", **vals}
        trip = cls.env["support.trip"].with_user(cls.support_user).create(values)
        return trip

    @classmethod
    def _confirmed_trip(cls, **vals):
        trip = cls._trip_for(**vals)
        trip.action_confirm()
        return trip.with_env(cls.env)

    @classmethod
    def _manual_invoice(cls, customer, name, quantity, price, source):
        return cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": customer.id,
                "invoice_date": "2025-03-31",
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": name,
                            "quantity": quantity,
                            "price_unit": price,
                            "tax_ids": [Command.clear()],
                            "support_source": source,
                        }
                    )
                ],
            }
        )

    def _expected_rows(self):
        """(customer, support type or None, hours, labour cost, mileage cost, revenue) of
        every row the report must have, worked out from the inputs."""
        a, b, c = self.customer_a, self.customer_b, self.customer_c
        phone, remote, meeting = self.type_phone, self.type_remote, self.type_meeting
        after = self.type_afterhours
        return [
            # A: 1 h in 2024, billable, not invoiced
            (a, phone, 1.0, COST_SAM * 1.0, 0.0, 0.0),
            # A: 45 min → 0.75 h billed, invoiced at the phone rate
            (a, phone, 0.75, COST_SAM * 0.75, 0.0, 0.75 * RATE_PHONE),
            # A: 31 min → 0.75 h billed (rounded up), invoiced at the remote rate
            (a, remote, 31 / 60, COST_MIA * 31 / 60, 0.0, 0.75 * RATE_REMOTE),
            # A: a meeting is not billable
            (a, meeting, 1.0, COST_SAM * 1.0, 0.0, 0.0),
            # A (logged on its contact): 30 min → 0.5 h, invoiced at the remote rate
            (a, remote, 0.5, COST_SAM * 0.5, 0.0, 0.5 * RATE_REMOTE),
            # A: 20 min in April, on a draft invoice only: no revenue yet
            (a, phone, 20 / 60, COST_SAM * 20 / 60, 0.0, 0.0),
            # B: 1.5 h drawn from the block at its price per hour
            (b, phone, 1.5, COST_SAM * 1.5, 0.0, 1.5 * BLOCK_B_PRICE),
            # B: 1 h after hours draws 1.5 block hours
            (b, after, 1.0, COST_MIA * 1.0, 0.0, 1.0 * FACTOR_AFTERHOURS * BLOCK_B_PRICE),
            # C: 2 h, split: 1 h in the 1-hour block, 1 h overage invoiced
            (c, remote, 1.0, COST_SAM * 1.0, 0.0, 1.0 * BLOCK_C_PRICE),
            (c, remote, 1.0, COST_SAM * 1.0, 0.0, 1.0 * OVERAGE_C_RATE),
            # trips: A 40 km invoiced, A 15 km confirmed, B 10 mi confirmed (draft: none)
            (a, None, 0.0, 0.0, 40 * COST_KM, 40 * RATE_KM),
            (a, None, 0.0, 0.0, 15 * COST_KM, 0.0),
            (b, None, 0.0, 0.0, 10 * COST_MI, 0.0),
        ]

    def _expected_by(self, key_index):
        sums = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for row in self._expected_rows():
            totals = sums[row[key_index]]
            for index, value in enumerate(row[2:]):
                totals[index] += value
        result = {}
        for key, (hours, labour, mileage, revenue) in sums.items():
            cost = labour + mileage
            margin = revenue - cost
            result[key] = {
                "hours": hours,
                "labour_cost": labour,
                "mileage_cost": mileage,
                "cost": cost,
                "revenue": revenue,
                "margin": margin,
                "margin_percent": 100.0 * margin / revenue if revenue else None,
            }
        return result

    def _report_groups(self, groupby, user=None):
        report = self.Report.with_user(user or self.support_manager)
        measures = ["hours", "labour_cost", "mileage_cost", "cost", "revenue", "margin"]
        domain = [
            (
                "partner_id",
                "in",
                (self.customer_a | self.customer_b | self.customer_c).ids,
            )
        ]
        rows = report._read_group(
            domain,
            [groupby],
            [f"{name}:sum" for name in measures] + ["margin_percent:avg"],
        )
        return {
            key: dict(zip([*measures, "margin_percent"], values, strict=True))
            for key, *values in rows
        }

    def _assert_groups(self, actual, expected):
        self.assertEqual(set(actual), set(expected))
        for key, figures in expected.items():
            for name, value in figures.items():
                if value is None:
                    self.assertFalse(actual[key][name], f"{key.display_name} {name}")
                else:
                    self.assertAlmostEqual(
                        actual[key][name], value, places=6, msg=f"{key.display_name} {name}"
                    )

    # -- sums ------------------------------------------------------------------------------
    def test_sums_per_customer(self):
        expected = self._expected_by(0)
        actual = self._report_groups("partner_id")
        self._assert_groups(actual, expected)
        # spelled out for one customer: the ratio of the sums, not an average of rows
        a = expected[self.customer_a]
        self.assertAlmostEqual(
            a["margin_percent"], 100.0 * (a["revenue"] - a["cost"]) / a["revenue"]
        )
        row_percents = [
            100.0 * (revenue - labour - mileage) / revenue
            for customer, _type, _hours, labour, mileage, revenue in self._expected_rows()
            if customer == self.customer_a and revenue
        ]
        self.assertNotAlmostEqual(
            a["margin_percent"], sum(row_percents) / len(row_percents), places=2
        )

    def test_sums_per_support_type(self):
        expected = self._expected_by(1)
        actual = self._report_groups("support_type_id")
        # trips have no support type
        expected[self.env["support.type"]] = expected.pop(None)
        self._assert_groups(actual, expected)

    def test_trip_rows_carry_project_currency_and_current_cost(self):
        """Trips are read alone (their cost stored on them): their project and currency
        are still those of their task and company, and a new cost per km in Settings
        applies to every trip at once, as when the view multiplied it."""
        report = self.Report.with_user(self.support_manager)
        trips = report.search([("trip_id", "in", (self.t1 | self.t2 | self.t3).ids)])
        self.assertEqual(trips.project_id, self.task.project_id)
        self.assertEqual(trips.currency_id, self.company.currency_id)
        by_project = self._report_groups("project_id")
        self.assertAlmostEqual(
            by_project[self.task.project_id]["mileage_cost"], (40 + 15) * COST_KM, places=6
        )
        self.company.write({"support_mileage_cost_km": 0.55})
        report.invalidate_model()
        self.assertAlmostEqual(
            self._report_groups("partner_id")[self.customer_a]["mileage_cost"],
            (40 + 15) * 0.55,
            places=6,
        )
        # a draft trip is not analysed, whatever its cost
        self.assertFalse(report.search([("trip_id", "=", self.t3.id)]))

    def test_web_read_group_weighs_the_margin_percentage(self):
        """As the pivot and list views ask for it (the field's own aggregator)."""
        expected = self._expected_by(0)
        groups = self.Report.with_user(self.support_manager).read_group(
            [("partner_id", "in", (self.customer_a | self.customer_b).ids)],
            ["margin:sum", "revenue:sum", "margin_percent"],
            ["partner_id"],
        )
        by_partner = {group["partner_id"][0]: group for group in groups}
        for customer in (self.customer_a, self.customer_b):
            self.assertAlmostEqual(
                by_partner[customer.id]["margin_percent"],
                expected[customer]["margin_percent"],
            )
        # no group: the whole period of both customers
        [total] = self.Report.with_user(self.support_manager).read_group(
            [("partner_id", "in", (self.customer_a | self.customer_b).ids)],
            ["margin_percent:avg"],
            [],
        )
        revenue = expected[self.customer_a]["revenue"] + expected[self.customer_b]["revenue"]
        margin = expected[self.customer_a]["margin"] + expected[self.customer_b]["margin"]
        self.assertAlmostEqual(total["margin_percent"], 100.0 * margin / revenue)

    def test_rows_say_where_revenue_comes_from(self):
        report = self.Report.with_user(self.support_manager)

        def row(entry):
            return report.search([("timesheet_id", "=", entry.id)])

        self.assertRecordValues(
            row(self.e1) | row(self.e4) | row(self.e3) | row(self.e6) | row(self.e8_overage),
            [
                {"revenue_source": "invoiced", "billed_hours": 0.75, "revenue": 0.75 * RATE_PHONE},
                # on a draft invoice: no revenue until it is posted
                {"revenue_source": "invoiced", "billed_hours": 0.5, "revenue": 0.0},
                {"revenue_source": "not_billable", "billed_hours": 0.0, "revenue": 0.0},
                {"revenue_source": "block", "billed_hours": 1.5, "revenue": 1.5 * BLOCK_B_PRICE},
                {"revenue_source": "invoiced", "billed_hours": 1.0, "revenue": OVERAGE_C_RATE},
            ],
        )
        self.assertEqual(set((row(self.e1) | row(self.e8_overage)).mapped("line_type")), {"time"})
        # one row per entry: its own margin percentage
        self.assertAlmostEqual(
            row(self.e1).margin_percent, 100.0 * (0.75 * RATE_PHONE - 0.75 * COST_SAM) / 60
        )
        trips = report.search([("trip_id", "in", (self.t1 | self.t2 | self.t3).ids)])
        self.assertRecordValues(
            trips.sorted("date"),
            [
                {"trip_id": self.t1.id, "revenue_source": "invoiced", "line_type": "mileage"},
                {"trip_id": self.t2.id, "revenue_source": "to_invoice", "line_type": "mileage"},
            ],
        )
        # A's April entry earns once its invoice is posted, and nothing once it is
        # cancelled (the entry is released, to be invoiced again)
        self.april_invoice.action_post()
        report.invalidate_model()  # the view's rows, not the entries, are cached
        self.assertAlmostEqual(row(self.e4).revenue, 0.5 * RATE_PHONE)
        self.april_invoice.button_cancel()
        report.invalidate_model()
        self.assertRecordValues(row(self.e4), [{"revenue_source": "to_invoice", "revenue": 0.0}])

    # -- customer form --------------------------------------------------------------------
    @freeze_time("2025-04-30")
    def test_customer_form_shows_the_last_12_months(self):
        partners = (
            self.customer_a | self.customer_b | self.customer_c | self.customer_contact
        ).with_user(self.support_manager)
        analysis_fields = [
            "support_analysis_hours",
            "support_analysis_cost",
            "support_analysis_revenue",
            "support_analysis_margin",
            "support_analysis_margin_percent",
        ]
        partners.mapped("support_analysis_hours")  # warms the access and rule caches
        partners.invalidate_recordset(analysis_fields)
        # one grouped query for all the partners
        with self.assertQueryCount(1):
            figures = partners.mapped(
                lambda partner: (
                    partner.support_analysis_hours,
                    partner.support_analysis_cost,
                    partner.support_analysis_revenue,
                    partner.support_analysis_margin,
                    partner.support_analysis_margin_percent,
                )
            )
        expected = self._expected_by(0)
        # A's entry of January 2024 is older than 12 months
        a = dict(expected[self.customer_a])
        a["hours"] -= 1.0
        a["cost"] -= COST_SAM * 1.0
        a["margin"] += COST_SAM * 1.0
        a["margin_percent"] = 100.0 * a["margin"] / a["revenue"]
        b, c = expected[self.customer_b], expected[self.customer_c]
        for values, wanted in zip(figures, [a, b, c, a], strict=True):
            for value, name in zip(
                values, ["hours", "cost", "revenue", "margin", "margin_percent"], strict=True
            ):
                self.assertAlmostEqual(value, wanted[name], msg=name)

        action = self.customer_contact.with_user(
            self.support_manager
        ).action_view_support_analysis()
        self.assertEqual(action["res_model"], "support.profitability.report")
        self.assertEqual(
            action["domain"],
            [
                ("partner_id", "=", self.customer_a.id),
                ("date", ">=", "2024-05-01"),
                ("date", "<=", "2025-04-30"),
            ],
        )
        self.assertIn("Test Customer Ltd", action["display_name"])
        form = self.env["res.partner"].with_user(self.support_manager).get_views([(False, "form")])
        self.assertIn('name="action_view_support_analysis"', form["views"]["form"]["arch"])

    # -- access -----------------------------------------------------------------------------
    def test_cost_and_margin_are_for_managers_only(self):
        user = self.support_user
        with self.assertRaises(AccessError):
            self.Report.with_user(user)._read_group([], ["partner_id"], ["labour_cost:sum"])
        with self.assertRaises(AccessError):
            self.Report.with_user(user).search_read([], ["labour_cost"])
        customer = self.customer_a.with_user(user)
        for field in ("support_analysis_cost", "support_analysis_margin"):
            with self.assertRaises(AccessError):
                customer.read([field])
        with self.assertRaises(AccessError):
            customer.action_view_support_analysis()
        with self.assertRaises(AccessError):
            self.company.with_user(user).read(["support_mileage_cost_km"])
        # the revenue stored on their own entries and trips neither
        with self.assertRaises(AccessError):
            self.e1.with_user(user).read(["support_revenue"])
        with self.assertRaises(AccessError):
            self.t2.with_user(user).read(["support_revenue"])
        with self.assertRaises(AccessError):
            self.env["account.analytic.line"].with_user(user)._read_group(
                [], [], ["support_revenue:sum"]
            )
        self.assertEqual(self.e1.with_user(user).support_partner_id, self.customer_a)
        self.assertNotIn("support_analysis_cost", customer.fields_get())
        form = self.env["res.partner"].with_user(user).get_views([(False, "form")])
        self.assertNotIn("action_view_support_analysis", form["views"]["form"]["arch"])
        # the manager reads them
        self.assertTrue(self.Report.with_user(self.support_manager).search_count([]))

    def test_time_outside_support_projects_is_not_analysed(self):
        project = self.env["project.project"].create(
            {"name": "Internal IT", "partner_id": self.customer_a.id, "allow_timesheets": True}
        )
        line = self._entry(
            self.support_user,
            self.env["project.task"],
            self.type_phone,
            90,
            "2025-03-03",
            project_id=project.id,
            task_id=False,
        )
        self.assertFalse(line.support_partner_id)
        expected = self._expected_by(0)[self.customer_a]["hours"]
        self.assertAlmostEqual(
            self._report_groups("partner_id")[self.customer_a]["hours"], expected
        )
        # made a support project: its time counts for the customer
        project.is_support_project = True
        self.assertEqual(line.support_partner_id, self.customer_a)
        self.assertAlmostEqual(
            self._report_groups("partner_id")[self.customer_a]["hours"], expected + 1.5
        )

    def test_other_companies_rows_are_not_shown(self):
        project = self.env["project.project"].create(
            {
                "name": "Support - Other Co",
                "is_support_project": True,
                "allow_timesheets": True,
                "company_id": self.other_company.id,
                "partner_id": self.customer_a.id,
            }
        )
        employee = self.env["hr.employee"].create(
            {"name": "Oscar Other", "company_id": self.other_company.id, "hourly_cost": 50.0}
        )
        self.env["account.analytic.line"].with_company(self.other_company).create(
            {
                "name": "Other company session",
                "project_id": project.id,
                "employee_id": employee.id,
                "unit_amount": 5.0,
                "date": "2025-03-03",
            }
        )
        expected = self._expected_by(0)[self.customer_a]["hours"]
        actual = self._report_groups("partner_id")[self.customer_a]["hours"]
        self.assertAlmostEqual(actual, expected)
        all_companies = self.Report.sudo()._read_group(
            [("partner_id", "=", self.customer_a.id)], [], ["hours:sum"]
        )
        self.assertAlmostEqual(all_companies[0][0], expected + 5.0)

    # -- settings, views ------------------------------------------------------------------
    def test_negative_mileage_cost_is_refused(self):
        with self.assertRefused(ValidationError, "mileage costs of .* cannot be negative"):
            self.company.write({"support_mileage_cost_km": -0.1})
        self.assertEqual(self.company.support_mileage_cost_km, COST_KM)

    def test_views_and_saved_filters(self):
        Report = self.Report.with_user(self.support_manager)
        views = Report.get_views(
            [(False, "pivot"), (False, "graph"), (False, "list"), (False, "search")]
        )["views"]
        self.assertIn('type="bar"', views["graph"]["arch"])
        self.assertIn('name="margin_percent"', views["pivot"]["arch"])
        action = self.env.ref("it_support_time.support_profitability_report_action")
        filters = (
            self.env["ir.filters"]
            .with_user(self.support_manager)
            .get_filters("support.profitability.report", action_id=action.id)
        )
        by_name = {item["name"]: item for item in filters}
        self.assertEqual(
            set(by_name),
            {
                "Customers by support hours",
                "Cost vs revenue by customer",
                "Cost per support type",
                "Business mix by month",
            },
        )
        graph_modes = {}
        for name, item in by_name.items():
            context = ast.literal_eval(item["context"])
            graph_modes[name] = context["graph_mode"]
            # every grouping and measure of the favorite is one the report can compute
            Report.read_group(
                [],
                [*context["pivot_measures"], context["graph_measure"]],
                context["pivot_row_groupby"] + context["pivot_column_groupby"],
                lazy=False,
            )
        self.assertEqual(
            graph_modes,
            {
                "Customers by support hours": "bar",
                "Cost vs revenue by customer": "bar",
                "Cost per support type": "pie",
                "Business mix by month": "line",
            },
        )
