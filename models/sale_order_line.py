from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    support_block_ids = fields.One2many(
        "support.block",
        "sale_line_id",
        string="Prepaid Blocks",
        groups="it_support_time.group_support_user",
    )
    support_renew_block_id = fields.Many2one(
        "support.block",
        string="Renews Block",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The block this item renews: at confirmation, the new block takes over what "
        "is left of it (with rollover).",
    )

    @api.depends("support_block_ids.milestone_ids")
    def _compute_qty_to_invoice(self):
        """The milestones of a block bill its order item: the order's own invoicing
        leaves it alone."""
        result = super()._compute_qty_to_invoice()
        for line in self:
            if line.sudo().support_block_ids.milestone_ids:
                line.qty_to_invoice = 0.0
        return result

    def _support_create_blocks(self):
        """One active block per confirmed item of a prepaid support block product."""
        # the block follows from the sale: created whatever the seller's support rights
        Block = self.env["support.block"].sudo()
        for line in self:
            product = line.product_id
            if line.display_type or not product.support_block_ok or line.product_uom_qty <= 0:
                continue
            block = line.sudo().support_block_ids[:1]
            if block.state in ("draft", "cancelled"):
                # a cancelled order confirmed again brings its block back
                if block.state == "cancelled":
                    block.action_draft()
                block.write({"po_number": line.order_id.client_order_ref})
                block.action_activate()
            elif not block:
                block = Block.create(line._support_block_values())
                block.action_activate()

    def _support_block_values(self):
        self.ensure_one()
        order = self.order_id
        hours = self.product_uom_qty * self.product_id.support_block_hours
        values = {
            "partner_id": order.partner_id.commercial_partner_id.id,
            "contact_id": order.partner_id.id,
            "po_number": order.client_order_ref,
            "hours_purchased": hours,
            "price_unit": self.price_subtotal / hours,
            "currency_id": order.currency_id.id,
            "company_id": order.company_id.id,
            "user_id": order.user_id.id,
            "sale_line_id": self.id,
            "date_start": fields.Date.context_today(self),
            # invoiced by the product's milestones, else by the order as usual
            "milestone_plan_id": self.product_id.support_milestone_plan_id.id,
        }
        previous = self.support_renew_block_id.sudo()
        if previous and not previous.renewed_block_id:
            values.update(
                {
                    "previous_block_id": previous.id,
                    "project_id": previous.project_id.id,
                    "overage_policy": previous.overage_policy,
                    "overage_rate": previous.overage_rate,
                    "rollover": previous.rollover,
                    "alert_thresholds": previous.alert_thresholds,
                }
            )
        return values
