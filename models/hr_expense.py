from odoo import api, fields, models
from odoo.exceptions import ValidationError

# expense states whose amount is final and can be re-invoiced to the customer
SUPPORT_INVOICEABLE_EXPENSE_STATES = ("approved", "done")


class HrExpense(models.Model):
    _name = "hr.expense"
    _inherit = ["hr.expense", "support.invoiced.mixin"]

    support_partner_id = fields.Many2one(
        "res.partner",
        string="Support Customer",
        compute="_compute_support_partner_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="Customer this expense was made for. Once the expense is approved it is "
        "re-invoiced with the customer's support time, at cost or at the product's sales "
        "price as the product's re-invoicing policy says.",
    )
    support_task_id = fields.Many2one(
        "project.task",
        check_company=True,
        domain="[('project_id.is_support_project', '=', True)]",
        help="Support task the expense belongs to (optional).",
    )
    support_billable = fields.Boolean(
        string="Re-invoice to Customer",
        compute="_compute_support_billable",
        store=True,
        readonly=False,
        help="Bill this expense to the support customer. On by default when a customer is set.",
    )

    @api.depends("support_task_id")
    def _compute_support_partner_id(self):
        for expense in self:
            customer = expense.support_task_id.partner_id.commercial_partner_id
            if customer:
                expense.support_partner_id = customer

    @api.depends("support_partner_id")
    def _compute_support_billable(self):
        for expense in self:
            expense.support_billable = bool(expense.support_partner_id)

    @api.constrains("support_partner_id", "support_task_id")
    def _check_support_task_customer(self):
        for expense in self:
            task_customer = expense.support_task_id.partner_id.commercial_partner_id
            if task_customer and task_customer != expense.support_partner_id.commercial_partner_id:
                raise ValidationError(
                    self.env._(
                        "The expense %(expense)s is for %(customer)s but its support task "
                        "%(task)s belongs to %(task_customer)s: choose a task of the same "
                        "customer.",
                        expense=expense.name,
                        customer=expense.support_partner_id.display_name,
                        task=expense.support_task_id.display_name,
                        task_customer=task_customer.display_name,
                    )
                )

    @api.model
    def _support_invoice_locked_fields(self):
        """Fields that cannot change once the expense is re-invoiced."""
        return {
            "support_partner_id",
            "support_task_id",
            "support_billable",
            "product_id",
            "quantity",
            "price_unit",
            "total_amount",
            "total_amount_currency",
            "tax_ids",
            "currency_id",
            "date",
            "name",
            "company_id",
        }

    def write(self, vals):
        self._support_check_invoice_write(vals)
        return super().write(vals)

    def _support_invoice_messages(self, record, date, invoice):
        return {
            "link": self.env._(
                "The invoice of a re-invoiced expense is set by Support › Invoicing and "
                "released by cancelling or crediting that invoice; it cannot be changed by "
                "hand."
            ),
            "write": self.env._(
                "The expense “%(expense)s” of %(date)s is re-invoiced on %(invoice)s: its "
                "amount, product, date, description and customer can no longer change. "
                "Cancel or credit that invoice first.",
                expense=record.name,
                date=date,
                invoice=invoice,
            ),
            "unlink": self.env._(
                "The expense “%(expense)s” of %(date)s is re-invoiced on %(invoice)s and "
                "cannot be deleted. Cancel or credit that invoice first.",
                expense=record.name,
                date=date,
                invoice=invoice,
            ),
        }

    def _support_invoice_price_unit(self, pricelist):
        """Unit price at which the expense is re-invoiced, in the company currency.

        ``cost``: what it cost the company, taxes excluded; ``sales_price``: the product's
        price for the customer (its pricelist, else the sales price)."""
        self.ensure_one()
        product = self.product_id
        quantity = self.quantity or 1.0
        if product.expense_policy == "sales_price":
            if pricelist:
                return pricelist._get_product_price(
                    product,
                    quantity,
                    currency=self.company_currency_id,
                    uom=self.product_uom_id,
                    date=self.date,
                )
            return product.uom_id._compute_price(product.lst_price, self.product_uom_id)
        return (self.total_amount - self.tax_amount) / quantity
