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
    support_trip_ids = fields.One2many(
        "support.trip",
        "support_invoice_line_id",
        string="Billed Trips",
        readonly=True,
    )

    def unlink(self):
        # a line deleted from a draft invoice (or the draft invoice itself) gives its
        # trips back: they are confirmed again and billed by the next run. Lines of
        # posted invoices are refused by accounting (and their trips kept).
        unposted = self.filtered(lambda line: line.parent_state != "posted")
        unposted.sudo().support_trip_ids._support_release_invoice()
        return super().unlink()

    @api.model
    def _support_source_fields(self):
        """For each kind of support line, the One2many holding the source records it
        billed (their inverse Many2one is the link released on cancel / credit note).

        A new source (e.g. mileage trips) adds its One2many here."""
        return {
            "time": "support_timesheet_ids",
            "overage": "support_timesheet_ids",
            "mileage": "support_trip_ids",
            "expense": "support_expense_ids",
        }

    def _support_link_sources(self, sources):
        """Link ``sources`` (records of one source model, sudo) to this line, which bills
        them. A model that keeps an invoicing state of its own (trips:
        ``_support_mark_invoiced``) links them itself."""
        self.ensure_one()
        if hasattr(sources, "_support_mark_invoiced"):
            sources._support_mark_invoiced(self)
        else:
            sources.write({"support_invoice_line_id": self.id})

    @api.model
    def _support_release_source_records(self, sources):
        """Clear the link of ``sources`` (sudo) to the line that billed them, so that they
        can be billed again. A model that keeps an invoicing state of its own (trips:
        ``_support_release_invoice``, back to confirmed) releases them itself."""
        if hasattr(sources, "_support_release_invoice"):
            sources._support_release_invoice()
        else:
            sources.write({"support_invoice_line_id": False})
