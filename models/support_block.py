import math
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_round, format_date

from .support_block_ledger import (
    DRAWING_STATES,
    HOURS_PRECISION,
    OVERAGE_POLICIES,
    OVERAGE_POLICY_HELP,
)
from .support_cron import process_each

BLOCK_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("exhausted", "Exhausted"),
    ("expired", "Expired"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]
RENEWABLE_STATES = ("active", "exhausted", "expired")
DEFAULT_THRESHOLDS = "75,90,100"
# burn rate over the last 4 weeks; forecast alert and filters 30 days ahead
DEFAULT_BURN_WEEKS = 4
DEFAULT_FORECAST_DAYS = 30
# a forecast further than this is no forecast ("never" at this pace)
FORECAST_HORIZON_DAYS = 3660
FORECAST_REASONS = [
    ("exhaustion", "Hours run out"),
    ("expiry", "Block expires"),
]


def parse_thresholds(text):
    """Sorted percentages of a "75,90,100" string; ``ValueError`` when malformed."""
    values = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        value = int(part)
        if value <= 0 or value > 1000:
            raise ValueError(part)
        values.add(value)
    return sorted(values)


def format_thresholds(values):
    return ",".join(str(value) for value in sorted(values))


class SupportBlock(models.Model):
    """Prepaid hours sold to one customer under one PO, drawn by its timesheet entries."""

    _name = "support.block"
    _description = "Prepaid Support Block"
    _inherit = ["portal.mixin", "mail.thread", "mail.activity.mixin"]
    _order = "date_start desc, id desc"
    _check_company_auto = True

    name = fields.Char(
        string="Reference",
        required=True,
        readonly=True,
        copy=False,
        default=lambda self: self.env._("New"),
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        tracking=True,
        check_company=True,
        help="The customer (commercial entity) the hours are sold to.",
    )
    contact_id = fields.Many2one(
        "res.partner",
        check_company=True,
        domain="[('id', 'child_of', partner_id)]",
        help="Receives the balance alerts; the customer itself when empty.",
    )
    po_number = fields.Char(
        string="PO Number",
        tracking=True,
        copy=False,
        help="The customer's purchase order: required to activate the block, printed on "
        "its task, statement and invoices.",
    )
    hours_purchased = fields.Float(
        string="Purchased Hours", required=True, digits=(16, 2), tracking=True
    )
    currency_id = fields.Many2one(
        "res.currency",
        required=True,
        default=lambda self: self.env.company.currency_id,
    )
    price_unit = fields.Monetary(string="Price per Hour", tracking=True)
    amount_total = fields.Monetary(string="Total", compute="_compute_amount_total", store=True)
    date_start = fields.Date(
        string="Valid From",
        required=True,
        default=fields.Date.context_today,
        tracking=True,
    )
    date_end = fields.Date(
        string="Expires On",
        tracking=True,
        help="Leave empty for a block that never expires. The day after, the block is "
        "expired and takes no more time.",
    )
    state = fields.Selection(
        BLOCK_STATES,
        required=True,
        default="draft",
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    user_id = fields.Many2one(
        "res.users",
        string="Account Manager",
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
        tracking=True,
        check_company=True,
        help="Receives the balance alerts as activities.",
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    project_id = fields.Many2one(
        "project.project",
        string="Support Project",
        check_company=True,
        domain="[('is_support_project', '=', True)]",
        help="The customer's support project, where the block's task is created. Found "
        "or created when the block is activated.",
    )
    task_id = fields.Many2one(
        "project.task",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="Time logged on this task draws from the block.",
    )
    sale_line_id = fields.Many2one(
        "sale.order.line",
        string="Sales Order Item",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    sale_order_id = fields.Many2one(related="sale_line_id.order_id", string="Sales Order")
    timesheet_ids = fields.One2many(
        "account.analytic.line", "support_block_id", string="Entries", readonly=True
    )
    timesheet_count = fields.Integer(compute="_compute_timesheet_count", compute_sudo=True)
    hours_available = fields.Float(
        string="Available Hours",
        compute="_compute_hours_available",
        store=True,
        digits=(16, 2),
        help="Purchased hours plus the hours carried over from the previous block (a "
        "negative balance carried over lowers it).",
    )
    hours_used = fields.Float(
        string="Used Hours",
        compute="_compute_hours",
        compute_sudo=True,
        digits=(16, 2),
        help="Block hours drawn by the entries: billed hours times the support type's "
        "block factor.",
    )
    hours_remaining = fields.Float(
        string="Remaining Hours",
        compute="_compute_hours",
        compute_sudo=True,
        digits=(16, 2),
    )
    hours_overage = fields.Float(
        string="Overage Hours",
        compute="_compute_hours",
        compute_sudo=True,
        digits=(16, 2),
        help="Block hours of the overage entries, billed at the overage rate.",
    )
    usage_percent = fields.Float(
        string="Usage (%)",
        compute="_compute_hours",
        compute_sudo=True,
    )
    overage_policy = fields.Selection(
        OVERAGE_POLICIES,
        required=True,
        default="next_block",
        tracking=True,
        help=OVERAGE_POLICY_HELP,
    )
    overage_rate = fields.Monetary(
        help="Price of a block hour beyond the block under the overage policy.",
    )
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
    alert_thresholds = fields.Char(
        default=lambda self: self.env.company.support_block_alert_thresholds or DEFAULT_THRESHOLDS,
        help="Usage percentages, separated by commas, at which the account manager (and "
        "the customer, if enabled in Settings) is alerted. Each fires once.",
    )
    alert_fired = fields.Char(
        string="Alerts Sent",
        readonly=True,
        copy=False,
        help="Thresholds whose alert was sent.",
    )
    milestone_plan_id = fields.Many2one(
        "support.milestone.plan",
        default=lambda self: self.env.company.support_milestone_plan_id,
        check_company=True,
        help="The plan the milestones were copied from: the block's product when it is "
        "sold, else the company's default plan. Choosing another plan on a draft block "
        "replaces its milestones.",
    )
    milestone_ids = fields.One2many(
        "support.block.milestone",
        "block_id",
        string="Milestones",
        copy=True,
        help="How the block is invoiced: each milestone is one invoice, due on its trigger. "
        "Set before activation; none when the block is invoiced elsewhere.",
    )
    invoice_ids = fields.One2many("account.move", "support_block_id", readonly=True)
    invoice_count = fields.Integer(compute="_compute_invoice_count", compute_sudo=True)
    # -- forecast: stored for the renewal pipeline (ordered and grouped by month), computed
    # again whenever the entries or terms change and each day by the forecast cron
    burn_rate = fields.Float(
        string="Burn Rate (h/week)",
        compute="_compute_forecast",
        store=True,
        help="Block hours drawn per week over the last weeks of its entries (4 by default, "
        "see Settings), or since the block's start when it is younger.",
    )
    forecast_exhaustion_date = fields.Date(
        string="Runs Out About",
        compute="_compute_forecast",
        store=True,
        index="btree_not_null",
        help="When the block runs out at its burn rate: today plus the remaining hours "
        "divided by the burn rate; its expiry date when that comes first; today when "
        "nothing is left. Empty when nothing is drawn and the block never expires.",
    )
    forecast_reason = fields.Selection(
        FORECAST_REASONS,
        string="Ends By",
        compute="_compute_forecast",
        store=True,
        help="Whether the block ends by running out of hours or by expiring.",
    )
    days_left = fields.Integer(
        compute="_compute_days_left",
        search="_search_days_left",
        help="Days until the forecast date (0 when it is today or past).",
    )
    forecast_runs_out_soon = fields.Boolean(
        string="Runs Out Soon",
        compute="_compute_forecast_soon",
        search="_search_forecast_runs_out_soon",
        help="The hours of this running block run out within the forecast window of the "
        "Settings (30 days by default).",
    )
    expires_soon = fields.Boolean(
        compute="_compute_forecast_soon",
        search="_search_expires_soon",
        help="This running block expires within the forecast window of the Settings.",
    )
    forecast_alert_fired = fields.Boolean(
        string="Forecast Alert Sent",
        readonly=True,
        copy=False,
        help="The account manager was alerted that the block runs out soon (once per block).",
    )

    _sql_constraints = [
        (
            "previous_block_unique",
            "UNIQUE(previous_block_id)",
            "A block can be renewed only once.",
        ),
        (
            "sale_line_unique",
            "UNIQUE(sale_line_id)",
            "A sales order item creates one block only.",
        ),
    ]

    # ------------------------------------------------------------------ computes

    @api.depends("hours_purchased", "price_unit")
    def _compute_amount_total(self):
        for block in self:
            block.amount_total = block.hours_purchased * block.price_unit

    @api.depends("hours_purchased", "rollover_hours_in")
    def _compute_hours_available(self):
        for block in self:
            block.hours_available = block.hours_purchased + block.rollover_hours_in

    @api.depends(
        "hours_available",
        "rollover_hours_out",
        "timesheet_ids.support_block_hours",
        "timesheet_ids.support_is_overage",
    )
    def _compute_hours(self):
        balances = self.env["support.block.ledger"]._support_balances(self)
        for block in self:
            used, overage, remaining, usage = balances[block]
            block.hours_used = used
            block.hours_overage = overage
            block.hours_remaining = remaining
            block.usage_percent = usage

    @api.depends("timesheet_ids")
    def _compute_timesheet_count(self):
        counts = dict(
            self.env["account.analytic.line"]._read_group(
                [("support_block_id", "in", self._origin.ids)],
                ["support_block_id"],
                ["__count"],
            )
        )
        for block in self:
            block.timesheet_count = counts.get(block._origin, 0)

    @api.depends("invoice_ids")
    def _compute_invoice_count(self):
        counts = dict(
            self.env["account.move"]._read_group(
                [("support_block_id", "in", self._origin.ids)],
                ["support_block_id"],
                ["__count"],
            )
        )
        for block in self:
            block.invoice_count = counts.get(block._origin, 0)

    @api.depends("next_block_ids")
    def _compute_renewed_block_id(self):
        for block in self:
            block.renewed_block_id = block.next_block_ids[:1]

    @api.depends(
        "state",
        "date_start",
        "date_end",
        "hours_available",
        "rollover_hours_out",
        "timesheet_ids.date",
        "timesheet_ids.support_block_hours",
        "timesheet_ids.support_is_overage",
        "company_id.support_block_burn_weeks",
    )
    def _compute_forecast(self):
        forecasts = self._support_forecast_values(fields.Date.context_today(self))
        for block in self:
            burn_rate, date, reason = forecasts.get(block._origin.id, (0.0, False, False))
            block.burn_rate = burn_rate
            block.forecast_exhaustion_date = date
            block.forecast_reason = reason

    @api.depends("forecast_exhaustion_date")
    def _compute_days_left(self):
        today = fields.Date.context_today(self)
        for block in self:
            date = block.forecast_exhaustion_date
            block.days_left = max((date - today).days, 0) if date else 0

    def _search_days_left(self, operator, value):
        if operator not in ("<", "<=", ">", ">=", "=") or not isinstance(value, int):
            raise UserError(self.env._("Search the days left with a whole number of days."))
        limit = fields.Date.context_today(self) + timedelta(days=value)
        if operator == "=":
            return [("forecast_exhaustion_date", "=", limit)]
        return [
            ("forecast_exhaustion_date", "!=", False),
            ("forecast_exhaustion_date", operator, limit),
        ]

    @api.depends_context("company")
    @api.depends("state", "forecast_exhaustion_date", "forecast_reason", "date_end")
    def _compute_forecast_soon(self):
        today = fields.Date.context_today(self)
        limit = today + timedelta(days=self.env.company._support_forecast_days())
        for block in self:
            running = block.state in DRAWING_STATES
            block.forecast_runs_out_soon = (
                running
                and block.forecast_reason == "exhaustion"
                and block.forecast_exhaustion_date <= limit
            )
            block.expires_soon = bool(
                running and block.date_end and today <= block.date_end <= limit
            )

    def _search_forecast_runs_out_soon(self, operator, value):
        limit = fields.Date.context_today(self) + timedelta(
            days=self.env.company._support_forecast_days()
        )
        domain = [
            ("state", "in", DRAWING_STATES),
            ("forecast_reason", "=", "exhaustion"),
            ("forecast_exhaustion_date", "<=", limit),
        ]
        return self._support_bool_search(domain, operator, value)

    def _search_expires_soon(self, operator, value):
        today = fields.Date.context_today(self)
        limit = today + timedelta(days=self.env.company._support_forecast_days())
        domain = [
            ("state", "in", DRAWING_STATES),
            ("date_end", ">=", today),
            ("date_end", "<=", limit),
        ]
        return self._support_bool_search(domain, operator, value)

    def _support_bool_search(self, domain, operator, value):
        """``domain`` for ``field = True``; the other blocks for ``field = False``
        (a negated domain would leave out the rows whose values are NULL)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(f"Unsupported search: {operator} {value!r}")
        if (operator == "=") == value:
            return domain
        return [("id", "not in", self._search(domain))]

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for block in self:
            block.access_url = f"/my/support-blocks/{block.id}"
        return result

    def _support_forecast_values(self, today):
        """{block id: (burn rate, forecast date, forecast reason)} of ``self`` on
        ``today``, in two grouped queries whatever the number of blocks (the balances
        and the block hours drawn per day of the burn windows).

        The burn window is the last N weeks (the company's setting) ending today, or
        ending on the expiry date of a block that expired; it starts at the block's
        start when the block is younger. The burn rate is the block hours drawn (not
        overage) by the entries dated in it, per week. Running blocks get a forecast:
        today when nothing is left, else today + remaining / burn rate (whole days),
        or the expiry date when that comes first; none when nothing is drawn and the
        block never expires."""
        blocks = self.filtered(lambda b: b._origin.id and b.state not in ("draft", "cancelled"))
        if not blocks:
            return {}
        windows = {}
        for block in blocks:
            end = min(today, block.date_end) if block.date_end else today
            weeks = block.company_id.support_block_burn_weeks or DEFAULT_BURN_WEEKS
            start = max(block.date_start, end - timedelta(days=7 * weeks - 1))
            if start <= end:
                windows[block._origin.id] = (start, end)
        drawn = defaultdict(float)
        if windows:
            groups = (
                self.env["account.analytic.line"]
                .sudo()
                ._read_group(
                    [
                        ("support_block_id", "in", list(windows)),
                        ("support_is_overage", "=", False),
                        ("date", ">=", min(start for start, __ in windows.values())),
                        ("date", "<=", max(end for __, end in windows.values())),
                    ],
                    ["support_block_id", "date:day"],
                    ["support_block_hours:sum"],
                )
            )
            for block, day, hours in groups:
                start, end = windows[block.id]
                if start <= day <= end:
                    drawn[block.id] += hours
        result = {}
        for block in blocks:
            block_id = block._origin.id
            burn_rate = 0.0
            if block_id in windows:
                start, end = windows[block_id]
                burn_rate = drawn[block_id] * 7.0 / ((end - start).days + 1)
            result[block_id] = (burn_rate,) + block._support_forecast(today, burn_rate)
        return result

    def _support_forecast(self, today, burn_rate):
        """(forecast date, reason) of this block at ``burn_rate`` on ``today``."""
        self.ensure_one()
        if self.state not in DRAWING_STATES:
            return False, False
        remaining = self.hours_remaining
        exhaustion = False
        if float_compare(remaining, 0.0, precision_digits=HOURS_PRECISION) <= 0:
            exhaustion = today
        elif float_compare(burn_rate, 0.0, precision_digits=HOURS_PRECISION) > 0:
            days = remaining * 7.0 / burn_rate
            if days <= FORECAST_HORIZON_DAYS:
                exhaustion = today + timedelta(days=int(days))
        if self.date_end and (not exhaustion or self.date_end < exhaustion):
            return self.date_end, "expiry"
        return exhaustion, exhaustion and "exhaustion"

    def _support_refresh_forecast(self, today=None):
        """Compute the forecast of ``self`` again for today (the burn window and today
        move every day) and store the ones that changed, like the ORM's recompute, in a
        constant number of queries; returns the blocks whose forecast changed. Writing
        only what changed keeps the daily run off the rows of blocks being drawn from."""
        values = self._support_forecast_values(today or fields.Date.context_today(self))
        changed_ids = []
        for block in self:
            burn_rate, date, reason = values.get(block.id, (0.0, False, False))
            if (
                float_compare(block.burn_rate, burn_rate, precision_digits=6)
                or block.forecast_exhaustion_date != date
                or block.forecast_reason != reason
            ):
                changed_ids.append(block.id)
        changed = self.browse(changed_ids)
        if not changed:
            return changed
        forecast_fields = [
            self._fields[fname]
            for fname in ("burn_rate", "forecast_exhaustion_date", "forecast_reason")
        ]
        with self.env.protecting(forecast_fields, changed):
            for block in changed:
                block.burn_rate, block.forecast_exhaustion_date, block.forecast_reason = (
                    values.get(block.id, (0.0, False, False))
                )
        changed.invalidate_recordset(["days_left", "forecast_runs_out_soon", "expires_soon"])
        return changed

    # --------------------------------------------------------------- constraints

    @api.constrains("hours_purchased", "price_unit", "overage_rate", "overage_policy")
    def _check_amounts(self):
        for block in self:
            if block.hours_purchased <= 0:
                raise ValidationError(
                    self.env._(
                        "Block %(block)s needs a positive number of purchased hours.",
                        block=block.name,
                    )
                )
            if block.price_unit < 0 or block.overage_rate < 0:
                raise ValidationError(
                    self.env._(
                        "The prices of block %(block)s cannot be negative.", block=block.name
                    )
                )
            self.env["support.block.ledger"]._support_check_overage_terms(block)

    @api.constrains("date_start", "date_end")
    def _check_dates(self):
        for block in self:
            if block.date_end and block.date_end < block.date_start:
                raise ValidationError(
                    self.env._("Block %(block)s cannot expire before it starts.", block=block.name)
                )

    @api.constrains("alert_thresholds")
    def _check_alert_thresholds(self):
        for block in self:
            check_thresholds(self.env, block.alert_thresholds)

    @api.constrains("partner_id", "contact_id")
    def _check_contact(self):
        for block in self:
            if block.contact_id and block.contact_id.commercial_partner_id != block.partner_id:
                raise ValidationError(
                    self.env._(
                        "The contact of block %(block)s must belong to %(customer)s.",
                        block=block.name,
                        customer=block.partner_id.display_name,
                    )
                )

    @api.onchange("milestone_plan_id")
    def _onchange_milestone_plan_id(self):
        if self.state == "draft":
            plan = self.milestone_plan_id
            self.milestone_ids = [Command.clear()] + [
                Command.create(values) for values in plan._support_milestone_values(self)
            ]

    # ----------------------------------------------------------------------- CRUD

    @api.model_create_multi
    def create(self, vals_list):
        new_name = self.env._("New")
        for vals in vals_list:
            if vals.get("partner_id"):
                vals["partner_id"] = self._support_commercial_partner_id(vals["partner_id"])
            company = self.env["res.company"].browse(vals.get("company_id"))
            if vals.get("name", new_name) == new_name:
                sequence = self.env["ir.sequence"].with_company(company or self.env.company)
                vals["name"] = sequence.next_by_code("support.block") or new_name
            if "milestone_plan_id" not in vals and company:
                vals["milestone_plan_id"] = company.support_milestone_plan_id.id
        blocks = super().create(vals_list)
        for block, vals in zip(blocks, vals_list, strict=True):
            # the plan's milestones, unless the milestones are given
            if "milestone_ids" not in vals and block.milestone_plan_id:
                block._support_apply_milestone_plan()
        return blocks

    def write(self, vals):
        if vals.get("partner_id"):
            vals["partner_id"] = self._support_commercial_partner_id(vals["partner_id"])
        for fname in ("partner_id", "company_id"):
            if fname in vals and any(
                block.state != "draft" and block[fname].id != vals[fname] for block in self
            ):
                raise UserError(
                    self.env._(
                        "The customer and company of a block cannot change once it is "
                        "active: cancel it and create a new one."
                    )
                )
        result = super().write(vals)
        if {"hours_purchased", "rollover_hours_in", "rollover_hours_out"} & vals.keys():
            self._support_refresh_state()
        if "state" in vals:
            self._support_milestones_reach()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        for block in self:
            if block.state not in ("draft", "cancelled") or block.sudo().timesheet_ids:
                raise UserError(
                    self.env._(
                        "Block %(block)s has been active: cancel or close it instead of "
                        "deleting it.",
                        block=block.name,
                    )
                )

    @api.model
    def _support_commercial_partner_id(self, partner_id):
        return self.env["res.partner"].browse(partner_id).commercial_partner_id.id

    # -------------------------------------------------------------------- actions

    def action_activate(self):
        """Activate draft blocks: they need a PO. Each gets its task in the customer's
        support project (the task name carries the PO) and takes what is left of the
        block it renews when that one rolls over."""
        for block in self:
            if block.state != "draft":
                raise UserError(
                    self.env._(
                        "Block %(block)s is not a draft: only draft blocks can be activated.",
                        block=block.name,
                    )
                )
            if not (block.po_number or "").strip():
                raise UserError(
                    self.env._(
                        "Block %(block)s has no PO number: enter the customer's purchase "
                        "order number before activating it.",
                        block=block.name,
                    )
                )
            block._support_check_milestones()
        for block in self:
            block._support_ensure_task()
            block.state = "active"
            previous = block.previous_block_id
            if previous.rollover and previous.state in RENEWABLE_STATES:
                previous._support_roll_over_into(block)
        self._support_refresh_state()
        return True

    def action_close(self):
        for block in self:
            if block.state not in RENEWABLE_STATES:
                raise UserError(
                    self.env._(
                        "Block %(block)s cannot be closed: only active, exhausted or "
                        "expired blocks can.",
                        block=block.name,
                    )
                )
        self.write({"state": "closed"})
        return True

    def action_cancel(self):
        for block in self:
            if block.state not in ("draft", "active", "exhausted"):
                raise UserError(
                    self.env._(
                        "Block %(block)s cannot be cancelled in its state: close it instead.",
                        block=block.name,
                    )
                )
            if block.sudo().timesheet_ids:
                raise UserError(
                    self.env._(
                        "Time has been drawn from block %(block)s: close it instead of "
                        "cancelling it.",
                        block=block.name,
                    )
                )
            invoiced = block.sudo().milestone_ids.filtered("invoice_id")
            if invoiced:
                raise UserError(
                    self.env._(
                        "Block %(block)s is invoiced by %(invoice)s: cancel or credit its "
                        "milestone invoices before cancelling it.",
                        block=block.name,
                        invoice=invoiced[0].invoice_id.display_name,
                    )
                )
        # a draft renewal that never started frees the block it renews
        self.filtered(lambda b: b.state == "draft").previous_block_id = False
        self.write({"state": "cancelled"})
        return True

    def action_draft(self):
        for block in self:
            if block.state != "cancelled":
                raise UserError(
                    self.env._(
                        "Only cancelled blocks can be reset to draft (%(block)s is not).",
                        block=block.name,
                    )
                )
        self.write({"state": "draft"})
        return True

    def action_renew(self):
        """Open the renewal wizard."""
        self.ensure_one()
        self._support_check_renewable()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Renew %(block)s", block=self.name),
            "res_model": "support.block.renew.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_block_id": self.id},
        }

    def action_view_timesheets(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.account_analytic_line_action_support_block"
        )
        action["domain"] = [("support_block_id", "=", self.id)]
        action["context"] = {"default_task_id": self.task_id.id, "is_timesheet": 1}
        return action

    def action_view_sale_order(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "sale.order",
            "view_mode": "form",
            "res_id": self.sale_order_id.id,
        }

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("support_block_id", "=", self.id)]
        action["context"] = {"default_move_type": "out_invoice", "create": False}
        return action

    # ---------------------------------------------------------- business methods

    def _support_apply_milestone_plan(self):
        """Replace the milestones of this draft block by its plan's."""
        self.ensure_one()
        Milestone = self.env["support.block.milestone"]
        self.milestone_ids.unlink()
        if self.milestone_plan_id:
            Milestone.create(
                [
                    dict(values, block_id=self.id)
                    for values in self.milestone_plan_id._support_milestone_values(self)
                ]
            )

    def _support_milestone_amounts(self):
        """{milestone: amount it bills} of the block: its amount, or its share of the
        total rounded to the currency; when the shares add up to 100 %, the last one
        takes the rounding difference so that they bill exactly the total."""
        self.ensure_one()
        currency = self.currency_id
        amounts = {}
        shares = self.milestone_ids.filtered(lambda m: not m.amount)
        for milestone in self.milestone_ids:
            if milestone.amount:
                amounts[milestone] = milestone.amount
            else:
                amounts[milestone] = currency.round(self.amount_total * milestone.percent / 100)
        if shares and not float_compare(sum(shares.mapped("percent")), 100.0, precision_digits=2):
            amounts[shares[-1]] = currency.round(
                self.amount_total - sum(amounts[milestone] for milestone in shares[:-1])
            )
        return amounts

    def _support_check_milestones(self):
        """A block invoiced by milestones bills exactly its total: shares adding up to
        100 %, or amounts adding up to the total (to the currency's rounding)."""
        self.ensure_one()
        milestones = self.milestone_ids
        if not milestones:
            return
        currency = self.currency_id
        if currency.is_zero(self.amount_total):
            raise UserError(
                self.env._(
                    "Block %(block)s has milestones but no price: set its price per hour, "
                    "or remove its milestones.",
                    block=self.name,
                )
            )
        if not any(milestones.mapped("amount")):
            total = sum(milestones.mapped("percent"))
            if float_compare(total, 100.0, precision_digits=2):
                raise UserError(
                    self.env._(
                        "The milestones of block %(block)s add up to %(total)s %%: make them "
                        "add up to 100 %% before activating it.",
                        block=self.name,
                        total=f"{total:g}",
                    )
                )
            return
        billed = sum(self._support_milestone_amounts().values())
        if currency.compare_amounts(billed, self.amount_total):
            raise UserError(
                self.env._(
                    "The milestones of block %(block)s bill %(billed)s but the block "
                    "totals %(total)s: make them add up to its total before activating it.",
                    block=self.name,
                    billed=f"{billed:.2f} {currency.name}",
                    total=f"{self.amount_total:.2f} {currency.name}",
                )
            )

    def _support_milestones_reach(self):
        """Mark due the pending milestones whose trigger is reached (activation, date,
        usage, exhaustion, end of the block); the due milestones of a cancelled block
        are pending again. Runs on every change of state or balance."""
        today = fields.Date.context_today(self)
        for block in self.sudo():
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

    def _support_ensure_task(self):
        """The block's task in the customer's support project (found or created)."""
        self.ensure_one()
        if self.task_id:
            return self.task_id
        project = self.project_id or self._support_find_project()
        # the project and task are part of the block the user may activate (a manager,
        # or a salesperson confirming its order): created whatever their project rights
        task = (
            self.env["project.task"]
            .sudo()
            .create(
                {
                    "name": self.env._(
                        "Prepaid block %(block)s - PO %(po)s",
                        block=self.name,
                        po=self.po_number,
                    ),
                    "project_id": project.id,
                    "partner_id": self.partner_id.id,
                    "user_ids": False,
                    "description": self.env._(
                        "Time logged on this task draws from prepaid block %(block)s "
                        "(%(hours)s hours, PO %(po)s).",
                        block=self.name,
                        hours=f"{self.hours_purchased:.2f}",
                        po=self.po_number,
                    ),
                }
            )
        )
        self.write({"project_id": project.id, "task_id": task.id})
        return task

    def _support_find_project(self):
        self.ensure_one()
        Project = self.env["project.project"].sudo()
        project = Project.search(
            [
                ("is_support_project", "=", True),
                ("allow_timesheets", "=", True),
                ("partner_id", "child_of", self.partner_id.id),
                ("company_id", "in", [self.company_id.id, False]),
            ],
            order="id",
            limit=1,
        )
        return project or Project.create(
            {
                "name": self.env._("Support - %(customer)s", customer=self.partner_id.name),
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "is_support_project": True,
                "allow_timesheets": True,
                "privacy_visibility": "portal",
            }
        )

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

    def _support_refresh_state(self):
        """Exhausted when nothing is left, active again when edits free hours; then the
        alerts. Runs after any change to the entries, whoever logs them."""
        # the state follows the entries of every technician, not only the user's
        blocks = self.sudo().filtered(lambda b: b.state in DRAWING_STATES)
        if not blocks:
            return
        blocks.invalidate_recordset(
            ["hours_used", "hours_remaining", "hours_overage", "usage_percent"]
        )
        for block in blocks:
            left = float_compare(block.hours_remaining, 0.0, precision_digits=HOURS_PRECISION)
            if block.state == "active" and left <= 0:
                block._support_set_state(
                    "exhausted",
                    self.env._(
                        "No hours left (%(hours)s h): the block is exhausted.",
                        hours=f"{block.hours_remaining:.2f}",
                    ),
                )
            elif block.state == "exhausted" and left > 0:
                block._support_set_state(
                    "active",
                    self.env._(
                        "%(hours)s h available again: the block is active.",
                        hours=f"{block.hours_remaining:.2f}",
                    ),
                )
        blocks._support_check_alerts()
        blocks._support_check_forecast_alerts()
        blocks._support_milestones_reach()

    def _support_set_state(self, state, reason):
        self._track_set_log_message(Markup("<p>%s</p>") % reason)
        self.write({"state": state})

    def _support_check_alerts(self):
        """Fire the alert of each threshold the usage has reached, once per threshold."""
        for block in self:
            if block.state not in DRAWING_STATES:
                continue
            try:
                thresholds = parse_thresholds(block.alert_thresholds)
                fired = set(parse_thresholds(block.alert_fired))
            except ValueError:
                continue
            reached = [
                threshold
                for threshold in thresholds
                if threshold not in fired
                and float_compare(block.usage_percent, threshold, precision_digits=2) >= 0
            ]
            if not reached:
                continue
            # recorded on the block row: a concurrent transaction firing the same
            # threshold conflicts on it and is retried, then sees it fired
            block.alert_fired = format_thresholds(fired | set(reached))
            block._support_send_alert(max(reached))

    def _support_send_alert(self, threshold):
        """An activity for the account manager and, if enabled, an email to the
        customer with the balance."""
        self.ensure_one()
        summary = self.env._(
            "%(block)s is %(percent)s%% used: %(hours)s h left",
            block=self.name,
            percent=threshold,
            hours=f"{self.hours_remaining:.2f}",
        )
        note = self.env._(
            "%(customer)s has used %(used)s of %(available)s hours of block %(block)s "
            "(PO %(po)s). Time to offer the renewal?",
            customer=self.partner_id.name,
            used=f"{self.hours_used:.2f}",
            available=f"{self.hours_available:.2f}",
            block=self.name,
            po=self.po_number,
        )
        self._support_notify_alert(summary, note)

    def _support_notify_alert(self, summary, note):
        """A to-do activity for the account manager (a chatter note without one) and,
        when *Email Block Alerts to Customers* is on, the balance alert email (balance
        and forecast) to the block's contact."""
        self.ensure_one()
        if self.user_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=note,
                user_id=self.user_id.id,
            )
        else:
            self.message_post(body=Markup("<p>%s</p>") % summary)
        recipient = self.contact_id or self.partner_id
        if self.company_id.support_block_alert_email and recipient.email:
            template = self.env.ref(
                "it_support_time.mail_template_support_block_alert", raise_if_not_found=False
            )
            if template:
                self.message_post_with_source(
                    template,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )

    def _support_check_forecast_alerts(self):
        """Alert the account manager of each running block whose forecast comes within
        the company's forecast days, once per block."""
        today = fields.Date.context_today(self)
        for block in self:
            block._support_forecast_alert(today)

    def _support_forecast_alert(self, today):
        """Send this block's forecast alert if it is due and was not sent; returns
        whether it was sent. Only an active block with hours left and no renewal is
        alerted (an exhausted block had its usage alerts)."""
        self.ensure_one()
        date = self.forecast_exhaustion_date
        if (
            self.forecast_alert_fired
            or self.state != "active"
            or self.renewed_block_id
            or not date
            or float_compare(self.hours_remaining, 0.0, precision_digits=HOURS_PRECISION) <= 0
            or (date - today).days > self.company_id._support_forecast_days()
        ):
            return False
        # recorded on the block row, like the thresholds: a concurrent transaction
        # sending it too conflicts on the row and is retried, then sees it sent
        self.forecast_alert_fired = True
        date_text = format_date(self.env, date, date_format="d MMM y")
        if self.forecast_reason == "expiry":
            summary = self.env._(
                "%(block)s expires on %(date)s with %(hours)s h left",
                block=self.name,
                date=date_text,
                hours=f"{self.hours_remaining:.2f}",
            )
        else:
            summary = self.env._(
                "%(block)s runs out about %(date)s: %(hours)s h left",
                block=self.name,
                date=date_text,
                hours=f"{self.hours_remaining:.2f}",
            )
        note = self.env._(
            "%(customer)s draws %(rate)s h a week from block %(block)s (PO %(po)s): "
            "%(hours)s h left, %(days)s days to go. Time to offer the renewal?",
            customer=self.partner_id.name,
            rate=f"{self.burn_rate:.2f}",
            block=self.name,
            po=self.po_number,
            hours=f"{self.hours_remaining:.2f}",
            days=max((date - today).days, 0),
        )
        self._support_notify_alert(summary, note)
        return True

    @api.model
    def _cron_forecast_blocks(self):
        """Compute the forecast of the running blocks for today, then send the forecast
        alerts that are due.

        The forecasts are stored in one batch; each alert is sent in its own savepoint:
        a block that fails is left as it was (its alert not recorded) and logged, the
        others are alerted, and the next run retries it."""
        today = fields.Date.context_today(self)
        blocks = self.search([("state", "in", DRAWING_STATES)])
        blocks._support_refresh_forecast(today)
        due = blocks.filtered(
            lambda b: (
                b.state == "active"
                and not b.forecast_alert_fired
                and not b.renewed_block_id
                and b.forecast_exhaustion_date
            )
        )
        return process_each(
            due, lambda block: block._support_forecast_alert(today), "Support: block forecast"
        )

    @api.model
    def _cron_expire_blocks(self):
        """Expire the blocks whose end date has passed: they take no more time.

        Each block is expired in its own savepoint: one that fails is left as it was
        and logged, the others are expired, and the next run retries it."""
        today = fields.Date.context_today(self)
        blocks = self.search([("state", "in", DRAWING_STATES), ("date_end", "<", today)])
        return process_each(
            blocks, lambda block: block._support_expire(today), "Support: block expiry"
        )

    def _support_expire(self, today):
        """Expire this block if it still takes time and its end date is before
        ``today``; returns whether it was expired."""
        self.ensure_one()
        if self.state not in DRAWING_STATES or not self.date_end or self.date_end >= today:
            return False
        self._support_set_state(
            "expired",
            self.env._(
                "Valid until %(date)s: the block is expired with %(hours)s h unused.",
                date=self.date_end,
                hours=f"{self.hours_remaining:.2f}",
            ),
        )
        return True

    def _support_statement_lines(self):
        """Entries of the block for its statement and portal page, newest first. The
        statement shows every entry of a block the reader may see."""
        self.ensure_one()
        return self.env["support.block.ledger"]._support_statement_lines(self)

    def _support_balance_level(self):
        """Colour of the balance, as the balance widget shows it: ``success`` below the
        first alert threshold, ``warning`` from it, ``danger`` from the last one or when
        nothing is left."""
        self.ensure_one()
        try:
            thresholds = parse_thresholds(self.alert_thresholds) or [75, 90, 100]
        except ValueError:
            thresholds = [75, 90, 100]
        return self.env["support.block.ledger"]._support_balance_level(
            self.hours_remaining, self.usage_percent, thresholds
        )

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Statement %(block)s", block=self.name.replace("/", "-"))


def check_thresholds(env, text):
    try:
        parse_thresholds(text)
    except ValueError as error:
        raise ValidationError(
            env._(
                "Alert thresholds are whole percentages separated by commas, for example "
                "75,90,100 (%(value)s is not valid).",
                value=text,
            )
        ) from error
