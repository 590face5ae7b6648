from datetime import date

import psycopg2

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, freeze_time, tagged
from odoo.tools import mute_logger

from .common_milestone import MilestoneCommon


@tagged("post_install", "-at_install")
class TestMilestonePlans(MilestoneCommon):
    """Plans are copied onto new blocks; milestones are set until activation, which
    needs them to bill exactly the block's total."""

    def test_new_block_takes_the_company_default_plan(self):
        block = self._create_block(hours=10, activate=False)
        self.assertEqual(block.milestone_plan_id, self.plan_half)
        self.assertRecordValues(
            block.milestone_ids,
            [
                {
                    "name": "50 % on activation",
                    "percent": 50.0,
                    "amount": 0.0,
                    "trigger": "activation",
                    "state": "pending",
                    "amount_to_invoice": 450.0,
                },
                {
                    "name": "50 % when exhausted",
                    "percent": 50.0,
                    "amount": 0.0,
                    "trigger": "exhausted",
                    "state": "pending",
                    "amount_to_invoice": 450.0,
                },
            ],
        )

    def test_without_default_plan_a_block_has_no_milestones(self):
        self.company.support_milestone_plan_id = False
        block = self._create_block(hours=10)
        self.assertFalse(block.milestone_ids)
        self.assertEqual(block.state, "active")

    def test_plan_with_dates_and_usage(self):
        plan = self._plan(
            "Thirds",
            ("Deposit", 30.0, "activation", {}),
            ("After a month", 30.0, "date", {"trigger_days": 30}),
            ("Half used", 40.0, "usage", {"trigger_usage": 50.0}),
        )
        block = self._create_block(
            hours=10, price_unit=100.0, activate=False, milestone_plan_id=plan.id
        )
        self.assertRecordValues(
            block.milestone_ids,
            [
                {
                    "trigger": "activation",
                    "trigger_date": False,
                    "trigger_usage": 0.0,
                    "amount_to_invoice": 300.0,
                },
                {
                    "trigger": "date",
                    "trigger_date": date(2020, 1, 31),
                    "trigger_usage": 0.0,
                    "amount_to_invoice": 300.0,
                },
                {
                    "trigger": "usage",
                    "trigger_date": False,
                    "trigger_usage": 50.0,
                    "amount_to_invoice": 400.0,
                },
            ],
        )

    def test_last_share_takes_the_rounding_difference(self):
        plan = self._plan(
            "Thirds",
            ("One", 33.33, "activation", {}),
            ("Two", 33.33, "activation", {}),
            ("Three", 33.34, "exhausted", {}),
        )
        block = self._create_block(
            hours=1, price_unit=100.01, activate=False, milestone_plan_id=plan.id
        )
        amounts = block.milestone_ids.mapped("amount_to_invoice")
        self.assertEqual(amounts, [33.33, 33.33, 33.35])
        self.assertAlmostEqual(sum(amounts), block.amount_total)

    def test_plan_must_add_up_to_100(self):
        Plan = self.env["support.milestone.plan"]
        count = Plan.search_count([])
        with self.assertRefused(ValidationError, r"add up to 90 %"):
            self._plan("Wrong", ("A", 50.0, "activation", {}), ("B", 40.0, "exhausted", {}))
        with self.assertRefused(ValidationError, "at a usage percentage: enter a percentage"):
            self._plan("No usage", ("A", 100.0, "usage", {}))
        self.assertEqual(Plan.search_count([]), count)

    def test_block_form_fills_milestones_from_the_plan(self):
        other = self._plan("All at once", ("Everything", 100.0, "activation", {}))
        form = Form(self.env["support.block"].with_user(self.support_manager))
        form.partner_id = self.customer
        form.hours_purchased = 20
        form.price_unit = 50
        self.assertEqual(len(form.milestone_ids), 2)
        form.milestone_plan_id = other
        self.assertEqual(len(form.milestone_ids), 1)
        block = form.save()
        self.assertRecordValues(
            block.milestone_ids,
            [{"name": "Everything", "percent": 100.0, "amount_to_invoice": 1000.0}],
        )

    def test_share_or_amount(self):
        block = self._create_block(activate=False)
        first = block.milestone_ids[0].with_user(self.support_manager)
        with self.assertRefused(ValidationError, "either a percentage or an amount"):
            first.amount = 100.0
        with self.assertRefused(ValidationError, "either a percentage or an amount"):
            first.percent = 0.0
        with self.assertRefused(ValidationError, "due on a date: enter the date"):
            first.trigger = "date"
        with self.assertRefused(ValidationError, "at a usage percentage: enter a percentage"):
            first.trigger = "usage"
        self.assertRecordValues(first, [{"percent": 50.0, "amount": 0.0, "trigger": "activation"}])
        # the database holds the rule too
        values = {"block_id": block.id, "name": "Extra", "trigger": "activation"}
        Milestone = self.Milestone.with_user(self.support_manager)
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
            Milestone.create(dict(values, percent=10.0, amount=100.0))
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.errors.CheckViolation):
            Milestone.create(values)
        self.assertEqual(len(block.milestone_ids), 2)

    def test_milestones_are_fixed_once_the_block_is_active(self):
        block = self._create_block(hours=10)
        first, second = block.milestone_ids
        Milestone = self.Milestone.with_user(self.support_manager)
        with self.assertRefused(UserError, "fixed when it was activated"):
            first.with_user(self.support_manager).percent = 60.0
        with self.assertRefused(UserError, "fixed when it was activated"):
            Milestone.create(
                {"block_id": block.id, "name": "More", "percent": 10.0, "trigger": "close"}
            )
        with self.assertRefused(UserError, "fixed when it was activated"):
            second.with_user(self.support_manager).unlink()
        self.assertRecordValues(block.milestone_ids, [{"percent": 50.0}, {"percent": 50.0}])
        # the label can still be corrected
        first.with_user(self.support_manager).name = "Deposit"
        self.assertEqual(first.name, "Deposit")

    def test_support_users_read_milestones_only(self):
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0].with_user(self.support_user)
        self.assertEqual(milestone.state, "due")
        self.assertEqual(milestone.amount_to_invoice, 450.0)
        with self.assertRefused(AccessError, "not allowed to modify"):
            milestone.name = "Mine"
        with self.assertRefused(AccessError, "not allowed to modify"):
            milestone.action_invoice()
        self.assertFalse(self._invoices(block.milestone_ids))

    def test_milestones_of_other_companies_are_hidden(self):
        mine = self._create_block(hours=10, activate=False)
        other_company = self.env["res.company"].create({"name": "Other IT Shop"})
        block = self.env["support.block"].create(
            {
                "partner_id": self.customer.id,
                "hours_purchased": 5,
                "price_unit": 80,
                "user_id": False,
                "company_id": other_company.id,
                "milestone_ids": [
                    Command.create({"name": "All", "percent": 100.0, "trigger": "activation"})
                ],
            }
        )
        Milestone = self.Milestone.with_user(self.support_manager)
        self.assertFalse(Milestone.search([("block_id", "=", block.id)]))
        self.assertEqual(
            Milestone.search([("partner_id", "=", self.customer.id)]), mine.milestone_ids
        )


@tagged("post_install", "-at_install")
class TestMilestoneActivation(MilestoneCommon):
    """A block whose milestones do not bill exactly its total is not activated."""

    def _assert_untouched(self, block):
        self.assertRecordValues(block, [{"state": "draft", "task_id": False}])
        self.assertEqual(set(block.milestone_ids.mapped("state")), {"pending"})
        self.assertFalse(any(block.milestone_ids.mapped("date_due")))

    def test_shares_must_add_up_to_100(self):
        block = self._create_block(hours=10, activate=False)
        block.milestone_ids[1].with_user(self.support_manager).percent = 40.0
        tasks = self.env["project.task"].search_count([])
        with self.assertRefused(UserError, r"add up to 90 %: make them add up to 100 %"):
            block.with_user(self.support_manager).action_activate()
        self._assert_untouched(block)
        self.assertEqual(self.env["project.task"].search_count([]), tasks)

    def test_amounts_must_add_up_to_the_total(self):
        # 10 h at 90.00: 900.00
        block = self._create_block(
            hours=10,
            activate=False,
            milestone_ids=[
                Command.create({"name": "Deposit", "amount": 333.33, "trigger": "activation"}),
                Command.create({"name": "Rest", "amount": 566.66, "trigger": "exhausted"}),
            ],
        )
        with self.assertRefused(UserError, r"bill 899\.99 \w+ but the block totals 900\.00"):
            block.with_user(self.support_manager).action_activate()
        self._assert_untouched(block)
        # to the cent: accepted
        block.milestone_ids[1].with_user(self.support_manager).amount = 566.67
        block.with_user(self.support_manager).action_activate()
        self.assertEqual(block.state, "active")
        self.assertEqual(block.milestone_ids.mapped("state"), ["due", "pending"])

    def test_milestones_need_a_price(self):
        block = self._create_block(hours=10, price_unit=0.0, activate=False)
        with self.assertRefused(UserError, "has milestones but no price"):
            block.with_user(self.support_manager).action_activate()
        self._assert_untouched(block)

    def test_a_block_without_milestones_activates(self):
        block = self._create_block(hours=10, activate=False, milestone_ids=[])
        self.assertFalse(block.milestone_ids)
        block.with_user(self.support_manager).action_activate()
        self.assertEqual(block.state, "active")


@tagged("post_install", "-at_install")
class TestMilestoneTriggers(MilestoneCommon):
    """Each trigger makes its milestone due on the day it is reached."""

    @freeze_time("2026-02-02")
    def test_activation(self):
        block = self._create_block(hours=10, date_start="2026-02-01")
        self.assertRecordValues(
            block.milestone_ids,
            [
                {"state": "due", "date_due": date(2026, 2, 2), "invoice_id": False},
                {"state": "pending", "date_due": False, "invoice_id": False},
            ],
        )

    def test_date_through_the_cron(self):
        plan = self._plan(
            "Two dates",
            ("March", 50.0, "date", {"trigger_days": 28}),
            ("April", 50.0, "date", {"trigger_days": 59}),
        )
        with freeze_time("2026-02-01"):
            block = self._create_block(
                hours=10, date_start="2026-02-01", milestone_plan_id=plan.id
            )
        march, april = block.milestone_ids
        self.assertEqual(march.trigger_date, date(2026, 3, 1))
        self.assertEqual(block.milestone_ids.mapped("state"), ["pending", "pending"])
        with freeze_time("2026-02-28"):
            self.assertFalse(self._run_cron(block))
        self.assertEqual(march.state, "pending")
        with freeze_time("2026-03-01"):
            invoices = self._run_cron(block)
        self.assertRecordValues(
            march, [{"state": "invoiced", "date_due": date(2026, 3, 1), "invoice_id": invoices.id}]
        )
        self.assertEqual(april.state, "pending")

    @freeze_time("2026-02-10")
    def test_usage_on_each_balance_change(self):
        plan = self._plan(
            "Usage",
            ("Deposit", 50.0, "activation", {}),
            ("Half used", 50.0, "usage", {"trigger_usage": 50.0}),
        )
        block = self._create_block(hours=10, milestone_plan_id=plan.id)
        half = block.milestone_ids[1]
        entry = self._log_time(240, self.type_phone, task=block.task_id)
        self.assertEqual(half.state, "pending")
        entry.with_user(self.support_user).unit_amount = 5.0
        self.assertRecordValues(half, [{"state": "due", "date_due": date(2026, 2, 10)}])

    @freeze_time("2026-02-11")
    def test_exhausted(self):
        block = self._create_block(hours=4)
        exhausted = block.milestone_ids[1]
        self._log_time(180, self.type_phone, task=block.task_id)
        self.assertEqual(exhausted.state, "pending")
        self._exhaust(block)
        self.assertEqual(block.state, "exhausted")
        self.assertRecordValues(exhausted, [{"state": "due", "date_due": date(2026, 2, 11)}])

    @freeze_time("2026-02-12")
    def test_close_makes_every_pending_milestone_due(self):
        plan = self._plan(
            "End",
            ("Half used", 60.0, "usage", {"trigger_usage": 50.0}),
            ("At the end", 40.0, "close", {}),
        )
        block = self._create_block(hours=10, milestone_plan_id=plan.id)
        self.assertEqual(block.milestone_ids.mapped("state"), ["pending", "pending"])
        block.with_user(self.support_manager).action_close()
        self.assertRecordValues(
            block.milestone_ids,
            [
                {"state": "due", "date_due": date(2026, 2, 12)},
                {"state": "due", "date_due": date(2026, 2, 12)},
            ],
        )

    def test_expiry(self):
        plan = self._plan("End", ("At the end", 100.0, "close", {}))
        with freeze_time("2026-03-01"):
            block = self._create_block(
                hours=10, date_start="2026-03-01", date_end="2026-03-31", milestone_plan_id=plan.id
            )
            self.env["support.block"]._cron_expire_blocks()
        self.assertEqual(block.milestone_ids.state, "pending")
        with freeze_time("2026-04-01"):
            self.env["support.block"]._cron_expire_blocks()
        self.assertEqual(block.state, "expired")
        self.assertRecordValues(
            block.milestone_ids, [{"state": "due", "date_due": date(2026, 4, 1)}]
        )

    def test_cancelled_block_is_not_invoiced(self):
        block = self._create_block(hours=10)
        self.assertEqual(block.milestone_ids[0].state, "due")
        block.with_user(self.support_manager).action_cancel()
        self.assertEqual(block.milestone_ids.mapped("state"), ["pending", "pending"])
        self.assertFalse(self._run_cron(block))
        self.assertFalse(self._invoices(block.milestone_ids))


@tagged("post_install", "-at_install")
class TestMilestoneDemo(MilestoneCommon):
    """The demo shows a block invoiced by milestones."""

    def test_delta_architects_first_milestone_is_invoiced(self):
        block = self.env.ref("it_support_time.block_deltaarch")
        first, second = block.milestone_ids
        self.assertEqual(block.milestone_plan_id, self.plan_half)
        self.assertRecordValues(
            first.invoice_id,
            [
                {
                    "state": "posted",
                    "ref": "DA-2025-004",
                    "amount_untaxed": 1700.0,
                    "support_block_id": block.id,
                }
            ],
        )
        self.assertEqual((first.state, second.state), ("invoiced", "pending"))
        self.assertTrue(self.env.ref("it_support_time.block_citybakery").milestone_ids)
