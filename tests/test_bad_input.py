"""Bad input, table-driven: every case is refused with a clear error (its type and a
sentence matching the pattern) and writes nothing (the counts of the module's records
and the watched values are the same before and after)."""

import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from psycopg2 import errors as pg_errors

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .access_common import AccessCommon

# models whose number of records a refused case must leave as it was
COUNTED_MODELS = (
    "account.analytic.line",
    "support.block",
    "support.block.milestone",
    "support.milestone.plan",
    "support.milestone.plan.line",
    "support.trip",
    "fleet.vehicle.odometer",
    "account.move",
    "account.move.line",
    "project.task",
    "support.type",
    "res.partner",
    "mail.message",
)


@dataclass
class Case:
    """One bad input: ``run()`` must raise ``error`` with a message matching
    ``pattern``; ``setup()`` prepares what the case needs (before the snapshot);
    ``watch()`` returns values that must not change."""

    name: str
    run: Any
    error: Any
    pattern: str
    setup: Any = None
    watch: Any = field(default=lambda: ())


class BadInputCommon(AccessCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="bad_input_accountant",
            groups="base.group_user,it_support_time.group_support_manager,"
            "account.group_account_invoice",
            name="Ada Accountant",
        )
        Task = cls.env["project.task"]
        cls.task_done = Task.create(
            {"name": "Old ticket", "project_id": cls.project.id, "state": "1_done"}
        )
        cls.block_b = cls._create_block(
            hours=5, po="PO-B-1", partner_id=cls.customer_b.id, company_id=cls.company.id
        )
        cls.block_stop = cls._create_block(hours=2, po="PO-STOP", overage_policy="stop")
        cls.no_po_block = cls._create_block(hours=3, po=False, activate=False)
        cls.confirmed_trip = cls.env["support.trip"].create(
            {
                "date": "2025-03-12",
                "vehicle_id": cls.van_km.id,
                "task_id": cls.task.id,
                "purpose": "Server room",
                "distance": 30.0,
                "employee_id": cls.employee_user.id,
            }
        )
        cls.confirmed_trip.action_confirm()
        cls.no_employee = new_test_user(
            cls.env,
            login="no_employee",
            groups="base.group_user,it_support_time.group_support_user",
        )

    def _snapshot(self, case):
        self.env.flush_all()
        self.env.invalidate_all()
        counts = {
            model: self.env[model].sudo().with_context(active_test=False).search_count([])
            for model in COUNTED_MODELS
        }
        return counts, tuple(case.watch())

    def _check_cases(self, cases):
        self.assertTrue(cases)
        for case in cases:
            with self.subTest(case=case.name):
                if case.setup:
                    case.setup()
                before = self._snapshot(case)
                with self.assertRefused(case.error, case.pattern):
                    case.run()
                self.assertEqual(self._snapshot(case), before, f"{case.name} wrote something")

    # -- helpers -------------------------------------------------------------------------
    def _as(self, record, user):
        return record.with_user(user)

    def _tasks(self, user=None):
        return self.env["project.task"].with_user(user or self.support_user)

    def _start_timer(self):
        self.env["account.analytic.line"].search([("support_timer_start", "!=", False)]).write(
            {"support_timer_start": False}
        )
        return self.task.with_user(self.support_user).action_support_timer_start()

    def _running_start(self):
        running = self.env["account.analytic.line"].search(
            [("user_id", "=", self.support_user.id), ("support_timer_start", "!=", False)]
        )
        return running.id, running.support_timer_start

    def _invoice_entry(self):
        """Bill one entry of March 2025 (and return it): the accountant's run."""
        entry = self._billable_entry()
        self._invoice_march()
        entry = entry.with_env(self.env)
        self.assertTrue(entry.support_invoice_line_id)
        return entry

    def _billable_entry(self):
        """One entry of March 2025 to bill. Other Customer's block is closed first: its
        time is invoiced as ordinary time."""
        self.block_b.action_close()
        entry = (
            self.env["account.analytic.line"]
            .with_user(self.support_user)
            .create(
                {
                    "name": "Billed session",
                    "project_id": self.project_b.id,
                    "task_id": self.task_b.id,
                    "support_type_id": self.type_phone.id,
                    "unit_amount": 1.0,
                    "date": "2025-03-05",
                }
            )
        )
        self.assertFalse(entry.support_block_id)
        return entry

    def _invoice_march(self):
        wizard = (
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .create(
                {
                    "date_from": "2025-03-01",
                    "date_to": "2025-03-31",
                    "partner_ids": [fields.Command.set(self.customer_b.ids)],
                }
            )
        )
        return wizard.action_create_invoices()


@tagged("post_install", "-at_install")
class TestBadInput(BadInputCommon):
    def test_bad_timesheet_and_timer_input(self):
        Line = self.env["account.analytic.line"].with_user(self.support_user)
        entry = self.entry_own.with_user(self.support_user)
        tasks = self._tasks()

        def entry_values():
            return (
                self.entry_own.unit_amount,
                self.entry_own.billed_hours,
                self.entry_own.support_block_id.id,
                self.entry_own.support_is_overage,
                self.entry_own.support_invoice_line_id.id,
            )

        any_invoice_line = self.env["account.move.line"].search([], limit=1)
        self._check_cases(
            [
                Case(
                    "negative duration",
                    lambda: Line.create(
                        {
                            "name": "Minus",
                            "project_id": self.project.id,
                            "task_id": self.task.id,
                            "unit_amount": -0.5,
                        }
                    ),
                    ValidationError,
                    "cannot be negative",
                ),
                Case(
                    "negative duration on an edit",
                    lambda: entry.write({"unit_amount": -1.0}),
                    ValidationError,
                    "cannot be negative",
                    watch=entry_values,
                ),
                Case(
                    "billed hours written by hand",
                    lambda: entry.write({"billed_hours": 9.0}),
                    UserError,
                    "Billed Hours of a support entry follow from its time worked",
                    watch=entry_values,
                ),
                Case(
                    "drawn from another customer's block by hand",
                    lambda: entry.write({"support_block_id": self.block_b.id}),
                    UserError,
                    "Prepaid Block of a support entry follow from",
                    watch=entry_values,
                ),
                Case(
                    "overage flag written by hand",
                    lambda: entry.write({"support_is_overage": True}),
                    UserError,
                    "Overage of a support entry follow from",
                    watch=entry_values,
                ),
                Case(
                    "the block engine's context key forged over RPC",
                    lambda: entry.with_context(support_block_skip_assign=True).write(
                        {"support_block_hours": 0.0, "billed_hours": 0.0}
                    ),
                    UserError,
                    "Billed Hours, Block Hours of a support entry follow from",
                    watch=entry_values,
                ),
                Case(
                    "invoice link written by hand",
                    lambda: entry.write({"support_invoice_line_id": any_invoice_line.id}),
                    UserError,
                    "cannot be changed by hand",
                    watch=entry_values,
                ),
                Case(
                    "stop without start",
                    lambda: tasks.action_support_timer_stop(),
                    UserError,
                    "no timer running",
                ),
                Case(
                    "start on a closed task",
                    lambda: self.task_done.with_user(
                        self.support_user
                    ).action_support_timer_start(),
                    UserError,
                    "is closed: reopen it",
                ),
                Case(
                    "start without being an employee",
                    lambda: self.task.with_user(self.no_employee).action_support_timer_start(),
                    UserError,
                    "not an employee of",
                ),
                Case(
                    "stop on another task than the timed one",
                    lambda: self.task_other.with_user(
                        self.support_user
                    ).action_support_timer_stop(),
                    UserError,
                    "Your timer runs on",
                    setup=self._start_timer,
                    watch=self._running_start,
                ),
                Case(
                    "stop with a support type given as text",
                    lambda: tasks.action_support_timer_stop(support_type_id="abc"),
                    UserError,
                    "must be given by its id",
                    setup=self._start_timer,
                    watch=self._running_start,
                ),
                Case(
                    "stop with a support type that does not exist",
                    lambda: tasks.action_support_timer_stop(support_type_id=987654),
                    UserError,
                    "no longer exists",
                    setup=self._start_timer,
                    watch=self._running_start,
                ),
                Case(
                    "timer panel with a limit given as text",
                    lambda: tasks.get_support_timer_panel(limit="ten"),
                    UserError,
                    "must be a number",
                ),
                Case(
                    "timer panel with a search that is not text",
                    lambda: tasks.get_support_timer_panel(search=["Acme"]),
                    UserError,
                    "Search the tasks by text",
                ),
            ]
        )

    def test_bad_block_input(self):
        Block = self.env["support.block"].with_user(self.support_manager)
        block = self.block.with_user(self.support_manager)
        log = self.env["account.analytic.line"].with_user(self.support_user)

        def block_values():
            return (
                self.block.state,
                self.block.hours_purchased,
                self.block.price_unit,
                self.block.date_end,
                self.block.partner_id.id,
                self.block.alert_thresholds,
                self.block.overage_policy,
                self.block.renewed_block_id.id,
                self.block.hours_used,
            )

        def renewal_setup():
            if not self.block.renewed_block_id:
                self.block._support_renew(10, 90, "PO-RENEWED")

        def values(block):
            return {"partner_id": self.customer.id, "po_number": "PO-9", **block}

        self._check_cases(
            [
                Case(
                    "zero purchased hours",
                    lambda: Block.create(values({"hours_purchased": 0.0})),
                    ValidationError,
                    "needs a positive number of purchased hours",
                ),
                Case(
                    "negative purchased hours on an edit",
                    lambda: block.write({"hours_purchased": -5.0}),
                    ValidationError,
                    "needs a positive number of purchased hours",
                    watch=block_values,
                ),
                Case(
                    "negative price",
                    lambda: Block.create(values({"hours_purchased": 5.0, "price_unit": -1.0})),
                    ValidationError,
                    "cannot be negative",
                ),
                Case(
                    "activation without a PO",
                    lambda: self.no_po_block.with_user(self.support_manager).action_activate(),
                    UserError,
                    "has no PO number",
                    watch=lambda: (self.no_po_block.state, self.no_po_block.task_id.id),
                ),
                Case(
                    "activation of an active block",
                    lambda: block.action_activate(),
                    UserError,
                    "only draft blocks can be activated",
                    watch=block_values,
                ),
                Case(
                    "expiry before the start",
                    lambda: block.write({"date_end": "2019-12-31"}),
                    ValidationError,
                    "cannot expire before it starts",
                    watch=block_values,
                ),
                Case(
                    "malformed alert thresholds",
                    lambda: block.write({"alert_thresholds": "75,abc"}),
                    ValidationError,
                    "whole percentages separated by commas",
                    watch=block_values,
                ),
                Case(
                    "overage-rate policy without a rate",
                    lambda: block.write({"overage_policy": "overage_rate", "overage_rate": 0}),
                    ValidationError,
                    "set the overage rate",
                    watch=block_values,
                ),
                Case(
                    "a technician exceeding a block whose policy is stop",
                    lambda: log.create(
                        {
                            "name": "Too long",
                            "project_id": self.project.id,
                            "task_id": self.block_stop.task_id.id,
                            "support_type_id": self.type_phone.id,
                            "unit_amount": 3.0,
                        }
                    ),
                    UserError,
                    "does not allow more: ask a Support Manager",
                    watch=lambda: (self.block_stop.hours_used, self.block_stop.state),
                ),
                Case(
                    "renewal without a PO",
                    lambda: block._support_renew(10, 90, "   "),
                    UserError,
                    "Enter the customer's PO number",
                    watch=block_values,
                ),
                Case(
                    "renewal of zero hours",
                    lambda: block._support_renew(0, 90, "PO-R"),
                    UserError,
                    "positive number of hours",
                    watch=block_values,
                ),
                Case(
                    "renewal of a draft block",
                    lambda: self.draft_block.with_user(self.support_manager).action_renew(),
                    UserError,
                    "only active, exhausted or expired blocks can",
                ),
                Case(
                    "cancelling a block time was drawn from",
                    lambda: block.action_cancel(),
                    UserError,
                    "close it instead of cancelling it",
                    watch=block_values,
                ),
                Case(
                    "deleting an active block",
                    lambda: block.unlink(),
                    UserError,
                    "cancel or close it instead of deleting it",
                    watch=block_values,
                ),
                Case(
                    "another customer for an active block",
                    lambda: block.write({"partner_id": self.customer_b.id}),
                    UserError,
                    "cannot change once it is active",
                    watch=block_values,
                ),
                Case(
                    "a second renewal",
                    lambda: block._support_renew(10, 90, "PO-TWICE"),
                    UserError,
                    "is already renewed by",
                    setup=renewal_setup,
                    watch=block_values,
                ),
            ]
        )

    def test_bad_trip_input(self):
        Trip = self.env["support.trip"].with_user(self.support_user)
        manager_trip = self.confirmed_trip.with_user(self.support_manager)

        def trip(**values):
            return Trip.create(
                {
                    "date": "2025-03-20",
                    "vehicle_id": self.van_km.id,
                    "task_id": self.task.id,
                    "purpose": "Visit",
                    **values,
                }
            )

        def draft_values():
            return (self.trip_own.state, self.trip_own.distance, self.trip_own.odometer_id.id)

        def confirmed_values():
            trip = self.confirmed_trip
            return (trip.state, trip.purpose, trip.odometer_id.id, trip.odometer_end)

        def set_own_trip(**values):
            def setup():
                self.trip_own.write(values)

            return setup

        self._check_cases(
            [
                Case(
                    "odometer going backwards",
                    lambda: trip(odometer_start=12000.0, odometer_end=11950.0),
                    ValidationError,
                    "an odometer never goes backwards",
                ),
                Case(
                    "negative distance",
                    lambda: trip(distance=-5.0),
                    ValidationError,
                    "cannot be negative",
                ),
                Case(
                    "confirming a zero distance",
                    lambda: self.trip_own.with_user(self.support_user).action_confirm(),
                    ValidationError,
                    "has no distance",
                    setup=set_own_trip(distance=0.0),
                    watch=draft_values,
                ),
                Case(
                    "confirming a start below the vehicle's odometer",
                    lambda: self.trip_own.with_user(self.support_user).action_confirm(),
                    ValidationError,
                    "already reads",
                    setup=set_own_trip(odometer_start=9000.0, odometer_end=9040.0),
                    watch=draft_values,
                ),
                Case(
                    "a vehicle of another company",
                    lambda: trip(vehicle_id=self.other_vehicle.id, distance=5.0),
                    UserError,
                    "Incompatible companies",
                ),
                Case(
                    "editing a confirmed trip",
                    lambda: manager_trip.write({"purpose": "Changed"}),
                    UserError,
                    "is confirmed: reset it to draft",
                    watch=confirmed_values,
                ),
                Case(
                    "confirming a confirmed trip",
                    lambda: manager_trip.action_confirm(),
                    UserError,
                    "only draft trips can be confirmed",
                    watch=confirmed_values,
                ),
                Case(
                    "deleting a confirmed trip",
                    lambda: manager_trip.unlink(),
                    UserError,
                    "reset it to draft before deleting it",
                    watch=confirmed_values,
                ),
                Case(
                    "a technician resetting a trip",
                    lambda: self.confirmed_trip.with_user(
                        self.support_user
                    ).action_reset_to_draft(),
                    UserError,
                    "Only a support manager",
                    watch=confirmed_values,
                ),
                Case(
                    "logging from the timer with a task given as text",
                    lambda: Trip.create_from_timer("abc", self.van_km.id, distance=5.0),
                    UserError,
                    "task_id of the trip as a record id",
                ),
                Case(
                    "logging from the timer with a distance given as text",
                    lambda: Trip.create_from_timer(self.task.id, self.van_km.id, distance="far"),
                    UserError,
                    "distance of the trip must be a number",
                ),
                Case(
                    "logging from the timer for a task that does not exist",
                    lambda: Trip.create_from_timer(987654, self.van_km.id, distance=5.0),
                    UserError,
                    "no longer exists",
                ),
                Case(
                    "logging from the timer without a distance",
                    lambda: Trip.create_from_timer(self.task.id, self.van_km.id),
                    UserError,
                    "Enter the distance driven",
                ),
            ]
        )

    def test_bad_milestone_input(self):
        Plan = self.env["support.milestone.plan"].with_user(self.support_manager)
        Milestone = self.env["support.block.milestone"].with_user(self.support_manager)
        draft = self.no_po_block.with_user(self.support_manager)
        draft.po_number = "PO-MILESTONES"
        active_milestone = self.block.milestone_ids[:1].with_user(self.support_manager)
        pending = self.block.milestone_ids.filtered(lambda m: m.state == "pending")[:1]

        PlanLine = self.env["support.milestone.plan.line"].with_user(self.support_manager)
        plan_line = self.plan_company.line_ids[:1].with_user(self.support_manager)

        def plan_values():
            return self.plan_company.line_ids.mapped(lambda line: (line.name, line.percent))

        def plan(*percents):
            return Plan.create(
                {
                    "name": "Uneven",
                    "line_ids": [
                        fields.Command.create({"name": f"Part {index}", "percent": percent})
                        for index, percent in enumerate(percents)
                    ],
                }
            )

        def milestone(**values):
            return Milestone.create(
                {"block_id": draft.id, "name": "Bad", "trigger": "activation", **values}
            )

        def draft_values():
            return (
                self.no_po_block.state,
                self.no_po_block.task_id.id,
                self.no_po_block.milestone_ids.mapped("percent"),
            )

        def uneven_setup():
            self.no_po_block.milestone_ids[:1].percent = 30.0

        def unpriced_setup():
            self.no_po_block.milestone_ids[:1].percent = 50.0
            self.no_po_block.price_unit = 0.0

        self.assertTrue(pending, "the active block has a milestone still pending")
        self._check_cases(
            [
                Case(
                    "a plan not adding up to 100 %",
                    lambda: plan(60.0, 30.0),
                    ValidationError,
                    "add up to 90 %: they must add up to 100 %",
                ),
                Case(
                    "a plan without lines",
                    lambda: plan(),
                    ValidationError,
                    "needs at least one line",
                ),
                Case(
                    "a plan line added on its own",
                    lambda: PlanLine.create(
                        {"plan_id": self.plan_company.id, "name": "Bonus", "percent": 10.0}
                    ),
                    ValidationError,
                    "add up to 110 %: they must add up to 100 %",
                    watch=plan_values,
                ),
                Case(
                    "a plan line's share changed on its own",
                    lambda: plan_line.write({"percent": 70.0}),
                    ValidationError,
                    "add up to 120 %: they must add up to 100 %",
                    watch=plan_values,
                ),
                Case(
                    "a plan line removed on its own",
                    lambda: plan_line.unlink(),
                    ValidationError,
                    "add up to 50 %: they must add up to 100 %",
                    watch=plan_values,
                ),
                Case(
                    "a milestone due at a usage without its percentage",
                    lambda: milestone(percent=10.0, trigger="usage"),
                    ValidationError,
                    "due at a usage percentage: enter a percentage",
                    watch=draft_values,
                ),
                Case(
                    "a milestone due on a date without the date",
                    lambda: milestone(percent=10.0, trigger="date"),
                    ValidationError,
                    "is due on a date: enter the date",
                    watch=draft_values,
                ),
                Case(
                    "activating a block whose milestones do not add up",
                    lambda: draft.action_activate(),
                    UserError,
                    "add up to 80 %: make them add up to 100 %",
                    setup=uneven_setup,
                    watch=draft_values,
                ),
                Case(
                    "activating a block with milestones but no price",
                    lambda: draft.action_activate(),
                    UserError,
                    "has milestones but no price",
                    setup=unpriced_setup,
                    watch=draft_values,
                ),
                Case(
                    "changing the milestones of an active block",
                    lambda: active_milestone.write({"percent": 10.0}),
                    UserError,
                    "were fixed when it was activated",
                    watch=lambda: self.block.milestone_ids.mapped("percent"),
                ),
                Case(
                    "invoicing a milestone that is not due",
                    lambda: pending.with_user(self.support_manager).action_invoice(),
                    UserError,
                    "is not due: only due milestones",
                    watch=lambda: (pending.state, pending.invoice_id.id),
                ),
            ]
        )

    def test_negative_rate_is_refused_by_the_database(self):
        trip = self.trip_own.with_user(self.support_user)
        before = self.trip_own.rate
        with (
            mute_logger("odoo.sql_db"),
            self.assertRefused(pg_errors.CheckViolation, "rate_not_negative"),
        ):
            trip.write({"rate": -1.0})
            trip.flush_recordset()
        self.assertEqual(self.trip_own.rate, before)

    def test_bad_invoicing_input(self):
        billed = self._invoice_entry()
        billed_user = billed.with_user(self.support_user)
        invoice = billed.support_invoice_line_id.move_id

        def wizard(user=None, **values):
            return (
                self.env["support.invoice.wizard"]
                .with_user(user or self.accountant)
                .create({"date_from": "2025-03-01", "date_to": "2025-03-31", **values})
            )

        def billed_values():
            return (
                billed.unit_amount,
                billed.name,
                billed.support_invoice_line_id.id,
                invoice.state,
            )

        def cancel_invoice():
            if invoice.state != "cancel":
                invoice.button_cancel()

        self._check_cases(
            [
                Case(
                    "an inverted period",
                    lambda: wizard(date_from="2025-04-01"),
                    ValidationError,
                    "swap the dates",
                ),
                Case(
                    "invoicing again what is billed",
                    lambda: wizard(
                        partner_ids=[fields.Command.set(self.customer_b.ids)]
                    ).action_create_invoices(),
                    UserError,
                    "Nothing to invoice",
                    watch=billed_values,
                ),
                Case(
                    "invoicing nothing",
                    lambda: wizard(
                        include_time=False,
                        include_overage=False,
                        include_mileage=False,
                        include_expenses=False,
                    ).action_create_invoices(),
                    UserError,
                    "Choose at least one thing to bill",
                ),
                Case(
                    "invoicing without the Billing right",
                    lambda: wizard(user=self.support_manager).action_create_invoices(),
                    UserError,
                    "needs the Invoicing / Billing access right",
                    watch=billed_values,
                ),
                Case(
                    "editing a billed entry",
                    lambda: billed_user.write({"unit_amount": 3.0}),
                    UserError,
                    "is invoiced on .*can no longer change",
                    watch=billed_values,
                ),
                Case(
                    "deleting a billed entry",
                    lambda: billed_user.unlink(),
                    UserError,
                    "is invoiced on .* cannot be deleted",
                    watch=billed_values,
                ),
                Case(
                    "linking an expense to an invoice by hand",
                    lambda: self.expense_own.with_user(self.support_user).write(
                        {"support_invoice_line_id": billed.support_invoice_line_id.id}
                    ),
                    UserError,
                    "cannot be changed by hand",
                    watch=lambda: (self.expense_own.support_invoice_line_id.id,),
                ),
                Case(
                    "reviving a cancelled support invoice",
                    lambda: invoice.with_user(self.accountant).button_draft(),
                    UserError,
                    "cannot be reset to draft",
                    setup=cancel_invoice,
                    watch=billed_values,
                ),
            ]
        )

    def test_bad_invoicing_arguments(self):
        """The invoicing engine called with plain arguments, as RPC clients and scripts
        call it: each bad argument or caller is refused before anything is billed."""
        entry = self._billable_entry()
        other_customer = self.env["res.partner"].create(
            {"name": "Other Company Customer", "company_id": self.other_company.id}
        )

        def invoice(*args, user=None, **kwargs):
            Invoicing = self.env["support.invoicing"].with_user(user or self.accountant)
            args = args or ("2025-03-31",)
            return Invoicing.create_support_invoices(*args, date_from="2025-03-01", **kwargs)

        def billed():
            return (entry.support_invoice_line_id.id,)

        self._check_cases(
            [
                Case(
                    "an inverted period",
                    lambda: invoice("2025-02-28"),
                    ValidationError,
                    "swap the dates",
                    watch=billed,
                ),
                Case(
                    "a date that is not one",
                    lambda: invoice("31/03/2025"),
                    UserError,
                    "'31/03/2025' is not a date",
                    watch=billed,
                ),
                Case(
                    "billing nothing",
                    lambda: invoice(sources=[]),
                    UserError,
                    "Choose at least one thing to bill",
                    watch=billed,
                ),
                Case(
                    "billing something unknown",
                    lambda: invoice(sources=["time", "hardware"]),
                    UserError,
                    "'hardware' cannot be billed: choose among time, overage, mileage, expenses",
                    watch=billed,
                ),
                Case(
                    "an unknown grouping",
                    lambda: invoice(group_by="customer"),
                    UserError,
                    "cannot be grouped by 'customer': choose support_type or task",
                    watch=billed,
                ),
                Case(
                    "customers given by name",
                    lambda: invoice(partner_ids="Other Customer"),
                    UserError,
                    "is not a list of record ids",
                    watch=billed,
                ),
                Case(
                    "a customer that does not exist",
                    lambda: invoice(partner_ids=[987654]),
                    UserError,
                    "No Contact has the id 987654",
                    watch=billed,
                ),
                Case(
                    "a company that does not exist",
                    lambda: invoice(company_id=987654),
                    UserError,
                    "No Companies has the id 987654",
                    watch=billed,
                ),
                Case(
                    "a customer of a company the user does not work in",
                    lambda: invoice(partner_ids=other_customer.ids),
                    AccessError,
                    "doesn't have 'read' access to",
                    watch=billed,
                ),
                Case(
                    "the support of a company the user does not work in",
                    lambda: invoice(company_id=self.other_company.id),
                    AccessError,
                    "you do not work in that company",
                    watch=billed,
                ),
                Case(
                    "without the Billing right",
                    lambda: invoice(user=self.support_manager),
                    UserError,
                    "needs the Invoicing / Billing access right",
                    watch=billed,
                ),
                Case(
                    "a support user",
                    lambda: invoice(user=self.support_user),
                    AccessError,
                    "needs the Support / Manager access right",
                    watch=billed,
                ),
                Case(
                    "a portal user",
                    lambda: invoice(user=self.portal_own),
                    AccessError,
                    "needs the Support / Manager access right",
                    watch=billed,
                ),
                Case(
                    "a portal user of another customer",
                    lambda: invoice(user=self.portal_other),
                    AccessError,
                    "needs the Support / Manager access right",
                    watch=billed,
                ),
            ]
        )
        self.assertTrue(invoice(partner_ids=self.customer_b.ids))
        self.assertTrue(entry.support_invoice_line_id)

    def test_bad_settings_input(self):
        company = self.company
        customer = self.customer.with_user(self.support_manager)
        support_type = self.type_phone.with_user(self.support_manager)

        def company_values():
            return (
                company.support_round_increment,
                company.support_round_minimum,
                company.support_timer_max_hours,
            )

        def customer_values():
            return (self.customer.support_round_increment, self.customer.support_round_minimum)

        def type_values():
            return (self.type_phone.hourly_rate, self.type_phone.block_factor)

        self._check_cases(
            [
                Case(
                    "a company rounding increment of 0",
                    lambda: company.write({"support_round_increment": 0}),
                    ValidationError,
                    "billing increment of .* must be a positive number",
                    watch=company_values,
                ),
                Case(
                    "a customer rounding increment of 0",
                    lambda: customer.write({"support_round_increment": 0}),
                    ValidationError,
                    "billing increment of .* must be a positive number",
                    watch=customer_values,
                ),
                Case(
                    "a negative customer minimum",
                    lambda: customer.write({"support_round_minimum": -15}),
                    ValidationError,
                    "minimum billed time of .* cannot be negative",
                    watch=customer_values,
                ),
                Case(
                    "a negative hourly rate",
                    lambda: support_type.write({"hourly_rate": -80.0}),
                    ValidationError,
                    "cannot be negative",
                    watch=type_values,
                ),
                Case(
                    "a block factor of 0",
                    lambda: support_type.write({"block_factor": 0.0}),
                    ValidationError,
                    "must be greater than zero",
                    watch=type_values,
                ),
                Case(
                    "a timer maximum of 0",
                    lambda: company.write({"support_timer_max_hours": 0.0}),
                    ValidationError,
                    "between 0 and 24 hours",
                    watch=company_values,
                ),
                Case(
                    "a timer maximum above a day",
                    lambda: company.write({"support_timer_max_hours": 30.0}),
                    ValidationError,
                    "between 0 and 24 hours",
                    watch=company_values,
                ),
                Case(
                    "a negative vehicle rate",
                    lambda: self.van_own_rate.write({"support_mileage_rate": -0.1}),
                    ValidationError,
                    "cannot be negative",
                    watch=lambda: (self.van_own_rate.support_mileage_rate,),
                ),
            ]
        )

    def test_time_on_closed_or_expired_blocks_is_documented_behaviour(self):
        """Not an error: a closed or expired block takes no more time. Time logged on
        its task goes to the customer's block valid on its date, else it is ordinary
        billable time; the entries it already has stay on it, also when edited."""
        closed = self._create_block(hours=4, po="PO-CLOSED")
        entry = self._log_time(60, self.type_phone, task=closed.task_id)
        self.assertEqual(entry.support_block_id, closed)
        closed.with_user(self.support_manager).action_close()
        later = self._log_time(30, self.type_phone, task=closed.task_id)
        # the customer's other active block (valid since 2020) takes it
        self.assertEqual(later.support_block_id, self.block)
        entry.with_user(self.support_user).write({"unit_amount": 2.0})
        self.assertRecordValues(entry, [{"support_block_id": closed.id, "billed_hours": 2.0}])
        self.assertEqual(closed.hours_used, 2.0)
        self.assertEqual(closed.state, "closed")

        expiring = self._create_block(hours=4, po="PO-EXP", date_end=date(2025, 1, 31))
        (self.block | self.block_stop).action_close()
        self.env["support.block"]._cron_expire_blocks()
        self.assertEqual(expiring.state, "expired")
        alone = self._log_time(30, self.type_phone, task=expiring.task_id)
        self.assertRecordValues(
            alone, [{"support_block_id": False, "billable": True, "billed_hours": 0.5}]
        )


@tagged("post_install", "-at_install")
class TestBadRpcInput(BadInputCommon, HttpCase):
    """Malformed calls as an RPC client sends them (``/jsonrpc``, ``execute_kw``): each
    answers a clean Odoo error (its class name and message in the JSON-RPC error) and
    writes nothing; none is an internal error."""

    def _execute_kw(self, user, model, method, args, kwargs=None):
        payload = {
            "jsonrpc": "2.0",
            "method": "call",
            "id": 1,
            "params": {
                "service": "object",
                "method": "execute_kw",
                "args": [
                    self.env.cr.dbname,
                    user.id,
                    user.login,
                    model,
                    method,
                    args,
                    kwargs or {},
                ],
            },
        }
        response = self.url_open(
            "/jsonrpc", data=json.dumps(payload), headers={"Content-Type": "application/json"}
        )
        self.assertEqual(response.status_code, 200)
        body = response.json()
        if "error" in body:
            data = body["error"]["data"]
            raise RpcError(data["name"], data["message"])
        return body["result"]

    def test_malformed_rpc_calls(self):
        user, manager = self.support_user, self.support_manager
        entry = self.entry_own
        cases = [
            Case(
                "timer stop with a support type given as text",
                lambda: self._execute_kw(
                    user,
                    "project.task",
                    "action_support_timer_stop",
                    [[]],
                    {"support_type_id": "x"},
                ),
                RpcError,
                r"^odoo\.exceptions\.UserError: The support type must be given by its id",
                setup=self._start_timer,
                watch=self._running_start,
            ),
            Case(
                "timer start on a task that does not exist",
                lambda: self._execute_kw(
                    user, "project.task", "action_support_timer_start", [[987654]]
                ),
                RpcError,
                r"^odoo\.exceptions\.MissingError: ",
            ),
            Case(
                "writing on a block that does not exist",
                lambda: self._execute_kw(
                    manager, "support.block", "write", [[987654], {"po_number": "PO-GHOST"}]
                ),
                RpcError,
                r"^odoo\.exceptions\.MissingError: ",
            ),
            Case(
                "a time entry with hours given as text",
                lambda: self._execute_kw(
                    user,
                    "account.analytic.line",
                    "create",
                    [{"project_id": self.project.id, "task_id": self.task.id, "unit_amount": "x"}],
                ),
                RpcError,
                r"^builtins\.ValueError: could not convert string to float",
            ),
            Case(
                "a block for a customer that does not exist",
                lambda: self._execute_kw(
                    manager,
                    "support.block",
                    "create",
                    [{"partner_id": 987654, "po_number": "PO", "hours_purchased": 2.0}],
                ),
                RpcError,
                r"^odoo\.exceptions\.(ValidationError|MissingError): ",
            ),
            Case(
                "a trip from the timer with a vehicle given as text",
                lambda: self._execute_kw(
                    user,
                    "support.trip",
                    "create_from_timer",
                    [self.task.id, "van"],
                    {"distance": 5.0},
                ),
                RpcError,
                r"^odoo\.exceptions\.UserError: Give the vehicle_id of the trip as a record id",
            ),
            Case(
                "billed hours with the block engine's context key",
                lambda: self._execute_kw(
                    user,
                    "account.analytic.line",
                    "write",
                    [[entry.id], {"billed_hours": 0.0}],
                    {"context": {"support_block_skip_assign": True}},
                ),
                RpcError,
                r"^odoo\.exceptions\.UserError: Billed Hours of a support entry follow from",
                watch=lambda: (self.entry_own.billed_hours, self.entry_own.support_block_id.id),
            ),
            # the database's constraints answer first; over RPC they are validation errors
            Case(
                "a milestone plan line of 0 %",
                lambda: self._execute_kw(
                    manager,
                    "support.milestone.plan",
                    "create",
                    [
                        {
                            "name": "Zero",
                            "line_ids": [
                                [0, 0, {"name": "All", "percent": 100.0}],
                                [0, 0, {"name": "Nothing", "percent": 0.0}],
                            ],
                        }
                    ],
                ),
                RpcError,
                r"^odoo\.exceptions\.ValidationError: .*share of a milestone is a percentage "
                r"between 0 \(excluded\) and 100",
            ),
            Case(
                "a milestone with both a share and an amount",
                lambda: self._execute_kw(
                    manager,
                    "support.block.milestone",
                    "create",
                    [
                        {
                            "block_id": self.no_po_block.id,
                            "name": "Both",
                            "percent": 10.0,
                            "amount": 50.0,
                        }
                    ],
                ),
                RpcError,
                r"^odoo\.exceptions\.ValidationError: .*bills either a percentage \(up to 100\) "
                r"or a positive amount",
            ),
            Case(
                "another customer's block read by a portal user",
                lambda: self._execute_kw(
                    self.portal_other, "support.block", "read", [[self.block.id], ["po_number"]]
                ),
                RpcError,
                r"^odoo\.exceptions\.AccessError: ",
            ),
        ]
        with mute_logger("odoo.http", "odoo.sql_db"):
            self._check_cases(cases)

    def test_another_customers_block_urls(self):
        """Guessing the URL of another customer's block leads back to /my, with none of
        its data, whatever the route and token."""
        self.authenticate("portal_other", "portal_other")
        base = f"/my/support-blocks/{self.block.id}"
        for url in (
            base,
            f"{base}?report_type=pdf&download=true",
            f"{base}?report_type=text",
            f"{base}?access_token=guess",
            f"/my/support-blocks/{self.block.id + 987654}",
            "/my/support-blocks/abc",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertNotIn("PO-ACL-1", response.text)
                self.assertNotIn(self.block.name, response.text)
                self.assertIn(response.status_code, (200, 404))


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
