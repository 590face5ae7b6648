from odoo import api, fields, models

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
