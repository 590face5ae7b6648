import re
import shutil
import subprocess

from odoo.tests import HttpCase, tagged
from odoo.tools import format_date, formatLang

from .mileage_common import MileageCommon


@tagged("post_install", "-at_install")
class TestMileageLogPdf(MileageCommon, HttpCase):
    """The yearly mileage log renders to a real PDF (wkhtmltopdf through the HTTP
    server) that lists every trip and the totals."""

    def _pdf_text(self, trips):
        # wkhtmltopdf loads the report's assets from the running test server
        self.env["ir.config_parameter"].sudo().set_param("report.url", self.base_url())
        Report = self.env["ir.actions.report"].with_user(self.support_user)
        pdf, report_type = Report.with_context(force_report_rendering=True)._render_qweb_pdf(
            "it_support_time.action_report_support_trip_mileage_log", trips.ids
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        self.assertTrue(shutil.which("pdftotext"), "poppler-utils' pdftotext is needed")
        # -layout keeps each table row on one line
        text = subprocess.run(
            ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
        ).stdout.decode()
        return [
            re.sub(r"\s+", " ", line.replace("\xa0", " ")).strip() for line in text.splitlines()
        ]

    def test_mileage_log_pdf(self):
        self.company.name = "Mileage Test Shop"
        purposes = ["Replace core switch", "Printer jam at reception", "Quarterly server check"]
        trips = self.env["support.trip"]
        for day, (purpose, distance) in enumerate(
            zip(purposes, (41.5, 18.0, 26.25), strict=True), 1
        ):
            trips |= self._trip(purpose=purpose, distance=distance, date=f"2025-04-{day:02d}")
        trips.action_confirm()
        draft = self._trip(purpose="Not driven yet", distance=12, date="2025-04-20")

        lines = self._pdf_text(trips | draft)
        text = " ".join(lines)

        self.assertIn("Mileage Log 2025", text)
        self.assertIn("VAN-KM-1", text)
        self.assertIn("Mileage Test Shop", text)  # the company's layout
        for trip in trips:
            # one row per trip: date, driver, customer, purpose, start, end, distance, rate,
            # amount
            row = " ".join(
                [
                    format_date(self.env, trip.date),
                    "Sam Support",
                    "Test Customer Ltd",
                    trip.purpose,
                    formatLang(self.env, trip.odometer_start, digits=2),
                    formatLang(self.env, trip.odometer_end, digits=2),
                    formatLang(self.env, trip.distance, digits=2),
                    "0.400",
                    self._money(trip.amount),
                ]
            )
            self.assertIn(row, lines)
        self.assertNotIn("Not driven yet", text)
        total_distance = sum(trips.mapped("distance"))
        total_amount = sum(trips.mapped("amount"))
        self.assertEqual(total_distance, 85.75)
        self.assertAlmostEqual(total_amount, 34.30)
        total = f"Total {formatLang(self.env, total_distance, digits=2)} km "
        self.assertIn(total + self._money(total_amount), lines)

    def _money(self, amount):
        currency = self.company.currency_id
        return formatLang(self.env, amount, currency_obj=currency).replace("\xa0", " ")
