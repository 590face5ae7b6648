from odoo import api, fields, models
from odoo.tools import format_date, ormcache

from .res_company import ROUND_METHODS, SUPPORT_ROUNDING_FIELDS, _check_rounding_values

# what decides the rounding policy of a contact: its own policy and its commercial entity
SUPPORT_POLICY_SOURCES = frozenset(SUPPORT_ROUNDING_FIELDS) | {
    "support_round_override",
    "parent_id",
    "is_company",
}


class ResPartner(models.Model):
    _inherit = "res.partner"

    support_round_override = fields.Boolean(
        string="Own Rounding Policy",
        groups="it_support_time.group_support_manager",
        help="Bill this customer's support time with the rounding below instead of the company's.",
    )
    support_round_minimum = fields.Integer(
        string="Minimum Billed Time",
        default=15,
        groups="it_support_time.group_support_manager",
    )
    support_round_increment = fields.Integer(
        string="Billing Increment",
        default=15,
        groups="it_support_time.group_support_manager",
    )
    support_round_method = fields.Selection(
        ROUND_METHODS,
        string="Rounding Method",
        default="up",
        required=True,
        groups="it_support_time.group_support_manager",
    )
    support_type_id = fields.Many2one(
        "support.type",
        string="Default Support Type",
        help="Support type proposed for time logged for this customer.",
    )
    support_block_ids = fields.One2many(
        "support.block",
        "partner_id",
        string="Prepaid Blocks",
        groups="it_support_time.group_support_user",
    )
    support_block_count = fields.Integer(
        compute="_compute_support_block_balance",
        groups="it_support_time.group_support_user",
    )
    support_block_hours_available = fields.Float(
        compute="_compute_support_block_balance",
        groups="it_support_time.group_support_user",
    )
    support_block_hours_used = fields.Float(
        compute="_compute_support_block_balance",
        groups="it_support_time.group_support_user",
    )
    support_block_hours_remaining = fields.Float(
        string="Prepaid Hours Left",
        compute="_compute_support_block_balance",
        groups="it_support_time.group_support_user",
        help="Hours left in the customer's active and exhausted blocks.",
    )

    # -- support analysis: the customer's last 12 months ----------------------------
    support_analysis_hours = fields.Float(
        string="Support Hours (12 Months)",
        compute="_compute_support_analysis",
        groups="it_support_time.group_support_manager",
        help="Hours worked for this customer over the last 12 months.",
    )

    support_analysis_cost = fields.Monetary(
        string="Support Cost (12 Months)",
        compute="_compute_support_analysis",
        groups="it_support_time.group_support_manager",
        help="Labour (the employees' hourly costs) and mileage costs of the last 12 months.",
    )

    support_analysis_revenue = fields.Monetary(
        string="Support Revenue (12 Months)",
        compute="_compute_support_analysis",
        groups="it_support_time.group_support_manager",
        help="Invoiced time and mileage and prepaid-block hours used, last 12 months.",
    )

    support_analysis_margin = fields.Monetary(
        string="Support Margin (12 Months)",
        compute="_compute_support_analysis",
        groups="it_support_time.group_support_manager",
    )

    support_analysis_margin_percent = fields.Float(
        string="Support Margin (%)",
        compute="_compute_support_analysis",
        groups="it_support_time.group_support_manager",
    )

    @api.constrains("support_round_increment", "support_round_minimum")
    def _check_support_rounding(self):
        for partner in self.sudo():
            _check_rounding_values(
                self.env,
                partner.support_round_minimum,
                partner.support_round_increment,
                partner.display_name,
            )

    def write(self, vals):
        if SUPPORT_POLICY_SOURCES.intersection(vals):
            self.env.registry.clear_cache()  # _support_cached_rounding_policy
        return super().write(vals)

    def _support_rounding_policy(self, company):
        """(minimum, increment, method) that applies to this customer in ``company``."""
        self.ensure_one()
        return self._support_cached_rounding_policy(self.id, company.id)

    @api.model
    @ormcache("partner_id", "company_id")
    def _support_cached_rounding_policy(self, partner_id, company_id):
        """The policy of a contact in a company, read once per server process: every
        timer stop and entry rounds by it, and it changes only in Settings and on the
        customer's form (``write`` of the customer and of the company clear it; a
        transaction rolled back drops what it cached). The policy fields are
        manager-only; the result is only used to bill time."""
        commercial = self.browse(partner_id).commercial_partner_id.sudo()
        if commercial.support_round_override:
            return (
                commercial.support_round_minimum,
                commercial.support_round_increment,
                commercial.support_round_method,
            )
        return self.env["res.company"].sudo().browse(company_id)._support_rounding_policy()

    def _compute_support_block_balance(self):
        commercials = self.commercial_partner_id
        blocks = self.env["support.block"].search([("partner_id", "in", commercials.ids)])
        drawing = blocks.filtered(lambda b: b.state in ("active", "exhausted"))
        for partner in self:
            own = blocks.filtered(lambda b, p=partner: b.partner_id == p.commercial_partner_id)
            current = own & drawing
            partner.support_block_count = len(own)
            partner.support_block_hours_available = sum(current.mapped("hours_available"))
            partner.support_block_hours_used = sum(current.mapped("hours_used"))
            partner.support_block_hours_remaining = sum(current.mapped("hours_remaining"))

    def action_view_support_blocks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_block_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {"default_partner_id": self.commercial_partner_id.id}
        return action

    def _compute_support_analysis(self):
        """The figures of every partner of ``self`` (their commercial entity's) in one
        grouped query over the support analysis."""
        Report = self.env["support.profitability.report"]
        date_from, date_to = Report._support_last_12_months()
        commercials = self.commercial_partner_id._origin
        figures = {
            partner: values
            for partner, *values in Report._read_group(
                [
                    ("partner_id", "in", commercials.ids),
                    ("date", ">=", date_from),
                    ("date", "<=", date_to),
                ],
                ["partner_id"],
                ["hours:sum", "cost:sum", "revenue:sum", "margin:sum", "margin_percent:sum"],
            )
        }
        for partner in self:
            hours, cost, revenue, margin, percent = figures.get(
                partner.commercial_partner_id._origin, (0.0, 0.0, 0.0, 0.0, 0.0)
            )
            partner.support_analysis_hours = hours
            partner.support_analysis_cost = cost
            partner.support_analysis_revenue = revenue
            partner.support_analysis_margin = margin
            partner.support_analysis_margin_percent = percent or 0.0

    def action_view_support_analysis(self):
        """The support analysis of the customer (commercial entity) over the last 12
        months, by support type and month."""
        self.ensure_one()
        Report = self.env["support.profitability.report"]
        Report.check_access("read")
        date_from, date_to = Report._support_last_12_months()
        customer = self.commercial_partner_id
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_profitability_report_action"
        )
        action["display_name"] = self.env._(
            "Support Analysis: %(customer)s, %(date_from)s – %(date_to)s",
            customer=customer.display_name,
            date_from=format_date(self.env, date_from),
            date_to=format_date(self.env, date_to),
        )
        action["domain"] = [
            ("partner_id", "=", customer.id),
            ("date", ">=", fields.Date.to_string(date_from)),
            ("date", "<=", fields.Date.to_string(date_to)),
        ]
        action["context"] = {
            "pivot_row_groupby": ["support_type_id"],
            "pivot_column_groupby": ["date:month"],
            "graph_groupbys": ["date:month"],
            "graph_mode": "line",
        }
        return action
