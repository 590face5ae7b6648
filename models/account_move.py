from collections import defaultdict

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
    support_timesheet_count = fields.Integer(
        string="Support Entries",
        compute="_compute_support_timesheet_count",
        compute_sudo=True,
    )

    support_trip_count = fields.Integer(
        string="Support Trips",
        compute="_compute_support_trip_count",
        compute_sudo=True,
    )

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

    @api.depends("invoice_line_ids")
    def _compute_support_trip_count(self):
        groups = self.env["support.trip"]._read_group(
            [("support_invoice_line_id.move_id", "in", self.ids)],
            ["support_invoice_line_id"],
            ["__count"],
        )
        counts = defaultdict(int)
        for line, count in groups:
            counts[line.move_id.id] += count
        for move in self:
            move.support_trip_count = counts[move.id]

    @api.depends("invoice_line_ids")
    def _compute_support_timesheet_count(self):
        groups = self.env["account.analytic.line"]._read_group(
            [("support_invoice_line_id.move_id", "in", self.ids)],
            ["support_invoice_line_id"],
            ["__count"],
        )
        counts = dict.fromkeys(self.ids, 0)
        for line, count in groups:
            counts[line.move_id.id] += count
        for move in self:
            move.support_timesheet_count = counts.get(move.id, 0)

    # -- accounting workflow hooks -------------------------------------------------
    def button_cancel(self):
        # cancelling a posted credit note revives the invoice it credited
        self._support_check_revival(self.reversed_entry_id)
        res = super(AccountMove, self.with_context(support_cancelling=True)).button_cancel()
        self._support_release_sources()
        return res

    def button_draft(self):
        if not self.env.context.get("support_cancelling"):
            self._support_check_draftable()
        # an invoice reset to draft (from cancelled or credited) bills again
        self._support_check_revival(self)
        return super().button_draft()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        # a posted credit note that fully reverses a support invoice releases its sources
        credited = posted.reversed_entry_id.filtered(lambda move: move.payment_state == "reversed")
        credited._support_release_sources()
        return posted

    # -- actions ---------------------------------------------------------------------
    def action_view_support_timesheets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.account_analytic_line_action_support"
        )
        action.update(
            {
                "name": self.env._("Support Time of %(invoice)s", invoice=self.display_name),
                "domain": [("support_invoice_line_id.move_id", "=", self.id)],
                "context": {"is_timesheet": 1},
            }
        )
        return action

    def action_view_support_trips(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_trip_action"
        )
        action.update(
            {
                "name": self.env._("Trips of %(invoice)s", invoice=self.display_name),
                "domain": [("support_invoice_line_id.move_id", "=", self.id)],
                "context": {},
            }
        )
        return action

    # -- business methods --------------------------------------------------------------
    def _support_source_lines(self):
        """Invoice lines of these moves created by the support invoicing wizard."""
        return self.invoice_line_ids.filtered("support_source")

    def _support_released_lines(self):
        """Support lines whose source records were released (invoice cancelled or
        credited): they no longer bill anything that is locked."""
        source_fields = self.env["account.move.line"]._support_source_fields()
        lines = self._support_source_lines().sudo()
        return lines.filtered(lambda line: not line[source_fields[line.support_source]])

    def _support_check_draftable(self):
        """A support invoice whose entries were released (or the credit note that
        released them) cannot come back to life: its entries may be billed again."""
        for move in self:
            if (move | move.reversed_entry_id)._support_released_lines():
                raise UserError(
                    self.env._(
                        "%(move)s cannot be reset to draft: the support entries it billed "
                        "were released when the invoice was cancelled or credited, and may "
                        "already be on another invoice. Invoice them again from "
                        "Support › Invoicing instead.",
                        move=move.display_name,
                    )
                )

    def _support_release_sources(self):
        """Unlink every source record (time entries, trips, expenses) billed by these
        invoices so that the next invoicing run can bill them again (trips go back to
        confirmed).

        Called when an invoice is cancelled or fully credited. The links are cleared as
        superuser: the accountant may have no right on the technicians' timesheets."""
        lines = self._support_source_lines().sudo()
        if not lines:
            return
        Line = self.env["account.move.line"]
        released = defaultdict(int)
        for field_name in set(Line._support_source_fields().values()):
            link = Line._fields[field_name].inverse_name
            sources = lines[field_name]
            for source in sources:
                released[source[link].move_id] += 1
            Line._support_release_source_records(sources)
        for move, count in released.items():
            move._message_log(
                body=self.env._(
                    "%(count)s support entries billed by this invoice were released: they "
                    "can be invoiced again.",
                    count=count,
                )
            )

    def _support_report_show_po(self):
        """Whether the invoice prints the customer's PO prominently."""
        self.ensure_one()
        return bool(
            self.ref
            and self.move_type == "out_invoice"
            and self.company_id.support_invoice_show_po
        )

    def _support_invoice_time_rows(self):
        """Rows of the time detail table of the invoice: the time entries its lines
        billed, oldest first, as dicts (date, technician, type, description, hours).
        ``hours`` is what the invoice bills for the entry: its billed hours, or for
        time beyond a prepaid block its block hours (billed hours × the support type's
        block factor), the quantity billed at the block's overage rate."""
        self.ensure_one()
        # customers and accountants read the invoice without any right on timesheets
        entries = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                [("support_invoice_line_id", "in", self.invoice_line_ids.ids)],
                order="date, id",
            )
        )
        return [
            {
                "date": entry.date,
                "technician": entry.employee_id.name or entry.user_id.name or "",
                "type": entry.support_type_id.name or "",
                "description": entry.name or "",
                "hours": (
                    entry.support_block_hours if entry.support_is_overage else entry.billed_hours
                ),
            }
            for entry in entries
        ]

    def _support_invoice_mileage_rows(self):
        """Rows of the mileage detail table of the invoice: dicts with the keys
        ``date``, ``vehicle``, ``purpose``, ``distance``, ``distance_unit``, ``rate`` and
        ``amount`` (in the invoice currency), one per trip billed by the invoice, oldest
        first."""
        self.ensure_one()
        # customers and accountants read the invoice without any right on trips
        trips = (
            self.env["support.trip"]
            .sudo()
            .search(
                [("support_invoice_line_id", "in", self.invoice_line_ids.ids)],
                order="date, id",
            )
        )
        rows = []
        for trip in trips:
            vehicle = trip.vehicle_id
            rows.append(
                {
                    "date": trip.date,
                    "vehicle": " ".join(
                        part
                        for part in (
                            vehicle.model_id.brand_id.name,
                            vehicle.model_id.name,
                            vehicle.license_plate,
                        )
                        if part
                    ),
                    "purpose": trip.purpose or "",
                    "distance": trip.distance,
                    "distance_unit": trip._support_unit_label(),
                    "rate": self._support_to_invoice_currency(trip.rate, trip.currency_id),
                    "amount": self._support_to_invoice_currency(trip.amount, trip.currency_id),
                }
            )
        return rows

    def _support_to_invoice_currency(self, amount, currency):
        self.ensure_one()
        if not currency or currency == self.currency_id:
            return amount
        return currency._convert(
            amount,
            self.currency_id,
            self.company_id,
            self.invoice_date or fields.Date.context_today(self),
            round=False,
        )

    def _support_invoice_block_hours(self):
        """Prepaid blocks this invoice concerns, with the block hours it bills for each:
        ``{block (sudo): hours}``. Its lines billing a block's overage concern that block;
        a milestone invoice concerns the block of its milestone."""
        self.ensure_one()
        if not self.invoice_line_ids:
            return {}
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [
                    ("support_invoice_line_id", "in", self.invoice_line_ids.ids),
                    ("support_block_id", "!=", False),
                ],
                ["support_block_id"],
                ["support_block_hours:sum"],
            )
        )
        hours = dict(groups)
        # a milestone invoice concerns its block: it bills an amount, not hours
        if self.support_block_id:
            hours.setdefault(self.sudo().support_block_id, 0.0)
        return hours

    def _support_invoice_block_rows(self):
        """Rows of the prepaid block statement printed on the invoice: dicts with the keys
        ``name``, ``po``, ``purchased`` (available hours: purchased and carried over),
        ``used`` (drawn to date), ``on_invoice`` (block hours billed on this invoice) and
        ``remaining``, one per block the invoice concerns
        (``_support_invoice_block_hours``)."""
        self.ensure_one()
        hours = self._support_invoice_block_hours()
        blocks = self.env["support.block"].sudo().union(*hours)
        return [
            {
                "name": block.name,
                "po": block.po_number or "",
                "purchased": block.hours_available,
                "used": block.hours_used,
                "on_invoice": hours[block],
                "remaining": block.hours_remaining,
            }
            for block in blocks.sorted(lambda b: (b.date_start, b.id))
        ]
