from odoo import api, fields, models

from .res_company import ROUND_METHODS, _check_rounding_values


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

    @api.constrains("support_round_increment", "support_round_minimum")
    def _check_support_rounding(self):
        for partner in self.sudo():
            _check_rounding_values(
                self.env,
                partner.support_round_minimum,
                partner.support_round_increment,
                partner.display_name,
            )

    def _support_rounding_policy(self, company):
        """(minimum, increment, method) that applies to this customer in ``company``."""
        # the policy fields are manager-only; the result is only used to bill time
        commercial = self.commercial_partner_id.sudo()
        if commercial.support_round_override:
            return (
                commercial.support_round_minimum,
                commercial.support_round_increment,
                commercial.support_round_method,
            )
        return company._support_rounding_policy()

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
