from odoo.tests import new_test_user

from .common import SupportCommon


class BlockCommon(SupportCommon):
    """A second support task of the customer, another customer, an after-hours type
    drawing 1.5 block hours per billed hour, and helpers to make blocks."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Block = cls.env["support.block"]
        cls.type_afterhours = cls.env["support.type"].create(
            {
                "name": "Test After-hours",
                "kind": "remote",
                "hourly_rate": 150.0,
                "block_factor": 1.5,
            }
        )
        cls.task_other = cls.env["project.task"].create(
            {
                "name": "Server maintenance",
                "project_id": cls.project.id,
                "partner_id": cls.customer.id,
                "user_ids": [(6, 0, [cls.support_user.id])],
            }
        )
        cls.customer_b = cls.env["res.partner"].create(
            {"name": "Other Customer SA", "is_company": True}
        )
        cls.project_b = cls.env["project.project"].create(
            {
                "name": "Support - Other Customer",
                "partner_id": cls.customer_b.id,
                "is_support_project": True,
                "allow_timesheets": True,
            }
        )
        cls.task_b = cls.env["project.task"].create(
            {"name": "Help desk", "project_id": cls.project_b.id, "partner_id": cls.customer_b.id}
        )
        cls.account_manager = new_test_user(
            cls.env,
            login="account_manager",
            groups="base.group_user,it_support_time.group_support_manager",
            name="Alice Account",
            email="alice@example.com",
        )

    @classmethod
    def _create_block(cls, hours=10.0, po="PO-1001", activate=True, env=None, **vals):
        """A block for the customer created (and activated) by the support manager."""
        values = {
            "partner_id": cls.customer.id,
            "po_number": po,
            "hours_purchased": hours,
            "price_unit": 90.0,
            "date_start": "2020-01-01",
            "user_id": cls.account_manager.id,
            "alert_thresholds": "75,90,100",
        }
        values.update(vals)
        env = env or cls.env
        block = env["support.block"].with_user(cls.support_manager).create(values)
        if activate:
            block.action_activate()
        return block

    def _block_entries(self, block):
        return self.env["account.analytic.line"].search(
            [("support_block_id", "=", block.id)], order="id"
        )
