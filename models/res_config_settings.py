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
    support_block_alert_thresholds = fields.Char(
        related="company_id.support_block_alert_thresholds", readonly=False
    )
    support_block_alert_email = fields.Boolean(
        related="company_id.support_block_alert_email", readonly=False
    )
    support_milestone_plan_id = fields.Many2one(
        related="company_id.support_milestone_plan_id", readonly=False
    )
    support_milestone_auto_post = fields.Boolean(
        related="company_id.support_milestone_auto_post", readonly=False
    )
    support_milestone_product_id = fields.Many2one(
        related="company_id.support_milestone_product_id", readonly=False
    )
