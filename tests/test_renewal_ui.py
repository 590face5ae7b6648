from odoo.tests import HttpCase, tagged


class RenewalTourMixin:
    """The account manager (admin) renews the demo's Acme block from the pipeline; the
    renewal has the hours proposed from the burn rate."""

    def _run_renewal_tour(self, tour, url):
        block = self.env.ref("it_support_time.block_acme")
        self.assertEqual(block.forecast_reason, "exhaustion")
        proposed = block._support_renewal_hours()
        self.assertGreater(proposed, 0)
        self.start_tour(url, tour, login="admin", timeout=180)
        renewal = block.renewed_block_id
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


@tagged("post_install", "-at_install")
class TestRenewalUiDesktop(RenewalTourMixin, HttpCase):
    browser_size = "1366x768"

    def test_renewal_pipeline_tour_desktop(self):
        self._run_renewal_tour("it_support_time_renewals", "/odoo")


@tagged("post_install", "-at_install")
class TestRenewalUiPhone(RenewalTourMixin, HttpCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_renewal_pipeline_tour_phone(self):
        self._run_renewal_tour("it_support_time_renewals_mobile", "/odoo/support-renewals")
