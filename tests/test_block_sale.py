from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import new_test_user, tagged

from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestBlockSale(BlockCommon):
    """A confirmed sales order of a block product creates the customer's block."""

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
        cls.other_product = cls.env["product.product"].create(
            {"name": "Test Router", "type": "consu", "list_price": 150.0}
        )
        cls.salesman = new_test_user(
            cls.env,
            login="salesman",
            groups="base.group_user,sales_team.group_sale_salesman",
            name="Sally Sales",
        )

    def _order(self, client_order_ref="4500777", qty=2, discount=0.0):
        return (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer_contact.id,
                    "client_order_ref": client_order_ref,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": self.block_product.id,
                                "product_uom_qty": qty,
                                "discount": discount,
                            }
                        ),
                        Command.create({"product_id": self.other_product.id}),
                    ],
                }
            )
        )

    def _blocks(self, order):
        return self.env["support.block"].search([("sale_line_id.order_id", "=", order.id)])

    def test_product_flag_needs_service_and_hours(self):
        Product = self.env["product.template"]
        count = Product.search_count([])
        with self.assertRefused(ValidationError, "make it a service"):
            Product.create(
                {
                    "name": "Bad",
                    "type": "consu",
                    "support_block_ok": True,
                    "support_block_hours": 5,
                }
            )
        with self.assertRefused(ValidationError, "enter the hours one unit contains"):
            Product.create({"name": "Bad", "type": "service", "support_block_ok": True})
        self.assertEqual(Product.search_count([]), count)

    def test_confirmation_creates_active_block(self):
        order = self._order(qty=2, discount=10.0)
        order.with_user(self.salesman).action_confirm()
        block = self._blocks(order)
        line = order.order_line.filtered(lambda ln: ln.product_id == self.block_product)
        self.assertRecordValues(
            block,
            [
                {
                    "state": "active",
                    "partner_id": self.customer.id,
                    "contact_id": self.customer_contact.id,
                    "po_number": "4500777",
                    "hours_purchased": 20.0,
                    "price_unit": 81.0,
                    "amount_total": 1620.0,
                    "sale_line_id": line.id,
                    "project_id": self.project.id,
                    "user_id": self.salesman.id,
                }
            ],
        )
        self.assertIn("4500777", block.task_id.name)
        self.assertEqual(order.support_block_count, 1)
        # time logged for the customer now draws from it
        entry = self._log_time(60, self.type_phone, task=self.task_other)
        self.assertEqual(entry.support_block_id, block)

    def test_confirmation_without_po_is_refused(self):
        order = self._order(client_order_ref=False)
        with self.assertRefused(UserError, "enter the customer's PO number as Customer Reference"):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft")
        self.assertFalse(self._blocks(order))
        # orders without a block product confirm as usual
        plain = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [Command.create({"product_id": self.other_product.id})],
                }
            )
        )
        plain.with_user(self.salesman).action_confirm()
        self.assertEqual(plain.state, "sale")

    def test_cancelled_order_cancels_unused_block_and_reconfirm_reactivates_it(self):
        order = self._order()
        order.with_user(self.salesman).action_confirm()
        block = self._blocks(order)
        order.with_user(self.salesman).with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(block.state, "cancelled")
        order.with_user(self.salesman).action_draft()
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(self._blocks(order), block)
        self.assertEqual(block.state, "active")

    def test_order_of_a_used_block_cannot_be_cancelled(self):
        order = self._order()
        order.with_user(self.salesman).action_confirm()
        block = self._blocks(order)
        self._log_time(60, self.type_phone, task=block.task_id)
        with self.assertRefused(UserError, "close the block instead"):
            order.with_user(self.salesman).with_context(
                disable_cancel_warning=True
            ).action_cancel()
        self.assertEqual(order.state, "sale")
        self.assertEqual(block.state, "active")
