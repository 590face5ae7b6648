from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import TransactionCase, freeze_time, new_test_user, tagged

from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestBlockActivation(BlockCommon):
    def test_activation_requires_po_and_changes_nothing_without(self):
        block = self._create_block(po=False, activate=False)
        self.assertRegex(block.name, r"^BLK/\d{4}/\d{4,}$")
        tasks = self.env["project.task"].search_count([])
        with self.assertRefused(UserError, "has no PO number"):
            block.with_user(self.support_manager).action_activate()
        self.assertRecordValues(block, [{"state": "draft", "task_id": False}])
        self.assertEqual(self.env["project.task"].search_count([]), tasks)

    def test_activation_creates_task_in_customer_support_project(self):
        block = self._create_block(po="4500123", activate=False)
        block.with_user(self.support_manager).action_activate()
        self.assertEqual(block.state, "active")
        self.assertEqual(block.project_id, self.project)
        self.assertEqual(block.task_id.project_id, self.project)
        self.assertIn("4500123", block.task_id.name)
        self.assertIn(block.name, block.task_id.name)
        self.assertEqual(block.task_id.partner_id, self.customer)
        # activating twice is refused
        with self.assertRefused(UserError, "only draft blocks can be activated"):
            block.with_user(self.support_manager).action_activate()

    def test_activation_creates_support_project_when_missing(self):
        newcomer = self.env["res.partner"].create({"name": "Newcomer GmbH", "is_company": True})
        contact = self.env["res.partner"].create({"name": "Nina", "parent_id": newcomer.id})
        block = self._create_block(partner_id=contact.id, activate=False)
        # the block belongs to the commercial entity
        self.assertEqual(block.partner_id, newcomer)
        block.with_user(self.support_manager).action_activate()
        self.assertRecordValues(
            block.project_id,
            [{"partner_id": newcomer.id, "is_support_project": True, "allow_timesheets": True}],
        )

    def test_invalid_blocks_are_refused(self):
        Block = self.env["support.block"].with_user(self.support_manager)
        count = Block.search_count([])
        values = {"partner_id": self.customer.id, "po_number": "X", "hours_purchased": 10}
        with self.assertRefused(ValidationError, "positive number of purchased hours"):
            Block.create(dict(values, hours_purchased=0))
        with self.assertRefused(ValidationError, "cannot expire before it starts"):
            Block.create(dict(values, date_start="2026-02-01", date_end="2026-01-01"))
        with self.assertRefused(ValidationError, "set the overage rate"):
            Block.create(dict(values, overage_policy="overage_rate", overage_rate=0))
        with self.assertRefused(ValidationError, "whole percentages separated by commas"):
            Block.create(dict(values, alert_thresholds="75;90"))
        self.assertEqual(Block.search_count([]), count)

    def test_customer_cannot_change_once_active(self):
        block = self._create_block()
        with self.assertRefused(UserError, "cannot change once it is active"):
            block.with_user(self.support_manager).partner_id = self.customer_b
        self.assertEqual(block.partner_id, self.customer)

    def test_cancel_close_and_delete(self):
        block = self._create_block()
        self._log_time(60, self.type_phone, task=block.task_id)
        manager_block = block.with_user(self.support_manager)
        with self.assertRefused(UserError, "close it instead of cancelling"):
            manager_block.action_cancel()
        with self.assertRefused(UserError, "cancel or close it instead of deleting"):
            manager_block.unlink()
        self.assertEqual(block.state, "active")
        manager_block.action_close()
        self.assertEqual(block.state, "closed")
        draft = self._create_block(activate=False)
        draft.with_user(self.support_manager).action_cancel()
        self.assertEqual(draft.state, "cancelled")
        draft.with_user(self.support_manager).unlink()
        self.assertFalse(draft.exists())

    def test_support_user_reads_but_cannot_manage_blocks(self):
        block = self._create_block()
        as_user = block.with_user(self.support_user)
        self.assertEqual(as_user.name, block.name)
        with self.assertRaises(AccessError):
            as_user.write({"hours_purchased": 20})
        with self.assertRaises(AccessError):
            self.env["support.block"].with_user(self.support_user).create(
                {"partner_id": self.customer.id, "hours_purchased": 5}
            )
        employee = new_test_user(self.env, login="plain_employee", groups="base.group_user")
        with self.assertRaises(AccessError):
            block.with_user(employee).read(["name"])

    def test_blocks_of_other_companies_are_hidden(self):
        other_company = self.env["res.company"].create({"name": "Other Support Co"})
        foreign = self.env["support.block"].create(
            {
                "partner_id": self.customer.id,
                "hours_purchased": 5,
                "company_id": other_company.id,
            }
        )
        mine = self._create_block()
        Block = self.env["support.block"].with_user(self.support_user)
        self.assertIn(mine, Block.search([]))
        self.assertNotIn(foreign, Block.search([]))
        with self.assertRaises(AccessError):
            foreign.with_user(self.support_user).read(["name"])


@tagged("post_install", "-at_install")
class TestBlockBalance(BlockCommon):
    def test_balance_is_derived_from_entries(self):
        block = self._create_block(hours=10)
        self._log_time(90, self.type_phone, task=block.task_id)
        self._log_time(60, self.type_afterhours, task=self.task_other)
        self.assertRecordValues(
            block,
            [
                {
                    "hours_available": 10.0,
                    "hours_used": 3.0,
                    "hours_remaining": 7.0,
                    "usage_percent": 30.0,
                    "timesheet_count": 2,
                }
            ],
        )

    def test_balance_of_1000_blocks_in_one_grouped_query(self):
        partners = self.env["res.partner"].create(
            [{"name": f"Bulk customer {i}", "is_company": True} for i in range(1000)]
        )
        blocks = self.env["support.block"].create(
            [
                {
                    "name": f"BULK/{i:04d}",
                    "partner_id": partner.id,
                    "po_number": f"PO-{i}",
                    "hours_purchased": 10 + i % 7,
                }
                for i, partner in enumerate(partners)
            ]
        )
        # one entry for every third block, drawing i % 5 + 1 hours
        self.env["account.analytic.line"].create(
            [
                {
                    "name": "Bulk entry",
                    "project_id": self.project.id,
                    "task_id": self.task.id,
                    "employee_id": self.employee_user.id,
                    "support_type_id": self.type_phone.id,
                    "unit_amount": i % 5 + 1,
                    "support_block_id": block.id,
                }
                for i, block in enumerate(blocks)
                if i % 3 == 0
            ]
        )
        blocks.invalidate_recordset()
        # the budget is 5 queries; it takes 2: the blocks' own fields, then one grouped
        # query over the entries of all 1,000 blocks
        with self.assertQueryCount(2):
            balances = [(b.hours_used, b.hours_remaining, b.usage_percent) for b in blocks]
        for i, (used, remaining, usage) in enumerate(balances):
            expected_used = (i % 5 + 1) if i % 3 == 0 else 0.0
            purchased = 10 + i % 7
            self.assertAlmostEqual(used, expected_used)
            self.assertAlmostEqual(remaining, purchased - expected_used)
            self.assertAlmostEqual(usage, 100.0 * expected_used / purchased)

    def test_task_and_customer_show_the_balance(self):
        block = self._create_block(hours=10)
        self._log_time(150, self.type_phone, task=self.task_other)
        task = block.task_id.with_user(self.support_user)
        self.assertRecordValues(
            task,
            [
                {
                    "support_block_id": block.id,
                    "support_block_hours_remaining": 7.5,
                    "support_block_hours_used": 2.5,
                    "support_block_hours_available": 10.0,
                }
            ],
        )
        # another support task of the customer shows the block its time draws from
        self.assertEqual(self.task_other.with_user(self.support_user).support_block_id, block)
        self.assertFalse(self.task_b.with_user(self.support_user).support_block_id)
        contact = self.customer_contact.with_user(self.support_user)
        self.assertRecordValues(
            contact,
            [{"support_block_count": 1, "support_block_hours_remaining": 7.5}],
        )
        hours = self.task_other.with_user(self.support_user)._support_timer_block_hours()
        self.assertEqual(hours[self.task_other.id]["block_id"], block.id)
        self.assertAlmostEqual(hours[self.task_other.id]["hours_remaining"], 7.5)
        self.assertFalse(self.task_b._support_timer_block_hours()[self.task_b.id])

    @freeze_time("2026-05-04")
    def test_balance_colour_follows_thresholds(self):
        block = self._create_block(hours=4, alert_thresholds="50,100")
        self.assertEqual(block._support_balance_level(), "success")
        self._log_time(120, self.type_phone, task=block.task_id)
        self.assertEqual(block._support_balance_level(), "warning")
        self._log_time(120, self.type_phone, task=block.task_id)
        self.assertEqual(block._support_balance_level(), "danger")


@tagged("post_install", "-at_install")
class TestBlockDemo(TransactionCase):
    """The demo database shows blocks at every stage."""

    def test_demo_blocks(self):
        acme = self.env.ref("it_support_time.block_acme")
        self.assertEqual(acme.state, "active")
        self.assertGreaterEqual(acme.usage_percent, 75)
        self.assertLess(acme.usage_percent, 100)
        self.assertIn("75", acme.alert_fired)
        brightlaw = self.env.ref("it_support_time.block_brightlaw")
        self.assertEqual(brightlaw.state, "exhausted")
        self.assertGreater(brightlaw.hours_overage, 0)
        deltaarch = self.env.ref("it_support_time.block_deltaarch")
        self.assertEqual(deltaarch.state, "active")
        self.assertEqual(deltaarch.timesheet_ids.task_id, deltaarch.task_id)
        self.assertEqual(self.env.ref("it_support_time.block_citybakery").state, "draft")
        order_line = self.env.ref("it_support_time.sale_order_line_evergreen_block")
        evergreen = self.env["support.block"].search([("sale_line_id", "=", order_line.id)])
        self.assertRecordValues(
            evergreen, [{"state": "active", "hours_purchased": 20.0, "po_number": "EVG-PO-5521"}]
        )
        self.assertTrue(evergreen.timesheet_ids)
