import contextlib
import re

from odoo.tests import TransactionCase, new_test_user


class RefusalMixin:
    @contextlib.contextmanager
    def assertRefused(self, exception, pattern):
        """The block raises ``exception`` whose message matches ``pattern``; what it
        wrote is rolled back (Odoo's assertRaises runs it in a savepoint) so the caller
        can assert that nothing changed."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertTrue(
            re.search(pattern, str(catcher.exception)),
            f"error message {catcher.exception!s} does not match {pattern!r}",
        )


class SupportCommon(RefusalMixin, TransactionCase):
    """Fixtures shared by the module's tests: one company policy, customers with
    support projects and tasks, one user per security group with an employee."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.company.write(
            {
                "support_round_minimum": 0,
                "support_round_increment": 15,
                "support_round_method": "up",
            }
        )
        cls.support_user = new_test_user(
            cls.env,
            login="support_user",
            groups="base.group_user,it_support_time.group_support_user",
            name="Sam Support",
        )
        cls.support_manager = new_test_user(
            cls.env,
            login="support_manager",
            groups="base.group_user,it_support_time.group_support_manager",
            name="Mia Manager",
        )
        cls.employee_user = cls.env["hr.employee"].create(
            {"name": "Sam Support", "user_id": cls.support_user.id, "hourly_cost": 30.0}
        )
        cls.employee_manager = cls.env["hr.employee"].create(
            {"name": "Mia Manager", "user_id": cls.support_manager.id, "hourly_cost": 45.0}
        )
        SupportType = cls.env["support.type"]
        cls.type_phone = SupportType.create(
            {"name": "Test Phone", "kind": "phone", "hourly_rate": 80.0}
        )
        cls.type_remote = SupportType.create(
            {"name": "Test Remote", "kind": "remote", "hourly_rate": 100.0}
        )
        cls.type_meeting = SupportType.create(
            {"name": "Test Meeting", "kind": "meeting", "hourly_rate": 0.0, "billable": False}
        )
        cls.customer = cls.env["res.partner"].create(
            {"name": "Test Customer Ltd", "is_company": True}
        )
        cls.customer_contact = cls.env["res.partner"].create(
            {"name": "Carl Contact", "parent_id": cls.customer.id}
        )
        cls.project = cls.env["project.project"].create(
            {
                "name": "Support - Test Customer",
                "partner_id": cls.customer.id,
                "is_support_project": True,
                "allow_timesheets": True,
            }
        )
        cls.task = cls.env["project.task"].create(
            {
                "name": "Help desk",
                "project_id": cls.project.id,
                "partner_id": cls.customer.id,
                "user_ids": [(6, 0, [cls.support_user.id])],
            }
        )

    def _log_time(self, minutes, support_type=None, user=None, task=None, **vals):
        """An entry logged by ``user`` (default: the support user) through the ORM."""
        user = user or self.support_user
        task = task or self.task
        values = {
            "name": "Support session",
            "project_id": task.project_id.id,
            "task_id": task.id,
            "unit_amount": minutes / 60,
        }
        if support_type is not None:
            values["support_type_id"] = support_type.id
        values.update(vals)
        return self.env["account.analytic.line"].with_user(user).create(values)
