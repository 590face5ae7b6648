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
    support_timer_max_hours = fields.Float(
        related="company_id.support_timer_max_hours", readonly=False
    )
