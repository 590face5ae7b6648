from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.sql import column_exists, create_column, index_exists

# one live invoice per block milestone, enforced by the database (see init())
MILESTONE_LIVE_INDEX = "account_move_support_milestone_live_uniq"


class AccountMove(models.Model):
    _inherit = "account.move"

    support_block_id = fields.Many2one(
        "support.block",
        string="Prepaid Block",
        readonly=True,
        index="btree_not_null",
        help="The prepaid support block this invoice (or credit note) bills.",
    )
    support_milestone_id = fields.Many2one(
        "support.block.milestone",
        string="Block Milestone",
        readonly=True,
        index="btree_not_null",
        help="The block milestone this invoice bills (or this credit note credits).",
    )
    support_milestone_live = fields.Boolean(
        string="Live Milestone Invoice",
        compute="_compute_support_milestone_live",
        store=True,
        help="A customer invoice of a milestone that is neither cancelled nor fully "
        "credited: each milestone has at most one.",
    )

    # the index is created in init(); the message is shown when it is violated
    _sql_constraints = [
        (
            "support_milestone_live_uniq",
            "",
            "A block milestone is billed by one invoice only: cancel or credit its "
            "current invoice first.",
        ),
    ]

    def _auto_init(self):
        # false for every existing entry: created here so that the ORM does not compute
        # it for the whole journal at install
        if not column_exists(self.env.cr, "account_move", "support_milestone_live"):
            create_column(self.env.cr, "account_move", "support_milestone_live", "bool")
        return super()._auto_init()

    def init(self):
        result = super().init()
        if not index_exists(self.env.cr, MILESTONE_LIVE_INDEX):
            self.env.cr.execute(
                SQL(
                    "CREATE UNIQUE INDEX %s ON account_move (support_milestone_id) "
                    "WHERE support_milestone_live",
                    SQL.identifier(MILESTONE_LIVE_INDEX),
                )
            )
        return result

    @api.depends(
        "support_milestone_id",
        "move_type",
        "state",
        "payment_state",
        "amount_total",
        "reversal_move_ids.state",
        "reversal_move_ids.amount_total",
    )
    def _compute_support_milestone_live(self):
        for move in self:
            move.support_milestone_live = (
                bool(move.support_milestone_id)
                and move.move_type == "out_invoice"
                and move.state != "cancel"
                and move.payment_state != "reversed"
                and not move._support_fully_credited()
            )

    def _support_fully_credited(self):
        """Whether posted credit notes of this invoice credit all of it."""
        self.ensure_one()
        credited = sum(
            refund.amount_total for refund in self.reversal_move_ids if refund.state == "posted"
        )
        return (
            bool(credited) and self.currency_id.compare_amounts(credited, self.amount_total) >= 0
        )

    @api.model_create_multi
    def create(self, vals_list):
        default_type = self.env.context.get("default_move_type", "entry")
        milestone_ids = [
            vals["support_milestone_id"]
            for vals in vals_list
            if vals.get("support_milestone_id")
            and vals.get("move_type", default_type) == "out_invoice"
        ]
        if len(milestone_ids) != len(set(milestone_ids)):
            raise UserError(self.env._("A block milestone is billed by one invoice only."))
        # a duplicate of a milestone invoice, or an invoice made by hand for it
        self._support_check_not_billed(
            self.env["support.block.milestone"].browse(milestone_ids), self.browse()
        )
        return super().create(vals_list)

    def button_draft(self):
        # an invoice reset to draft (from cancelled or credited) bills again
        self._support_check_revival(self)
        return super().button_draft()

    def button_cancel(self):
        # cancelling a posted credit note revives the invoice it credited
        self._support_check_revival(self.reversed_entry_id)
        return super().button_cancel()

    def _support_check_revival(self, invoices):
        """Refuse to make ``invoices`` bill their milestones again while another
        invoice bills them."""
        invoices = invoices.filtered(
            lambda move: move.support_milestone_id and move.move_type == "out_invoice"
        )
        self._support_check_not_billed(invoices.support_milestone_id, invoices)

    @api.model
    def _support_check_not_billed(self, milestones, allowed):
        """Raise a clear error when one of ``milestones`` has a live invoice other than
        ``allowed`` (the unique index refuses it anyway, with a technical message)."""
        if not milestones:
            return
        live = self.sudo().search(
            [
                ("support_milestone_id", "in", milestones.ids),
                ("support_milestone_live", "=", True),
                ("id", "not in", allowed.ids),
            ],
            limit=1,
        )
        if live:
            raise UserError(
                self.env._(
                    "Milestone %(milestone)s of block %(block)s is already billed by "
                    "%(invoice)s: cancel or credit that invoice first.",
                    milestone=live.support_milestone_id.name,
                    block=live.support_block_id.name,
                    invoice=live.display_name,
                )
            )
