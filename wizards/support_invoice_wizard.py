from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date


class SupportInvoiceWizard(models.TransientModel):
    """*Invoice Support*: what to invoice, for the support invoicing engine
    (``support.invoicing.create_support_invoices()``), which creates the draft invoices
    that the wizard then opens."""

    _name = "support.invoice.wizard"
    _description = "Invoice Support Time and Expenses"
    _check_company_auto = True

    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    partner_ids = fields.Many2many(
        "res.partner",
        string="Customers",
        check_company=True,
        help="Customers to invoice; leave empty to invoice every customer with something to bill.",
    )
    date_from = fields.Date(
        string="From",
        default=lambda self: self.env["support.invoicing"]._support_previous_month()[0],
        help="Bill entries from this date; leave empty to include every earlier entry "
        "not billed yet.",
    )
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: self.env["support.invoicing"]._support_previous_month()[1],
    )
    include_time = fields.Boolean(
        string="Support Time",
        default=True,
        help="Billable time not drawn from a prepaid block, at the support type's rate "
        "or the customer's pricelist.",
    )
    include_overage = fields.Boolean(
        string="Block Overage",
        default=True,
        help="Hours beyond a prepaid block, at the block's overage rate (one invoice per PO).",
    )
    include_mileage = fields.Boolean(
        string="Mileage",
        default=True,
        help="Billable trips, at their amount.",
    )
    include_expenses = fields.Boolean(
        string="Expenses",
        default=True,
        help="Approved expenses recorded for a customer, at cost or at sales price as "
        "their product's re-invoicing policy says.",
    )
    group_by = fields.Selection(
        [("support_type", "Support type"), ("task", "Task")],
        string="One Line per",
        required=True,
        default="support_type",
        help="Support type: one invoice line per type of support. Task: one line per "
        "task and type of support.",
    )

    @api.constrains("date_from", "date_to")
    def _check_period(self):
        for wizard in self:
            self.env["support.invoicing"]._support_check_period(wizard.date_from, wizard.date_to)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        context = self.env.context
        if (
            "partner_ids" in fields_list
            and context.get("active_model") == "res.partner"
            and context.get("active_ids")
        ):
            partners = self.env["res.partner"].browse(context["active_ids"])
            values["partner_ids"] = [Command.set(partners.commercial_partner_id.ids)]
        return values

    # -- actions -------------------------------------------------------------------
    def action_create_invoices(self):
        """Create the draft invoices and open them."""
        self.ensure_one()
        invoices = self._create_invoices()
        if not invoices:
            raise UserError(self._support_nothing_to_invoice_message())
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        if len(invoices) == 1:
            action.update(
                {
                    "views": [(self.env.ref("account.view_move_form").id, "form")],
                    "res_id": invoices.id,
                }
            )
        else:
            action["domain"] = [("id", "in", invoices.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        return action

    # -- business methods ------------------------------------------------------------
    def _create_invoices(self):
        """The engine's draft invoices of what the wizard says (as
        ``sale.advance.payment.inv`` runs ``sale.order._create_invoices()``)."""
        self.ensure_one()
        return self.env["support.invoicing"].create_support_invoices(
            **self._support_invoicing_args()
        )

    def _support_invoicing_args(self):
        """The arguments of ``support.invoicing.create_support_invoices()``."""
        self.ensure_one()
        included = {
            "time": self.include_time,
            "overage": self.include_overage,
            "mileage": self.include_mileage,
            "expenses": self.include_expenses,
        }
        return {
            "date_to": self.date_to,
            "partner_ids": self.partner_ids.ids,
            "date_from": self.date_from,
            "sources": [source for source, include in included.items() if include],
            "group_by": self.group_by,
            "company_id": self.company_id.id,
        }

    def _support_nothing_to_invoice_message(self):
        customers = (
            ", ".join(self.partner_ids.mapped("display_name"))
            if self.partner_ids
            else self.env._("any customer")
        )
        return self.env._(
            "Nothing to invoice for %(customers)s up to %(date_to)s: there is no billable "
            "support time, block overage, confirmed trip or re-invoiceable expense that is "
            "not invoiced yet (time drawn from a prepaid block is paid by the block, time "
            "billed through a sale order is left to the sale order, running timers wait "
            "until they stop).",
            customers=customers,
            date_to=format_date(self.env, self.date_to),
        )
