from odoo import Command
from odoo.tests import HttpCase, new_test_user, tagged


class QuickTimerTourMixin:
    """A technician with two open support tasks of two customers: "Tour Alpha printer"
    pinned to their timer, "Tour Beta network" only found by the search."""

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
        cls.technician = new_test_user(
            cls.env,
            login="timer_tech",
            groups="base.group_user,it_support_time.group_support_user",
            name="Tina Timer",
            tz="Europe/Brussels",
        )
        cls.env["hr.employee"].create(
            {"name": "Tina Timer", "user_id": cls.technician.id, "hourly_cost": 30.0}
        )
        SupportType = cls.env["support.type"]
        cls.type_phone = SupportType.create({"name": "Tour Phone", "kind": "phone"})
        cls.type_remote = SupportType.create({"name": "Tour Remote", "kind": "remote"})
        tasks = []
        for customer_name, task_name in (
            ("Tour Customer", "Tour Alpha printer"),
            ("Tour Other Customer", "Tour Beta network"),
        ):
            customer = cls.env["res.partner"].create(
                {"name": customer_name, "is_company": True, "support_type_id": cls.type_phone.id}
            )
            project = cls.env["project.project"].create(
                {
                    "name": f"Support - {customer_name}",
                    "partner_id": customer.id,
                    "is_support_project": True,
                }
            )
            tasks.append(
                cls.env["project.task"].create(
                    {"name": task_name, "project_id": project.id, "partner_id": customer.id}
                )
            )
        cls.task_alpha, cls.task_beta = tasks
        cls.task_alpha.support_timer_pinned_user_ids = [Command.link(cls.technician.id)]

    def _assert_two_entries(self):
        Line = self.env["account.analytic.line"]
        self.assertFalse(
            Line.search(
                [("user_id", "=", self.technician.id), ("support_timer_start", "!=", False)]
            ),
            "no timer is left running",
        )
        alpha = Line.search([("task_id", "=", self.task_alpha.id)])
        beta = Line.search([("task_id", "=", self.task_beta.id)])
        self.assertEqual(len(alpha), 1)
        self.assertEqual(len(beta), 1)
        self.assertRecordValues(
            alpha + beta,
            [
                {
                    "user_id": self.technician.id,
                    "name": "/",
                    "support_type_id": self.type_phone.id,  # the customer's default
                    "billed_hours": 0.25,  # the 15-minute minimum
                    "support_timer_review": False,
                },
                {
                    "user_id": self.technician.id,
                    "name": "Replaced the router",
                    "support_type_id": self.type_remote.id,  # picked in the form
                    "billed_hours": 0.25,
                    "support_timer_review": False,
                },
            ],
        )
        # the tour waited until each timer showed 2 s; it cannot wait minutes: the exact
        # elapsed time and its rounding are checked under a frozen clock in TestQuickTimer
        for line in alpha + beta:
            self.assertGreaterEqual(line.unit_amount, 1 / 3600)
            self.assertLess(line.unit_amount, 0.25)


@tagged("post_install", "-at_install")
class TestQuickTimerUiDesktop(QuickTimerTourMixin, HttpCase):
    def test_quick_timer_tour_desktop(self):
        self.start_tour("/odoo", "it_support_time_quick_timer", login="timer_tech", timeout=180)
        self._assert_two_entries()


@tagged("post_install", "-at_install")
class TestQuickTimerUiPhone(QuickTimerTourMixin, HttpCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_quick_timer_tour_phone(self):
        self.start_tour(
            "/odoo", "it_support_time_quick_timer_mobile", login="timer_tech", timeout=180
        )
        self._assert_two_entries()
