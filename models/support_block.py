from markupsafe import Markup

from odoo import Command, api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare

from .support_block_alert import parse_thresholds
from .support_block_ledger import (
    DRAWING_STATES,
    HOURS_PRECISION,
    OVERAGE_POLICIES,
    OVERAGE_POLICY_HELP,
)
from .support_block_renewal import RENEWABLE_STATES
from .support_cron import process_each

BLOCK_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("exhausted", "Exhausted"),
    ("expired", "Expired"),
    ("closed", "Closed"),
    ("cancelled", "Cancelled"),
]


class SupportBlock(models.Model):
    """Prepaid hours sold to one customer under one PO, drawn by its timesheet entries.

    Its burn rate and forecast, its alerts and its renewal are the abstract models it
    inherits (``support_block_forecast.py``, ``support_block_alert.py``,
    ``support_block_renewal.py``); how its milestones are set and fall due is on
    ``support.block.milestone``."""

    _name = "support.block"
    _description = "Prepaid Support Block"
    _inherit = [
        "portal.mixin",
        "mail.thread",
        "mail.activity.mixin",
        "support.block.forecast",
        "support.block.alert",
        "support.block.renewal",
    ]
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

    def _compute_access_url(self):
        result = super()._compute_access_url()
        for block in self:
            block.access_url = f"/my/support-blocks/{block.id}"
        return result

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
                self.env["support.block.milestone"]._support_apply_milestone_plan(block)
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
            self.env["support.block.milestone"]._support_check_milestones(block)
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

    def _support_ensure_task(self):
        """The block's task in the customer's support project (found or created)."""
        self.ensure_one()
        if self.task_id:
            return self.task_id
        # the project and task are part of the block the user may activate (a manager,
        # or a salesperson confirming its order): created whatever their project rights
        project = self.project_id or self.env["project.project"].sudo()._support_customer_project(
            self.partner_id, self.company_id
        )
        task = self.env["project.task"].sudo()._support_create_block_task(self, project)
        self.write({"project_id": project.id, "task_id": task.id})
        return task

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

    def _support_milestones_reach(self):
        """Mark due the milestones of ``self`` whose trigger is reached:
        ``support.block.milestone._support_milestones_reach``."""
        self.env["support.block.milestone"]._support_milestones_reach(self)

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
