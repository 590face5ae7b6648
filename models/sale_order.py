from odoo import api, fields, models
from odoo.exceptions import UserError


class SaleOrder(models.Model):
    _inherit = "sale.order"

    support_block_count = fields.Integer(
        string="Prepaid Blocks",
        compute="_compute_support_block_count",
        compute_sudo=True,
    )

    @api.depends("order_line.support_block_ids")
    def _compute_support_block_count(self):
        counts = dict(
            self.env["support.block"]._read_group(
                [("sale_line_id.order_id", "in", self._origin.ids)],
                ["sale_line_id"],
                ["__count"],
            )
        )
        for order in self:
            order.support_block_count = sum(
                count for line, count in counts.items() if line.order_id == order._origin
            )

    def _confirmation_error_message(self):
        error = super()._confirmation_error_message()
        if error:
            return error
        if not (self.client_order_ref or "").strip() and any(
            line.product_id.support_block_ok for line in self.order_line
        ):
            return self.env._(
                "%(order)s sells a prepaid support block: enter the customer's PO number "
                "as Customer Reference before confirming it.",
                order=self.name,
            )
        return False

    def _action_confirm(self):
        result = super()._action_confirm()
        self.order_line._support_create_blocks()
        return result

    def _action_cancel(self):
        blocks = self.order_line.sudo().support_block_ids.filtered(
            lambda block: block.state != "cancelled"
        )
        used = blocks.filtered("timesheet_ids")
        if used:
            raise UserError(
                self.env._(
                    "Time has already been drawn from block %(block)s: close the block "
                    "instead of cancelling its order.",
                    block=used[0].name,
                )
            )
        result = super()._action_cancel()
        blocks.action_cancel()
        return result

    def action_view_support_blocks(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_block_action"
        )
        action["domain"] = [("sale_line_id.order_id", "=", self.id)]
        action["context"] = {"create": False}
        return action
