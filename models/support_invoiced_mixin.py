from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class SupportInvoicedMixin(models.AbstractModel):
    """A record the support invoicing bills once (time entries, re-invoiced expenses).

    It is linked to the customer invoice line that billed it, cannot be edited on the
    fields the line was built from nor deleted while linked, and is released when that
    invoice is cancelled or fully credited (``account.move._support_release_sources``).
    """

    _name = "support.invoiced.mixin"
    _description = "Billed once by Support Invoicing"

    support_invoice_line_id = fields.Many2one(
        "account.move.line",
        index="btree_not_null",
        copy=False,
        readonly=True,
        ondelete="set null",
        help="Customer invoice line that billed this record. Set by the support invoicing "
        "wizard, cleared again when that invoice is cancelled or fully credited.",
    )
    support_invoice_id = fields.Many2one(
        related="support_invoice_line_id.move_id",
        string="Support Invoice",
    )

    @api.model
    def _support_invoice_locked_fields(self):
        """Fields that cannot change once the record is invoiced: what the invoice line
        was built from."""
        return set()

    def _support_invoice_messages(self, record, date, invoice):
        """The errors shown for ``record``, billed on ``invoice``: a dict with the keys
        ``link`` (the link written by hand), ``write`` and ``unlink``."""
        raise NotImplementedError

    def _support_check_invoice_write(self, vals):
        """Refuse a hand-written invoice link and edits of invoiced records (call from
        ``write`` before ``super``)."""
        if "support_invoice_line_id" in vals and not self.env.su:
            raise UserError(self._support_invoice_messages(self[:1], "", "")["link"])
        if self._support_invoice_locked_fields().intersection(vals):
            self._support_check_not_invoiced()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_support_invoiced(self):
        self._support_check_not_invoiced(deleting=True)

    def _support_check_not_invoiced(self, deleting=False):
        invoiced = self.filtered("support_invoice_line_id")
        if not invoiced:
            return
        record = invoiced[0]
        # the user may log time or expenses without any right on invoices: name only
        invoice = record.sudo().support_invoice_line_id.move_id.display_name
        date = format_date(self.env, record.date)
        messages = self._support_invoice_messages(record, date, invoice)
        raise UserError(messages["unlink" if deleting else "write"])
