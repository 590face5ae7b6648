from unittest.mock import patch

import psycopg2

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.it_support_time.models.support_block_milestone import SupportBlockMilestone

from .common_milestone import MilestoneCommon

MILESTONE_LOGGER = "odoo.addons.it_support_time.models.support_block_milestone"
# the order's own "Create invoice" finds nothing to bill
NOTHING_TO_INVOICE = "No items are available to invoice"


@tagged("post_install", "-at_install")
class TestMilestoneInvoices(MilestoneCommon):
    """A due milestone becomes one customer invoice carrying the block's PO; cancelling
    or crediting it makes the milestone due again."""

    def _credit(self, invoice, user=None):
        """A credit note of ``invoice`` through the reversal wizard (draft)."""
        user = user or self.accountant
        wizard = (
            self.env["account.move.reversal"]
            .with_user(user)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id, "reason": "Wrong PO"})
        )
        action = wizard.refund_moves()
        return self.Move.browse(action["res_id"])

    @freeze_time("2026-03-02")
    def test_invoice_now(self):
        block = self._create_block(hours=10, po="4500012345")
        milestone = block.milestone_ids[0]
        milestone.with_user(self.support_manager).action_invoice()
        invoice = milestone.invoice_id
        self.assertRecordValues(
            invoice,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "partner_id": self.customer.id,
                    "ref": "4500012345",
                    "invoice_origin": block.name,
                    "invoice_user_id": self.account_manager.id,
                    "support_block_id": block.id,
                    "support_milestone_id": milestone.id,
                    "support_milestone_live": True,
                    "amount_untaxed": 450.0,
                }
            ],
        )
        line = invoice.invoice_line_ids
        self.assertRecordValues(
            line,
            [
                {
                    "product_id": self.milestone_product.id,
                    "quantity": 1.0,
                    "price_unit": 450.0,
                    "price_subtotal": 450.0,
                }
            ],
        )
        self.assertIn(block.name, line.name)
        self.assertIn("50 % on activation", line.name)
        self.assertIn("4500012345", line.name)
        self.assertEqual(line.tax_ids, self.milestone_product.taxes_id)
        self.assertRecordValues(milestone, [{"state": "invoiced", "invoice_error": False}])
        self.assertEqual(block.invoice_count, 1)
        # a second click finds nothing due
        with self.assertRefused(UserError, "is not due"):
            milestone.with_user(self.support_manager).action_invoice()
        with self.assertRefused(UserError, "is not due"):
            block.milestone_ids[1].with_user(self.support_manager).action_invoice()
        self.assertEqual(self._invoices(block.milestone_ids), invoice)

    def test_po_is_printed_and_searchable(self):
        block = self._create_block(hours=10, po="PO-PRINT-77")
        invoice = block.milestone_ids[0].with_user(self.support_manager)._support_invoice()
        invoice.with_user(self.accountant).action_post()
        html, _format = self.env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids
        )
        self.assertIn("PO-PRINT-77", html.decode())
        # the milestone invoice carries the statement of its block
        self.assertEqual(
            invoice._support_invoice_block_rows(),
            [
                {
                    "name": block.name,
                    "po": "PO-PRINT-77",
                    "purchased": 10.0,
                    "used": 0.0,
                    "on_invoice": 0.0,
                    "remaining": 10.0,
                }
            ],
        )
        found = self.Move.with_user(self.accountant).search([("ref", "ilike", "PRINT-77")])
        self.assertEqual(found, invoice)
        search_view = self.Move.with_user(self.accountant).get_views([(False, "search")])
        arch = search_view["views"]["search"]["arch"]
        self.assertIn('string="PO Number"', arch)

    def test_auto_post_setting(self):
        self.company.support_milestone_auto_post = True
        block = self._create_block(hours=10)
        invoices = self._run_cron(block)
        self.assertEqual(len(invoices), 1)
        self.assertEqual(invoices.state, "posted")
        self.assertNotEqual(invoices.name, "/")
        self.assertTrue(invoices.support_milestone_live)

    def test_cancel_makes_the_milestone_due_again(self):
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        first = self._run_cron(block)
        first.with_user(self.accountant).action_post()
        first.with_user(self.accountant).button_cancel()
        self.assertRecordValues(milestone, [{"state": "due", "invoice_id": False}])
        self.assertFalse(first.support_milestone_live)
        second = self._run_cron(block)
        self.assertEqual(len(second), 1)
        self.assertEqual(milestone.invoice_id, second)
        self.assertEqual(self._live_invoices(milestone), second)
        # the cancelled invoice cannot come back next to the new one
        with self.assertRefused(UserError, "is already billed by"):
            first.with_user(self.accountant).button_draft()
        self.assertEqual(first.state, "cancel")
        with self.assertRefused(UserError, "is already billed by"):
            second.with_user(self.accountant).copy()
        self.assertEqual(self._invoices(milestone), first | second)

    def test_deleting_a_draft_invoice_makes_the_milestone_due_again(self):
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        self._run_cron(block).with_user(self.accountant).unlink()
        self.assertRecordValues(milestone, [{"state": "due", "invoice_id": False}])

    def test_credit_note_makes_the_milestone_due_again(self):
        self.company.support_milestone_auto_post = True
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        invoice = self._run_cron(block)
        refund = self._credit(invoice)
        self.assertEqual(refund.move_type, "out_refund")
        # a draft credit note credits nothing yet
        self.assertEqual(milestone.state, "invoiced")
        refund.with_user(self.accountant).action_post()
        self.assertRecordValues(milestone, [{"state": "due", "invoice_id": False}])
        self.assertFalse(self._live_invoices(milestone))
        again = self._run_cron(block)
        self.assertEqual(self._live_invoices(milestone), again)
        # cancelling the credit note would revive the first invoice next to the new one
        with self.assertRefused(UserError, "is already billed by"):
            refund.with_user(self.accountant).button_cancel()

    def test_partial_credit_note_keeps_the_invoice(self):
        self.company.support_milestone_auto_post = True
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        invoice = self._run_cron(block)
        refund = self._credit(invoice)
        refund.with_user(self.accountant).write(
            {"invoice_line_ids": [Command.update(refund.invoice_line_ids.id, {"price_unit": 50})]}
        )
        refund.with_user(self.accountant).action_post()
        self.assertRecordValues(milestone, [{"state": "invoiced", "invoice_id": invoice.id}])

    def test_reverse_and_reinvoice_keeps_one_live_invoice(self):
        self.company.support_milestone_auto_post = True
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        invoice = self._run_cron(block)
        wizard = (
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"journal_id": invoice.journal_id.id})
        )
        action = wizard.modify_moves()
        replacement = self.Move.browse(action["res_id"])
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertRecordValues(milestone, [{"state": "invoiced", "invoice_id": replacement.id}])
        self.assertEqual(self._live_invoices(milestone), replacement)
        self.assertFalse(self._run_cron(block))

    def test_cancelling_an_invoiced_block_is_refused(self):
        block = self._create_block(hours=10)
        self._run_cron(block)
        with self.assertRefused(UserError, "cancel or credit its milestone invoices"):
            block.with_user(self.support_manager).action_cancel()
        self.assertEqual(block.state, "active")


@tagged("post_install", "-at_install")
class TestMilestoneSaleOrder(MilestoneCommon):
    """A block sold on an order is invoiced by its milestones through the order item:
    the order cannot bill the same hours again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.block_product = cls.env["product.product"].create(
            {
                "name": "Test Support Block 10 h (milestones)",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 900.0,
                "support_block_ok": True,
                "support_block_hours": 10,
                "support_milestone_plan_id": cls.plan_half.id,
            }
        )
        cls.salesman = new_test_user(
            cls.env,
            login="salesman_milestones",
            groups="base.group_user,sales_team.group_sale_salesman_all_leads",
            name="Sid Sales",
        )

    def _confirmed_order(self, product, qty=2):
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "client_order_ref": "PO-SO-5521",
                    "order_line": [
                        Command.create({"product_id": product.id, "product_uom_qty": qty})
                    ],
                }
            )
        )
        order.with_user(self.salesman).action_confirm()
        return order

    def _create_order_invoice(self, order):
        return order.with_user(self.salesman)._create_invoices()

    def test_milestones_bill_the_order_item(self):
        order = self._confirmed_order(self.block_product, qty=2)
        line = order.order_line
        block = line.sudo().support_block_ids
        self.assertEqual(block.milestone_plan_id, self.plan_half)
        self.assertRecordValues(
            block.milestone_ids,
            [
                {"state": "due", "amount_to_invoice": 900.0},
                {"state": "pending", "amount_to_invoice": 900.0},
            ],
        )
        # the order itself has nothing to invoice: the milestones will
        self.assertRecordValues(
            line, [{"qty_to_invoice": 0.0, "qty_invoiced": 0.0, "invoice_status": "no"}]
        )
        with self.assertRefused(UserError, NOTHING_TO_INVOICE):
            self._create_order_invoice(order)

        first = self._run_cron(block)
        self.assertRecordValues(
            first,
            [{"ref": "PO-SO-5521", "invoice_origin": order.name, "amount_untaxed": 900.0}],
        )
        self.assertRecordValues(
            first.invoice_line_ids,
            [{"sale_line_ids": line.ids, "quantity": 1.0, "price_unit": 900.0}],
        )
        self.assertRecordValues(
            line, [{"qty_invoiced": 1.0, "qty_to_invoice": 0.0, "invoice_status": "no"}]
        )
        self.assertEqual(order.invoice_ids, first)
        with self.assertRefused(UserError, NOTHING_TO_INVOICE):
            self._create_order_invoice(order)

        self._exhaust(block)
        second = self._run_cron(block)
        self.assertRecordValues(
            second.invoice_line_ids, [{"sale_line_ids": line.ids, "quantity": 1.0}]
        )
        self.assertRecordValues(
            line, [{"qty_invoiced": 2.0, "qty_to_invoice": 0.0, "invoice_status": "invoiced"}]
        )
        self.assertEqual(order.invoice_status, "invoiced")
        with self.assertRefused(UserError, NOTHING_TO_INVOICE):
            self._create_order_invoice(order)
        self.assertEqual(order.invoice_ids, first | second)

    def test_product_without_plan_is_invoiced_by_the_order(self):
        self.block_product.support_milestone_plan_id = False
        order = self._confirmed_order(self.block_product, qty=1)
        block = order.order_line.sudo().support_block_ids
        self.assertFalse(block.milestone_ids)
        self.assertEqual(order.invoice_status, "to invoice")
        invoice = self._create_order_invoice(order)
        self.assertEqual(invoice.invoice_line_ids.quantity, 1.0)
        self.assertFalse(invoice.support_milestone_id)

    def test_credited_milestone_is_billed_again_through_the_item(self):
        self.company.support_milestone_auto_post = True
        order = self._confirmed_order(self.block_product, qty=2)
        line = order.order_line
        block = line.sudo().support_block_ids
        invoice = self._run_cron(block)
        invoice._reverse_moves(cancel=True)
        self.assertEqual(line.qty_invoiced, 0.0)
        self.assertEqual(block.milestone_ids[0].state, "due")
        again = self._run_cron(block)
        self.assertEqual(again.invoice_line_ids.quantity, 1.0)
        self.assertEqual(line.qty_invoiced, 1.0)


@tagged("post_install", "-at_install")
class TestMilestoneIdempotency(MilestoneCommon):
    """Run twice, or rerun after a crash midway: one live invoice per milestone."""

    def _due_blocks(self):
        blocks = self.env["support.block"]
        for index in range(3):
            blocks |= self._create_block(hours=4, po=f"PO-IDEM-{index}")
        self._exhaust(blocks[0])
        return blocks

    def test_cron_twice(self):
        blocks = self._due_blocks()
        due = blocks.milestone_ids.filtered(lambda m: m.state == "due")
        self.assertEqual(len(due), 4)
        first = self._run_cron(blocks)
        second = self._run_cron(blocks)
        self.assertEqual(len(first), 4)
        self.assertFalse(second)
        for milestone in due:
            self.assertEqual(len(self._invoices(milestone)), 1)
            self.assertEqual(self._live_invoices(milestone), milestone.invoice_id)

    def test_interrupted_midway_then_rerun(self):
        blocks = self._due_blocks()
        due = blocks.milestone_ids.filtered(lambda m: m.state == "due")
        original = SupportBlockMilestone._support_create_invoice
        created = []

        def crash_after_first_invoice(milestone):
            # the invoice is created, then the worker dies before the milestone is done
            invoice = original(milestone)
            created.append(invoice.id)
            if len(created) > 1:
                raise RuntimeError("worker killed")
            return invoice

        with (
            patch.object(
                SupportBlockMilestone,
                "_support_create_invoice",
                autospec=True,
                side_effect=crash_after_first_invoice,
            ),
            mute_logger(MILESTONE_LOGGER),
        ):
            first_run = self._run_cron(blocks)
        self.assertEqual(len(first_run), 1)
        done = first_run.support_milestone_id
        failed = due - done
        self.assertEqual(len(failed), 3)
        # nothing partial: the invoices of the failed milestones were rolled back
        self.assertFalse(self.Move.browse(created[1:]).exists())
        self.assertFalse(self._invoices(failed))
        self.assertRecordValues(
            failed, [{"state": "due", "invoice_id": False, "invoice_error": "worker killed"}] * 3
        )

        rerun = self._run_cron(blocks)
        self.assertEqual(rerun.support_milestone_id, failed)
        for milestone in due:
            self.assertEqual(len(self._invoices(milestone)), 1)
            self.assertEqual(self._live_invoices(milestone), milestone.invoice_id)
            self.assertFalse(milestone.invoice_error)
        self.assertEqual(
            self.Move.search([("support_block_id", "in", blocks.ids)]), first_run | rerun
        )

    def test_database_refuses_a_second_live_invoice(self):
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        invoice = self._run_cron(block)
        other = self.Move.create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "invoice_line_ids": [Command.create({"name": "Other", "price_unit": 10.0})],
            }
        )
        self.env.flush_all()
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.env.cr.execute(
                SQL(
                    "UPDATE account_move SET support_milestone_id = %s, "
                    "support_milestone_live = true WHERE id = %s",
                    milestone.id,
                    other.id,
                )
            )
        self.assertEqual(self._live_invoices(milestone), invoice)

    def test_invoicing_checks_again_after_the_lock(self):
        block = self._create_block(hours=10)
        milestone = block.milestone_ids[0]
        self.assertEqual(milestone._support_lock(), milestone)
        # a milestone already invoiced in this transaction is checked again after the lock
        milestone._support_invoice()
        self.assertFalse(milestone._support_invoice())
        self.assertEqual(len(self._invoices(milestone)), 1)

    def test_milestones_locked_by_another_run_are_skipped(self):
        # a committed (demo) milestone, locked by a concurrent transaction
        milestones = self.env.ref("it_support_time.block_citybakery").milestone_ids
        other_cr = self.registry.cursor()
        try:
            other_cr.execute(
                SQL(
                    "SELECT id FROM support_block_milestone WHERE id = %s FOR UPDATE NOWAIT",
                    milestones[0].id,
                )
            )
            self.assertEqual(milestones._support_lock(), milestones[1:])
        finally:
            other_cr.rollback()
            other_cr.close()
        self.assertEqual(milestones._support_lock(), milestones)
