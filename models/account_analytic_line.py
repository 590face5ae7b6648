from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .res_company import round_support_minutes


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

    # -- invoicing -------------------------------------------------------------
    support_invoice_line_id = fields.Many2one(
        "account.move.line",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        help="Customer invoice line that billed this entry. Set by the support invoicing "
        "wizard, cleared again when that invoice is cancelled or fully credited.",
    )
    support_invoice_id = fields.Many2one(
        related="support_invoice_line_id.move_id",
        string="Support Invoice",
    )

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
        }

    def write(self, vals):
        if "support_invoice_line_id" in vals and not self.env.su:
            raise UserError(
                self.env._(
                    "The invoice of a support entry is set by Support › Invoicing and "
                    "released by cancelling or crediting that invoice; it cannot be "
                    "changed by hand."
                )
            )
        if self._support_invoice_locked_fields().intersection(vals):
            self._support_check_not_invoiced()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_support_invoiced(self):
        self._support_check_not_invoiced(deleting=True)

    def _support_check_not_invoiced(self, deleting=False):
        invoiced = self.filtered("support_invoice_line_id")
        if not invoiced:
            return
        entry = invoiced[0]
        # the user may log time without any right on invoices: read the name only
        invoice = entry.sudo().support_invoice_line_id.move_id.display_name
        if deleting:
            message = self.env._(
                "The support entry “%(entry)s” of %(date)s is invoiced on %(invoice)s and "
                "cannot be deleted. Cancel or credit that invoice first.",
                entry=entry.name,
                date=format_date(self.env, entry.date),
                invoice=invoice,
            )
        else:
            message = self.env._(
                "The support entry “%(entry)s” of %(date)s is invoiced on %(invoice)s: its "
                "time, type, date, description and customer can no longer change. Cancel "
                "or credit that invoice first.",
                entry=entry.name,
                date=format_date(self.env, entry.date),
                invoice=invoice,
            )
        raise UserError(message)

    def _is_readonly(self):
        return super()._is_readonly() or bool(self.support_invoice_line_id)
