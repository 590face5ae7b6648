from odoo.tests import freeze_time, tagged

from .common_block import BlockCommon

# what the Support Tasks board (project_task_view_kanban_support) reads of each card
BOARD_SPEC = {
    name: {}
    for name in (
        "name",
        "partner_id",
        "project_id",
        "state",
        "allow_timesheets",
        "support_timer_running",
        "support_block_id",
        "support_block_hours_remaining",
        "support_block_hours_used",
        "support_block_hours_available",
        "support_block_alert_thresholds",
        "priority",
        "user_ids",
    )
}


@freeze_time("2025-03-03 10:00:00")
@tagged("post_install", "-at_install")
class TestSupportTasksBoard(BlockCommon):
    """The board's cards: the block each task's time draws from today, for many tasks
    at once."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.block = cls._create_block(hours=10.0, po="PO-A")
        cls.block_task = cls.block.task_id
        cls.used_up = cls._create_block(hours=1.0, po="PO-B", partner_id=cls.customer_b.id)
        cls._create_block(hours=5.0, po="PO-C", partner_id=cls.customer_b.id)
        with freeze_time("2025-03-03 09:00:00"):
            cls.env["account.analytic.line"].create(
                {
                    "name": "Firewall",
                    "project_id": cls.project_b.id,
                    "task_id": cls.task_b.id,
                    "unit_amount": 1.0,
                    "support_type_id": cls.type_remote.id,
                    "employee_id": cls.employee_user.id,
                }
            )

    def _board(self, tasks):
        Task = self.env["project.task"].with_user(self.support_user)
        Task.env.invalidate_all()
        return Task.web_search_read([("id", "in", tasks.ids)], BOARD_SPEC)["records"]

    def test_cards_show_the_block_drawn_from(self):
        cards = {
            card["id"]: card for card in self._board(self.task | self.block_task | self.task_b)
        }
        # the customer's task and the block's own task draw from the block
        for task in (self.task, self.block_task):
            self.assertEqual(cards[task.id]["support_block_id"], self.block.id)
            self.assertEqual(cards[task.id]["support_block_hours_remaining"], 10.0)
        # the other customer's first block is used up: its time goes to the next one
        self.assertEqual(
            cards[self.task_b.id]["support_block_hours_remaining"], 5.0, "the next block"
        )
        self.assertNotEqual(cards[self.task_b.id]["support_block_id"], self.used_up.id)

    def test_board_queries_do_not_grow_with_cards(self):
        """Three cards or fifteen: the same number of queries (the blocks and their
        balances are read for all cards at once)."""
        Task = self.env["project.task"]
        many = Task.create(
            [
                {
                    "name": f"Ticket {index}",
                    "project_id": (self.project if index % 2 else self.project_b).id,
                    "partner_id": (self.customer if index % 2 else self.customer_b).id,
                }
                for index in range(12)
            ]
        )
        few = self.task | self.block_task | self.task_b
        self._board(few)  # warm the caches of the ORM (views, rules, …)
        # measured 18 for both (before the batch read: about 5 more per card)
        with self.assertQueryCount(18):
            self._board(few)
        with self.assertQueryCount(18):
            self._board(few | many)
