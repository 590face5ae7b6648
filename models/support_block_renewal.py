import math

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare, float_round

from .support_block_ledger import HOURS_PRECISION

RENEWABLE_STATES = ("active", "exhausted", "expired")


class SupportBlockRenewal(models.AbstractModel):
    """Renewal of a prepaid block (``support.block`` inherits it): the next block, or
    the quotation that creates it, on the same terms, the hours proposed from the burn
    rate, and the rollover of what is left into it."""

    _name = "support.block.renewal"
    _description = "Prepaid Support Block Renewal"

    rollover = fields.Boolean(
        help="At renewal, the unused hours (or the negative balance) move into the new "
        "block and this block is closed."
    )
    rollover_hours_in = fields.Float(
        string="Carried Over In",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="Hours carried over from the previous block at its renewal.",
    )
    rollover_hours_out = fields.Float(
        string="Carried Over Out",
        readonly=True,
        copy=False,
        digits=(16, 2),
        help="Hours moved into the renewal block.",
    )
    previous_block_id = fields.Many2one(
        "support.block",
        string="Renewal Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    next_block_ids = fields.One2many("support.block", "previous_block_id", readonly=True)
    renewed_block_id = fields.Many2one(
        "support.block",
        string="Renewed By",
        compute="_compute_renewed_block_id",
        store=True,
    )

    # ------------------------------------------------------------------ computes

    @api.depends("next_block_ids")
    def _compute_renewed_block_id(self):
        for block in self:
            block.renewed_block_id = block.next_block_ids[:1]

    # ---------------------------------------------------------- business methods

    def _support_check_renewable(self):
        self.ensure_one()
        if self.state not in RENEWABLE_STATES:
            raise UserError(
                self.env._(
                    "Block %(block)s cannot be renewed: only active, exhausted or expired "
                    "blocks can.",
                    block=self.name,
                )
            )
        if self.renewed_block_id:
            raise UserError(
                self.env._(
                    "Block %(block)s is already renewed by %(renewal)s.",
                    block=self.name,
                    renewal=self.renewed_block_id.name,
                )
            )
        pending = (
            self.env["sale.order.line"]
            .sudo()
            .search(
                [
                    ("support_renew_block_id", "=", self.id),
                    ("order_id.state", "in", ("draft", "sent")),
                ],
                limit=1,
            )
        )
        if pending:
            raise UserError(
                self.env._(
                    "Quotation %(order)s already renews block %(block)s: confirm or cancel it.",
                    order=pending.order_id.name,
                    block=self.name,
                )
            )

    def _support_renewal_hours(self, today=None):
        """Hours proposed for the renewal: enough, at the burn rate, for as long as this
        block lasted (from its start to its forecast date, its expiry, or today),
        rounded up to whole hours, or to the block size of the product it was sold
        with. The block's own hours when nothing was drawn."""
        self.ensure_one()
        if float_compare(self.burn_rate, 0.0, precision_digits=HOURS_PRECISION) <= 0:
            return self.hours_purchased
        today = today or fields.Date.context_today(self)
        end = self.forecast_exhaustion_date or self.date_end or today
        days = max((end - self.date_start).days + 1, 1)
        hours = self.burn_rate * days / 7.0
        size = self.sudo().sale_line_id.product_id.support_block_hours or 1.0
        units = math.ceil(float_round(hours / size, precision_digits=HOURS_PRECISION))
        return max(units, 1) * size

    def _support_renewal_values(
        self, hours_purchased, price_unit, po_number, date_start, date_end
    ):
        """Values of the block renewing ``self``: same customer, project and terms."""
        self.ensure_one()
        return {
            "partner_id": self.partner_id.id,
            "contact_id": self.contact_id.id,
            "company_id": self.company_id.id,
            "currency_id": self.currency_id.id,
            "user_id": self.user_id.id,
            "project_id": self.project_id.id,
            "hours_purchased": hours_purchased,
            "price_unit": price_unit,
            "po_number": po_number,
            "date_start": date_start,
            "date_end": date_end,
            "overage_policy": self.overage_policy,
            "overage_rate": self.overage_rate,
            "rollover": self.rollover,
            "alert_thresholds": self.alert_thresholds,
            "previous_block_id": self.id,
            "milestone_plan_id": self.milestone_plan_id.id,
        }

    def _support_renew(
        self,
        hours_purchased,
        price_unit,
        po_number,
        date_start=None,
        date_end=False,
        quotation=False,
        product=None,
    ):
        """Renew ``self``: an active next block (returned) or, with ``quotation``, a
        quotation for it (returned) whose confirmation creates it. With rollover, what
        is left of ``self`` moves into the new block when it is activated."""
        self.ensure_one()
        self._support_check_renewable()
        po_number = (po_number or "").strip()
        if not po_number:
            raise UserError(
                self.env._(
                    "Enter the customer's PO number for the renewal of %(block)s.", block=self.name
                )
            )
        if hours_purchased <= 0:
            raise UserError(self.env._("The renewal needs a positive number of hours."))
        if quotation:
            return self._support_create_renewal_quotation(
                product, hours_purchased, price_unit, po_number
            )
        date_start = date_start or fields.Date.context_today(self)
        block = self.create(
            self._support_renewal_values(
                hours_purchased, price_unit, po_number, date_start, date_end
            )
        )
        block.action_activate()
        self.message_post(
            body=Markup("%s") % self.env._("Renewed by %(block)s.", block=block.name)
        )
        return block

    def _support_create_renewal_quotation(self, product, hours_purchased, price_unit, po_number):
        self.ensure_one()
        if not self.env.user.has_group("sales_team.group_sale_salesman"):
            raise UserError(
                self.env._("Only salespeople can create quotations: create the block instead.")
            )
        if not product or not product.support_block_ok or product.support_block_hours <= 0:
            raise UserError(
                self.env._(
                    "Choose a product sold as a prepaid support block (with its hours per "
                    "unit) for the renewal quotation."
                )
            )
        order = self.env["sale.order"].create(
            {
                "partner_id": (self.contact_id or self.partner_id).id,
                "company_id": self.company_id.id,
                "client_order_ref": po_number,
                "order_line": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": hours_purchased / product.support_block_hours,
                            "price_unit": price_unit * product.support_block_hours,
                            "support_renew_block_id": self.id,
                        }
                    )
                ],
            }
        )
        self.message_post(
            body=Markup("%s")
            % self.env._("Renewal quotation %(order)s created.", order=order.name)
        )
        return order

    def _support_roll_over_into(self, new_block):
        """Move what is left of ``self`` (unused hours or a negative balance) into
        ``new_block``, record it on both, and close ``self``."""
        self.ensure_one()
        self.invalidate_recordset(["hours_used", "hours_remaining", "hours_overage"])
        hours = self.hours_remaining
        self._track_set_log_message(
            Markup("<p>%s</p>")
            % self.env._(
                "%(hours)s hours carried over into %(block)s.",
                hours=f"{hours:.2f}",
                block=new_block.name,
            )
        )
        self.write({"rollover_hours_out": hours, "state": "closed"})
        new_block.write({"rollover_hours_in": hours})
