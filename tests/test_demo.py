from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestDemoData(TransactionCase):
    """The demo database shows an IT-support shop at work."""

    def test_demo_shop(self):
        projects = self.env["project.project"].search([("is_support_project", "=", True)])
        customers = projects.partner_id
        self.assertGreaterEqual(len(customers), 5)
        self.assertTrue(all(projects.mapped("allow_timesheets")))
        self.assertGreaterEqual(len(projects.task_ids), 10)
        technicians = self.env["hr.employee"].search(
            [
                ("user_id.groups_id", "in", self.env.ref("it_support_time.group_support_user").id),
                ("hourly_cost", ">", 0),
            ]
        )
        self.assertGreaterEqual(len(technicians), 2)
        lines = self.env["account.analytic.line"].search([("project_id", "in", projects.ids)])
        kinds = set(lines.support_type_id.mapped("kind"))
        self.assertEqual(kinds, {"phone", "remote", "onsite", "travel", "meeting"})
        span = max(lines.mapped("date")) - min(lines.mapped("date"))
        self.assertGreaterEqual(span.days, 14)
        billable = lines.filtered("billable")
        self.assertTrue(billable)
        # every billable entry bills at least what was worked, rounded up by policy
        for line in billable:
            self.assertGreaterEqual(line.billed_hours + 1e-9, line.unit_amount)
        self.assertFalse(any(lines.filtered(lambda ln: not ln.billable).mapped("billed_hours")))
