from odoo.tests import HttpCase, tagged


class SupportTasksTourMixin:
    """Marc, a demo technician, on the demo data: the Acme help desk task (pinned to his
    timer) has no support type, nor has its customer, so the company's default applies."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.company.write(
            {
                "support_round_minimum": 15,
                "support_round_increment": 15,
                "support_round_method": "up",
            }
        )
        cls.marc = cls.env.ref("it_support_time.user_tech_marc")
        cls.task = cls.env.ref("it_support_time.task_acme_helpdesk")
        cls.customer = cls.env.ref("it_support_time.partner_acme")
        cls.task.support_type_id = False
        cls.customer.support_type_id = False
        cls.default_type = cls.env.ref("it_support_time.support_type_remote")

    def _run_tour(self, url, tour):
        # the demo company's default, set at install
        self.assertEqual(self.env.company.support_default_type_id, self.default_type)
        Line = self.env["account.analytic.line"]
        before = Line.search([("task_id", "=", self.task.id)])
        self.start_tour(url, tour, login="marc", timeout=180)
        line = Line.search([("task_id", "=", self.task.id)]) - before
        self.assertEqual(len(line), 1, "the timer started from the card wrote one entry")
        self.assertRecordValues(
            line,
            [
                {
                    "user_id": self.marc.id,
                    "support_timer_start": False,
                    "name": "/",
                    # neither the task nor the customer has a type: the company's default
                    "support_type_id": self.default_type.id,
                    "billable": True,
                    # a few seconds, billed at the 15-minute minimum
                    "billed_hours": 0.25,
                }
            ],
        )
        self.assertGreater(line.unit_amount, 0)
        self.assertLess(line.unit_amount, 0.25)


@tagged("post_install", "-at_install")
class TestSupportTasksUiDesktop(SupportTasksTourMixin, HttpCase):
    def test_support_tasks_tour_desktop(self):
        self._run_tour("/odoo", "it_support_time_support_tasks")


@tagged("post_install", "-at_install")
class TestSupportTasksUiPhone(SupportTasksTourMixin, HttpCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_support_tasks_tour_phone(self):
        self._run_tour(
            "/odoo/action-it_support_time.project_task_action_support",
            "it_support_time_support_tasks_mobile",
        )
