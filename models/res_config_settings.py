from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    support_round_minimum = fields.Integer(
        related="company_id.support_round_minimum", readonly=False
    )
    support_round_increment = fields.Integer(
        related="company_id.support_round_increment", readonly=False
    )
    support_round_method = fields.Selection(
        related="company_id.support_round_method", readonly=False
    )
    support_invoice_show_po = fields.Boolean(
        related="company_id.support_invoice_show_po", readonly=False
    )
    support_invoice_show_time = fields.Boolean(
        related="company_id.support_invoice_show_time", readonly=False
    )
    support_invoice_show_mileage = fields.Boolean(
        related="company_id.support_invoice_show_mileage", readonly=False
    )
    support_invoice_show_block = fields.Boolean(
        related="company_id.support_invoice_show_block", readonly=False
    )
