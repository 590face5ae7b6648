from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSupportAnalysisUi(HttpCase):
    def test_support_analysis_tour(self):
        """The manager applies a saved filter of the analysis, sees its graph, and opens a
        customer's analysis from the smart button of the customer's form."""
        acme = self.env.ref("it_support_time.partner_acme")
        hours = acme.with_user(self.env.ref("base.user_admin")).support_analysis_hours
        self.assertGreater(hours, 0, "the demo customer has support time in the last 12 months")
        self.start_tour("/odoo", "it_support_time_support_analysis", login="admin", timeout=180)
