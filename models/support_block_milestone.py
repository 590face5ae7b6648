import logging

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, float_compare, float_round

from .support_cron import process_each
from .support_milestone_plan import MILESTONE_TRIGGERS, check_share_and_trigger

_logger = logging.getLogger(__name__)

MILESTONE_STATES = [
    ("pending", "Pending"),
    ("due", "Due"),
    ("invoiced", "Invoiced"),
]
# what a milestone bills and when: fixed once its block is activated
BILLING_FIELDS = {"block_id", "percent", "amount", "trigger", "trigger_date", "trigger_usage"}
# states of the blocks whose milestones become due and are invoiced
BILLING_BLOCK_STATES = ("active", "exhausted", "expired", "closed")


class SupportBlockMilestone(models.Model):
    """A part of a block's price invoiced on its own when its trigger is reached: one
    customer invoice per milestone, carrying the block's PO."""

    _name = "support.block.milestone"
    _description = "Prepaid Block Milestone"
    _order = "block_id, sequence, id"
    _check_company_auto = True

    block_id = fields.Many2one(
        "support.block",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
    )
    sequence = fields.Integer(default=10)
    name = fields.Char(string="Milestone", required=True)
    percent = fields.Float(
        string="Share (%)",
        digits=(16, 2),
        help="Share of the block's total billed by this milestone (or enter an amount).",
    )
    amount = fields.Monetary(help="Amount billed by this milestone (or enter a share).")
    currency_id = fields.Many2one(related="block_id.currency_id")
    amount_to_invoice = fields.Monetary(
        string="To Invoice",
        compute="_compute_amount_to_invoice",
        help="The amount, or the share of the block's total (the last share takes the "
        "rounding difference so that the shares bill exactly the total).",
    )
    trigger = fields.Selection(
        MILESTONE_TRIGGERS,
        required=True,
        default="activation",
        help="When the milestone is due:\n"
        "- On activation: when the block is activated;\n"
        "- On a date: from that date on (checked daily);\n"
        "- At a usage percentage: when that share of the block's hours is used;\n"
        "- When exhausted: when no hours are left;\n"
        "- When closed or expired: at the end of the block.\n"
        "At the end of the block, every milestone still pending is due.",
    )
    trigger_date = fields.Date(string="Due Date")
    trigger_usage = fields.Float(string="Due at Usage (%)", digits=(16, 2))
    date_due = fields.Date(
        string="Due Since",
        readonly=True,
        copy=False,
        help="The day the trigger was reached.",
    )
    state = fields.Selection(
        MILESTONE_STATES,
        compute="_compute_invoice_state",
        store=True,
        index=True,
        help="Pending until its trigger is reached, then due until it is invoiced; back "
        "to due when its invoice is cancelled, deleted or fully credited.",
    )
    invoice_ids = fields.One2many(
        "account.move",
        "support_milestone_id",
        string="Invoices and Credit Notes",
        readonly=True,
    )
    invoice_id = fields.Many2one(
        "account.move",
        compute="_compute_invoice_state",
        store=True,
        index="btree_not_null",
        help="The milestone's live invoice: not cancelled and not fully credited.",
    )
    invoice_error = fields.Text(
        string="Invoicing Error",
        readonly=True,
        copy=False,
        help="Why the last automatic invoicing of this milestone failed.",
    )
    company_id = fields.Many2one(related="block_id.company_id", store=True, index=True)
    partner_id = fields.Many2one(related="block_id.partner_id", string="Customer", store=True)
    po_number = fields.Char(related="block_id.po_number")
    block_state = fields.Selection(related="block_id.state", string="Block Status")

    _sql_constraints = [
        (
            "share_xor_amount",
            "CHECK(COALESCE(percent, 0) BETWEEN 0 AND 100 AND COALESCE(amount, 0) >= 0 "
            "AND (COALESCE(percent, 0) > 0) <> (COALESCE(amount, 0) > 0))",
            "A milestone bills either a percentage (up to 100) or a positive amount.",
        ),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends(
        "percent",
        "amount",
        "block_id.amount_total",
        "block_id.milestone_ids.percent",
        "block_id.milestone_ids.amount",
    )
    def _compute_amount_to_invoice(self):
        amounts = {}
        for block in self.block_id:
            amounts.update(self._support_milestone_amounts(block))
        for milestone in self:
            milestone.amount_to_invoice = amounts.get(milestone, 0.0)

    @api.depends("date_due", "invoice_ids.support_milestone_live")
    def _compute_invoice_state(self):
        for milestone in self:
            live = milestone.invoice_ids.filtered("support_milestone_live")
            milestone.invoice_id = live[:1]
            if live:
                milestone.state = "invoiced"
            else:
                milestone.state = "due" if milestone.date_due else "pending"

    # --------------------------------------------------------------- constraints

    @api.constrains("percent", "amount", "trigger", "trigger_date", "trigger_usage")
    def _check_share_and_trigger(self):
        for milestone in self:
            check_share_and_trigger(
                self.env,
                milestone.name,
                percent=milestone.percent,
                amount=milestone.amount,
                trigger=milestone.trigger,
                has_date=bool(milestone.trigger_date),
                usage=milestone.trigger_usage,
            )

    # ----------------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        blocks = self.env["support.block"].browse(
            {vals["block_id"] for vals in vals_list if vals.get("block_id")}
        )
        self._support_check_editable(blocks)
        return super().create(vals_list)

    def write(self, vals):
        if BILLING_FIELDS & vals.keys():
            self._support_check_editable(
                self.block_id | self.env["support.block"].browse(vals.get("block_id"))
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_fixed(self):
        self._support_check_editable(self.block_id)

    @api.model
    def _support_check_editable(self, blocks):
        """Milestones are set while their block is a draft; activation fixes them."""
        for block in blocks:
            if block.state != "draft":
                raise UserError(
                    self.env._(
                        "The milestones of block %(block)s were fixed when it was activated: "
                        "they can no longer be added, removed or changed.",
                        block=block.name,
                    )
                )

    # -------------------------------------------------------------------- actions

    def action_invoice(self):
        """Invoice now: one customer invoice per due milestone of ``self``."""
        self.check_access("write")
        for milestone in self:
            if milestone.state != "due" or milestone.block_id.state not in BILLING_BLOCK_STATES:
                raise UserError(
                    self.env._(
                        "Milestone %(milestone)s of block %(block)s is not due: only due "
                        "milestones of activated blocks can be invoiced.",
                        milestone=milestone.name,
                        block=milestone.block_id.name,
                    )
                )
        invoices = self._support_invoice()
        if not invoices or not self.env["account.move"].has_access("read"):
            return True
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(invoices) == 1:
            action.update({"views": [(False, "form")], "view_mode": "form", "res_id": invoices.id})
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        return action

    def action_view_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "view_mode": "form",
            "res_id": self.invoice_id.id,
        }

    # ---------------------------------------------------------- business methods

    @api.model
    def _cron_invoice_due(self):
        """Turn the due milestones into invoices. Triggers reached without an event (a
        date passed, a usage missed) are caught up first. Each milestone is invoiced in
        a savepoint: a failure is recorded on it and the others go on. Rerunnable: a
        milestone with a live invoice is never invoiced again."""
        Milestone = self.sudo()
        pending = Milestone.search(
            [("state", "=", "pending"), ("block_id.state", "in", BILLING_BLOCK_STATES)]
        )
        # each block in its own savepoint: one that fails keeps its milestones pending
        # (and is logged), the others go on
        process_each(
            pending.block_id,
            lambda block: block._support_milestones_reach() or True,
            "Support: milestones due",
        )
        due = Milestone.search(
            [("state", "=", "due"), ("block_id.state", "in", BILLING_BLOCK_STATES)], order="id"
        )
        invoices = due._support_invoice(raise_errors=False)
        self.env["ir.cron"]._notify_progress(done=len(invoices), remaining=0)
        return invoices

    def _support_invoice(self, raise_errors=True):
        """Invoice the due milestones of ``self`` that no other transaction is invoicing;
        returns the invoices (sudo).

        Their rows are locked first (``FOR UPDATE SKIP LOCKED``): a concurrent run skips
        them, and what this transaction sees after the lock decides. The unique index
        ``account_move_support_milestone_live_uniq`` backs it in the database: a
        milestone has at most one live invoice."""
        invoices = self.env["account.move"].sudo()
        for milestone in self._support_lock():
            try:
                with self.env.cr.savepoint():
                    milestone.invalidate_recordset(["state", "invoice_id", "date_due"])
                    if (
                        milestone.state != "due"
                        or milestone.block_id.state not in BILLING_BLOCK_STATES
                    ):
                        continue
                    invoice = milestone._support_create_invoice()
            except Exception as error:
                if raise_errors:
                    raise
                _logger.warning(
                    "Milestone %s of block %s could not be invoiced: %s",
                    milestone.id,
                    milestone.block_id.name,
                    error,
                )
                milestone.sudo().invoice_error = str(error)
                continue
            if milestone.invoice_error:
                milestone.sudo().invoice_error = False
            invoices |= invoice
        return invoices

    def _support_lock(self):
        """The milestones of ``self`` whose rows this transaction could lock: the
        others are being invoiced by another transaction."""
        if not self.ids:
            return self
        self.env.cr.execute(
            SQL(
                "SELECT id FROM support_block_milestone WHERE id IN %s "
                "ORDER BY id FOR UPDATE SKIP LOCKED",
                tuple(self.ids),
            )
        )
        locked = {row[0] for row in self.env.cr.fetchall()}
        return self.filtered(lambda milestone: milestone.id in locked)

    def _support_create_invoice(self):
        """One customer invoice for this due milestone, linked to it and its block (and
        to the block's sales order item), posted at once when the company says so."""
        self.ensure_one()
        block = self.block_id.sudo()
        if block.currency_id.compare_amounts(self.amount_to_invoice, 0.0) <= 0:
            raise UserError(
                self.env._(
                    "Milestone %(milestone)s of block %(block)s has nothing to invoice.",
                    milestone=self.name,
                    block=block.name,
                )
            )
        # the invoice follows from the milestone: created and posted whatever the user's
        # accounting rights; accountants handle it like any other customer invoice
        invoice = (
            self.env["account.move"]
            .sudo()
            .with_company(block.company_id)
            .with_context(default_move_type="out_invoice")
            .create(self._support_invoice_values())
        )
        if block.company_id.support_milestone_auto_post:
            invoice.action_post()
        block.message_post(
            body=Markup("%s")
            % self.env._(
                "Milestone %(milestone)s invoiced: %(invoice)s (%(amount)s).",
                milestone=self.name,
                invoice=invoice.name or invoice.display_name,
                amount=f"{invoice.amount_untaxed:.2f} {invoice.currency_id.name}",
            )
        )
        return invoice

    def _support_invoice_values(self):
        """Values of the invoice of this milestone: the block's PO as reference, one
        line naming the block and the milestone."""
        self.ensure_one()
        block = self.block_id.sudo()
        links = {
            "ref": block.po_number,
            "support_block_id": block.id,
            "support_milestone_id": self.id,
        }
        label = self.env._(
            "Prepaid support block %(block)s (%(hours)s h, PO %(po)s) - %(milestone)s",
            block=block.name,
            hours=f"{block.hours_purchased:g}",
            po=block.po_number,
            milestone=self.name,
        )
        sale_line = block.sale_line_id
        if sale_line:
            # billed through the order item: the order counts it as invoiced
            values = sale_line.order_id._prepare_invoice()
            line = sale_line._prepare_invoice_line(
                quantity=self._support_sale_quantity(sale_line), name=label
            )
            values.update(links, invoice_line_ids=[Command.create(line)])
            return values
        line = {"name": label, "quantity": 1.0, "price_unit": self.amount_to_invoice}
        product = block.company_id.support_milestone_product_id
        if product:
            line["product_id"] = product.id
        return {
            "move_type": "out_invoice",
            "partner_id": block.partner_id.address_get(["invoice"])["invoice"],
            "currency_id": block.currency_id.id,
            "company_id": block.company_id.id,
            "invoice_origin": block.name,
            "invoice_user_id": block.user_id.id,
            "invoice_line_ids": [Command.create(line)],
            **links,
        }

    def _support_sale_quantity(self, sale_line):
        """Quantity of ``sale_line`` this milestone bills: its share of the ordered
        quantity; the last milestone to invoice takes what is left."""
        self.ensure_one()
        block = self.block_id.sudo()
        rounding = sale_line.product_uom.rounding
        left = sale_line.product_uom_qty - sale_line.qty_invoiced
        others = block.milestone_ids - self
        if all(milestone.state == "invoiced" for milestone in others):
            quantity = left
        else:
            share = self.amount_to_invoice / block.amount_total if block.amount_total else 0.0
            quantity = float_round(sale_line.product_uom_qty * share, precision_rounding=rounding)
        if (
            float_compare(quantity, 0.0, precision_rounding=rounding) <= 0
            or float_compare(quantity, left, precision_rounding=rounding) > 0
        ):
            raise UserError(
                self.env._(
                    "Sales order %(order)s has already invoiced the hours of block "
                    "%(block)s: milestone %(milestone)s has nothing left to bill.",
                    order=sale_line.order_id.name,
                    block=block.name,
                    milestone=self.name,
                )
            )
        return quantity

    def _support_trigger_reached(self, today):
        """Whether the trigger of this pending milestone is reached on ``today``."""
        self.ensure_one()
        block = self.block_id
        if block.state in ("closed", "expired"):
            # the block is over: what it was sold for is billed
            return True
        if self.trigger == "activation":
            return True
        if self.trigger == "date":
            return bool(self.trigger_date) and self.trigger_date <= today
        if self.trigger == "usage":
            return float_compare(block.usage_percent, self.trigger_usage, precision_digits=2) >= 0
        if self.trigger == "exhausted":
            return block.state == "exhausted"
        return False

    # ------------------------------------------------- the milestones of a block

    @api.model
    def _support_apply_milestone_plan(self, block):
        """Replace the milestones of the draft ``block`` by its plan's."""
        block.ensure_one()
        Milestone = self.env["support.block.milestone"]
        block.milestone_ids.unlink()
        if block.milestone_plan_id:
            Milestone.create(
                [
                    dict(values, block_id=block.id)
                    for values in block.milestone_plan_id._support_milestone_values(block)
                ]
            )

    @api.model
    def _support_milestone_amounts(self, block):
        """{milestone: amount it bills} of ``block``: its amount, or its share of the
        total rounded to the currency; when the shares add up to 100 %, the last one
        takes the rounding difference so that they bill exactly the total."""
        block.ensure_one()
        currency = block.currency_id
        amounts = {}
        shares = block.milestone_ids.filtered(lambda m: not m.amount)
        for milestone in block.milestone_ids:
            if milestone.amount:
                amounts[milestone] = milestone.amount
            else:
                amounts[milestone] = currency.round(block.amount_total * milestone.percent / 100)
        if shares and not float_compare(sum(shares.mapped("percent")), 100.0, precision_digits=2):
            amounts[shares[-1]] = currency.round(
                block.amount_total - sum(amounts[milestone] for milestone in shares[:-1])
            )
        return amounts

    @api.model
    def _support_check_milestones(self, block):
        """A block invoiced by milestones bills exactly its total: shares adding up to
        100 %, or amounts adding up to the total (to the currency's rounding)."""
        block.ensure_one()
        milestones = block.milestone_ids
        if not milestones:
            return
        currency = block.currency_id
        if currency.is_zero(block.amount_total):
            raise UserError(
                self.env._(
                    "Block %(block)s has milestones but no price: set its price per hour, "
                    "or remove its milestones.",
                    block=block.name,
                )
            )
        if not any(milestones.mapped("amount")):
            total = sum(milestones.mapped("percent"))
            if float_compare(total, 100.0, precision_digits=2):
                raise UserError(
                    self.env._(
                        "The milestones of block %(block)s add up to %(total)s %%: make them "
                        "add up to 100 %% before activating it.",
                        block=block.name,
                        total=f"{total:g}",
                    )
                )
            return
        billed = sum(self._support_milestone_amounts(block).values())
        if currency.compare_amounts(billed, block.amount_total):
            raise UserError(
                self.env._(
                    "The milestones of block %(block)s bill %(billed)s but the block "
                    "totals %(total)s: make them add up to its total before activating it.",
                    block=block.name,
                    billed=f"{billed:.2f} {currency.name}",
                    total=f"{block.amount_total:.2f} {currency.name}",
                )
            )

    @api.model
    def _support_milestones_reach(self, blocks):
        """Mark due the pending milestones of ``blocks`` whose trigger is reached
        (activation, date, usage, exhaustion, end of the block); the due milestones of a
        cancelled block are pending again. Runs on every change of state or balance."""
        today = fields.Date.context_today(self)
        for block in blocks.sudo():
            milestones = block.milestone_ids
            if not milestones:
                continue
            if block.state == "cancelled":
                milestones.filtered(lambda m: m.state == "due").date_due = False
                continue
            if block.state == "draft":
                continue
            reached = milestones.filtered(
                lambda m: m.state == "pending" and m._support_trigger_reached(today)
            )
            if not reached:
                continue
            reached.date_due = today
            block.message_post(
                body=Markup("%s")
                % self.env._(
                    "Milestones due: %(milestones)s.",
                    milestones=", ".join(reached.mapped("name")),
                )
            )
