"""Scheduled actions interrupted midway: an exception is injected in the processing of
one record (after that record's own writes), and the job must leave every record either
fully processed or untouched, log the failure, and complete when it runs again.

The milestone invoicing cron has two phases: the triggers reached (here) and the invoices
(``test_block_milestone_invoices.TestMilestoneIdempotency.test_interrupted_midway_then_rerun``
interrupts it after an invoice was created)."""

from datetime import date
from unittest.mock import patch

from odoo import Command
from odoo.tests import freeze_time, new_test_user, tagged

from odoo.addons.it_support_time.models.account_analytic_line import AccountAnalyticLine
from odoo.addons.it_support_time.models.support_block import SupportBlock
from odoo.addons.it_support_time.models.support_invoicing import SupportInvoicing

from .common_block import BlockCommon
from .common_milestone import MilestoneCommon
from .invoicing_common import InvoicingCommon

CRON_LOGGER = "odoo.addons.it_support_time.models.support_cron"


class Injected(Exception):
    """The fault injected into a cron."""


def fail_on(original, failing):
    """A replacement of the per-record method ``original`` that does the record's work
    and then raises for the records for which ``failing(record)`` is true: the failing
    record has written before it fails."""
    calls = []

    def wrapper(self, *args, **kwargs):
        calls.append(self)
        result = original(self, *args, **kwargs)
        if failing(self):
            raise Injected(f"injected failure on {self}")
        return result

    wrapper.calls = calls
    return wrapper


@tagged("post_install", "-at_install")
class TestCronSafety(BlockCommon):
    def _messages(self, block, text):
        return block.message_ids.filtered(lambda message: text in (message.body or ""))

    def test_block_expiry_interrupted_midway(self):
        env = self.env(context=dict(self.env.context, tracking_disable=False))
        blocks = env["support.block"].browse(
            [
                self._create_block(hours=5, po=f"PO-EXP-{index}", date_end=date(2025, 1, 31)).id
                for index in range(3)
            ]
        )
        Block = env["support.block"]
        # the second block fails, after the first one was expired
        failed = blocks[1]
        wrapper = fail_on(SupportBlock._support_expire, lambda block: block == failed)
        with (
            freeze_time("2025-02-03"),
            patch.object(SupportBlock, "_support_expire", wrapper),
            self.assertLogs(CRON_LOGGER, "ERROR") as logs,
        ):
            expired = Block._cron_expire_blocks()
        self.assertEqual(
            set(wrapper.calls) & set(blocks),
            set(blocks),
            "the blocks after the failing one are still processed",
        )
        self.assertIn("failed and was left as it was", logs.output[0])
        self.assertEqual(expired & blocks, blocks - failed)
        for block in blocks:
            done = block != failed
            self.assertEqual(block.state, "expired" if done else "active", block.name)
            self.assertEqual(len(self._messages(block, "the block is expired")), int(done))

        with freeze_time("2025-02-04"):
            self.assertEqual(Block._cron_expire_blocks() & blocks, failed)
        self.assertEqual(set(blocks.mapped("state")), {"expired"})
        for block in blocks:
            self.assertEqual(len(self._messages(block, "the block is expired")), 1)

    def test_overdue_timers_interrupted_midway(self):
        users = self.support_user | self.support_manager
        for index in range(2):
            user = new_test_user(
                self.env,
                login=f"timer_tech_{index}",
                groups="base.group_user,it_support_time.group_support_user",
            )
            self.env["hr.employee"].create({"name": user.name, "user_id": user.id})
            users |= user
        self.company.support_timer_max_hours = 8.0
        with freeze_time("2025-03-03 07:00:00"):
            lines = self.env["account.analytic.line"].browse(
                [self.task.with_user(user).action_support_timer_start().id for user in users]
            )
        failed = lines[1]
        wrapper = fail_on(AccountAnalyticLine._support_timer_stop, lambda line: line == failed)
        Line = self.env["account.analytic.line"]
        with (
            freeze_time("2025-03-03 18:00:00"),
            patch.object(AccountAnalyticLine, "_support_timer_stop", wrapper),
            self.assertLogs(CRON_LOGGER, "ERROR"),
        ):
            stopped = Line._cron_stop_overdue_support_timers()
        self.assertEqual(set(wrapper.calls) & set(lines), set(lines))
        self.assertEqual(stopped & lines, lines - failed)
        lines.invalidate_recordset()
        for line in lines:
            expected = (
                {"unit_amount": 0.0, "support_timer_review": False}
                if line == failed
                else {"unit_amount": 8.0, "support_timer_review": True}
            )
            self.assertRecordValues(line, [expected])
            self.assertEqual(bool(line.support_timer_start), line == failed)

        with freeze_time("2025-03-03 18:15:00"):
            self.assertEqual(Line._cron_stop_overdue_support_timers() & lines, failed)
        self.assertRecordValues(
            lines, [{"unit_amount": 8.0, "support_timer_review": True}] * len(lines)
        )
        self.assertFalse(any(lines.mapped("support_timer_start")))


@tagged("post_install", "-at_install")
class TestInvoiceCronSafety(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.env["res.company"].create({"name": "Support Co B"})
        cls.env["account.chart.template"].try_loading(
            "generic_coa", company=cls.company_b, install_demo=False
        )
        cls.customer_in_b = cls.env["res.partner"].create(
            {"name": "Gamma Garage", "is_company": True, "company_id": cls.company_b.id}
        )
        cls.project_in_b = cls.env["project.project"].create(
            {
                "name": "Support - Gamma Garage",
                "partner_id": cls.customer_in_b.id,
                "company_id": cls.company_b.id,
                "is_support_project": True,
                "allow_timesheets": True,
            }
        )
        cls.task_in_b = cls.env["project.task"].create(
            {
                "name": "Help desk",
                "project_id": cls.project_in_b.id,
                "partner_id": cls.customer_in_b.id,
            }
        )
        cls.tech_in_b = new_test_user(
            cls.env,
            login="tech_in_b",
            groups="base.group_user,it_support_time.group_support_user",
            company_id=cls.company_b.id,
            company_ids=[Command.set(cls.company_b.ids)],
        )
        cls.employee_in_b = cls.env["hr.employee"].create(
            {"name": "Tech B", "user_id": cls.tech_in_b.id, "company_id": cls.company_b.id}
        )

    def _support_invoices(self, partner):
        return self.env["account.move"].search(
            [("partner_id", "child_of", partner.id), ("move_type", "=", "out_invoice")]
        )

    def test_monthly_invoicing_interrupted_midway(self):
        entry_a = self._log_time(90, self.type_phone, date="2025-03-10")
        entry_b = (
            self.env["account.analytic.line"]
            .with_user(self.tech_in_b)
            .create(
                {
                    "name": "Garage router",
                    "project_id": self.project_in_b.id,
                    "task_id": self.task_in_b.id,
                    "support_type_id": self.type_remote.id,
                    "unit_amount": 2.0,
                    "date": "2025-03-12",
                }
            )
        )
        self.assertEqual(entry_b.company_id, self.company_b)
        wrapper = fail_on(
            SupportInvoicing._create_invoices,
            lambda engine: engine.env.company == self.company_b,
        )
        Invoicing = self.env["support.invoicing"]
        with (
            freeze_time("2025-04-02"),
            patch.object(SupportInvoicing, "_create_invoices", wrapper),
            self.assertLogs("odoo.addons.it_support_time.models.support_invoicing", "ERROR"),
        ):
            Invoicing._cron_invoice_previous_month()
        self.assertIn(self.company_b, [engine.env.company for engine in wrapper.calls])
        # company A: invoiced; company B: the invoice its run made is rolled back
        invoice_a = self._support_invoices(self.customer)
        self.assertEqual(len(invoice_a), 1)
        self.assertEqual(entry_a.support_invoice_line_id.move_id, invoice_a)
        self.assertFalse(self._support_invoices(self.customer_in_b))
        self.assertFalse(entry_b.support_invoice_line_id)

        with freeze_time("2025-04-03"):
            Invoicing._cron_invoice_previous_month()
        invoice_b = self._support_invoices(self.customer_in_b)
        self.assertEqual(len(invoice_b), 1)
        self.assertEqual(invoice_b.company_id, self.company_b)
        self.assertEqual(entry_b.support_invoice_line_id.move_id, invoice_b)
        self.assertRecordValues(invoice_b.invoice_line_ids, [{"quantity": 2.0}])
        # company A is not invoiced twice
        self.assertEqual(self._support_invoices(self.customer), invoice_a)
        self.assertEqual(entry_a.support_invoice_line_id.move_id, invoice_a)


@tagged("post_install", "-at_install")
class TestMilestoneCronSafety(MilestoneCommon):
    def test_milestones_due_interrupted_midway(self):
        """Date milestones reached while nothing happened on their blocks: the cron
        marks them due block by block, then invoices them."""
        plan = self._plan(
            "On a date",
            ("Kick-off", 50.0, "date", {"trigger_days": 0}),
            ("Later", 50.0, "date", {"trigger_days": 30}),
        )
        with freeze_time("2025-01-01"):
            blocks = self.env["support.block"].browse(
                [
                    self._create_block(
                        hours=4,
                        po=f"PO-DATE-{index}",
                        date_start="2025-01-01",
                        milestone_plan_id=plan.id,
                    ).id
                    for index in range(3)
                ]
            )
        later = blocks.milestone_ids.filtered(lambda m: m.name == "Later")
        self.assertEqual(set(later.mapped("state")), {"pending"})
        failed = blocks[1]
        wrapper = fail_on(SupportBlock._support_milestones_reach, lambda block: failed in block)
        with (
            freeze_time("2025-02-05"),
            patch.object(SupportBlock, "_support_milestones_reach", wrapper),
            self.assertLogs(CRON_LOGGER, "ERROR"),
        ):
            invoices = self._run_cron(blocks)
        # the other blocks' later milestones were marked due and invoiced; the failed
        # block's stayed pending, with no invoice
        failed_later = later.filtered(lambda m: m.block_id == failed)
        self.assertEqual(
            invoices.support_milestone_id & later, later - failed_later, "invoiced blocks"
        )
        self.assertRecordValues(
            failed_later, [{"state": "pending", "date_due": False, "invoice_id": False}]
        )
        self.assertFalse(self._invoices(failed_later))
        with freeze_time("2025-02-06"):
            rerun = self._run_cron(blocks)
        self.assertEqual(rerun.support_milestone_id, failed_later)
        for milestone in later:
            self.assertEqual(len(self._invoices(milestone)), 1)
            self.assertEqual(milestone.state, "invoiced")
