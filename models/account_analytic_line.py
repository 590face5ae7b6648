import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .res_company import round_support_minutes
from .support_block_ledger import SUPPORT_BLOCK_ENGINE, SUPPORT_BLOCK_TRIGGERS
from .support_cron import process_each

# Fields the module derives itself (rounding, prepaid blocks): only Support Managers
# write them by hand; technicians change the time worked, the date or the support type
# and the module derives the rest (what is billed, and from which block).
SUPPORT_DERIVED_FIELDS = {
    "billed_hours",
    "support_block_hours",
    "support_block_id",
    "support_is_overage",
}

_logger = logging.getLogger(__name__)

SUPPORT_TIMER_INDEX = "account_analytic_line_support_timer_one_per_user"


def prefetch_fnames(model, plan_columns=False):
    """The fields the ORM reads at once on a first read of a ``model`` record (its
    prefetch group) and, with ``plan_columns``, the model's analytic plan columns:
    custom fields, which the ORM reads each in a query of its own. The quick timer
    reads with them what the timesheet code then reads one by one."""
    fnames = [name for name, field in model._fields.items() if field.prefetch is True]
    if plan_columns:
        plans = model.env["account.analytic.line"]._get_plan_fnames()
        fnames += [fname for fname in plans if fname in model._fields]
    return fnames


def prefetch_plans(env, company):
    """Read the analytic plans as Odoo's mandatory-plan check of a new timesheet reads
    them (in ``company``, the timesheet's company), in one query: their tree, which names
    the plan columns, with their default applicability, which the ORM otherwise reads
    in a query of its own (a company-dependent field)."""
    Plan = env["account.analytic.plan"].sudo().with_company(company)
    project_plan, other_plans = Plan._get_all_plans()
    plans = Plan.browse((project_plan | other_plans).ids)
    plans.fetch([*prefetch_fnames(Plan), "default_applicability"])


class AccountAnalyticLine(models.Model):
    _name = "account.analytic.line"
    _inherit = ["account.analytic.line", "support.invoiced.mixin"]
    _sql_constraints = [
        (
            "support_import_ref_unique",
            "UNIQUE(company_id, support_import_ref)",
            "This row of the other tracker's export is already imported in this company.",
        ),
    ]

    support_type_id = fields.Many2one(
        "support.type",
        compute="_compute_support_type_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        check_company=True,
    )
    billable = fields.Boolean(
        string="Billable Time",
        compute="_compute_billable",
        store=True,
        readonly=False,
        help="Billable time is rounded by the customer's policy and invoiced or drawn "
        "from a prepaid block.",
    )
    billed_hours = fields.Float(
        compute="_compute_billed_hours",
        store=True,
        help="Hours billed for this entry: the time spent rounded by the customer's "
        "rounding policy, 0 when not billable. Blocks, invoices and reports use it.",
    )
    support_block_id = fields.Many2one(
        "support.block",
        string="Prepaid Block",
        index="btree_not_null",
        ondelete="restrict",
        copy=False,
        check_company=True,
        help="The prepaid block this entry draws from (set automatically).",
    )
    support_is_overage = fields.Boolean(
        string="Overage",
        copy=False,
        help="Time beyond its block under the overage-rate policy: it does not draw from "
        "the block and is billed at the block's overage rate.",
    )
    support_block_hours = fields.Float(
        string="Block Hours",
        compute="_compute_support_block_hours",
        store=True,
        help="Block hours this entry draws: billed hours times the support type's block "
        "factor (for an overage entry, the block hours billed at the overage rate).",
    )

    # Quick timer: a running timer is an entry with ``support_timer_start`` set (and 0
    # worked hours until it stops). At most one per user: a unique partial index (``init``).
    support_timer_start = fields.Datetime(
        string="Timer Started",
        readonly=True,
        copy=False,
        help="Set while the quick timer runs on this entry; cleared when it stops.",
    )
    support_timer_review = fields.Boolean(
        string="To Review",
        copy=False,
        help="The timer ran longer than the company maximum and was stopped at that "
        "maximum: check the worked time.",
    )

    # -- meetings and imports ----------------------------------------------------------
    support_calendar_event_id = fields.Many2one(
        "calendar.event",
        string="Meeting",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The calendar meeting this entry was logged from (Log Support Time).",
    )
    support_import_ref = fields.Char(
        string="Import Source",
        index="btree_not_null",
        copy=False,
        readonly=True,
        help="Where an imported entry comes from: the other tracker's id of the entry, "
        "else a hash of its user, date, start, duration and description. The same row "
        "is never imported twice into a company.",
    )

    # -- support analysis --------------------------------------------------------------
    # Stored so that the analysis (support.profitability.report) reads the entries
    # alone: grouping a million entries must cost no more than grouping the table.
    support_partner_id = fields.Many2one(
        "res.partner",
        string="Support Customer",
        compute="_compute_support_partner_id",
        store=True,
        help="The customer (commercial entity) of an entry of a support project: the "
        "support analysis counts it for this customer.",
    )

    # a reporting figure in the company currency, rounded to it; stored as a double
    # (summed several times faster than a numeric over a million entries)
    support_revenue = fields.Float(
        compute="_compute_support_revenue",
        store=True,
        groups="it_support_time.group_support_manager",
        help="What the entry earns, in the company currency: for time drawn from a prepaid "
        "block, the block's price per hour × the block hours drawn; for invoiced time and "
        "overage, its share of the posted invoice line (net); nothing until then.",
    )

    @api.depends("task_id", "partner_id", "project_id")
    def _compute_support_type_id(self):
        """The type given (argument, form) is kept; else the task's, else the
        customer's, else, on a support project, the company's default type."""
        for line in self:
            if line.support_type_id or not line.project_id:
                continue
            project = line.project_id.sudo()
            line.support_type_id = (
                line.task_id.support_type_id
                or line.partner_id.commercial_partner_id.support_type_id
                or (
                    project.is_support_project
                    and (project.company_id or line.company_id).support_default_type_id
                )
            )

    @api.depends("support_type_id")
    def _compute_billable(self):
        for line in self:
            line.billable = bool(line.support_type_id.billable)

    # The policy is read when the entry is written: changing a policy later does not
    # re-bill time that may already be invoiced.
    @api.depends("unit_amount", "billable", "partner_id", "company_id")
    def _compute_billed_hours(self):
        for line in self:
            if not line.billable or not line.project_id:
                line.billed_hours = 0.0
                continue
            company = line.company_id or self.env.company
            policy = (
                line.partner_id._support_rounding_policy(company)
                if line.partner_id
                else company._support_rounding_policy()
            )
            line.billed_hours = round_support_minutes(line.unit_amount * 60, *policy) / 60

    # The block factor is read when the entry is drawn: changing a support type's factor
    # later does not re-price time already drawn.
    @api.depends("billed_hours", "support_block_id", "support_type_id")
    def _compute_support_block_hours(self):
        Ledger = self.env["support.block.ledger"]
        for line in self:
            if line.support_block_id:
                factor = Ledger._support_block_factor(line.support_type_id)
                line.support_block_hours = line.billed_hours * factor
            else:
                line.support_block_hours = 0.0

    # ------------------------------------------------------------ prepaid blocks

    @api.constrains("unit_amount", "project_id")
    def _check_support_unit_amount(self):
        for line in self:
            if line.unit_amount < 0 and line.project_id.sudo().is_support_project:
                raise ValidationError(
                    self.env._(
                        "The time worked on %(task)s cannot be negative (%(hours)s h): "
                        "enter the time spent, or delete the entry.",
                        task=(line.task_id or line.project_id).display_name,
                        hours=f"{line.unit_amount:.2f}",
                    )
                )

    # -- invoicing -------------------------------------------------------------
    @api.model
    def _support_invoice_locked_fields(self):
        """Fields that cannot change once an entry is invoiced: they are what the
        invoice line and its time detail were built from."""
        return {
            "unit_amount",
            "billable",
            "support_type_id",
            "date",
            "name",
            "partner_id",
            "project_id",
            "task_id",
            "employee_id",
            "company_id",
            "so_line",
            "support_block_id",
            "support_is_overage",
        }

    @api.model
    def default_get(self, fields):
        defaults = super().default_get(fields)
        # an empty default type (a view's context of a task without type) is no choice:
        # left out, the type is computed from the task, customer or company
        if "support_type_id" in defaults and not defaults["support_type_id"]:
            del defaults["support_type_id"]
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        self._support_check_derived_fields(vals_list)
        # "no type" given (an RPC False) is no choice: the type is resolved as for an
        # entry that names none (see _compute_support_type_id). The block engine's split
        # pieces copy their entry's type exactly, none included.
        if not self._support_block_engine():
            for vals in vals_list:
                if "support_type_id" in vals and not vals["support_type_id"]:
                    del vals["support_type_id"]
        try:
            lines = super().create(vals_list)
        except pg_errors.UniqueViolation as error:
            if error.diag.constraint_name != SUPPORT_TIMER_INDEX:
                raise
            # The index refused a second running timer for a user (a second device
            # started one at the same moment). The transaction is aborted, so no query
            # here: the error rolls it back whole.
            raise UserError(
                self.env._(
                    "A timer is already running for this user, maybe started on another "
                    "device at the same moment: reload the page and try again."
                )
            ) from error
        if self._support_block_engine():
            return lines
        preset = lines.filtered("support_block_id")
        drawn = self.env["support.block.ledger"]._support_assign_block(lines - preset)
        (preset.sudo().support_block_id | drawn)._support_refresh_state()
        return lines

    def _create(self, data_list):
        records = super()._create(data_list)
        # A type not given is empty in the database: known, as Odoo knows the other
        # stored fields not given, so that computing it (which keeps a type already set)
        # does not read the new entry back.
        field = self._fields["support_type_id"]
        for data in data_list:
            record = data["record"]
            if "support_type_id" not in data["stored"] and not self.env.cache.contains(
                record, field
            ):
                self.env.cache.set(record, field, None)
        return records

    def write(self, vals):
        self._support_check_invoice_write(vals)
        self._support_check_derived_fields([vals])
        if vals.get("support_timer_start") or (
            vals.get("user_id") and any(self.mapped("support_timer_start"))
        ):
            user_ids = [vals["user_id"]] * len(self) if vals.get("user_id") else self.user_id.ids
            self._check_support_timer_free(user_ids, exclude=self)
        moved = "support_block_id" in vals or "support_is_overage" in vals
        if self._support_block_engine() or not (
            moved or SUPPORT_BLOCK_TRIGGERS.intersection(vals)
        ):
            return super().write(vals)
        blocks_before = self.sudo().support_block_id
        result = super().write(vals)
        if moved:
            # set by hand: kept as it is
            drawn = self.sudo().support_block_id
        else:
            drawn = self.env["support.block.ledger"]._support_redraw(self)
        (blocks_before | drawn)._support_refresh_state()
        return result

    def _support_block_engine(self):
        """Whether this is the block engine writing the drawing itself (no re-drawing,
        derived fields allowed)."""
        flag = self.env.context.get("support_block_skip_assign")
        return flag is SUPPORT_BLOCK_ENGINE or bool(flag and self.env.su)

    def _support_check_derived_fields(self, vals_list):
        """Refuse hand-written billed hours and block drawing to all but Support
        Managers: they follow from the time worked."""
        if self.env.su or self._support_block_engine():
            return
        written = set().union(*(SUPPORT_DERIVED_FIELDS.intersection(vals) for vals in vals_list))
        if not written or self.env.user.has_group("it_support_time.group_support_manager"):
            return
        raise UserError(
            self.env._(
                "%(fields)s of a support entry follow from its time worked, date and "
                "support type: change those instead, or ask a Support Manager.",
                fields=", ".join(sorted(self._fields[name].string for name in written)),
            )
        )

    def unlink(self):
        blocks = self.sudo().support_block_id
        result = super().unlink()
        blocks._support_refresh_state()
        return result

    # -- quick timer -------------------------------------------------------------------
    def init(self):
        res = super().init()
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON %s (user_id) "
                "WHERE support_timer_start IS NOT NULL",
                SQL.identifier(SUPPORT_TIMER_INDEX),
                SQL.identifier(self._table),
            )
        )
        return res

    @api.model
    def _check_support_timer_free(self, user_ids, exclude=None):
        """Refuse a second running timer for any of ``user_ids`` (the database refuses it
        too, with the unique index created in ``init``)."""
        users = self.env["res.users"].browse(user_ids)
        running = self.sudo().search(
            [
                ("support_timer_start", "!=", False),
                ("user_id", "in", users.ids),
                ("id", "not in", exclude.ids if exclude else []),
            ],
            limit=1,
        )
        if running or len(set(user_ids)) < len(user_ids):
            user = running.user_id or users[:1]
            raise UserError(
                self.env._(
                    "%(user)s already has a timer running: stop it before starting another one.",
                    user=user.sudo().name,
                )
            )

    @api.model
    def _support_timer_running(self, user=None, plan_columns=False):
        """The running timer entry of ``user`` (default: the current user), or an empty
        recordset. In superuser mode: the timer's own entry is read and written by the
        timer's methods whatever the entry rules cost to evaluate; callers hand it back
        with ``sudo(False)``. The entry is read in the search's query, with its analytic
        plan columns if ``plan_columns`` (stopping the timer writes the time, and the
        timesheet code then reads them)."""
        user = user or self.env.user
        Line = self.sudo()
        return Line.search_fetch(
            [("user_id", "=", user.id), ("support_timer_start", "!=", False)],
            prefetch_fnames(Line, plan_columns=plan_columns),
            limit=1,
        )

    def _support_timer_stop(self, end=None, description=None, support_type=None):
        """Stop this running timer at ``end`` (default: now) and write the entry.

        Worked time is the elapsed time, capped at the company maximum (the entry is then
        flagged for review); the billed hours follow from it by the rounding policy.
        """
        self.ensure_one()
        self.fetch(prefetch_fnames(self, plan_columns=True))
        start = self.support_timer_start
        end = end or fields.Datetime.now()
        hours = max((end - start).total_seconds(), 0.0) / 3600
        max_hours = self.company_id.support_timer_max_hours
        # the entry keeps its date: the start's day for the user, set when it started
        vals = {"support_timer_start": False, "unit_amount": hours}
        if max_hours and hours >= max_hours:
            vals.update(unit_amount=max_hours, support_timer_review=True)
        if description:
            vals["name"] = description
        if support_type:
            vals["support_type_id"] = support_type.id
        self.write(vals)
        self.env["project.task"].invalidate_model(["support_timer_running"])
        return self

    @api.model
    def _cron_stop_overdue_support_timers(self):
        """Stop the timers that have run longer than their company's maximum, at that
        maximum, and flag their entries for review."""
        now = fields.Datetime.now()
        running = self.sudo().search([("support_timer_start", "!=", False)])
        # each timer in its own savepoint: one that fails stays running (and is logged),
        # the others are stopped; the next run retries it
        return process_each(
            running,
            lambda line: line._support_timer_stop_overdue(now),
            "Support: overdue quick timers",
        )

    def _support_timer_stop_overdue(self, now):
        """Stop this timer at the company maximum if it still runs past it; returns
        whether it was stopped."""
        self.ensure_one()
        max_hours = self.company_id.support_timer_max_hours
        start = self.support_timer_start
        if not start or not max_hours or start + timedelta(hours=max_hours) > now:
            return False
        self._support_timer_stop(end=now)  # capped at the maximum, flagged
        self.user_id._support_timer_notify(running=False)
        _logger.info(
            "Quick timer of %s on %s stopped after %s hours (company maximum)",
            self.user_id.login,
            self.task_id.display_name,
            max_hours,
        )
        return True

    def _support_invoice_messages(self, record, date, invoice):
        return {
            "link": self.env._(
                "The invoice of a support entry is set by Support › Invoicing and released "
                "by cancelling or crediting that invoice; it cannot be changed by hand."
            ),
            "write": self.env._(
                "The support entry “%(entry)s” of %(date)s is invoiced on %(invoice)s: its "
                "time, type, date, description and customer can no longer change. Cancel "
                "or credit that invoice first.",
                entry=record.name,
                date=date,
                invoice=invoice,
            ),
            "unlink": self.env._(
                "The support entry “%(entry)s” of %(date)s is invoiced on %(invoice)s and "
                "cannot be deleted. Cancel or credit that invoice first.",
                entry=record.name,
                date=date,
                invoice=invoice,
            ),
        }

    def _is_readonly(self):
        return super()._is_readonly() or bool(self.support_invoice_line_id)

    @api.depends("partner_id.commercial_partner_id", "project_id.is_support_project")
    def _compute_support_partner_id(self):
        for line in self:
            if line.project_id.is_support_project:
                line.support_partner_id = line.partner_id.commercial_partner_id
            else:
                line.support_partner_id = False

    @api.depends(
        "billed_hours",
        "support_block_hours",
        "support_is_overage",
        "support_block_id.price_unit",
        "support_invoice_line_id.parent_state",
        "support_invoice_line_id.balance",
        "support_invoice_line_id.quantity",
    )
    def _compute_support_revenue(self):
        for line in self:
            currency = (line.company_id or self.env.company).currency_id
            line.support_revenue = currency.round(line._support_recognised_revenue())

    def _support_recognised_revenue(self):
        """Revenue of the entry in the company currency: block time is recognised as used
        at the block's price per (block) hour; invoiced time and block overage earn their
        share of the posted invoice line's net amount (by billed hours, by block hours for
        overage, which is billed per block hour)."""
        self.ensure_one()
        block = self.support_block_id
        if block and not self.support_is_overage:
            company = self.company_id or self.env.company
            return block.currency_id._convert(
                block.price_unit * self.support_block_hours,
                company.currency_id,
                company,
                self.date or fields.Date.context_today(self),
            )
        invoice_line = self.support_invoice_line_id
        if invoice_line.parent_state == "posted" and invoice_line.quantity:
            hours = self.support_block_hours if self.support_is_overage else self.billed_hours
            return -invoice_line.balance / invoice_line.quantity * hours
        return 0.0
