from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestBlockAlerts(BlockCommon):
    """Each alert threshold fires once: an activity for the account manager and, when
    enabled, an email with the balance to the customer's contact."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer_contact.email = "carl@customer.example.com"
        # the threshold alerts alone: the forecast alert (test_block_forecast) looks one
        # day ahead at the pace of a year, which these blocks never come within
        cls.company.write({"support_block_forecast_days": 1, "support_block_burn_weeks": 52})
        cls.template = cls.env.ref("it_support_time.mail_template_support_block_alert")

    def _alert_activities(self, block):
        return self.env["mail.activity"].search(
            [("res_model", "=", "support.block"), ("res_id", "=", block.id)], order="id"
        )

    def _alert_mails(self, block):
        return self.env["mail.message"].search(
            [
                ("model", "=", "support.block"),
                ("res_id", "=", block.id),
                ("message_type", "=", "comment"),
            ],
            order="id",
        )

    def test_each_threshold_fires_once(self):
        block = self._create_block(hours=10, alert_thresholds="50,80")
        self._log_time(240, self.type_phone, task=block.task_id)
        self.assertFalse(self._alert_activities(block))
        entry = self._log_time(60, self.type_phone, task=block.task_id)
        activities = self._alert_activities(block)
        self.assertEqual(len(activities), 1)
        self.assertRecordValues(activities, [{"user_id": self.account_manager.id}])
        self.assertIn("50%", activities.summary)
        self.assertIn("5.00 h left", activities.summary)
        self.assertEqual(block.alert_fired, "50")
        # more time below the next threshold, or the same threshold crossed again
        # after an edit, fires nothing
        self._log_time(60, self.type_phone, task=block.task_id)
        entry.with_user(self.support_user).unlink()
        self._log_time(60, self.type_phone, task=block.task_id)
        self.assertEqual(len(self._alert_activities(block)), 1)
        self._log_time(120, self.type_phone, task=block.task_id)
        activities = self._alert_activities(block)
        self.assertEqual(len(activities), 2)
        self.assertIn("80%", activities[1].summary)
        self.assertEqual(block.alert_fired, "50,80")

    def test_thresholds_jumped_over_fire_one_alert(self):
        block = self._create_block(hours=4)
        self._log_time(240, self.type_phone, task=block.task_id)
        activities = self._alert_activities(block)
        self.assertEqual(len(activities), 1)
        self.assertIn("100%", activities.summary)
        self.assertEqual(block.alert_fired, "75,90,100")

    def test_default_thresholds_come_from_settings(self):
        self.company.support_block_alert_thresholds = "60,95"
        block = self.env["support.block"].create(
            {"partner_id": self.customer.id, "hours_purchased": 5}
        )
        self.assertEqual(block.alert_thresholds, "60,95")
        with self.assertRefused(ValidationError, "whole percentages"):
            self.company.support_block_alert_thresholds = "sixty"
        self.assertEqual(self.company.support_block_alert_thresholds, "60,95")

    def test_email_to_customer_contact_when_enabled(self):
        self.company.support_block_alert_email = True
        block = self._create_block(hours=4, contact_id=self.customer_contact.id)
        self._log_time(180, self.type_phone, task=block.task_id)
        mails = self._alert_mails(block)
        self.assertEqual(len(mails), 1)
        self.assertEqual(mails.partner_ids, self.customer_contact)
        self.assertIn(block.name, mails.subject)
        self.assertIn("1.00 hours left", mails.subject)
        self.assertIn("Remaining", mails.body)
        self.assertIn(block.po_number, mails.body)
        # the next threshold sends one more, the same one never again
        self._log_time(30, self.type_phone, task=block.task_id)
        self._log_time(15, self.type_phone, task=block.task_id)
        self.assertEqual(len(self._alert_mails(block)), 2)

    def test_no_email_when_disabled(self):
        self.company.support_block_alert_email = False
        block = self._create_block(hours=4, contact_id=self.customer_contact.id)
        self._log_time(240, self.type_phone, task=block.task_id)
        self.assertTrue(self._alert_activities(block))
        self.assertFalse(self._alert_mails(block))
