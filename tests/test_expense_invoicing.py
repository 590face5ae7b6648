from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, new_test_user, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestExpenseInvoicing(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.expense_approver = new_test_user(
            cls.env,
            login="expense_approver",
            # approving an expense linked to a sale order reads the order
            groups="base.group_user,hr_expense.group_hr_expense_manager,"
            "sales_team.group_sale_salesman_all_leads",
            name="Eve Approver",
        )
        cls.purchase_tax = cls.env["account.tax"].create(
            {"name": "Purchase 15%", "amount": 15.0, "type_tax_use": "purchase"}
        )

        def expense_product(name, policy, cost=0.0, price=0.0):
            return cls.env["product.product"].create(
                {
                    "name": name,
                    "type": "service",
                    "can_be_expensed": True,
                    "sale_ok": True,
                    "purchase_ok": True,
                    "expense_policy": policy,
                    "standard_price": cost,
                    "list_price": price,
                    "supplier_taxes_id": [Command.set(cls.purchase_tax.ids)],
                }
            )

        cls.product_at_cost = expense_product("Spare parts", "cost")
        cls.product_at_price = expense_product(
            "Network cable", "sales_price", cost=12.0, price=25.0
        )
        cls.product_not_billed = expense_product("Team lunch", "no")

    def _expense(self, name, product, customer=None, **values):
        """An expense recorded by the technician through the expense form."""
        with Form(self.env["hr.expense"].with_user(self.support_user)) as form:
            form.name = name
            form.product_id = product
            form.date = values.pop("date", date(2025, 3, 14))
            if customer:
                form.support_partner_id = customer
            for field_name, value in values.items():
                setattr(form, field_name, value)
        return form.record

    def _approve(self, expenses):
        action = expenses.with_user(self.support_user).action_submit_expenses()
        sheet = self.env["hr.expense.sheet"].browse(action["res_id"])
        sheet.with_user(self.support_user).action_submit_sheet()
        sheet.with_user(self.expense_approver).action_approve_expense_sheets()
        return sheet

    def test_billable_by_default_for_a_customer(self):
        with Form(self.env["hr.expense"].with_user(self.support_user)) as form:
            form.name = "SSD"
            form.product_id = self.product_at_cost
            self.assertFalse(form.support_billable)
            form.support_task_id = self.task
            self.assertEqual(form.support_partner_id, self.customer)
            self.assertTrue(form.support_billable)
            form.support_billable = False
        self.assertRecordValues(
            form.record, [{"support_partner_id": self.customer.id, "support_billable": False}]
        )
        count = self.env["hr.expense"].search_count([])
        with self.assertRefused(ValidationError, "choose a task of the same customer"):
            self.env["hr.expense"].with_user(self.support_user).create(
                {
                    "name": "Cable",
                    "product_id": self.product_at_cost.id,
                    "total_amount_currency": 10.0,
                    "support_partner_id": self.customer.id,
                    "support_task_id": self.task_b.id,
                }
            )
        self.assertEqual(self.env["hr.expense"].search_count([]), count)

    def test_at_cost_or_at_sales_price(self):
        parts = self._expense(
            "Replacement SSD", self.product_at_cost, self.customer, total_amount_currency=115.0
        )
        cables = self._expense("Patch cables", self.product_at_price, self.customer, quantity=2)
        beta_cables = self._expense("Cable", self.product_at_price, self.customer_b, quantity=3)
        lunch = self._expense(
            "Lunch on site", self.product_not_billed, self.customer, total_amount_currency=30.0
        )
        not_billable = self._expense(
            "Own tools",
            self.product_at_cost,
            self.customer,
            total_amount_currency=50.0,
            support_billable=False,
        )
        internal = self._expense("Office USB stick", self.product_at_cost, total_amount_currency=9)
        # expense amounts include the recoverable purchase tax
        self.assertRecordValues(parts, [{"total_amount": 115.0, "tax_amount": 15.0}])
        self._approve(parts | cables | beta_cables | lunch | not_billable | internal)
        submitted = self._expense(
            "Keyboard", self.product_at_cost, self.customer, total_amount_currency=46.0
        )
        submitted.with_user(self.support_user).action_submit_expenses()
        # the second customer's pricelist has its own price for the cable, the first
        # customer's has none: the product's sales price applies
        self.customer.property_product_pricelist = self.env["product.pricelist"].create(
            {"name": "Standard"}
        )
        self.customer_b.property_product_pricelist = self.env["product.pricelist"].create(
            {
                "name": "Schools",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": self.product_at_price.id,
                            "compute_price": "fixed",
                            "fixed_price": 22.0,
                        }
                    )
                ],
            }
        )

        invoices = self._invoice(include_time=False)
        self.assertEqual(invoices.partner_id, self.customer | self.customer_b)
        invoice = invoices.filtered(lambda move: move.partner_id == self.customer)
        self.assertRecordValues(
            invoice.invoice_line_ids.sorted("sequence"),
            [
                # at cost: what it cost the company, without the recoverable tax
                {
                    "product_id": self.product_at_cost.id,
                    "quantity": 1.0,
                    "price_unit": 100.0,
                    "support_source": "expense",
                },
                # at sales price: the product's sales price per unit
                {
                    "product_id": self.product_at_price.id,
                    "quantity": 2.0,
                    "price_unit": 25.0,
                    "support_source": "expense",
                },
            ],
        )
        self.assertIn(
            "Replacement SSD (03/14/2025, Sam Support)", invoice.invoice_line_ids[0].name
        )
        self.assertRecordValues(
            (invoices - invoice).invoice_line_ids, [{"quantity": 3.0, "price_unit": 22.0}]
        )
        self.assertEqual(parts.support_invoice_id, invoice)
        self.assertEqual(cables.sudo().support_invoice_line_id.support_expense_ids, cables)
        for expense in (lunch, not_billable, internal, submitted):
            self.assertFalse(expense.support_invoice_line_id, expense.name)

    def test_billed_expense_locked_then_released(self):
        parts = self._expense(
            "Replacement SSD", self.product_at_cost, self.customer, total_amount_currency=115.0
        )
        sheet = self._approve(parts)
        invoice = self._invoice(include_time=False)
        # even once its report is reset, the invoiced expense cannot change
        sheet.with_user(self.expense_approver).action_reset_expense_sheets()
        self.assertEqual(parts.state, "reported")
        expense = parts.with_user(self.expense_approver)
        for values in (
            {"total_amount_currency": 230.0},
            {"support_partner_id": self.customer_b.id},
            {"support_billable": False},
            {"date": date(2025, 3, 20)},
        ):
            with self.subTest(values=values):
                with self.assertRefused(UserError, f"re-invoiced on {invoice.display_name}"):
                    expense.write(values)
        with self.assertRefused(UserError, "cannot be deleted"):
            expense.unlink()
        self.assertRecordValues(
            parts,
            [
                {
                    "total_amount": 115.0,
                    "support_partner_id": self.customer.id,
                    "support_billable": True,
                    "support_invoice_line_id": invoice.invoice_line_ids.id,
                }
            ],
        )
        # approved again, cancelled invoice: billed once more
        sheet.with_user(self.support_user).action_submit_sheet()
        sheet.with_user(self.expense_approver).action_approve_expense_sheets()
        invoice.button_cancel()
        self.assertFalse(parts.support_invoice_line_id)
        again = self._invoice(include_time=False)
        self.assertEqual(again.invoice_line_ids.sudo().support_expense_ids, parts)
        self.assertEqual(again.amount_untaxed, 100.0)

    def test_time_and_expenses_on_one_invoice(self):
        entry = self._log_time(60, self.type_remote, date=date(2025, 3, 10), name="Server")
        parts = self._expense(
            "Replacement SSD", self.product_at_cost, self.customer, total_amount_currency=115.0
        )
        self._approve(parts)
        invoice = self._invoice(partners=self.customer)
        self.assertEqual(
            invoice.invoice_line_ids.sorted("sequence").mapped("support_source"),
            ["time", "expense"],
        )
        self.assertEqual(invoice.amount_untaxed, 200.0)
        self.assertTrue(entry.support_invoice_line_id)
        # expenses switched off: only the time
        invoice.button_cancel()
        only_time = self._invoice(partners=self.customer, include_expenses=False)
        self.assertEqual(only_time.invoice_line_ids.mapped("support_source"), ["time"])
        self.assertFalse(parts.support_invoice_line_id)

    def test_expense_reinvoiced_by_a_sale_order_is_left_out(self):
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": self.product_at_price.id})],
            }
        )
        order.action_confirm()
        on_order = self._expense(
            "Cable for the order", self.product_at_price, self.customer, quantity=1
        )
        # the salesperson links it to the order (the technician cannot read orders)
        self.env["hr.expense"].browse(on_order.id).sale_order_id = order
        ours = self._expense("Cable", self.product_at_price, self.customer, quantity=1)
        self._approve(on_order | ours)
        invoice = self._invoice(include_time=False)
        self.assertEqual(invoice.invoice_line_ids.sudo().support_expense_ids, ours)
        self.assertFalse(on_order.support_invoice_line_id)

    def test_demo_expenses(self):
        """The demo shows approved expenses to re-invoice and one still in draft."""
        ssd = self.env.ref("it_support_time.expense_citybakery_ssd")
        parking = self.env.ref("it_support_time.expense_deltaarch_parking")
        dock = self.env.ref("it_support_time.expense_brightlaw_dock")
        self.assertEqual((ssd | parking).mapped("state"), ["approved", "approved"])
        self.assertEqual(dock.state, "draft")
        invoices = self._invoice(
            date_from=False,
            date_to=date.today(),
            include_time=False,
            include_overage=False,
            include_mileage=False,
        )
        self.assertEqual(
            invoices.partner_id,
            self.env.ref("it_support_time.partner_citybakery")
            | self.env.ref("it_support_time.partner_deltaarch"),
        )
        self.assertRecordValues(
            (ssd | parking).support_invoice_line_id,
            [{"price_unit": 78.17, "quantity": 1.0}, {"price_unit": 8.0, "quantity": 1.0}],
        )
        self.assertFalse(dock.support_invoice_line_id)
