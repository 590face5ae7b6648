from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SupportType(models.Model):
    """A kind of support session (phone, remote, on-site …) and its price."""

    _name = "support.type"
    _description = "Support Type"
    _order = "sequence, name, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    kind = fields.Selection(
        [
            ("phone", "Phone"),
            ("remote", "Remote"),
            ("onsite", "On-site"),
            ("travel", "Travel"),
            ("meeting", "Meeting"),
            ("other", "Other"),
        ],
        required=True,
        default="other",
    )
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to share this support type between companies.",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    hourly_rate = fields.Monetary(
        currency_field="currency_id",
        help="Price billed per hour of this kind of support, in the company currency.",
    )
    billable = fields.Boolean(
        default=True,
        help="Default for time logged with this support type: billable time is rounded "
        "by the customer's policy and invoiced (or drawn from a prepaid block).",
    )
    block_factor = fields.Float(
        default=1.0,
        digits=(16, 2),
        help="Hours drawn from a prepaid block per billed hour, e.g. 1.5 for after-hours support.",
    )
    description = fields.Text(translate=True)
    product_id = fields.Many2one(
        "product.product",
        string="Invoicing Product",
        check_company=True,
        domain=[("type", "=", "service"), ("sale_ok", "=", True)],
        help="Service product put on invoice lines of this type (its taxes and income "
        "account apply). When the customer's pricelist has a price for it, that price is "
        "billed instead of the hourly rate.",
    )

    @api.constrains("hourly_rate", "block_factor")
    def _check_rates(self):
        for support_type in self:
            if support_type.hourly_rate < 0:
                raise ValidationError(
                    self.env._(
                        "The hourly rate of %(type)s cannot be negative.",
                        type=support_type.name,
                    )
                )
            if support_type.block_factor <= 0:
                raise ValidationError(
                    self.env._(
                        "The block factor of %(type)s must be greater than zero (1.0 draws "
                        "one block hour per billed hour).",
                        type=support_type.name,
                    )
                )

    @api.constrains("product_id")
    def _check_product_is_service(self):
        for support_type in self:
            if support_type.product_id and support_type.product_id.type != "service":
                raise ValidationError(
                    self.env._(
                        "The invoicing product of %(type)s must be a service product, "
                        "%(product)s is not.",
                        type=support_type.name,
                        product=support_type.product_id.display_name,
                    )
                )

    @api.depends("company_id")
    @api.depends_context("company")
    def _compute_currency_id(self):
        for support_type in self:
            support_type.currency_id = (
                support_type.company_id.currency_id or self.env.company.currency_id
            )
