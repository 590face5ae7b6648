import logging
from datetime import timedelta

from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

from .res_company import round_support_minutes

_logger = logging.getLogger(__name__)

SUPPORT_TIMER_INDEX = "account_analytic_line_support_timer_one_per_user"
# bus notification telling a user's web clients that their timer started or stopped
SUPPORT_TIMER_BUS_TYPE = "it_support_time/quick_timer"


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    support_type_id = fields.Many2one(
        "support.type",
        compute="_compute_support_type_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        check_company=True,
    )
    billable = fields.Boolean(
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

    @api.depends("task_id", "partner_id")
    def _compute_support_type_id(self):
        for line in self:
            if line.support_type_id or not line.project_id:
                continue
            line.support_type_id = (
                line.task_id.support_type_id
                or line.partner_id.commercial_partner_id.support_type_id
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

    @api.model_create_multi
    def create(self, vals_list):
        try:
            return super().create(vals_list)
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

    def write(self, vals):
        if vals.get("support_timer_start") or (
            vals.get("user_id") and any(self.mapped("support_timer_start"))
        ):
            user_ids = [vals["user_id"]] * len(self) if vals.get("user_id") else self.user_id.ids
            self._check_support_timer_free(user_ids, exclude=self)
        return super().write(vals)

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
    def _support_timer_running(self, user=None):
        """The running timer entry of ``user`` (default: the current user), or an empty
        recordset. In superuser mode: the timer's own entry is read and written by the
        timer's methods whatever the entry rules cost to evaluate; callers hand it back
        with ``sudo(False)``."""
        user = user or self.env.user
        return self.sudo().search(
            [("user_id", "=", user.id), ("support_timer_start", "!=", False)], limit=1
        )

    def _support_timer_stop(self, end=None, description=None, support_type=None):
        """Stop this running timer at ``end`` (default: now) and write the entry.

        Worked time is the elapsed time, capped at the company maximum (the entry is then
        flagged for review); the billed hours follow from it by the rounding policy.
        """
        self.ensure_one()
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
        for line in running:
            max_hours = line.company_id.support_timer_max_hours
            if not max_hours:
                continue
            if line.support_timer_start + timedelta(hours=max_hours) <= now:
                line._support_timer_stop(end=now)  # capped at the maximum, flagged
                line.user_id._bus_send(SUPPORT_TIMER_BUS_TYPE, {"running": False})
                _logger.info(
                    "Quick timer of %s on %s stopped after %s hours (company maximum)",
                    line.user_id.login,
                    line.task_id.display_name,
                    max_hours,
                )
