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
    support_default_type_id = fields.Many2one(
        related="company_id.support_default_type_id",
        readonly=False,
        domain="[('billable', '=', True), ('company_id', 'in', [company_id, False])]",
    )
    support_block_alert_thresholds = fields.Char(
        related="company_id.support_block_alert_thresholds", readonly=False
    )
    support_block_alert_email = fields.Boolean(
        related="company_id.support_block_alert_email", readonly=False
    )
    support_block_burn_weeks = fields.Integer(
        related="company_id.support_block_burn_weeks", readonly=False
    )
    support_block_forecast_days = fields.Integer(
        related="company_id.support_block_forecast_days", readonly=False
    )
    support_mileage_rate_km = fields.Float(
        related="company_id.support_mileage_rate_km", readonly=False
    )
    support_mileage_rate_mi = fields.Float(
        related="company_id.support_mileage_rate_mi", readonly=False
    )
    support_timer_max_hours = fields.Float(
        related="company_id.support_timer_max_hours", readonly=False
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
    support_milestone_plan_id = fields.Many2one(
        related="company_id.support_milestone_plan_id", readonly=False
    )
    support_milestone_auto_post = fields.Boolean(
        related="company_id.support_milestone_auto_post", readonly=False
    )
    support_milestone_product_id = fields.Many2one(
        related="company_id.support_milestone_product_id", readonly=False
    )
    support_mileage_cost_km = fields.Float(
        related="company_id.support_mileage_cost_km", readonly=False
    )
    support_mileage_cost_mi = fields.Float(
        related="company_id.support_mileage_cost_mi", readonly=False
    )
    support_meeting_type_id = fields.Many2one(
        related="company_id.support_meeting_type_id", readonly=False
    )
    support_meeting_auto_log = fields.Boolean(
        related="company_id.support_meeting_auto_log", readonly=False
    )
