from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSupportTimeUi(HttpCase):
    def test_login_page_and_support_time_tour(self):
        response = self.url_open("/web/login")
        self.assertEqual(response.status_code, 200)
        self.assertIn('name="login"', response.text)
        self.start_tour("/odoo", "it_support_time_support_time", login="marc", timeout=180)
