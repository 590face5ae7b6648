"""Burn rate, forecast, forecast alert and renewal proposal of prepaid blocks, on
hand-computed figures. Support types draw 1 block hour per billed hour, billed in
quarter hours: the minutes logged below are the block hours drawn."""

from ast import literal_eval
from datetime import date
from unittest.mock import patch

from odoo.exceptions import ValidationError
from odoo.tests import Form, HttpCase, freeze_time, new_test_user, tagged
from odoo.tools import format_date

from odoo.addons.it_support_time.models.support_block_alert import SupportBlockAlert

from .common_block import BlockCommon
from .test_cron_safety import CRON_LOGGER, fail_on


class ForecastCommon(BlockCommon):
    def _log_on(self, block, day, hours):
        """``hours`` logged on the block's task, dated ``day`` (a work date)."""
        return self._log_time(hours * 60, self.type_phone, task=block.task_id, date=day)

    def _forecast(self, block):
        return {
            "burn_rate": block.burn_rate,
            "forecast_exhaustion_date": block.forecast_exhaustion_date,
            "forecast_reason": block.forecast_reason,
            "days_left": block.days_left,
        }


@tagged("post_install", "-at_install")
class TestBlockForecast(ForecastCommon):
    @freeze_time("2026-03-08")
    def test_young_block_burns_since_its_start(self):
        # 6 days old: the window is 2 March - 8 March, 7 days; 3 h drawn = 3 h a week
        block = self._create_block(hours=10, date_start="2026-03-02")
        self._log_on(block, "2026-03-03", 2)
        self._log_on(block, "2026-03-05", 1)
        # 7 h left at 3 h a week: 16.33 days, about 24 March
        self.assertRecordValues(
            block,
            [
                {
                    "burn_rate": 3.0,
                    "forecast_exhaustion_date": date(2026, 3, 24),
                    "forecast_reason": "exhaustion",
                    "days_left": 16,
                }
            ],
        )

    @freeze_time("2026-03-08")
    def test_last_four_weeks_and_back_dated_entries(self):
        # the window is 9 February - 8 March (28 days)
        block = self._create_block(hours=10, date_start="2026-01-01")
        self._log_on(block, "2026-02-10", 2)
        self._log_on(block, "2026-03-01", 2)
        # 4 h in 4 weeks: 1 h a week, 6 h left: 42 days
        self.assertEqual(block.burn_rate, 1.0)
        self.assertEqual(block.forecast_exhaustion_date, date(2026, 4, 19))
        # an entry back-dated before the window lowers the balance, not the rate
        self._log_on(block, "2026-01-15", 3)
        self.assertRecordValues(
            block,
            [
                {
                    "hours_remaining": 3.0,
                    "burn_rate": 1.0,
                    "forecast_exhaustion_date": date(2026, 3, 29),  # 21 days
                    "days_left": 21,
                }
            ],
        )
        # one back-dated into the window counts: 5 h in 4 weeks, 2 h left: 11.2 days
        self._log_on(block, "2026-02-20", 1)
        self.assertRecordValues(
            block, [{"burn_rate": 1.25, "forecast_exhaustion_date": date(2026, 3, 19)}]
        )
        # an entry dated after today is in the balance but not in the rate yet
        self._log_on(block, "2026-03-10", 0.5)
        self.assertRecordValues(
            block, [{"burn_rate": 1.25, "forecast_exhaustion_date": date(2026, 3, 16)}]
        )

        # two weeks later with no new time, the daily cron slides the window to
        # 23 February - 22 March: 2 h (1 March) + 0.5 h (10 March) = 0.625 h a week
        with freeze_time("2026-03-22"):
            self.Block._cron_forecast_blocks()
            self.assertRecordValues(
                block,
                [
                    {
                        "burn_rate": 0.625,
                        # 1.5 h left: 16.8 days
                        "forecast_exhaustion_date": date(2026, 4, 7),
                        "days_left": 16,
                    }
                ],
            )

    @freeze_time("2026-03-08")
    def test_burn_weeks_setting(self):
        block = self._create_block(hours=10, date_start="2026-01-01")
        self._log_on(block, "2026-02-10", 2)
        self._log_on(block, "2026-03-01", 2)
        self.assertEqual(block.burn_rate, 1.0)
        # over the last 2 weeks (23 February - 8 March): 2 h, 1 h a week
        self.company.support_block_burn_weeks = 2
        self.assertEqual(block.burn_rate, 1.0)
        self.company.support_block_burn_weeks = 1
        self.assertEqual(block.burn_rate, 0.0)
        self.assertFalse(block.forecast_exhaustion_date)
        with self.assertRefused(ValidationError, "1 to 52 weeks"):
            self.company.support_block_burn_weeks = 0
        with self.assertRefused(ValidationError, "1 to 366 days"):
            self.company.support_block_forecast_days = -5
        self.assertRecordValues(
            self.company, [{"support_block_burn_weeks": 1, "support_block_forecast_days": 30}]
        )

    @freeze_time("2026-03-08")
    def test_idle_block_has_no_forecast_unless_it_expires(self):
        idle = self._create_block(hours=10, date_start="2025-06-01")
        self._log_on(idle, "2025-12-01", 4)
        self.assertRecordValues(
            idle,
            [
                {
                    "hours_remaining": 6.0,
                    "burn_rate": 0.0,
                    "forecast_exhaustion_date": False,
                    "forecast_reason": False,
                    "days_left": 0,
                }
            ],
        )
        idle.with_user(self.support_manager).date_end = "2026-05-31"
        self.assertRecordValues(
            idle,
            [
                {
                    "forecast_exhaustion_date": date(2026, 5, 31),
                    "forecast_reason": "expiry",
                    "days_left": 84,
                }
            ],
        )

    @freeze_time("2026-03-08")
    def test_expiry_before_exhaustion(self):
        block = self._create_block(hours=10, date_start="2026-01-01", date_end="2026-03-20")
        self._log_on(block, "2026-02-10", 2)
        self._log_on(block, "2026-03-01", 2)
        # exhaustion would be 19 April: the expiry comes first
        self.assertRecordValues(
            block,
            [
                {
                    "burn_rate": 1.0,
                    "forecast_exhaustion_date": date(2026, 3, 20),
                    "forecast_reason": "expiry",
                    "days_left": 12,
                }
            ],
        )
        # faster: 5.5 h more on 7 March, 9.5 h in 4 weeks (2.375 h a week)
        self._log_on(block, "2026-03-07", 5.5)
        self.assertRecordValues(
            block,
            [
                {
                    "burn_rate": 2.375,
                    # 0.5 h left: 1.47 days, before the expiry
                    "forecast_exhaustion_date": date(2026, 3, 9),
                    "forecast_reason": "exhaustion",
                    "days_left": 1,
                }
            ],
        )

    @freeze_time("2026-03-08")
    def test_negative_balance_runs_out_today(self):
        block = self._create_block(hours=4, date_start="2026-02-01", overage_policy="negative")
        self._log_on(block, "2026-03-02", 5)
        self.assertRecordValues(
            block,
            [
                {
                    "state": "exhausted",
                    "hours_remaining": -1.0,
                    "burn_rate": 1.25,  # 5 h in 4 weeks
                    "forecast_exhaustion_date": date(2026, 3, 8),
                    "forecast_reason": "exhaustion",
                    "days_left": 0,
                }
            ],
        )

    @freeze_time("2026-03-08")
    def test_blocks_not_running_have_no_forecast(self):
        draft = self._create_block(hours=4, activate=False)
        closed = self._create_block(hours=4, date_start="2026-02-01")
        self._log_on(closed, "2026-03-02", 1)
        closed.with_user(self.support_manager).action_close()
        self.assertRecordValues(
            draft + closed,
            [
                {"burn_rate": 0.0, "forecast_exhaustion_date": False, "forecast_reason": False},
                {"burn_rate": 0.25, "forecast_exhaustion_date": False, "forecast_reason": False},
            ],
        )

    @freeze_time("2026-03-08")
    def test_filters_runs_out_and_expires_soon(self):
        soon = self._create_block(hours=10, po="PO-SOON", date_start="2026-02-01")
        self._log_on(soon, "2026-03-02", 6)  # 1.5 h a week, 4 h left: 18 days
        later = self._create_block(hours=40, po="PO-LATER", date_start="2026-02-01")
        self._log_on(later, "2026-03-02", 4)  # 1 h a week, 36 h left: 252 days
        expiring = self._create_block(
            hours=40, po="PO-EXPIRING", date_start="2026-02-01", date_end="2026-03-31"
        )
        self._log_on(expiring, "2026-03-02", 4)
        idle = self._create_block(hours=5, po="PO-IDLE", date_start="2026-02-01")
        blocks = soon + later + expiring + idle
        Block = self.Block.with_user(self.support_user)

        def found(domain):
            return Block.search([("id", "in", blocks.ids), *domain])

        self.assertEqual(found([("forecast_runs_out_soon", "=", True)]), soon)
        self.assertEqual(found([("forecast_runs_out_soon", "=", False)]), blocks - soon)
        self.assertEqual(found([("expires_soon", "=", True)]), expiring)
        self.assertEqual(found([("days_left", "<=", 30)]), soon + expiring)
        self.assertEqual(found([("days_left", ">", 30)]), later)
        self.assertRecordValues(
            blocks,
            [
                {"forecast_runs_out_soon": True, "expires_soon": False},
                {"forecast_runs_out_soon": False, "expires_soon": False},
                {"forecast_runs_out_soon": False, "expires_soon": True},
                {"forecast_runs_out_soon": False, "expires_soon": False},
            ],
        )
        # the window is a setting
        self.company.support_block_forecast_days = 10
        self.assertFalse(found([("forecast_runs_out_soon", "=", True)]))
        self.company.support_block_forecast_days = 300
        self.assertEqual(found([("forecast_runs_out_soon", "=", True)]), soon + later)

    def test_query_budget_does_not_grow_with_the_blocks(self):
        with freeze_time("2026-03-08"):
            blocks = self.Block
            for index in range(12):
                block = self._create_block(hours=10, po=f"PO-Q-{index}", date_start="2026-02-01")
                self._log_on(block, "2026-03-02", 1 + index % 3)
                blocks |= block
            counts = {}
            for size in (2, 12):
                subset = blocks[:size]
                self.env.invalidate_all()
                with self.assertQueryCount(5):
                    subset._support_refresh_forecast()
                    subset.flush_recordset()
                counts[size] = subset.mapped("forecast_exhaustion_date")
            self.assertEqual(len(counts[12]), 12)
            # 1 h in 4 weeks, 9 h left: 252 days
            self.assertEqual(blocks[0].forecast_exhaustion_date, date(2026, 11, 15))


@tagged("post_install", "-at_install")
class TestBlockForecastAlert(ForecastCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_contact.email = "carl@customer.example.com"

    def _forecast_activities(self, block):
        return self.env["mail.activity"].search(
            [
                ("res_model", "=", "support.block"),
                ("res_id", "=", block.id),
                "|",
                ("summary", "ilike", "runs out about"),
                ("summary", "ilike", "expires on"),
            ]
        )

    @freeze_time("2026-03-08")
    def test_alert_fires_once_after_a_drawing(self):
        self.company.support_block_alert_email = True
        block = self._create_block(
            hours=20,
            date_start="2026-02-01",
            alert_thresholds="95",
            contact_id=self.customer_contact.id,
        )
        self._log_on(block, "2026-03-02", 4)  # 1 h a week, 16 h left: 112 days
        self.assertFalse(self._forecast_activities(block))
        self._log_on(block, "2026-03-05", 8)  # 3 h a week, 8 h left: 18.67 days
        activities = self._forecast_activities(block)
        self.assertEqual(len(activities), 1)
        self.assertRecordValues(
            activities,
            [
                {
                    "user_id": self.account_manager.id,
                    "summary": f"{block.name} runs out about 26 Mar 2026: 8.00 h left",
                }
            ],
        )
        self.assertIn("3.00 h a week", str(activities.note))
        self.assertTrue(block.forecast_alert_fired)
        mails = block.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.partner_ids, self.customer_contact)
        self.assertIn("8.00 hours left", mails.subject)
        self.assertIn("run out about", mails.body)
        self.assertIn("03/26/2026", mails.body)
        # more time, and the daily cron, fire nothing more
        self._log_on(block, "2026-03-06", 1)
        self.Block._cron_forecast_blocks()
        self.assertEqual(len(self._forecast_activities(block)), 1)
        self.assertEqual(len(block.message_ids.filtered(lambda m: m.message_type == "comment")), 1)

    def test_cron_alerts_when_the_forecast_comes_within_the_days(self):
        with freeze_time("2026-03-08"):
            block = self._create_block(hours=10, date_start="2026-02-01", date_end="2026-05-31")
            self._log_on(block, "2026-03-02", 1)  # 0.25 h a week: the expiry comes first
            self.assertEqual(block.forecast_reason, "expiry")
            self.assertFalse(self.Block._cron_forecast_blocks() & block)
        with freeze_time("2026-05-02"):
            # 29 days before the expiry
            self.assertEqual(self.Block._cron_forecast_blocks() & block, block)
        activity = self.env["mail.activity"].search(
            [("res_model", "=", "support.block"), ("res_id", "=", block.id)]
        )
        self.assertEqual(activity.summary, f"{block.name} expires on 31 May 2026 with 9.00 h left")
        with freeze_time("2026-05-03"):
            self.assertFalse(self.Block._cron_forecast_blocks() & block)

    @freeze_time("2026-03-08")
    def test_no_alert_for_exhausted_or_renewed_blocks(self):
        exhausted = self._create_block(hours=2, date_start="2026-02-01", alert_thresholds="100")
        self._log_on(exhausted, "2026-03-02", 2)
        renewed = self._create_block(hours=10, po="PO-R", date_start="2026-02-01")
        renewed.with_user(self.support_manager)._support_renew(10, 90.0, "PO-R2")
        self._log_on(renewed, "2026-03-02", 8)  # 2 h left at 2 h a week
        self.Block._cron_forecast_blocks()
        self.assertFalse(self._forecast_activities(exhausted))
        self.assertFalse(self._forecast_activities(renewed))
        self.assertEqual((exhausted + renewed).mapped("forecast_alert_fired"), [False, False])

    def test_cron_interrupted_midway(self):
        with freeze_time("2026-03-08"):
            blocks = self.Block
            for index in range(3):
                block = self._create_block(
                    hours=20, po=f"PO-F-{index}", date_start="2026-02-01", date_end="2026-06-30"
                )
                self._log_on(block, "2026-03-02", 2)  # expires in 114 days, 18 h left
                blocks |= block
            self.Block._cron_forecast_blocks()
            self.assertFalse(any(blocks.mapped("forecast_alert_fired")))
        failed = blocks[1]
        wrapper = fail_on(SupportBlockAlert._support_forecast_alert, lambda block: block == failed)
        # 25 days before the expiry
        with (
            freeze_time("2026-06-05"),
            patch.object(SupportBlockAlert, "_support_forecast_alert", wrapper),
            self.assertLogs(CRON_LOGGER, "ERROR") as logs,
        ):
            sent = self.Block._cron_forecast_blocks()
        self.assertIn("failed and was left as it was", logs.output[0])
        self.assertEqual(sent & blocks, blocks - failed)
        self.assertEqual(
            [bool(self._forecast_activities(block)) for block in blocks], [True, False, True]
        )
        self.assertEqual(blocks.mapped("forecast_alert_fired"), [True, False, True])
        with freeze_time("2026-06-06"):
            self.assertEqual(self.Block._cron_forecast_blocks() & blocks, failed)
        self.assertEqual([len(self._forecast_activities(block)) for block in blocks], [1, 1, 1])


@tagged("post_install", "-at_install")
class TestBlockRenewalProposal(ForecastCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.block_product = cls.env["product.product"].create(
            {
                "name": "Test Support Block 10 h",
                "type": "service",
                "list_price": 900.0,
                "support_block_ok": True,
                "support_block_hours": 10,
            }
        )

    def _wizard(self, block):
        action = block.with_user(self.support_manager).action_renew()
        return Form(
            self.env[action["res_model"]]
            .with_user(self.support_manager)
            .with_context(**action["context"])
        )

    @freeze_time("2026-03-08")
    def test_hours_from_the_burn_rate(self):
        block = self._create_block(hours=10, date_start="2026-01-01")
        self._log_on(block, "2026-01-15", 3)
        self._log_on(block, "2026-02-10", 2)
        self._log_on(block, "2026-03-01", 2)
        # 1 h a week, runs out about 29 March: 1 January - 29 March is 88 days,
        # 12.57 h at 1 h a week, rounded up to 13 h
        self.assertEqual(block.forecast_exhaustion_date, date(2026, 3, 29))
        wizard = self._wizard(block)
        self.assertEqual(wizard.hours_purchased, 13.0)
        # the user can change them
        wizard.hours_purchased = 15
        wizard.po_number = "PO-NEXT"
        new = self.Block.browse(wizard.save().action_confirm()["res_id"])
        self.assertEqual(new.hours_purchased, 15.0)

    @freeze_time("2026-03-08")
    def test_hours_rounded_to_the_product_block_size(self):
        block = self._create_block(hours=10, date_start="2026-01-01")
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [(0, 0, {"product_id": self.block_product.id})],
            }
        )
        block.sudo().sale_line_id = order.order_line
        for day in ("2026-01-15", "2026-02-10", "2026-03-01"):
            self._log_on(block, day, 2 if day > "2026-02" else 3)
        # 12.57 h: two blocks of 10 h
        self.assertEqual(self._wizard(block).hours_purchased, 20.0)

    @freeze_time("2026-03-08")
    def test_expiring_block_and_unused_block(self):
        # 1 January - 30 June, 181 days at 1 h a week: 25.86 h, 26 h
        block = self._create_block(hours=40, date_start="2026-01-01", date_end="2026-06-30")
        self._log_on(block, "2026-02-10", 2)
        self._log_on(block, "2026-03-01", 2)
        self.assertEqual(block.forecast_reason, "expiry")
        self.assertEqual(self._wizard(block).hours_purchased, 26.0)
        # nothing drawn: the block's own hours
        unused = self._create_block(hours=12, po="PO-U", date_start="2026-01-01")
        self.assertEqual(self._wizard(unused).hours_purchased, 12.0)


@tagged("post_install", "-at_install")
class TestRenewalPipeline(ForecastCommon):
    @freeze_time("2026-03-08")
    def test_running_blocks_by_forecast_and_renewed_ones_leave(self):
        action = self.env.ref("it_support_time.support_block_action_renewal")
        soon = self._create_block(hours=10, po="PO-SOON", date_start="2026-02-01")
        self._log_on(soon, "2026-03-02", 6)  # about 26 March
        later = self._create_block(hours=40, po="PO-LATER", date_start="2026-02-01")
        self._log_on(later, "2026-03-02", 4)  # about 15 November
        idle = self._create_block(hours=5, po="PO-IDLE", date_start="2026-02-01")
        out = self._create_block(hours=2, po="PO-OUT", date_start="2026-02-01")
        self._log_on(out, "2026-03-02", 2)  # exhausted: today
        draft = self._create_block(hours=5, po="PO-DRAFT", activate=False)
        domain = [*literal_eval(action.domain), ("partner_id", "=", self.customer.id)]
        Block = self.Block.with_user(self.support_manager)
        pipeline = Block.search(domain, order="forecast_exhaustion_date, id")
        self.assertEqual(pipeline, out + soon + later + idle)
        self.assertNotIn(draft, pipeline)
        groups = Block.read_group(
            domain, ["id:count"], ["forecast_exhaustion_date:month"], lazy=False
        )
        self.assertEqual(
            [(group["forecast_exhaustion_date:month"], group["__count"]) for group in groups],
            [("March 2026", 2), ("November 2026", 1), (False, 1)],
        )
        soon.with_user(self.support_manager)._support_renew(10, 90.0, "PO-SOON-2")
        renewal = soon.renewed_block_id
        pipeline = Block.search(domain, order="forecast_exhaustion_date, id")
        self.assertNotIn(soon, pipeline)
        self.assertIn(renewal, pipeline)

    def test_menu_for_managers_and_salespeople(self):
        menu = self.env.ref("it_support_time.support_block_renewal_menu")
        seller = new_test_user(
            self.env,
            login="seller_tech",
            groups="base.group_user,it_support_time.group_support_user,"
            "sales_team.group_sale_salesman",
        )
        visible = {
            user.login: menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()
            for user in (self.support_manager, seller, self.support_user)
        }
        self.assertEqual(
            visible, {"support_manager": True, "seller_tech": True, "support_user": False}
        )

    def test_quick_timer_badge_keeps_the_hours_only(self):
        block = self._create_block(hours=10)
        self._log_on(block, block.date_start, 2)
        panel = self.task.with_user(self.support_user).get_support_timer_panel()
        task = next(task for task in panel["tasks"] if task["id"] == self.task.id)
        self.assertEqual(task["block_hours"], 8.0)


@tagged("post_install", "-at_install")
class TestBlockForecastPortal(ForecastCommon, HttpCase):
    def test_customer_sees_the_forecast(self):
        new_test_user(
            self.env,
            login="portal_forecast",
            groups="base.group_portal",
            partner_id=self.customer_contact.id,
        )
        block = self._create_block(hours=10)
        self._log_time(180, self.type_phone, task=block.task_id)
        self.assertEqual(block.forecast_reason, "exhaustion")
        self.authenticate("portal_forecast", "portal_forecast")
        response = self.url_open(f"/my/support-blocks/{block.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("0.75 h a week", response.text)
        self.assertIn(format_date(self.env, block.forecast_exhaustion_date), response.text)
