from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestMilestoneUi(HttpCase):
    def test_invoice_now_tour(self):
        block = self.env.ref("it_support_time.block_acme")
        first, second = block.milestone_ids
        self.assertEqual((first.state, second.state), ("due", "pending"))
        self.start_tour("/odoo", "it_support_time_milestone_invoice", login="admin", timeout=180)
        self.assertRecordValues(
            first.invoice_id,
            [
                {
                    "ref": "ACME-PO-2024-118",
                    "state": "draft",
                    "support_block_id": block.id,
                    "support_milestone_id": first.id,
                }
            ],
        )
        self.assertEqual(second.state, "pending")
