from odoo import Command
from odoo.tests import new_test_user

from .common_block import BlockCommon


class MilestoneCommon(BlockCommon):
    """The default plan (50 % on activation, 50 % when exhausted) as the company's,
    draft milestone invoices, an accountant, and helpers to read invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Milestone = cls.env["support.block.milestone"]
        cls.Move = cls.env["account.move"]
        cls.plan_half = cls.env.ref("it_support_time.support_milestone_plan_half")
        cls.milestone_product = cls.env.ref("it_support_time.product_support_milestone")
        cls.company.write(
            {
                "support_milestone_plan_id": cls.plan_half.id,
                "support_milestone_auto_post": False,
                "support_milestone_product_id": cls.milestone_product.id,
            }
        )
        cls.accountant = new_test_user(
            cls.env,
            login="accountant",
            groups="base.group_user,account.group_account_invoice",
            name="Anna Accountant",
        )
        # the demo blocks' due milestones are invoiced: the tests' runs see only theirs
        cls.Milestone._cron_invoice_due()

    @classmethod
    def _plan(cls, name, *lines):
        """A plan of ``lines``: (name, percent, trigger, extra values)."""
        return (
            cls.env["support.milestone.plan"]
            .with_user(cls.support_manager)
            .create(
                {
                    "name": name,
                    "line_ids": [
                        Command.create(
                            dict(
                                {"sequence": index, "name": label, "percent": percent},
                                trigger=trigger,
                                **extra,
                            )
                        )
                        for index, (label, percent, trigger, extra) in enumerate(lines)
                    ],
                }
            )
        )

    def _run_cron(self, blocks):
        """Run the invoicing cron; the invoices it created for ``blocks``."""
        invoices = self.Milestone._cron_invoice_due()
        return invoices.filtered(lambda invoice: invoice.support_block_id in blocks)

    def _invoices(self, milestones):
        """Every customer invoice (live or not) of ``milestones``."""
        return self.Move.search(
            [("support_milestone_id", "in", milestones.ids), ("move_type", "=", "out_invoice")]
        )

    def _live_invoices(self, milestone):
        """The live invoices of ``milestone`` as the database sees them."""
        self.env.flush_all()
        self.env.cr.execute(
            "SELECT id FROM account_move WHERE support_milestone_id = %s "
            "AND support_milestone_live",
            [milestone.id],
        )
        return self.Move.browse([row[0] for row in self.env.cr.fetchall()])

    def _exhaust(self, block):
        """Log the block's remaining hours on its task."""
        return self._log_time(block.hours_remaining * 60, self.type_phone, task=block.task_id)
