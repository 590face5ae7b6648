from datetime import date

from odoo import Command
from odoo.api import call_kw
from odoo.exceptions import UserError
from odoo.tests import new_test_user, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestSupportInvoicingApi(InvoicingCommon):
    """``support.invoicing.create_support_invoices()``: the engine behind the wizard and
    the cron, called with plain arguments as the accountant, RPC clients and scripts do."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_two = cls.env["res.company"].create({"name": "Second Support Co"})
        cls.customer_two = cls.env["res.partner"].create(
            {"name": "Gamma Garage", "is_company": True, "company_id": cls.company_two.id}
        )
        cls.accountant_both = new_test_user(
            cls.env,
            login="support_accountant_both",
            groups="base.group_user,it_support_time.group_support_manager,"
            "account.group_account_invoice",
            company_id=cls.company.id,
            company_ids=[Command.set((cls.company | cls.company_two).ids)],
        )

    def _march_time(self):
        return (
            self._log_time(31, self.type_phone, date=date(2025, 3, 3))
            | self._log_time(60, self.type_remote, date=date(2025, 3, 20))
            | self._log_time(
                60, self.type_phone, task=self.task_maintenance, date=date(2025, 3, 21)
            )
            | self._log_time(50, self.type_phone, task=self.task_b, date=date(2025, 3, 15))
            | self._log_time(30, self.type_phone, date=date(2025, 4, 1))
        )

    def _summary(self, invoices):
        """What an invoice bills, whatever its number."""
        return [
            {
                "partner": invoice.partner_id,
                "origin": invoice.invoice_origin,
                "ref": invoice.ref,
                "create_uid": invoice.create_uid,
                "amount_untaxed": invoice.amount_untaxed,
                "lines": [
                    (line.name, line.quantity, line.price_unit, line.tax_ids, line.account_id)
                    for line in invoice.invoice_line_ids
                ],
                "entries": invoice.invoice_line_ids.sudo().support_timesheet_ids,
            }
            for invoice in invoices.sorted(lambda move: move.partner_id.name)
        ]

    def test_plain_arguments_make_the_wizards_invoices(self):
        entries = self._march_time()
        self.env.flush_all()  # the entries' computed fields, before the savepoint
        with self.env.cr.savepoint(flush=False) as savepoint:
            through_wizard = self._summary(
                self._invoice(partners=self.customer | self.customer_b, group_by="task")
            )
            self.env.flush_all()
            savepoint.rollback()
        self.env.invalidate_all()
        self.assertFalse(entries.support_invoice_line_id)
        invoices = (
            self.env["support.invoicing"]
            .with_user(self.accountant)
            .create_support_invoices(
                date(2025, 3, 31),
                partner_ids=(self.customer | self.customer_b).ids,
                date_from=date(2025, 3, 1),
                group_by="task",
            )
        )
        self.assertEqual(invoices._name, "account.move")
        self.assertEqual(len(invoices), 2)
        self.assertEqual(self._summary(invoices), through_wizard)
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(entries[:4].support_invoice_id, invoices)
        self.assertFalse(entries[4].support_invoice_line_id)  # April

    def test_rpc_call_returns_invoice_ids(self):
        """Over RPC, arguments are JSON (ISO dates, ids, a source by its name) and the
        answer is the invoices' ids; nothing left to bill answers an empty list."""
        entries = self._march_time()
        Invoicing = self.env["support.invoicing"].with_user(self.accountant)
        kwargs = {
            "partner_ids": self.customer_b.ids,
            "date_from": "2025-03-01",
            "sources": "time",
        }
        invoice_ids = call_kw(Invoicing, "create_support_invoices", ["2025-03-31"], kwargs)
        self.assertIsInstance(invoice_ids, list)
        invoice = self.env["account.move"].browse(invoice_ids)
        self.assertRecordValues(
            invoice,
            [
                {
                    "partner_id": self.customer_b.id,
                    "move_type": "out_invoice",
                    "state": "draft",
                    "invoice_origin": "Support 03/01/2025 – 03/31/2025",
                    "amount_untaxed": 80.0,
                }
            ],
        )
        self.assertEqual(entries[3].support_invoice_id, invoice)
        self.assertFalse(entries[:3].support_invoice_line_id)
        self.assertEqual(call_kw(Invoicing, "create_support_invoices", ["2025-03-31"], kwargs), [])

    def test_wizard_and_cron_call_the_engine(self):
        wizard = self._wizard(partners=self.customer_b, include_mileage=False, group_by="task")
        self.assertEqual(
            wizard._support_invoicing_args(),
            {
                "date_to": self.march_last,
                "partner_ids": self.customer_b.ids,
                "date_from": self.march_first,
                "sources": ["time", "overage", "expenses"],
                "group_by": "task",
                "company_id": self.company.id,
            },
        )
        cron = self.env.ref("it_support_time.ir_cron_support_invoice_monthly")
        self.assertEqual(cron.model_id.model, "support.invoicing")
        self.assertEqual(cron.code, "model._cron_invoice_previous_month()")

    def test_company_of_the_run_and_of_its_customers(self):
        """A user of two companies invoices either, one at a time: customers of the other
        company are refused, nothing written."""
        entries = self._march_time()
        Invoicing = self.env["support.invoicing"].with_user(self.accountant_both)
        moves = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "another company than .*: Gamma Garage"):
            Invoicing.create_support_invoices(
                "2025-03-31", partner_ids=(self.customer_b | self.customer_two).ids
            )
        self.assertEqual(self.env["account.move"].search_count([]), moves)
        self.assertFalse(entries.support_invoice_line_id)
        # the second company has nothing to bill; the first is left alone
        self.assertFalse(
            Invoicing.create_support_invoices(
                "2025-03-31", partner_ids=self.customer_two.ids, company_id=self.company_two.id
            )
        )
        self.assertFalse(entries.support_invoice_line_id)
