from odoo.exceptions import AccessError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .common import SupportCommon


@tagged("post_install", "-at_install")
class TestSupportType(SupportCommon):
    def test_data_types_exist(self):
        kinds = {
            self.env.ref(f"it_support_time.support_type_{key}").kind
            for key in ("phone", "remote", "onsite", "travel", "meeting")
        }
        self.assertEqual(kinds, {"phone", "remote", "onsite", "travel", "meeting"})
        self.assertFalse(self.env.ref("it_support_time.support_type_meeting").billable)

    def test_form_defaults(self):
        form = Form(self.env["support.type"].with_user(self.support_manager))
        form.name = "After-hours remote"
        form.kind = "remote"
        form.hourly_rate = 150
        form.block_factor = 1.5
        support_type = form.save()
        self.assertRecordValues(
            support_type,
            [{"billable": True, "active": True, "block_factor": 1.5, "hourly_rate": 150}],
        )
        self.assertEqual(support_type.currency_id, self.env.company.currency_id)

    def test_user_reads_manager_edits(self):
        as_user = self.type_phone.with_user(self.support_user)
        self.assertEqual(as_user.name, "Test Phone")
        with self.assertRaises(AccessError):
            as_user.write({"hourly_rate": 1.0})
        with self.assertRaises(AccessError):
            self.env["support.type"].with_user(self.support_user).create(
                {"name": "Nope", "kind": "other"}
            )
        self.assertEqual(self.type_phone.hourly_rate, 80.0)
        self.type_phone.with_user(self.support_manager).hourly_rate = 85.0
        self.assertEqual(self.type_phone.hourly_rate, 85.0)

    def test_bad_values_refused(self):
        count = self.env["support.type"].search_count([])
        for vals in ({"hourly_rate": -1}, {"block_factor": 0}, {"block_factor": -1.5}):
            with self.subTest(vals=vals):
                with self.assertRefused(ValidationError, "cannot be negative|greater than"):
                    self.env["support.type"].create(dict(vals, name="Bad", kind="other"))
                with self.assertRefused(ValidationError, "cannot be negative|greater than"):
                    self.type_phone.write(vals)
        self.assertEqual(self.env["support.type"].search_count([]), count)
        self.type_phone.invalidate_recordset()
        self.assertRecordValues(self.type_phone, [{"hourly_rate": 80.0, "block_factor": 1.0}])

    def test_multi_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Other Support Co"})
        other_type = self.env["support.type"].create(
            {"name": "Other Co Phone", "kind": "phone", "company_id": other_company.id}
        )
        shared_type = self.type_phone
        other_user = new_test_user(
            self.env,
            login="other_co_user",
            groups="base.group_user,it_support_time.group_support_user",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        visible = self.env["support.type"].with_user(self.support_user).search([])
        self.assertIn(shared_type, visible)
        self.assertNotIn(other_type, visible)
        visible_other = self.env["support.type"].with_user(other_user).search([])
        self.assertIn(other_type, visible_other)
        self.assertIn(shared_type, visible_other)
        with self.assertRaises(AccessError):
            other_type.with_user(self.support_user).read(["name"])
