from odoo.exceptions import UserError
from odoo.tests import freeze_time, tagged

from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestBlockConsumption(BlockCommon):
    """Which entries draw from which block, and how an entry larger than what is left
    is split by the block's overage policy."""

    def test_entry_on_block_task_draws_from_block(self):
        block = self._create_block(hours=10)
        entry = self._log_time(90, self.type_phone, task=block.task_id)
        self.assertEqual(entry.support_block_id, block)
        self.assertFalse(entry.support_is_overage)
        self.assertAlmostEqual(entry.support_block_hours, 1.5)
        self.assertRecordValues(
            block, [{"hours_used": 1.5, "hours_remaining": 8.5, "usage_percent": 15.0}]
        )

    def test_billable_entry_of_same_customer_on_other_support_task_draws(self):
        block = self._create_block(hours=10)
        entry = self._log_time(60, self.type_phone, task=self.task_other)
        self.assertEqual(entry.support_block_id, block)
        self.assertAlmostEqual(block.hours_used, 1.0)

    def test_entries_that_do_not_draw(self):
        block = self._create_block(hours=10)
        meeting = self._log_time(60, self.type_meeting, task=self.task_other)
        other_customer = self._log_time(60, self.type_phone, task=self.task_b)
        internal_project = self.env["project.project"].create(
            {"name": "Internal", "partner_id": self.customer.id, "allow_timesheets": True}
        )
        internal_task = self.env["project.task"].create(
            {"name": "Internal work", "project_id": internal_project.id}
        )
        not_support = self._log_time(60, self.type_phone, task=internal_task)
        self.assertFalse((meeting | other_customer | not_support).support_block_id)
        self.assertEqual(block.hours_used, 0.0)

    def test_block_factor_draws_more_hours(self):
        block = self._create_block(hours=10)
        entry = self._log_time(60, self.type_afterhours, task=block.task_id)
        self.assertAlmostEqual(entry.billed_hours, 1.0)
        self.assertAlmostEqual(entry.support_block_hours, 1.5)
        self.assertAlmostEqual(block.hours_remaining, 8.5)

    @freeze_time("2026-04-10")
    def test_backdated_entry_lands_in_block_of_its_work_date(self):
        first = self._create_block(
            hours=10, po="PO-Q1", date_start="2026-01-01", date_end="2026-03-31"
        )
        second = self._create_block(hours=10, po="PO-Q2", date_start="2026-04-01")
        late = self._log_time(60, self.type_phone, task=self.task_other, date="2026-03-15")
        today = self._log_time(30, self.type_phone, task=self.task_other)
        self.assertEqual(late.support_block_id, first)
        self.assertEqual(today.support_block_id, second)
        # moving the work date moves the entry to the block of the new date
        late.with_user(self.support_user).date = "2026-04-02"
        self.assertEqual(late.support_block_id, second)
        self.assertEqual(first.hours_used, 0.0)
        self.assertAlmostEqual(second.hours_used, 1.5)

    def test_oldest_block_first(self):
        older = self._create_block(hours=2, po="PO-OLD", date_start="2020-01-01")
        newer = self._create_block(hours=10, po="PO-NEW", date_start="2021-01-01")
        first = self._log_time(120, self.type_phone, task=self.task_other)
        second = self._log_time(60, self.type_phone, task=self.task_other)
        self.assertEqual(first.support_block_id, older)
        self.assertEqual(older.state, "exhausted")
        self.assertEqual(second.support_block_id, newer)

    def _assert_split(self, original, pieces, worked_minutes, billed_hours):
        """The pieces keep the worked and billed time of the original entry."""
        self.assertAlmostEqual(sum(pieces.mapped("unit_amount")), worked_minutes / 60)
        self.assertAlmostEqual(sum(pieces.mapped("billed_hours")), billed_hours)
        self.assertEqual(set(pieces.mapped("name")), {original.name})
        self.assertEqual(pieces.employee_id, original.employee_id)
        self.assertEqual(pieces.task_id, original.task_id)
        self.assertEqual(set(pieces.mapped("date")), {original.date})

    def test_split_next_block(self):
        first = self._create_block(hours=3, po="PO-A", overage_policy="next_block")
        second = self._create_block(
            hours=10, po="PO-B", date_start="2021-01-01", overage_policy="next_block"
        )
        self._log_time(120, self.type_phone, task=first.task_id)
        entry = self._log_time(150, self.type_phone, task=first.task_id, name="Big job")
        pieces = self.env["account.analytic.line"].search([("name", "=", "Big job")])
        self.assertRecordValues(
            pieces.sorted("id"),
            [
                {"support_block_id": first.id, "billed_hours": 1.0, "unit_amount": 1.0},
                {"support_block_id": second.id, "billed_hours": 1.5, "unit_amount": 1.5},
            ],
        )
        self._assert_split(entry, pieces, 150, 2.5)
        self.assertRecordValues(
            first | second,
            [
                {"state": "exhausted", "hours_used": 3.0, "hours_remaining": 0.0},
                {"state": "active", "hours_used": 1.5, "hours_remaining": 8.5},
            ],
        )

    def test_split_next_block_without_next_block_leaves_rest_outside(self):
        block = self._create_block(hours=1, overage_policy="next_block")
        entry = self._log_time(150, self.type_phone, task=block.task_id)
        pieces = self.env["account.analytic.line"].search([("task_id", "=", block.task_id.id)])
        self.assertRecordValues(
            pieces.sorted("id"),
            [
                {"support_block_id": block.id, "billed_hours": 1.0, "support_is_overage": False},
                {"support_block_id": False, "billed_hours": 1.5, "support_is_overage": False},
            ],
        )
        self._assert_split(entry, pieces, 150, 2.5)
        self.assertEqual(block.state, "exhausted")

    def test_split_overage_rate(self):
        block = self._create_block(hours=1, overage_policy="overage_rate", overage_rate=130.0)
        # 1 h 30 worked with the 15-minute increment: rounded up to 1.5, split 1 + 0.5
        entry = self._log_time(80, self.type_phone, task=block.task_id)
        pieces = self._block_entries(block)
        self.assertRecordValues(
            pieces,
            [
                {"billed_hours": 1.0, "support_is_overage": False, "support_block_hours": 1.0},
                {"billed_hours": 0.5, "support_is_overage": True, "support_block_hours": 0.5},
            ],
        )
        self._assert_split(entry, pieces, 80, 1.5)
        # the worked time is split in the same proportion as the billed time
        self.assertAlmostEqual(pieces[0].unit_amount, 80 / 60 * 2 / 3)
        self.assertRecordValues(
            block,
            [
                {
                    "state": "exhausted",
                    "hours_used": 1.0,
                    "hours_overage": 0.5,
                    "hours_remaining": 0.0,
                }
            ],
        )
        # later time is all overage
        later = self._log_time(30, self.type_phone, task=self.task_other)
        self.assertRecordValues(
            later, [{"support_block_id": block.id, "support_is_overage": True}]
        )

    def test_split_overage_with_block_factor(self):
        block = self._create_block(hours=3, overage_policy="overage_rate", overage_rate=130.0)
        entry = self._log_time(180, self.type_afterhours, task=block.task_id)
        pieces = self._block_entries(block)
        # 3 billed hours draw 4.5 block hours: 2 billed hours fill the block
        self.assertRecordValues(
            pieces,
            [
                {"billed_hours": 2.0, "support_is_overage": False, "support_block_hours": 3.0},
                {"billed_hours": 1.0, "support_is_overage": True, "support_block_hours": 1.5},
            ],
        )
        self._assert_split(entry, pieces, 180, 3.0)

    def test_negative_goes_below_zero(self):
        block = self._create_block(hours=1, overage_policy="negative")
        entry = self._log_time(180, self.type_phone, task=self.task_other)
        self.assertEqual(self._block_entries(block), entry)
        self.assertRecordValues(
            block, [{"state": "exhausted", "hours_used": 3.0, "hours_remaining": -2.0}]
        )

    def test_stop_refuses_technician_and_writes_nothing(self):
        block = self._create_block(hours=1, overage_policy="stop")
        self._log_time(45, self.type_phone, task=block.task_id)
        Line = self.env["account.analytic.line"]
        count = Line.search_count([("project_id", "=", self.project.id)])
        with self.assertRefused(UserError, r"has 0\.25 hours left and does not allow more"):
            self._log_time(60, self.type_phone, task=block.task_id)
        self.assertEqual(Line.search_count([("project_id", "=", self.project.id)]), count)
        self.assertRecordValues(block, [{"state": "active", "hours_used": 0.75}])
        # an edit that would exceed the block is refused too, and the entry is unchanged
        entry = self._block_entries(block)
        with self.assertRefused(UserError, "does not allow more"):
            entry.with_user(self.support_user).unit_amount = 2.0
        self.assertAlmostEqual(entry.unit_amount, 0.75)
        self.assertEqual(entry.support_block_id, block)

    def test_stop_lets_manager_exceed(self):
        block = self._create_block(hours=1, overage_policy="stop")
        entry = self._log_time(120, self.type_phone, task=block.task_id, user=self.support_manager)
        self.assertEqual(entry.support_block_id, block)
        self.assertRecordValues(block, [{"state": "exhausted", "hours_remaining": -1.0}])

    def test_edit_and_delete_rederive_and_reactivate(self):
        block = self._create_block(hours=2)
        entry = self._log_time(60, self.type_phone, task=block.task_id)
        other = self._log_time(60, self.type_phone, task=self.task_other)
        self.assertEqual(block.state, "exhausted")
        entry.with_user(self.support_user).unit_amount = 0.5
        self.assertRecordValues(block, [{"state": "active", "hours_used": 1.5}])
        # an entry moved to another customer leaves the block
        other.with_user(self.support_user).write(
            {"task_id": self.task_b.id, "project_id": self.project_b.id}
        )
        self.assertFalse(other.support_block_id)
        self.assertAlmostEqual(block.hours_used, 0.5)
        entry.with_user(self.support_user).unlink()
        self.assertRecordValues(block, [{"state": "active", "hours_used": 0.0}])

    def test_editing_a_description_keeps_the_split(self):
        block = self._create_block(hours=1, overage_policy="overage_rate", overage_rate=100.0)
        self._log_time(120, self.type_phone, task=block.task_id)
        pieces = self._block_entries(block)
        pieces.with_user(self.support_user).write({"name": "Reinstalled the server"})
        self.assertEqual(self._block_entries(block), pieces)
        self.assertEqual(pieces.mapped("support_is_overage"), [False, True])

    def test_entries_of_a_closed_block_stay_there(self):
        block = self._create_block(hours=10)
        entry = self._log_time(60, self.type_phone, task=block.task_id)
        block.with_user(self.support_manager).action_close()
        entry.with_user(self.support_user).unit_amount = 2.0
        self.assertEqual(entry.support_block_id, block)
        self.assertAlmostEqual(block.hours_used, 2.0)
        self.assertEqual(block.state, "closed")
        new_entry = self._log_time(60, self.type_phone, task=block.task_id)
        self.assertFalse(new_entry.support_block_id)

    def test_technician_without_access_to_others_entries_sees_full_balance(self):
        block = self._create_block(hours=10)
        self._log_time(120, self.type_phone, task=block.task_id, user=self.support_manager)
        mine = self._log_time(60, self.type_phone, task=block.task_id)
        Line = self.env["account.analytic.line"].with_user(self.support_user)
        self.assertEqual(Line.search([("support_block_id", "=", block.id)]), mine)
        self.assertAlmostEqual(block.with_user(self.support_user).hours_used, 3.0)


@tagged("post_install", "-at_install")
class TestBlockExpiry(BlockCommon):
    def test_cron_expires_blocks_past_their_end_date(self):
        with freeze_time("2026-03-31"):
            block = self._create_block(hours=10, date_start="2026-01-01", date_end="2026-03-31")
            open_ended = self._create_block(hours=10, po="PO-OPEN", date_start="2026-01-01")
            self.env["support.block"]._cron_expire_blocks()
            self.assertEqual(block.state, "active")
        with freeze_time("2026-04-01"):
            self.env["support.block"]._cron_expire_blocks()
            self.assertEqual(block.state, "expired")
            self.assertEqual(open_ended.state, "active")
            # an expired block takes no more time, even dated within its validity
            entry = self._log_time(60, self.type_phone, task=block.task_id, date="2026-03-30")
            self.assertNotEqual(entry.support_block_id, block)
            self.assertEqual(entry.support_block_id, open_ended)

    def test_expiry_and_exhaustion_are_logged_in_chatter(self):
        env = self.env(context={})  # with tracking
        with freeze_time("2026-03-01"):
            block = self._create_block(
                hours=1, date_start="2026-01-01", date_end="2026-03-31", env=env, activate=False
            )
            # as if created in an earlier transaction: new records are not tracked
            self.env.flush_all()
            self.cr.flush()
            block.action_activate()
            self.env.flush_all()
            self.cr.flush()
            self.assertEqual(block.message_ids[0].tracking_value_ids.new_value_char, "Active")
            block.invalidate_recordset(["message_ids"])
            env["account.analytic.line"].with_user(self.support_user).create(
                {
                    "name": "Support session",
                    "project_id": self.project.id,
                    "task_id": block.task_id.id,
                    "support_type_id": self.type_phone.id,
                    "unit_amount": 1.0,
                }
            )
            self.env.flush_all()
            self.cr.flush()
            self.assertIn("the block is exhausted", block.message_ids[0].body)
            self.assertEqual(block.message_ids[0].tracking_value_ids.new_value_char, "Exhausted")
        with freeze_time("2026-04-02"):
            env["support.block"]._cron_expire_blocks()
            self.env.flush_all()
            self.cr.flush()
            block.invalidate_recordset(["message_ids"])
            self.assertEqual(block.state, "expired")
            self.assertIn("the block is expired", block.message_ids[0].body)
