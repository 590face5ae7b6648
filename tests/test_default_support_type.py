from odoo import Command
from odoo.exceptions import ValidationError
from odoo.tests import Form, freeze_time, tagged

from .common import SupportCommon
from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestDefaultSupportType(SupportCommon):
    """The company's default support type: an entry of a support project that names no
    type takes the argument's, else the task's, else the customer's, else the company's,
    so that no time is left unbilled by accident."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.installed_default = cls.company.support_default_type_id
        cls.type_onsite = cls.env["support.type"].create(
            {"name": "Test On-site", "kind": "onsite", "hourly_rate": 120.0}
        )
        cls.company.support_default_type_id = cls.type_onsite
        cls.support_user.tz = "UTC"
        cls.other_project = cls.env["project.project"].create(
            {"name": "Internal", "allow_timesheets": True, "partner_id": cls.customer.id}
        )
        cls.other_task = cls.env["project.task"].create(
            {"name": "Office move", "project_id": cls.other_project.id}
        )

    def _timer(self, **stop_kwargs):
        task = self.task.with_user(self.support_user)
        with freeze_time("2025-03-03 10:00:00"):
            task.action_support_timer_start()
        with freeze_time("2025-03-03 10:20:00"):
            return task.action_support_timer_stop(**stop_kwargs)

    # -- resolution order --------------------------------------------------------------
    def test_installed_default_is_remote(self):
        """At install every company gets Remote Support, a billable type."""
        remote = self.env.ref("it_support_time.support_type_remote")
        self.assertEqual(self.installed_default, remote)
        new_company = self.env["res.company"].create({"name": "Newco IT"})
        self.assertEqual(new_company.support_default_type_id, remote)
        self.assertTrue(remote.billable)

    def test_timer_stop_order(self):
        """Argument, then task, then customer, then company."""
        cases = [
            # (task type, customer type, argument, expected)
            (self.type_phone, self.type_remote, self.type_meeting, self.type_meeting),
            (self.type_phone, self.type_remote, None, self.type_phone),
            (False, self.type_remote, None, self.type_remote),
            (False, False, None, self.type_onsite),
        ]
        for task_type, customer_type, argument, expected in cases:
            with self.subTest(task=task_type, customer=customer_type, argument=argument):
                self.task.support_type_id = task_type
                self.customer.support_type_id = customer_type
                kwargs = {"support_type_id": argument.id} if argument else {}
                line = self._timer(**kwargs)
                self.assertRecordValues(
                    line,
                    [
                        {
                            "support_type_id": expected.id,
                            "billable": expected.billable,
                            "unit_amount": 20 / 60,
                            # 20 minutes rounded up to the company's 15-minute increment
                            "billed_hours": 0.5 if expected.billable else 0.0,
                        }
                    ],
                )
                line.unlink()

    def test_timer_skip_bills_default(self):
        """A timer stopped with no description nor type (Skip) on a task and customer
        without a type bills the company default, rounded."""
        line = self._timer()
        self.assertRecordValues(
            line,
            [{"support_type_id": self.type_onsite.id, "billable": True, "billed_hours": 0.5}],
        )

    def test_rpc_create_order(self):
        """Entries created through the ORM / RPC, with no type, with an explicit empty
        type (no choice), and with a chosen type."""
        self.customer.support_type_id = self.type_remote
        by_customer = self._log_time(20)
        self.assertEqual(by_customer.support_type_id, self.type_remote)
        self.customer.support_type_id = False
        by_company = self._log_time(20)
        empty = self._log_time(20, support_type_id=False)
        chosen = self._log_time(20, support_type=self.type_meeting)
        self.task.support_type_id = self.type_phone
        by_task = self._log_time(20)
        self.assertRecordValues(
            by_company | empty | chosen | by_task,
            [
                {"support_type_id": self.type_onsite.id, "billable": True, "billed_hours": 0.5},
                {"support_type_id": self.type_onsite.id, "billable": True, "billed_hours": 0.5},
                {"support_type_id": self.type_meeting.id, "billable": False, "billed_hours": 0},
                {"support_type_id": self.type_phone.id, "billable": True, "billed_hours": 0.5},
            ],
        )

    def test_unticked_billable_stays_unbilled(self):
        line = self._log_time(20, billable=False)
        self.assertRecordValues(
            line, [{"support_type_id": self.type_onsite.id, "billable": False, "billed_hours": 0}]
        )

    def test_timesheet_views(self):
        """Entries typed in the timesheet list and in the task's timesheet tab."""
        Line = self.env["account.analytic.line"].with_user(self.support_user)
        with Form(Line, view="hr_timesheet.hr_timesheet_line_form") as form:
            form.project_id = self.project
            form.task_id = self.task
            form.name = "Printer jam"
            form.unit_amount = 0.25
            self.assertEqual(form.support_type_id, self.type_onsite)
        typed = form.record
        # the task's Timesheets tab, as a project administrator (saving the tab writes
        # the task itself)
        with Form(self.task) as task_form:
            with task_form.timesheet_ids.new() as row:
                row.employee_id = self.employee_user
                row.name = "Password reset"
                row.unit_amount = 0.1
        from_task = self.task.timesheet_ids.filtered(lambda ln: ln.name == "Password reset")
        self.assertRecordValues(
            typed | from_task,
            [
                {"support_type_id": self.type_onsite.id, "billable": True, "billed_hours": 0.25},
                {"support_type_id": self.type_onsite.id, "billable": True, "billed_hours": 0.25},
            ],
        )

    def test_not_for_other_projects(self):
        """The default is for support projects only."""
        line = self._log_time(20, task=self.other_task)
        self.assertRecordValues(
            line, [{"support_type_id": False, "billable": False, "billed_hours": 0}]
        )

    def test_company_without_default_as_before(self):
        """A company that empties the setting: untyped time has no type and bills 0."""
        self.company.support_default_type_id = False
        line = self._log_time(20)
        self.assertRecordValues(
            line, [{"support_type_id": False, "billable": False, "billed_hours": 0}]
        )
        stopped = self._timer()
        self.assertRecordValues(
            stopped, [{"support_type_id": False, "billable": False, "billed_hours": 0}]
        )

    # -- the setting -------------------------------------------------------------------
    def test_setting_saves(self):
        self.support_manager.groups_id = [Command.link(self.env.ref("base.group_system").id)]
        settings = Form(self.env["res.config.settings"].with_user(self.support_manager))
        settings.support_default_type_id = self.type_phone
        settings.save().execute()
        self.assertEqual(self.company.support_default_type_id, self.type_phone)

    def test_setting_refuses_other_company_type(self):
        other_company = self.env["res.company"].create({"name": "Other IT"})
        foreign = self.env["support.type"].create(
            {"name": "Their Remote", "kind": "remote", "company_id": other_company.id}
        )
        with self.assertRefused(ValidationError, "must be one of its own types"):
            self.company.support_default_type_id = foreign
            self.company.flush_recordset()
        self.assertEqual(self.company.support_default_type_id, self.type_onsite)
        # a type of its own, or a shared one, is accepted
        own = self.env["support.type"].create(
            {"name": "Our Remote", "kind": "remote", "company_id": self.company.id}
        )
        self.company.support_default_type_id = own
        self.company.support_default_type_id = self.type_phone

    def test_setting_refuses_unbillable_type(self):
        with self.assertRefused(ValidationError, "is not billable"):
            self.company.support_default_type_id = self.type_meeting
            self.company.flush_recordset()
        self.assertEqual(self.company.support_default_type_id, self.type_onsite)


@tagged("post_install", "-at_install")
class TestDefaultSupportTypeBlocks(BlockCommon):
    """The company default applies to entries that name no type, not to the pieces the
    block engine splits an entry into: those keep their entry's type, none included."""

    def test_split_pieces_keep_no_type(self):
        self.company.support_default_type_id = self.type_remote
        block = self._create_block(hours=1.0, overage_policy="overage_rate", overage_rate=150)
        line = self._log_time(30)
        self.assertEqual(line.support_type_id, self.type_remote)
        # a Support Manager clears the type, keeps the time billable and corrects it to 2 h
        line.with_user(self.support_manager).write({"support_type_id": False})
        line.with_user(self.support_manager).write({"billable": True, "unit_amount": 2.0})
        pieces = self._block_entries(block)
        self.assertEqual(len(pieces), 2, "1 h in the block, 1 h at the overage rate")
        self.assertRecordValues(
            pieces.sorted("support_is_overage"),
            [
                {"support_type_id": False, "billed_hours": 1.0, "support_is_overage": False},
                {"support_type_id": False, "billed_hours": 1.0, "support_is_overage": True},
            ],
        )
