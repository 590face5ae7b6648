from odoo import api, fields, models

SUPPORT_SOURCES = [
    ("time", "Support time"),
    ("overage", "Block overage"),
    ("mileage", "Mileage"),
    ("expense", "Expense"),
]


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    support_source = fields.Selection(
        SUPPORT_SOURCES,
        copy=False,
        readonly=True,
        help="What this line bills, when it was created by the support invoicing wizard.",
    )
    support_timesheet_ids = fields.One2many(
        "account.analytic.line",
        "support_invoice_line_id",
        string="Billed Support Time",
        readonly=True,
    )
    support_expense_ids = fields.One2many(
        "hr.expense",
        "support_invoice_line_id",
        string="Re-invoiced Expenses",
        readonly=True,
    )

    @api.model
    def _support_source_fields(self):
        """For each kind of support line, the One2many holding the source records it
        billed (their inverse Many2one is the link released on cancel / credit note).

        A new source (e.g. mileage trips) adds its One2many here."""
        return {
            "time": "support_timesheet_ids",
            "overage": "support_timesheet_ids",
            "expense": "support_expense_ids",
        }
