from dateutil.relativedelta import relativedelta

from odoo import api, fields, models


class SupportBlockRenewWizard(models.TransientModel):
    """Gathers the terms of the next block; ``support.block._support_renew`` does it."""

    _name = "support.block.renew.wizard"
    _description = "Renew a Prepaid Support Block"

    block_id = fields.Many2one("support.block", required=True, readonly=True)
    partner_id = fields.Many2one(related="block_id.partner_id")
    company_id = fields.Many2one(related="block_id.company_id")
    currency_id = fields.Many2one(related="block_id.currency_id")
    burn_rate = fields.Float(related="block_id.burn_rate")
    hours_purchased = fields.Float(
        string="Hours",
        help="Proposed from the block's burn rate: enough for as long as the block lasted "
        "(rounded up to the block size of its product). The block's own hours when "
        "nothing was drawn.",
        compute="_compute_from_block",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
        digits=(16, 2),
    )
    price_unit = fields.Monetary(
        string="Price per Hour",
        compute="_compute_from_block",
        store=True,
        precompute=True,
        readonly=False,
    )
    po_number = fields.Char(string="PO Number", required=True)
    date_start = fields.Date(
        string="Valid From",
        compute="_compute_dates",
        store=True,
        precompute=True,
        readonly=False,
        required=True,
    )
    date_end = fields.Date(
        string="Expires On",
        compute="_compute_dates",
        store=True,
        precompute=True,
        readonly=False,
    )
    rollover = fields.Boolean(
        string="Carry Over",
        compute="_compute_from_block",
        store=True,
        precompute=True,
        readonly=False,
        help="Move the hours left in the current block (or its negative balance) into the "
        "new one and close the current block.",
    )
    rollover_hours = fields.Float(
        string="Hours Carried Over", compute="_compute_rollover_hours", digits=(16, 2)
    )
    create_mode = fields.Selection(
        [("block", "Create the block now"), ("quotation", "Create a quotation")],
        string="Create",
        required=True,
        default="block",
        help="A quotation creates the block when the customer's order is confirmed.",
    )
    product_id = fields.Many2one(
        "product.product",
        compute="_compute_product_id",
        store=True,
        precompute=True,
        readonly=False,
        domain="[('support_block_ok', '=', True), ('sale_ok', '=', True)]",
        check_company=True,
    )

    @api.depends("block_id")
    def _compute_from_block(self):
        for wizard in self:
            block = wizard.block_id
            wizard.hours_purchased = block._support_renewal_hours() if block else 0.0
            wizard.price_unit = block.price_unit
            wizard.rollover = block.rollover

    @api.depends("block_id", "rollover")
    def _compute_dates(self):
        today = fields.Date.context_today(self)
        for wizard in self:
            block = wizard.block_id
            start = today
            # without rollover the current block runs to its end, the new one follows;
            # with rollover the current block closes now and the new one takes over
            if not wizard.rollover and block.date_end and block.date_end >= today:
                start = block.date_end + relativedelta(days=1)
            wizard.date_start = start
            wizard.date_end = False
            if block.date_end and block.date_start:
                # as long as the block it renews: Jan 1 - Jun 30 is renewed Jul 1 - Dec 31
                span = relativedelta(block.date_end + relativedelta(days=1), block.date_start)
                wizard.date_end = start + span - relativedelta(days=1)

    @api.depends("block_id", "rollover")
    def _compute_rollover_hours(self):
        for wizard in self:
            wizard.rollover_hours = wizard.block_id.hours_remaining if wizard.rollover else 0.0

    @api.depends("block_id")
    def _compute_product_id(self):
        for wizard in self:
            product = wizard.block_id.sudo().sale_line_id.product_id
            if not product:
                product = self.env["product.product"].search(
                    [
                        ("support_block_ok", "=", True),
                        ("sale_ok", "=", True),
                        ("company_id", "in", [wizard.company_id.id, False]),
                    ],
                    limit=1,
                )
            wizard.product_id = product

    def action_confirm(self):
        """Create the next block (or its quotation) and open it."""
        self.ensure_one()
        block = self.block_id
        if block.rollover != self.rollover:
            block.rollover = self.rollover
        record = block._support_renew(
            self.hours_purchased,
            self.price_unit,
            self.po_number,
            date_start=self.date_start,
            date_end=self.date_end,
            quotation=self.create_mode == "quotation",
            product=self.product_id,
        )
        return {
            "type": "ir.actions.act_window",
            "res_model": record._name,
            "res_id": record.id,
            "view_mode": "form",
            "target": "current",
        }
