from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, tagged

from .common import SupportCommon


@tagged("post_install", "-at_install")
class TestRounding(SupportCommon):
    def _set_company_policy(self, minimum, increment, method):
        self.company.write(
            {
                "support_round_minimum": minimum,
                "support_round_increment": increment,
                "support_round_method": method,
            }
        )

    def test_rounding_table(self):
        """Billed hours follow the company policy; worked time is never altered."""
        cases = [
            # minutes, minimum, increment, method, expected billed hours
            (7, 15, 15, "up", 0.25),
            (7, 15, 1, "nearest", 0.25),
            (7, 15, 15, "down", 0.25),
            (31, 0, 15, "up", 0.75),
            (31, 0, 15, "nearest", 0.5),
            (31, 0, 15, "down", 0.5),
            (38, 0, 15, "nearest", 0.75),
            (37.5, 0, 15, "nearest", 0.75),
            (60, 15, 15, "up", 1.0),
            (61, 0, 6, "up", 1.1),
            (95, 30, 30, "up", 2.0),
            (10, 0, 15, "down", 0.0),
            (0, 15, 15, "up", 0.0),
        ]
        for minutes, minimum, increment, method, expected in cases:
            with self.subTest(
                minutes=minutes, minimum=minimum, increment=increment, method=method
            ):
                self._set_company_policy(minimum, increment, method)
                line = self._log_time(minutes, self.type_phone)
                self.assertTrue(line.billable)
                self.assertAlmostEqual(line.billed_hours, expected, places=6)
                self.assertAlmostEqual(line.unit_amount, minutes / 60, places=6)

    def test_not_billable_bills_nothing(self):
        self._set_company_policy(15, 15, "up")
        meeting = self._log_time(50, self.type_meeting)
        self.assertRecordValues(meeting, [{"billable": False, "billed_hours": 0.0}])
        self.assertAlmostEqual(meeting.unit_amount, 50 / 60, places=6)
        # a billable type switched off by hand on the entry bills nothing either
        phone = self._log_time(50, self.type_phone, billable=False)
        self.assertEqual(phone.billed_hours, 0.0)
        phone.billable = True
        self.assertAlmostEqual(phone.billed_hours, 1.0, places=6)

    def test_billed_hours_follow_edits(self):
        self._set_company_policy(0, 15, "up")
        line = self._log_time(20, self.type_remote)
        self.assertAlmostEqual(line.billed_hours, 0.5, places=6)
        line.with_user(self.support_user).unit_amount = 50 / 60
        self.assertAlmostEqual(line.billed_hours, 1.0, places=6)

    def test_customer_override(self):
        """The customer's own policy wins, for its contacts too."""
        self._set_company_policy(0, 15, "up")
        self.customer.write(
            {
                "support_round_override": True,
                "support_round_minimum": 30,
                "support_round_increment": 30,
                "support_round_method": "nearest",
            }
        )
        self.assertAlmostEqual(self._log_time(7, self.type_phone).billed_hours, 0.5, places=6)
        self.assertAlmostEqual(self._log_time(44, self.type_phone).billed_hours, 0.5, places=6)
        self.assertAlmostEqual(self._log_time(46, self.type_phone).billed_hours, 1.0, places=6)
        # entry for a contact of the customer uses the commercial entity's policy
        contact_task = self.task.copy({"partner_id": self.customer_contact.id})
        line = self._log_time(7, self.type_phone, task=contact_task)
        self.assertEqual(line.partner_id, self.customer_contact)
        self.assertAlmostEqual(line.billed_hours, 0.5, places=6)
        # switching the override off falls back to the company policy for new entries
        self.customer.support_round_override = False
        self.assertAlmostEqual(self._log_time(7, self.type_phone).billed_hours, 0.25, places=6)

    def test_policy_follows_a_contact_moved_to_another_customer(self):
        """The policy is read once and kept by the server: moving a contact under
        another customer (or making it a company) gives its new entries the new
        customer's policy at once."""
        self._set_company_policy(0, 15, "up")
        contact_task = self.task.copy({"partner_id": self.customer_contact.id})
        self.assertAlmostEqual(
            self._log_time(7, self.type_phone, task=contact_task).billed_hours, 0.25, places=6
        )
        other = self.env["res.partner"].create(
            {
                "name": "Orbit Opticians",
                "is_company": True,
                "support_round_override": True,
                "support_round_minimum": 60,
                "support_round_increment": 60,
                "support_round_method": "up",
            }
        )
        self.customer_contact.parent_id = other
        self.assertAlmostEqual(
            self._log_time(7, self.type_phone, task=contact_task).billed_hours, 1.0, places=6
        )
        self.customer_contact.write({"parent_id": False, "is_company": True})
        self.assertAlmostEqual(
            self._log_time(7, self.type_phone, task=contact_task).billed_hours, 0.25, places=6
        )

    def test_policy_change_does_not_rebill_existing_entries(self):
        self._set_company_policy(0, 15, "up")
        line = self._log_time(7, self.type_phone)
        self.assertAlmostEqual(line.billed_hours, 0.25, places=6)
        self._set_company_policy(60, 60, "up")
        line.invalidate_recordset()
        self.assertAlmostEqual(line.billed_hours, 0.25, places=6)

    def test_default_support_type_from_task_then_customer(self):
        self.customer.support_type_id = self.type_remote
        line = self._log_time(30)
        self.assertEqual(line.support_type_id, self.type_remote)
        self.task.support_type_id = self.type_phone
        line = self._log_time(30)
        self.assertEqual(line.support_type_id, self.type_phone)
        # an explicit type is kept
        line = self._log_time(30, self.type_meeting)
        self.assertEqual(line.support_type_id, self.type_meeting)
        self.assertFalse(line.billable)

    def test_bad_company_policy_refused(self):
        self._set_company_policy(15, 15, "up")
        bad_values = [
            {"support_round_increment": 0},
            {"support_round_increment": -15},
            {"support_round_minimum": -1},
        ]
        for vals in bad_values:
            with self.subTest(vals=vals):
                with self.assertRefused(ValidationError, "billing increment|minimum billed"):
                    self.company.write(vals)
                self.company.invalidate_recordset()
                self.assertRecordValues(
                    self.company,
                    [{"support_round_minimum": 15, "support_round_increment": 15}],
                )

    def test_bad_policy_in_settings_refused(self):
        self._set_company_policy(15, 15, "up")
        settings = Form(self.env["res.config.settings"])
        settings.support_round_increment = 0
        with self.assertRefused(ValidationError, "billing increment"):
            settings.save().execute()
        self.company.invalidate_recordset()
        self.assertEqual(self.company.support_round_increment, 15)
        settings = Form(self.env["res.config.settings"])
        settings.support_round_increment = 6
        settings.support_round_method = "nearest"
        settings.save().execute()
        self.assertRecordValues(
            self.company,
            [{"support_round_increment": 6, "support_round_method": "nearest"}],
        )

    def test_bad_customer_policy_refused(self):
        for vals in (
            {"support_round_increment": 0},
            {"support_round_minimum": -5},
        ):
            with self.subTest(vals=vals):
                with self.assertRaises(ValidationError):
                    self.customer.write(dict(vals, support_round_override=True))
                self.customer.invalidate_recordset()
                self.assertRecordValues(
                    self.customer,
                    [
                        {
                            "support_round_override": False,
                            "support_round_increment": 15,
                            "support_round_minimum": 15,
                        }
                    ],
                )

    def test_rounding_fields_are_manager_only(self):
        customer = self.customer.with_user(self.support_user)
        with self.assertRaises(AccessError):
            customer.read(["support_round_increment"])
        with self.assertRaises(AccessError):
            customer.write({"support_round_override": True})
        self.assertFalse(self.customer.support_round_override)
        customer.with_user(self.support_manager).write({"support_round_override": True})
        self.assertTrue(self.customer.support_round_override)
