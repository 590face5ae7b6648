from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, new_test_user, tagged

from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestBlockRenewal(BlockCommon):
    """The renewal wizard creates the next block, or a quotation for it; with rollover
    what is left of the old block (or its negative balance) moves into the new one."""

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
        cls.seller_manager = new_test_user(
            cls.env,
            login="seller_manager",
            groups="base.group_user,it_support_time.group_support_manager,"
            "sales_team.group_sale_salesman",
            name="Sid Seller",
        )

    def _wizard(self, block, user=None):
        action = block.with_user(user or self.support_manager).action_renew()
        return Form(
            self.env[action["res_model"]]
            .with_user(user or self.support_manager)
            .with_context(**action["context"])
        )

    @freeze_time("2026-06-15")
    def test_wizard_prefills_terms(self):
        block = self._create_block(
            hours=20, price_unit=85.0, date_start="2026-01-01", date_end="2026-06-30"
        )
        wizard = self._wizard(block)
        self.assertEqual(wizard.hours_purchased, 20.0)
        self.assertEqual(wizard.price_unit, 85.0)
        self.assertEqual(str(wizard.date_start), "2026-07-01")
        self.assertEqual(str(wizard.date_end), "2026-12-31")
        self.assertFalse(wizard.po_number)
        # with rollover the current block closes now: the new one starts today
        wizard.rollover = True
        self.assertEqual(str(wizard.date_start), "2026-06-15")
        self.assertEqual(str(wizard.date_end), "2026-12-14")

    def test_renewal_with_rollover_moves_unused_hours(self):
        block = self._create_block(hours=10, rollover=True)
        self._log_time(420, self.type_phone, task=block.task_id)
        wizard = self._wizard(block)
        wizard.po_number = "PO-2002"
        wizard.hours_purchased = 15
        self.assertEqual(wizard.rollover_hours, 3.0)
        action = wizard.save().action_confirm()
        new = self.env["support.block"].browse(action["res_id"])
        self.assertRecordValues(
            new,
            [
                {
                    "state": "active",
                    "po_number": "PO-2002",
                    "hours_purchased": 15.0,
                    "rollover_hours_in": 3.0,
                    "hours_available": 18.0,
                    "hours_remaining": 18.0,
                    "previous_block_id": block.id,
                    "partner_id": self.customer.id,
                    "project_id": self.project.id,
                    "price_unit": 90.0,
                }
            ],
        )
        self.assertRecordValues(
            block,
            [
                {
                    "state": "closed",
                    "rollover_hours_out": 3.0,
                    "hours_remaining": 0.0,
                    "renewed_block_id": new.id,
                }
            ],
        )
        self.assertIn("PO-2002", new.task_id.name)
        self.assertNotEqual(new.task_id, block.task_id)
        # the old block's task no longer draws from the closed block: new time goes to
        # the customer's running block
        entry = self._log_time(60, self.type_phone, task=block.task_id)
        self.assertEqual(entry.support_block_id, new)

    def test_renewal_with_rollover_deducts_negative_balance(self):
        block = self._create_block(hours=10, rollover=True, overage_policy="negative")
        self._log_time(720, self.type_phone, task=block.task_id)
        self.assertAlmostEqual(block.hours_remaining, -2.0)
        new = block.with_user(self.support_manager)._support_renew(10, 90.0, "PO-2003")
        self.assertRecordValues(
            new, [{"rollover_hours_in": -2.0, "hours_available": 8.0, "state": "active"}]
        )
        self.assertRecordValues(block, [{"rollover_hours_out": -2.0, "state": "closed"}])

    def test_renewal_without_rollover_keeps_old_block_running(self):
        block = self._create_block(hours=10)
        self._log_time(60, self.type_phone, task=block.task_id)
        wizard = self._wizard(block)
        wizard.po_number = "PO-2004"
        wizard.hours_purchased = 10
        new = self.env["support.block"].browse(wizard.save().action_confirm()["res_id"])
        self.assertRecordValues(new, [{"rollover_hours_in": 0.0, "hours_available": 10.0}])
        self.assertRecordValues(
            block, [{"state": "active", "renewed_block_id": new.id, "hours_remaining": 9.0}]
        )
        # the old block is drawn first; its overflow goes to the renewal
        self._log_time(600, self.type_phone, task=self.task_other)
        self.assertEqual(block.state, "exhausted")
        self.assertAlmostEqual(new.hours_used, 1.0)

    def test_renewal_refusals_write_nothing(self):
        block = self._create_block(hours=10)
        manager_block = block.with_user(self.support_manager)
        Block = self.env["support.block"]
        count = Block.search_count([])
        with self.assertRefused(UserError, "Enter the customer's PO number"):
            manager_block._support_renew(10, 90.0, "   ")
        with self.assertRefused(UserError, "positive number of hours"):
            manager_block._support_renew(0, 90.0, "PO-1")
        self.assertEqual(Block.search_count([]), count)
        manager_block._support_renew(10, 90.0, "PO-2005")
        with self.assertRefused(UserError, "already renewed by"):
            manager_block.action_renew()
        draft = self._create_block(activate=False)
        with self.assertRefused(UserError, "cannot be renewed"):
            draft.with_user(self.support_manager).action_renew()
        self.assertEqual(Block.search_count([]), count + 2)

    def test_technician_cannot_renew(self):
        block = self._create_block(hours=10)
        with self.assertRaises(AccessError):
            self.env["support.block.renew.wizard"].with_user(self.support_user).create(
                {"block_id": block.id, "po_number": "PO-X"}
            )

    def test_renewal_quotation_creates_block_when_confirmed(self):
        block = self._create_block(hours=10, rollover=True, contact_id=self.customer_contact.id)
        self._log_time(240, self.type_phone, task=block.task_id)
        wizard = self._wizard(block, user=self.seller_manager)
        wizard.po_number = "PO-Q-77"
        wizard.create_mode = "quotation"
        wizard.hours_purchased = 20
        self.assertTrue(wizard.product_id.support_block_ok)
        wizard.product_id = self.block_product
        action = wizard.save().action_confirm()
        order = self.env["sale.order"].browse(action["res_id"])
        self.assertRecordValues(
            order,
            [
                {
                    "state": "draft",
                    "client_order_ref": "PO-Q-77",
                    "partner_id": self.customer_contact.id,
                }
            ],
        )
        self.assertRecordValues(
            order.order_line,
            [
                {
                    "product_id": self.block_product.id,
                    "product_uom_qty": 2.0,
                    "price_unit": 900.0,
                    "support_renew_block_id": block.id,
                }
            ],
        )
        self.assertEqual(block.state, "active")
        with self.assertRefused(UserError, "already renews block"):
            block.with_user(self.seller_manager).action_renew()
        # more time is used before the customer confirms: the rollover counts it
        self._log_time(60, self.type_phone, task=block.task_id)
        order.with_user(self.seller_manager).action_confirm()
        new = order.order_line.sudo().support_block_ids
        self.assertRecordValues(
            new,
            [
                {
                    "state": "active",
                    "po_number": "PO-Q-77",
                    "hours_purchased": 20.0,
                    "rollover_hours_in": 5.0,
                    "previous_block_id": block.id,
                }
            ],
        )
        self.assertRecordValues(block, [{"state": "closed", "rollover_hours_out": 5.0}])

    def test_quotation_needs_sales_rights(self):
        block = self._create_block(hours=10)
        with self.assertRefused(UserError, "Only salespeople can create quotations"):
            block.with_user(self.support_manager)._support_renew(
                10, 90.0, "PO-1", quotation=True, product=self.block_product
            )
        self.assertFalse(
            self.env["sale.order.line"].search([("support_renew_block_id", "=", block.id)])
        )
