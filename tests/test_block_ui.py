from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSupportBlockUi(HttpCase):
    def test_block_balance_and_renewal_tour(self):
        block = self.env.ref("it_support_time.block_acme")
        # the wizard proposes enough hours, at the block's burn rate, for as long as it
        # lasted (test_block_forecast checks the figures)
        proposed = block._support_renewal_hours()
        self.start_tour("/odoo", "it_support_time_block_renewal", login="admin", timeout=180)
        renewal = self.env["support.block"].search([("previous_block_id", "=", block.id)])
        self.assertRecordValues(
            renewal,
            [
                {
                    "state": "active",
                    "po_number": "ACME-PO-2025-001",
                    "hours_purchased": proposed,
                    "partner_id": block.partner_id.id,
                }
            ],
        )
        self.assertEqual(block.renewed_block_id, renewal)
