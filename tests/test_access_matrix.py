"""Who may read, create, write and delete what: every model of the module (and the
module's fields on Odoo's models) × every kind of user × every operation, through the
ORM as that user, against the access design of the README (*Reliability and security*).

Each row of ``MATRIX`` gives, for (read, create, write, unlink), either ``OK`` (the
operation succeeds and its result is checked) or the exception that refuses it, with
nothing written. ``NA`` marks an operation that does not apply (fields on a model the
module does not own are read and written, not created or deleted on their own)."""

import contextlib
import re

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .access_common import AccessCommon

OK = "ok"
NA = "n/a"
A = AccessError
U = UserError
V = ValidationError
OPERATIONS = ("read", "create", "write", "unlink")
ROLES = ("user", "manager", "portal_own", "portal_other", "other_company")

# model (or field set) -> role -> outcome of (read, create, write, unlink)
MATRIX = {
    # support types: users read them (the hourly rate is a price, not a cost), managers
    # edit them, portal users have no access; company A's types are not company B's
    "support.type": {
        "user": (OK, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # prepaid blocks: users read the blocks of their companies, managers manage them,
    # a portal user reads their own customer's blocks only
    "support.block": {
        "user": (OK, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (OK, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # the renewal wizard: Support Managers only, each their own wizard, and only for
    # blocks they may read
    "support.block.renew.wizard": {
        "user": (A, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # milestones of a draft block (fixed once it is active): read by users, set by
    # managers; invoiced through the managers' "Invoice now" or the cron
    "support.block.milestone": {
        "user": (OK, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # milestone plans (and their lines) of company A
    "support.milestone.plan": {
        "user": (OK, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # a plan's lines change through their plan: added or removed on their own they
    # would break its 100 % (ValidationError); renamed, they are fine
    "support.milestone.plan.line": {
        "user": (OK, A, A, A),
        "manager": (OK, V, OK, V),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # a technician's own draft trip
    "support.trip": {
        "user": (OK, OK, OK, OK),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # another technician's draft trip: read by colleagues, changed by its driver and the
    # managers only; a user cannot log a trip for another driver
    "support.trip (another driver)": {
        "user": (OK, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # the invoicing wizard: Support Managers, each their own wizard (running it also
    # needs the Billing right and a company they work in: see the tests below)
    "support.invoice.wizard": {
        "user": (A, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, OK, A, A),
    },
    # the import of another tracker's time and its preview rows: Support Managers (who may
    # log others' time), each their own wizard
    "support.time.import.wizard": {
        "user": (A, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, OK, A, A),
    },
    "support.time.import.line": {
        "user": (A, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, OK, A, A),
    },
    # a technician's own timesheet entry with its support fields, including its cost
    # (amount): Odoo shows technicians the cost of their own entries. In another company
    # hr_timesheet refuses the entry first: its employee is not one of the user's
    # companies (ValidationError)
    "account.analytic.line": {
        "user": (OK, OK, OK, OK),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, V, A, A),
    },
    # another technician's entry: neither its time nor its cost is visible to a user
    "account.analytic.line (another technician)": {
        "user": (A, A, A, A),
        "manager": (OK, OK, OK, OK),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, V, A, A),
    },
    # an employee's own expense with its support customer; expenses of others are
    # Odoo's expense approvers' (Support Managers are not, as such)
    "hr.expense": {
        "user": (OK, OK, OK, OK),
        "manager": (A, A, A, A),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # the support analysis (costs, revenue, margins): Support Managers read it, nobody
    # writes it (an SQL view)
    "support.profitability.report": {
        "user": (A, A, A, A),
        "manager": (OK, A, A, A),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
    # rounding policy of a customer of company A: Support Managers only
    "res.partner rounding": {
        "user": (A, A, A, NA),
        "manager": (OK, OK, OK, NA),
        "portal_own": (A, A, A, NA),
        "portal_other": (A, A, A, NA),
        "other_company": (A, A, A, NA),
    },
    # rounding policy of a customer shared by all companies (no company): shared too
    "res.partner rounding (shared customer)": {
        "user": (A, A, A, NA),
        "manager": (OK, OK, OK, NA),
        "portal_own": (A, A, A, NA),
        "portal_other": (A, A, A, NA),
        "other_company": (OK, OK, OK, NA),
    },
    # a vehicle's mileage rate (a price): read by support users for their trips; set by
    # Support Managers who also manage the vehicles in Fleet (Fleet's own rights)
    "fleet.vehicle rate": {
        "user": (OK, A, A, A),
        "manager": (OK, A, A, A),
        "portal_own": (A, A, A, A),
        "portal_other": (A, A, A, A),
        "other_company": (A, A, A, A),
    },
}


@tagged("post_install", "-at_install")
class TestAccessMatrix(AccessCommon):
    # -- the operations, per row: each returns a check of its result ------------------
    def _ops_support_type(self, env):
        Type = env["support.type"]
        target = self.type_company.with_env(env)
        return {
            "read": lambda: self._check_read(target, {"hourly_rate": 120.0}),
            "create": lambda: self._check_created(
                Type.create({"name": "New", "hourly_rate": 50.0, "company_id": self.company.id}),
                {"hourly_rate": 50.0},
            ),
            "write": lambda: self._check_written(target, {"hourly_rate": 130.0}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_block(self, env):
        Block = env["support.block"]
        return {
            "read": lambda: self._check_read(
                self.block.with_env(env),
                {"po_number": "PO-ACL-1", "hours_used": 2.5, "hours_remaining": 7.5},
            ),
            "create": lambda: self._check_created(
                Block.create(
                    {
                        "partner_id": self.customer.id,
                        "po_number": "PO-NEW",
                        "hours_purchased": 4.0,
                        "company_id": self.company.id,
                    }
                ),
                {"state": "draft", "hours_remaining": 4.0, "partner_id": self.customer.id},
            ),
            "write": lambda: self._check_written(self.block.with_env(env), {"po_number": "PO-X"}),
            "unlink": lambda: self._check_unlinked(self.draft_block.with_env(env)),
        }

    def _ops_support_block_renew_wizard(self, env):
        Wizard = env["support.block.renew.wizard"]
        target = self.renew_wizard.with_env(env)
        # the hours proposed from the block's burn rate (test_block_forecast)
        proposed = self.block._support_renewal_hours()
        return {
            "read": lambda: self._check_read(target, {"hours_purchased": proposed}),
            "create": lambda: self._check_created(
                Wizard.create({"block_id": self.block.id, "po_number": "PO-R"}),
                {"hours_purchased": proposed, "price_unit": 90.0},
            ),
            "write": lambda: self._check_written(target, {"po_number": "PO-R2"}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_block_milestone(self, env):
        Milestone = env["support.block.milestone"]
        target = self.draft_block.milestone_ids[:1].with_env(env)
        return {
            "read": lambda: self._check_read(
                target, {"percent": 50.0, "amount_to_invoice": 225.0, "state": "pending"}
            ),
            "create": lambda: self._check_created(
                Milestone.create(
                    {
                        "block_id": self.draft_block.id,
                        "name": "Extra",
                        "amount": 10.0,
                        "trigger": "close",
                    }
                ),
                {"amount": 10.0, "state": "pending"},
            ),
            "write": lambda: self._check_written(target, {"percent": 60.0}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_milestone_plan(self, env):
        Plan = env["support.milestone.plan"]
        target = self.plan_company.with_env(env)
        return {
            "read": lambda: self._check_read(target, {"percent_total": 100.0}),
            "create": lambda: self._check_created(
                Plan.create(
                    {
                        "name": "All at once",
                        "company_id": self.company.id,
                        "line_ids": [fields.Command.create({"name": "All", "percent": 100.0})],
                    }
                ),
                {"percent_total": 100.0},
            ),
            "write": lambda: self._check_written(target, {"name": "Renamed plan"}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_milestone_plan_line(self, env):
        Line = env["support.milestone.plan.line"]
        target = self.plan_company.line_ids[:1].with_env(env)
        return {
            "read": lambda: self._check_read(target, {"percent": 50.0}),
            "create": lambda: self._check_created(
                Line.create({"plan_id": self.plan_company.id, "name": "Bonus", "percent": 10.0}),
                {"percent": 10.0},
            ),
            "write": lambda: self._check_written(target, {"name": "Kick-off"}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _trip_ops(self, env, target, employee):
        Trip = env["support.trip"]
        return {
            "read": lambda: self._check_read(target, {"distance": 12.0, "amount": 4.8}),
            "create": lambda: self._check_created(
                Trip.create(
                    {
                        "date": "2025-03-11",
                        "vehicle_id": self.van_km.id,
                        "task_id": self.task.id,
                        "purpose": "Second visit",
                        "distance": 20.0,
                        "employee_id": employee.id,
                        "company_id": self.company.id,
                    }
                ),
                {"state": "draft", "amount": 8.0, "partner_id": self.customer.id},
            ),
            "write": lambda: self._check_written(target, {"purpose": "Changed"}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_trip(self, env):
        return self._trip_ops(env, self.trip_own.with_env(env), self._employee_a(env))

    def _ops_support_trip_another_driver(self, env):
        return self._trip_ops(env, self.trip_manager.with_env(env), self.employee_manager)

    def _ops_support_invoice_wizard(self, env):
        Wizard = env["support.invoice.wizard"]
        target = self.invoice_wizard.with_env(env)
        return {
            "read": lambda: self._check_read(target, {"group_by": "support_type"}),
            "create": lambda: self._check_created(
                Wizard.create({"date_from": "2025-03-01", "date_to": "2025-03-31"}),
                {"company_id": env.company.id, "include_time": True},
            ),
            "write": lambda: self._check_written(target, {"group_by": "task"}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_time_import_wizard(self, env):
        Wizard = env["support.time.import.wizard"]
        target = self.import_wizard.with_env(env)
        return {
            "read": lambda: self._check_read(target, {"date_order": "dmy"}),
            "create": lambda: self._check_created(
                Wizard.create({"create_missing": True}),
                {"company_id": env.company.id, "state": "upload", "create_missing": True},
            ),
            "write": lambda: self._check_written(target, {"date_order": "mdy"}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_time_import_line(self, env):
        Line = env["support.time.import.line"]
        target = self.import_line.with_env(env)
        return {
            "read": lambda: self._check_read(target, {"unit_amount": 1.5}),
            "create": lambda: self._check_created(
                Line.create(
                    {
                        "wizard_id": env["support.time.import.wizard"].create({}).id,
                        "row": 3,
                        "status": "refused",
                    }
                ),
                {"status": "refused"},
            ),
            "write": lambda: self._check_written(target, {"unit_amount": 2.0}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _entry_ops(self, env, target, employee, expected):
        Line = env["account.analytic.line"]
        return {
            "read": lambda: self._check_read(target, expected),
            "create": lambda: self._check_created(
                Line.create(
                    {
                        "name": "Printer jam",
                        "project_id": self.project.id,
                        "task_id": self.block.task_id.id,
                        "support_type_id": self.type_phone.id,
                        "unit_amount": 0.5,
                        "employee_id": employee.id,
                    }
                ),
                {"billed_hours": 0.5, "support_block_id": self.block.id},
            ),
            "write": lambda: self._check_written(
                target, {"support_type_id": self.type_remote.id, "billable": False}
            ),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_account_analytic_line(self, env):
        expected = {
            "billed_hours": 2.5,
            "support_type_id": self.type_phone.id,
            "support_block_id": self.block.id,
            "support_block_hours": 2.5,
            "amount": -2.5 * 37.13,
        }
        return self._entry_ops(env, self.entry_own.with_env(env), self._employee_a(env), expected)

    def _ops_account_analytic_line_another_technician(self, env):
        expected = {"billed_hours": 0.0, "amount": -45.0}
        return self._entry_ops(
            env, self.entry_manager.with_env(env), self.employee_manager, expected
        )

    def _ops_hr_expense(self, env):
        Expense = env["hr.expense"]
        target = self.expense_own.with_env(env)
        return {
            "read": lambda: self._check_read(
                target, {"support_partner_id": self.customer.id, "support_billable": True}
            ),
            "create": lambda: self._check_created(
                Expense.create(
                    {
                        "name": "Cable",
                        "product_id": self.expense_product.id,
                        "total_amount_currency": 3.0,
                        "employee_id": self.employee_user.id,
                        "support_task_id": self.task.id,
                    }
                ),
                {"support_partner_id": self.customer.id, "support_billable": True},
            ),
            "write": lambda: self._check_written(target, {"support_billable": False}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _ops_support_profitability_report(self, env):
        Report = env["support.profitability.report"]

        def target():
            # the analysis row of the technician's entry (its cost, the block's revenue)
            return Report.sudo().search([("timesheet_id", "=", self.entry_own.id)]).with_env(env)

        return {
            "read": lambda: self._check_read(
                target(),
                {"labour_cost": 92.83, "revenue": 225.0, "margin": 132.17, "hours": 2.5},
            ),
            "create": lambda: Report.create({"hours": 1.0}),
            "write": lambda: target().write({"revenue": 0.0}),
            "unlink": lambda: target().unlink(),
        }

    def _rounding_ops(self, env, partner):
        Partner = env["res.partner"]
        return {
            "read": lambda: self._check_read(
                partner.with_env(env), {"support_round_increment": partner.support_round_increment}
            ),
            "create": lambda: self._check_created(
                Partner.create(
                    {
                        "name": "New Customer",
                        "is_company": True,
                        "company_id": partner.company_id.id,
                        "support_round_override": True,
                        "support_round_increment": 5,
                    }
                ),
                {"support_round_increment": 5},
            ),
            "write": lambda: self._check_written(
                partner.with_env(env), {"support_round_increment": 30}
            ),
        }

    def _ops_res_partner_rounding(self, env):
        return self._rounding_ops(env, self.customer)

    def _ops_res_partner_rounding_shared_customer(self, env):
        self.customer_b.write({"support_round_override": True, "support_round_increment": 20})
        return self._rounding_ops(env, self.customer_b)

    def _ops_fleet_vehicle_rate(self, env):
        Vehicle = env["fleet.vehicle"]
        target = self.van_own_rate.with_env(env)
        return {
            "read": lambda: self._check_read(target, {"support_mileage_rate": 0.55}),
            "create": lambda: self._check_created(
                Vehicle.create(
                    {
                        "model_id": self.van_km.model_id.id,
                        "license_plate": "NEW-1",
                        "support_mileage_rate": 0.6,
                        "company_id": self.company.id,
                    }
                ),
                {"support_mileage_rate": 0.6},
            ),
            "write": lambda: self._check_written(target, {"support_mileage_rate": 0.65}),
            "unlink": lambda: self._check_unlinked(target),
        }

    def _employee_a(self, env):
        """The user's employee in company A, else a technician of company A."""
        employees = self.env["hr.employee"].search(
            [("user_id", "=", env.uid), ("company_id", "=", self.company.id)]
        )
        return employees[:1] or self.employee_user

    # -- checks of an allowed operation -----------------------------------------------
    def _check_read(self, record, expected):
        values = record.read(list(expected))[0]
        for name, value in expected.items():
            if isinstance(value, float):
                self.assertAlmostEqual(values[name], value, places=2, msg=name)
            elif isinstance(values[name], tuple):
                self.assertEqual(values[name][0], value, name)
            else:
                self.assertEqual(values[name], value, name)

    def _check_created(self, record, expected):
        self.assertTrue(record.id)
        record.invalidate_recordset()
        self._check_read(record.sudo(), expected)

    def _check_written(self, record, values):
        record.write(values)
        record.invalidate_recordset()
        self._check_read(record.sudo(), values)

    def _check_unlinked(self, record):
        record_id = record.id
        record.unlink()
        self.assertFalse(record.sudo().browse(record_id).exists())

    # -- the matrix ---------------------------------------------------------------------
    def _ops(self, row, env):
        return getattr(self, "_ops_" + re.sub(r"\W+", "_", row).strip("_"))(env)

    def test_matrix_covers_every_model_of_the_module(self):
        models = [
            model
            for model in self.env["ir.model"]
            .search([("model", "=like", "support.%")])
            .mapped("model")
            # a mixin has no records: the models that inherit it are in the matrix
            if not self.env[model]._abstract
        ]
        covered = {row.split(" ")[0] for row in MATRIX}
        # prints the mileage log of a vehicle the user reads: no company or customer
        not_covered = {"support.mileage.log.wizard"}
        self.assertEqual(set(models) - covered, not_covered)
        for row, outcomes in MATRIX.items():
            self.assertEqual(tuple(outcomes), ROLES, row)

    def test_access_matrix(self):
        for row, outcomes in MATRIX.items():
            for role in ROLES:
                user = self.users[role]
                for operation, expected in zip(OPERATIONS, outcomes[role], strict=True):
                    if expected == NA:
                        continue
                    with self.subTest(row=row, role=role, operation=operation):
                        self._run_case(row, user, operation, expected)

    def _run_case(self, row, user, operation, expected):
        env = self.env(user=user)
        env.invalidate_all()
        with contextlib.closing(self.env.cr.savepoint()):
            run = self._ops(row, env)[operation]
            if expected == OK:
                run()
                return
            before = self._fingerprint()
            with self.assertRefused(expected, r"\w"):
                run()
            self.assertEqual(self._fingerprint(), before, "a refused operation wrote")

    def _fingerprint(self):
        """What a refused operation must leave as it was: the number of records of each
        model of the matrix and the fields the operations write."""
        counts = {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in (
                "support.type",
                "support.block",
                "support.block.renew.wizard",
                "support.block.milestone",
                "support.milestone.plan",
                "support.milestone.plan.line",
                "support.trip",
                "support.invoice.wizard",
                "support.time.import.wizard",
                "support.time.import.line",
                "account.analytic.line",
                "hr.expense",
                "res.partner",
                "fleet.vehicle",
            )
        }
        self.env.invalidate_all()
        values = (
            self.type_company.hourly_rate,
            self.block.po_number,
            self.renew_wizard.po_number,
            self.trip_own.purpose,
            self.trip_manager.purpose,
            self.invoice_wizard.group_by,
            self.entry_own.support_type_id.id,
            self.entry_own.billable,
            self.entry_manager.support_type_id.id,
            self.expense_own.support_billable,
            self.customer.support_round_increment,
            self.customer_b.support_round_increment,
            self.van_own_rate.support_mileage_rate,
            self.draft_block.milestone_ids.mapped("percent"),
            self.plan_company.name,
            self.plan_company.line_ids.mapped("name"),
        )
        return counts, values

    # -- beyond create / read / write / delete ------------------------------------------
    def test_costs_are_not_readable_below_manager(self):
        """The employee's hourly cost is HR data: neither technicians nor Support
        Managers read it on the employee; a technician sees the cost (amount) of their
        own entries only, as Odoo shows it; Support Managers see every entry's, and the
        revenue and margins of the support analysis."""
        for user in (self.support_user, self.support_manager):
            with self.subTest(user=user.login), self.assertRaises(AccessError):
                self.employee_manager.with_user(user).read(["hourly_cost"])
        with self.assertRaises(AccessError):
            self.entry_manager.with_user(self.support_user).read(["amount"])
        Line = self.env["account.analytic.line"].with_user(self.support_user)
        self.assertNotIn(self.entry_manager, Line.search([("project_id", "=", self.project.id)]))
        amounts = (
            self.env["account.analytic.line"]
            .with_user(self.support_manager)
            .search_read([("id", "in", (self.entry_own | self.entry_manager).ids)], ["amount"])
        )
        self.assertEqual(sorted(row["amount"] for row in amounts), [-92.83, -45.0])
        self.assertEqual(self.type_company.with_user(self.support_user).hourly_rate, 120.0)
        # revenue and margins (support analysis): Support Managers only
        for record, field_names in (
            (self.entry_own, ["support_revenue"]),
            (self.trip_own, ["support_revenue"]),
            (self.customer_contact, ["support_analysis_cost", "support_analysis_margin"]),
            (self.company, ["support_mileage_cost_km", "support_mileage_cost_mi"]),
        ):
            with (
                self.subTest(model=record._name),
                self.assertRaises(AccessError),
            ):
                record.with_user(self.support_user).read(field_names)
            record.with_user(self.support_manager).read(field_names)

    def test_other_company_cannot_invoice_our_company(self):
        """A Support Manager with the Billing right in company B can neither prepare
        nor run the invoicing of company A (the wizard reads the entries as superuser)."""
        self._log_time(60, self.type_phone)
        values = {
            "company_id": self.company.id,
            "date_from": False,
            "date_to": fields.Date.today(),
        }
        Wizard = self.env["support.invoice.wizard"]
        moves = self.env["account.move"].search_count([])
        wizards = Wizard.search_count([])
        with self.assertRefused(AccessError, r"Invoice Support Time and Expenses"):
            Wizard.with_user(self.other_company_user).create(values)
        wizard_a = Wizard.create(values)
        with self.assertRefused(AccessError, r"Invoice Support Time and Expenses"):
            wizard_a.with_user(self.other_company_user).action_create_invoices()
        # the run checks the company itself too, whatever reads the wizard
        with self.assertRefused(AccessError, "you do not work in that company"):
            self.env["support.invoicing"].with_user(
                self.other_company_user
            )._support_check_can_invoice(self.company)
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertEqual(Wizard.search_count([]), wizards + 1)
        billed = self.env["account.analytic.line"].search_count(
            [("support_invoice_line_id", "!=", False)]
        )
        self.assertEqual(billed, 0)

    def test_fleet_officer_cannot_set_the_mileage_rate(self):
        """Fleet officers manage vehicles; the rate billed to customers is the Support
        Managers'."""
        officer = self.env["res.users"].create(
            {
                "name": "Fiona Fleet",
                "login": "fleet_officer",
                "groups_id": [
                    fields.Command.set(
                        [
                            self.env.ref("base.group_user").id,
                            self.env.ref("fleet.fleet_group_manager").id,
                        ]
                    )
                ],
            }
        )
        vehicle = self.van_own_rate.with_user(officer)
        with self.assertRefused(AccessError, "Only Support Managers"):
            vehicle.write({"support_mileage_rate": 0.1})
        self.assertEqual(self.van_own_rate.support_mileage_rate, 0.55)
        vehicle.write({"license_plate": "OWN-RATE-9"})
        self.assertEqual(self.van_own_rate.license_plate, "OWN-RATE-9")


@tagged("post_install", "-at_install")
class TestAccessPortalRoutes(AccessCommon, HttpCase):
    """The portal routes of the blocks, as each kind of user: the block's own customer
    sees the list, the page and the statement; anyone else is sent back to /my (or to
    the login page) and sees none of the block's data."""

    def _routes(self):
        block = f"/my/support-blocks/{self.block.id}"
        return {
            "list": "/my/support-blocks",
            "page": block,
            "statement": f"{block}?report_type=pdf&download=true",
            "statement html": f"{block}?report_type=html",
            "wrong token": f"{block}?access_token=not-the-token",
        }

    # login -> route -> "shown" (200 with the block's data) | "list empty" (200 without
    # it) | "redirect" (to /my, without it) | "login" (to the login page, without it)
    ROUTES = {
        "portal_own": {
            "list": "shown",
            "page": "shown",
            "statement": "shown",
            "statement html": "shown",
            "wrong token": "shown",
        },
        "portal_other": {
            "list": "list empty",
            "page": "redirect",
            "statement": "redirect",
            "statement html": "redirect",
            "wrong token": "redirect",
        },
        "support_user": {
            "list": "list empty",
            "page": "shown",
            "statement": "shown",
            "statement html": "shown",
            "wrong token": "shown",
        },
        "other_company": {
            "list": "list empty",
            "page": "redirect",
            "statement": "redirect",
            "statement html": "redirect",
            "wrong token": "redirect",
        },
        None: {
            "list": "login",
            "page": "login",
            "statement": "login",
            "statement html": "login",
            "wrong token": "login",
        },
    }

    def test_portal_routes(self):
        secrets = [self.block.name, "PO-ACL-1", "Rebooted the NAS"]
        # costs never reach the portal: the technician's hourly cost and the entry's cost
        costs = ["37.13", "92.83"]
        routes = self._routes()
        for login, expectations in self.ROUTES.items():
            if login:
                self.authenticate(login, login)
            else:
                self.logout()
            for route, expected in expectations.items():
                with self.subTest(login=login, route=route):
                    response = self.url_open(routes[route])
                    text = response.text
                    for cost in costs:
                        self.assertNotIn(cost, text)
                    if expected == "shown":
                        self.assertEqual(response.status_code, 200)
                        for secret in secrets[:2] if route == "list" else secrets:
                            self.assertIn(secret, text)
                        if route == "statement":
                            self.assertEqual(response.headers["Content-Type"], "application/pdf")
                        continue
                    for secret in secrets:
                        self.assertNotIn(secret, text)
                    if expected == "list empty":
                        self.assertEqual(response.status_code, 200)
                        self.assertIn("no prepaid support blocks", text)
                    elif expected == "redirect":
                        self.assertTrue(response.url.endswith("/my"), response.url)
                    else:
                        self.assertIn("/web/login", response.url)

    def test_access_token_opens_the_block_to_whoever_has_it(self):
        """As for any portal document (portal.mixin), the block's own share link with
        its token opens it; without it or with another token it does not."""
        token = self.block.sudo()._portal_ensure_token()
        self.authenticate("portal_other", "portal_other")
        response = self.url_open(f"/my/support-blocks/{self.block.id}?access_token={token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("PO-ACL-1", response.text)
        response = self.url_open(f"/my/support-blocks/{self.block.id}?access_token={token}x")
        self.assertTrue(response.url.endswith("/my"))
        self.assertNotIn("PO-ACL-1", response.text)

    def test_counters_count_own_blocks_only(self):
        for login, count in (("portal_own", 1), ("portal_other", 0), ("other_company", 0)):
            with self.subTest(login=login):
                self.authenticate(login, login)
                counters = self.make_jsonrpc_request(
                    "/my/counters", {"counters": ["support_block_count"]}
                )
                self.assertEqual(counters["support_block_count"], count)
