from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ProductTemplate(models.Model):
    _inherit = "product.template"

    support_block_ok = fields.Boolean(
        string="Prepaid Support Block",
        help="Confirming a sales order of this product creates a prepaid support block "
        "for the customer, with the order's customer reference as PO.",
    )
    support_block_hours = fields.Float(
        string="Block Hours per Unit",
        digits=(16, 2),
        help="Prepaid hours in one unit of this product: 2 units of a 10-hour block "
        "make a 20-hour block.",
    )
    support_milestone_plan_id = fields.Many2one(
        "support.milestone.plan",
        string="Milestone Plan",
        check_company=True,
        help="How the blocks sold with this product are invoiced, through their sales "
        "order item. Empty: the order invoices them as usual.",
    )

    @api.constrains("support_block_ok", "support_block_hours", "type")
    def _check_support_block(self):
        for product in self.filtered("support_block_ok"):
            if product.type != "service":
                raise ValidationError(
                    self.env._(
                        "%(product)s is sold as a prepaid support block: make it a service.",
                        product=product.display_name,
                    )
                )
            if product.support_block_hours <= 0:
                raise ValidationError(
                    self.env._(
                        "%(product)s is sold as a prepaid support block: enter the hours "
                        "one unit contains.",
                        product=product.display_name,
                    )
                )

    @api.onchange("support_block_ok")
    def _onchange_support_block_ok(self):
        if self.support_block_ok:
            self.type = "service"
