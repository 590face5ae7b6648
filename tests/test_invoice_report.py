import re
import subprocess
import tempfile
from datetime import date

from lxml import etree, html

from odoo import Command
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.safe_eval import safe_eval

from .invoicing_common import InvoicingCommon

INVOICE_REPORT = "account.report_invoice_with_payments"


class InvoiceReportCommon(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.entries = (
            cls._log_time_cls(31, cls.type_phone, date(2025, 3, 3), "Printer offline")
            | cls._log_time_cls(60, cls.type_remote, date(2025, 3, 20), "Server updates")
            | cls._log_time_cls(
                40, cls.type_phone, date(2025, 3, 7), "Mailbox full", user=cls.support_manager
            )
        )

    @classmethod
    def _log_time_cls(cls, minutes, support_type, day, name, user=None):
        user = user or cls.support_user
        return (
            cls.env["account.analytic.line"]
            .with_user(user)
            .create(
                {
                    "name": name,
                    "project_id": cls.project.id,
                    "task_id": cls.task.id,
                    "unit_amount": minutes / 60,
                    "support_type_id": support_type.id,
                    "date": day,
                }
            )
        )

    def _customer_invoice(self, ref="PO-4471"):
        invoice = self._invoice(partners=self.customer)
        invoice.ref = ref
        return invoice


@tagged("post_install", "-at_install")
class TestInvoiceReport(InvoiceReportCommon):
    def _render(self, invoice):
        content, _kind = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            ._render_qweb_html(INVOICE_REPORT, invoice.ids)
        )
        return html.fromstring(content)

    @staticmethod
    def _section(document, name):
        nodes = document.xpath(f"//div[@name='{name}']")
        return nodes[0] if nodes else None

    @staticmethod
    def _rows(section):
        return [
            [" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
            for row in section.xpath(".//tbody/tr")
        ]

    def test_po_and_time_detail(self):
        invoice = self._customer_invoice()
        document = self._render(invoice)
        po = self._section(document, "support_po")
        self.assertIn("PO-4471", po.text_content())
        # printed once, prominently, instead of the small reference column
        self.assertIsNone(self._section(document, "reference"))
        self.assertEqual(
            self._rows(self._section(document, "support_time_detail")),
            [
                ["03/03/2025", "Sam Support", "Test Phone", "Printer offline", "0.75"],
                ["03/07/2025", "Mia Manager", "Test Phone", "Mailbox full", "0.75"],
                ["03/20/2025", "Sam Support", "Test Remote", "Server updates", "1.00"],
                ["Total", "2.50"],
            ],
        )
        # nothing to show yet: no trips, no blocks
        self.assertIsNone(self._section(document, "support_mileage_detail"))
        self.assertIsNone(self._section(document, "support_block_statement"))

    def test_sections_switched_off_in_settings(self):
        invoice = self._customer_invoice()
        with Form(self.env["res.config.settings"]) as settings:
            self.assertTrue(settings.support_invoice_show_po)
            self.assertTrue(settings.support_invoice_show_time)
            settings.support_invoice_show_po = False
            settings.support_invoice_show_time = False
        self.assertFalse(self.company.support_invoice_show_time)
        document = self._render(invoice)
        self.assertIsNone(self._section(document, "support_po"))
        self.assertIsNone(self._section(document, "support_time_detail"))
        # Odoo's own reference column is back
        self.assertIn("PO-4471", self._section(document, "reference").text_content())

    def test_mileage_and_block_sections_print_their_rows(self):
        """The mileage table and the block statement print the rows their methods return
        (any block or trip source: here given directly)."""
        invoice = self._customer_invoice()
        trips = [
            {
                "date": date(2025, 3, 20),
                "vehicle": "Renault Kangoo AB-123-CD",
                "purpose": "Office to customer and back",
                "distance": 42.0,
                "distance_unit": "km",
                "rate": 0.5,
                "amount": 21.0,
            }
        ]
        blocks = [
            {
                "name": "20 h block",
                "po": "PO-4471",
                "purchased": 20.0,
                "used": 12.5,
                "on_invoice": 2.5,
                "remaining": 7.5,
            }
        ]
        Move = type(self.env["account.move"])
        self.patch(Move, "_support_invoice_mileage_rows", lambda move: trips)
        self.patch(Move, "_support_invoice_block_rows", lambda move: blocks)
        document = self._render(invoice)
        self.assertEqual(
            self._rows(self._section(document, "support_mileage_detail")),
            [
                [
                    "03/20/2025",
                    "Renault Kangoo AB-123-CD",
                    "Office to customer and back",
                    "42.0 km",
                    "$ 0.50",
                    "$ 21.00",
                ]
            ],
        )
        self.assertEqual(
            self._rows(self._section(document, "support_block_statement")),
            [["20 h block", "PO-4471", "20.00", "12.50", "2.50", "7.50"]],
        )
        self.company.write(
            {"support_invoice_show_mileage": False, "support_invoice_show_block": False}
        )
        document = self._render(invoice)
        self.assertIsNone(self._section(document, "support_mileage_detail"))
        self.assertIsNone(self._section(document, "support_block_statement"))

    def test_ordinary_invoice(self):
        """An invoice not made from support entries prints no support section, but the
        customer's PO is printed prominently on every customer invoice."""
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.customer.id,
                "ref": "Order 12",
                "invoice_line_ids": [
                    Command.create({"name": "Laptop", "quantity": 1, "price_unit": 900.0})
                ],
            }
        )
        document = self._render(invoice)
        self.assertIsNone(self._section(document, "support_time_detail"))
        self.assertIn("Order 12", self._section(document, "support_po").text_content())

    def test_search_invoices_by_po(self):
        invoice = self._customer_invoice(ref="PO-2025-0042")
        self._log_time(30, self.type_phone, task=self.task_b, date=date(2025, 3, 4))
        self._invoice(partners=self.customer_b).ref = "PO-2025-0099"
        Move = self.env["account.move"].with_user(self.accountant)
        search_view = Move.get_view(
            self.env.ref("account.view_account_invoice_filter").id, "search"
        )
        po_field = etree.fromstring(search_view["arch"]).xpath("//field[@string='PO']")[0]
        domain = safe_eval(po_field.get("filter_domain"), {"self": "2025-0042"})
        self.assertEqual(Move.search(domain), invoice)


class InvoicePdfMixin:
    """Renders invoices through wkhtmltopdf, in an ``HttpCase`` (the test server serves
    the report's assets)."""

    def _pdf_text(self, invoice):
        """The invoice PDF rendered by wkhtmltopdf (assets served by the test server),
        as text."""
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        pdf, kind = (
            self.env["ir.actions.report"]
            .with_user(self.accountant)
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account.account_invoices", invoice.ids)
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf_file:
            pdf_file.write(pdf)
            pdf_file.flush()
            return subprocess.run(
                ["pdftotext", "-layout", pdf_file.name, "-"],
                check=True,
                capture_output=True,
                text=True,
            ).stdout


@tagged("post_install", "-at_install")
class TestInvoicePdf(InvoicePdfMixin, InvoiceReportCommon, HttpCase):
    def test_branded_invoice_pdf(self):
        self.company.write({"name": "Northwind IT Services", "report_header": "Your IT, handled"})
        invoice = self._customer_invoice()
        invoice.action_post()
        text = self._pdf_text(invoice)
        # the header comes from the company's document layout
        self.assertIn("Northwind IT Services", text)
        self.assertIn("Your IT, handled", text)
        self.assertIn(invoice.name, text)
        self.assertRegex(text, r"(?i)purchase order\s+PO-4471")
        self.assertIn("Time Detail", text)
        for row in (
            r"03/03/2025\s+Sam Support\s+Test Phone\s+Printer offline\s+0\.75",
            r"03/07/2025\s+Mia Manager\s+Test Phone\s+Mailbox full\s+0\.75",
            r"03/20/2025\s+Sam Support\s+Test Remote\s+Server updates\s+1\.00",
            r"Total\s+2\.50",
        ):
            self.assertRegex(text, re.compile(row))
