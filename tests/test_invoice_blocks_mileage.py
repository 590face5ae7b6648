import re
from datetime import date

from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, freeze_time, tagged

from .common_block import BlockCommon
from .invoicing_common import InvoicingCommon
from .mileage_common import MileageCommon
from .test_invoice_report import InvoicePdfMixin


class BlockMileageInvoicingCommon(InvoicingCommon, BlockCommon, MileageCommon):
    """The customer buys a 2-hour block from March 10 (PO-1001) whose overage is billed
    at 150 per block hour; support time before and after, and trips by car."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.block = cls._create_block(
            hours=2.0,
            po="PO-1001",
            date_start="2025-03-10",
            overage_policy="overage_rate",
            overage_rate=150.0,
        )

    def _scenario(self):
        """Time and trips of March and April; returns them by name."""
        entries = {
            # before the block: ordinary support time
            "before": self._log_time(31, self.type_phone, date=date(2025, 3, 3), name="Router"),
            # drawn from the block: 1.5 of its 2 hours
            "drawn": self._log_time(90, self.type_phone, date=date(2025, 3, 11), name="Backup"),
            # 0.5 h left: split into 0.5 drawn and 0.5 overage
            "split": self._log_time(60, self.type_phone, date=date(2025, 3, 12), name="Mail"),
            # nothing left: all overage, 1 billed hour = 1.5 block hours
            "afterhours": self._log_time(
                60, self.type_afterhours, date=date(2025, 3, 14), name="Server down at night"
            ),
        }
        overage = self._block_entries(self.block).filtered("support_is_overage")
        self.assertEqual(len(overage), 2)
        self.assertEqual(sum(overage.mapped("support_block_hours")), 2.0)
        entries["overage_split"] = overage.filtered(lambda entry: entry.name == "Mail")
        trips = {
            # before the block: no block
            "general": self._trip(date="2025-03-05", distance=42, purpose="Router swap"),
            # of the block (valid on its date), in miles at the company's 0.70
            "block": self._trip(
                date="2025-03-12",
                vehicle_id=self.car_mi.id,
                distance=25,
                purpose="Mail server visit",
            ),
            "not_billable": self._trip(date="2025-03-13", distance=8, billable=False),
            "draft": self._trip(date="2025-03-20", distance=9, purpose="Not confirmed"),
            "april": self._trip(date="2025-04-02", distance=10, purpose="Next month"),
        }
        for key in ("general", "block", "not_billable", "april"):
            trips[key].with_user(self.support_user).action_confirm()
        self.assertEqual(trips["block"].block_id, self.block)
        self.assertFalse(trips["general"].block_id)
        return entries, trips


@tagged("post_install", "-at_install")
class TestInvoiceBlocksMileage(BlockMileageInvoicingCommon):
    def test_overage_at_block_rate_on_po_invoice_block_time_left_out(self):
        entries, trips = self._scenario()
        invoices = self._invoice(partners=self.customer)
        self.assertRecordValues(
            invoices,
            [
                {"partner_id": self.customer.id, "ref": False, "state": "draft"},
                {"partner_id": self.customer.id, "ref": "PO-1001", "state": "draft"},
            ],
        )
        general, po_invoice = invoices
        # general invoice: the time before the block and the trip without block
        self.assertRecordValues(
            general.invoice_line_ids.sorted("sequence"),
            [
                {
                    "support_source": "time",
                    "quantity": 0.75,
                    "price_unit": 80.0,
                    "price_subtotal": 60.0,
                    "product_uom_id": self.env.ref("uom.product_uom_hour").id,
                },
                {
                    "support_source": "mileage",
                    "quantity": 42.0,
                    "price_unit": 0.40,
                    "price_subtotal": 16.80,
                    "product_uom_id": self.env.ref("uom.product_uom_km").id,
                },
            ],
        )
        self.assertEqual(general.amount_untaxed, 76.80)
        # the PO's invoice: the overage in block hours at the overage rate, and the trip
        # of the block
        overage_line, trip_line = po_invoice.invoice_line_ids.sorted("sequence")
        self.assertRecordValues(
            overage_line | trip_line,
            [
                {
                    "support_source": "overage",
                    "quantity": 2.0,
                    "price_unit": 150.0,
                    "price_subtotal": 300.0,
                    "product_uom_id": self.env.ref("uom.product_uom_hour").id,
                },
                {
                    "support_source": "mileage",
                    "quantity": 25.0,
                    "price_unit": 0.70,
                    "price_subtotal": 17.50,
                    "product_uom_id": self.env.ref("uom.product_uom_mile").id,
                },
            ],
        )
        self.assertIn(self.block.name, overage_line.name)
        self.assertIn("PO-1001", overage_line.name)
        self.assertIn(trips["block"].name, trip_line.name)
        overage = self._block_entries(self.block).filtered("support_is_overage")
        self.assertEqual(overage.support_invoice_line_id, overage_line)
        # time drawn from the block is paid by the block
        drawn = self._block_entries(self.block) - overage
        self.assertEqual(drawn, entries["drawn"] | entries["split"])
        self.assertFalse(drawn.support_invoice_line_id)
        self.assertEqual(entries["before"].support_invoice_id, general)
        with self.assertRefused(UserError, "Nothing to invoice for Test Customer Ltd"):
            self._invoice(partners=self.customer)

    def test_block_time_alone_bills_nothing(self):
        self._create_block(hours=5.0, po="PO-2002", date_start="2025-02-01")
        self._log_time(60, self.type_phone, task=self.task_other, date=date(2025, 2, 3))
        with self.assertRefused(UserError, "Nothing to invoice"):
            self._invoice(partners=self.customer, date_from=date(2025, 2, 1))

    def test_running_timer_is_not_invoiced(self):
        with freeze_time("2025-03-20 09:00:00"):
            running = self.task_b.with_user(self.support_user).action_support_timer_start()
        # hours typed on the running entry (e.g. in the timesheet list): still running
        running.write({"unit_amount": 0.5, "support_type_id": self.type_phone.id})
        self.assertEqual(running.billed_hours, 0.5)
        self.assertTrue(running.support_timer_start)
        with self.assertRefused(UserError, "Nothing to invoice for Beta Bakery"):
            self._invoice(partners=self.customer_b)
        with freeze_time("2025-03-20 10:00:00"):
            self.task_b.with_user(self.support_user).action_support_timer_stop()
        invoice = self._invoice(partners=self.customer_b)
        self.assertRecordValues(invoice.invoice_line_ids, [{"quantity": 1.0, "price_unit": 80.0}])
        self.assertEqual(running.support_invoice_id, invoice)

    def test_trips_become_invoiced_and_locked(self):
        _entries, trips = self._scenario()
        general, po_invoice = self._invoice(partners=self.customer)
        self.assertRecordValues(
            trips["general"] | trips["block"],
            [
                {"state": "invoiced", "support_invoice_id": general.id},
                {"state": "invoiced", "support_invoice_id": po_invoice.id},
            ],
        )
        self.assertEqual(general.support_trip_count, 1)
        # draft, not billable and next month's trips are left alone
        self.assertRecordValues(
            trips["not_billable"] | trips["draft"] | trips["april"],
            [
                {"state": "confirmed", "support_invoice_line_id": False},
                {"state": "draft", "support_invoice_line_id": False},
                {"state": "confirmed", "support_invoice_line_id": False},
            ],
        )
        trip = trips["general"].with_user(self.support_manager)
        with self.assertRefused(UserError, f"is invoiced on {general.display_name}"):
            trip.write({"purpose": "Changed"})
        with self.assertRefused(UserError, "cannot be reset to draft"):
            trip.action_reset_to_draft()
        with self.assertRefused(UserError, "cannot be deleted"):
            trip.unlink()
        self.assertRecordValues(
            trips["general"], [{"purpose": "Router swap", "distance": 42.0, "state": "invoiced"}]
        )
        # the second run bills nothing
        moves_before = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "Nothing to invoice"):
            self._invoice(date_from=False, date_to=date(2025, 3, 31))
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    def test_trip_of_block_joins_po_invoice_only_with_its_overage(self):
        _entries, trips = self._scenario()
        # no overage billed in this run: every trip on the general invoice
        invoice = self._invoice(partners=self.customer, include_overage=False)
        self.assertRecordValues(invoice, [{"ref": False}])
        self.assertEqual(
            invoice.invoice_line_ids.sudo().support_trip_ids, trips["general"] | trips["block"]
        )
        self.assertFalse(invoice._support_invoice_block_rows())
        # the overage alone on the PO's invoice
        po_invoice = self._invoice(partners=self.customer, include_time=False)
        self.assertRecordValues(po_invoice, [{"ref": "PO-1001"}])
        self.assertEqual(po_invoice.invoice_line_ids.mapped("support_source"), ["overage"])

    def test_cancel_releases_entries_and_trips(self):
        _entries, trips = self._scenario()
        general, po_invoice = self._invoice(partners=self.customer)
        overage = self._block_entries(self.block).filtered("support_is_overage")
        (general | po_invoice).with_user(self.accountant).button_cancel()
        self.assertFalse(overage.support_invoice_line_id)
        self.assertRecordValues(
            trips["general"] | trips["block"],
            [
                {"state": "confirmed", "support_invoice_line_id": False},
                {"state": "confirmed", "support_invoice_line_id": False},
            ],
        )
        # the two overage entries and the trip
        self.assertIn("3 support entries", po_invoice.message_ids[:1].body)
        # a released trip follows the reset rules again: reset, corrected, confirmed
        trip = trips["block"].with_user(self.support_manager)
        trip.action_reset_to_draft()
        trip.odometer_end = 5030.0
        trip.action_confirm()
        self.assertEqual(trip.amount, 21.0)
        again = self._invoice(partners=self.customer)
        self.assertEqual(again.mapped("ref"), [False, "PO-1001"])
        self.assertEqual(
            again.invoice_line_ids.filtered(lambda line: line.support_source == "mileage").mapped(
                "price_subtotal"
            ),
            [16.80, 21.0],
        )
        self.assertEqual(overage.support_invoice_id, again[1])

    def test_full_credit_note_releases_entries_and_trips(self):
        _entries, trips = self._scenario()
        _general, po_invoice = self._invoice(partners=self.customer)
        po_invoice.action_post()
        reversal = Form(
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=po_invoice.ids)
        ).save()
        credit_note = po_invoice.browse(reversal.refund_moves()["res_id"])
        overage = self._block_entries(self.block).filtered("support_is_overage")
        self.assertEqual(trips["block"].state, "invoiced")
        credit_note.action_post()
        self.assertEqual(po_invoice.payment_state, "reversed")
        self.assertFalse(overage.support_invoice_line_id)
        self.assertRecordValues(
            trips["block"], [{"state": "confirmed", "support_invoice_line_id": False}]
        )
        with self.assertRefused(UserError, "cannot be reset to draft"):
            po_invoice.button_draft()
        again = self._invoice(partners=self.customer)
        self.assertRecordValues(again, [{"ref": "PO-1001", "amount_untaxed": 317.50}])

    def test_deleting_draft_line_or_invoice_releases_trips(self):
        _entries, trips = self._scenario()
        general, po_invoice = self._invoice(partners=self.customer)
        with Form(general.with_user(self.accountant)) as form:
            index = (
                general.invoice_line_ids.sorted("sequence")
                .mapped("support_source")
                .index("mileage")
            )
            form.invoice_line_ids.remove(index)
        self.assertRecordValues(
            trips["general"], [{"state": "confirmed", "support_invoice_line_id": False}]
        )
        self.assertEqual(general.invoice_line_ids.mapped("support_source"), ["time"])
        again = self._invoice(partners=self.customer)
        self.assertEqual(trips["general"].support_invoice_id, again)
        po_invoice.with_user(self.accountant).unlink()
        self.assertRecordValues(
            trips["block"], [{"state": "confirmed", "support_invoice_line_id": False}]
        )
        self.assertFalse(self._block_entries(self.block).support_invoice_line_id)

    def test_rate_finer_than_prices_bills_the_trip_amount(self):
        trip = self._trip(distance=37, rate=0.455)
        trip.action_confirm()
        invoice = self._invoice(partners=self.customer)
        self.assertRecordValues(
            invoice.invoice_line_ids,
            [{"quantity": 1.0, "price_unit": trip.amount, "price_subtotal": trip.amount}],
        )
        self.assertAlmostEqual(trip.amount, 16.84, places=2)
        self.assertIn("37.00 km", invoice.invoice_line_ids.name)

    def test_block_statement_and_detail_rows(self):
        _entries, trips = self._scenario()
        general, po_invoice = self._invoice(partners=self.customer)
        self.assertEqual(
            po_invoice._support_invoice_block_rows(),
            [
                {
                    "name": self.block.name,
                    "po": "PO-1001",
                    "purchased": 2.0,
                    "used": 2.0,
                    "on_invoice": 2.0,
                    "remaining": 0.0,
                }
            ],
        )
        self.assertFalse(general._support_invoice_block_rows())
        self.assertEqual(
            po_invoice._support_invoice_mileage_rows(),
            [
                {
                    "date": date(2025, 3, 12),
                    "vehicle": "Test Motors Test Van CAR-MI-2",
                    "purpose": "Mail server visit",
                    "distance": 25.0,
                    "distance_unit": "mi",
                    "rate": 0.70,
                    "amount": 17.50,
                }
            ],
        )
        # the time detail shows what the invoice bills: block hours for the overage
        self.assertEqual(
            [
                (row["description"], row["hours"])
                for row in po_invoice._support_invoice_time_rows()
            ],
            [("Mail", 0.5), ("Server down at night", 1.5)],
        )


@tagged("post_install", "-at_install")
class TestInvoiceBlocksMileageQueries(BlockMileageInvoicingCommon):
    def test_query_count_per_invoice_with_overage_and_trips(self):
        """Overage and trips are collected, locked and linked in a fixed number of
        queries: a further invoice costs only what Odoo needs to create it (measured:
        less than 1 for an invoice of one overage line and two trips)."""
        customers = self.env["res.partner"].create(
            [{"name": f"Query Customer {index}", "is_company": True} for index in range(5)]
        )
        for index, customer in enumerate(customers):
            project = self.env["project.project"].create(
                {
                    "name": customer.name,
                    "partner_id": customer.id,
                    "is_support_project": True,
                    "allow_timesheets": True,
                }
            )
            task = self.env["project.task"].create(
                {"name": "Help desk", "project_id": project.id, "partner_id": customer.id}
            )
            self._create_block(
                hours=0.5,
                po=f"PO-Q{index}",
                partner_id=customer.id,
                project_id=project.id,
                date_start="2025-03-01",
                overage_policy="overage_rate",
                overage_rate=150.0,
            )
            # 0.5 h drawn from the block, 0.5 h overage
            self._log_time(30, self.type_phone, task=task, date=date(2025, 3, 3))
            self._log_time(30, self.type_remote, task=task, date=date(2025, 3, 4))
            for vehicle, day in ((self.car_mi, "2025-03-02"), (self.van_own_rate, "2025-03-05")):
                self._trip(
                    task_id=task.id, date=day, distance=10 + index, vehicle_id=vehicle.id
                ).action_confirm()

        def check(invoices, partners):
            self.assertEqual(invoices.mapped("ref"), [f"PO-Q{i}" for i in range(len(partners))])
            self.assertEqual(
                [len(invoice.invoice_line_ids) for invoice in invoices], [3] * len(partners)
            )

        one, per_invoice = self._queries_per_further_invoice(customers, check)
        self.assertLessEqual(
            per_invoice, 2, f"{one} queries for 1 invoice, {per_invoice} more each"
        )


@tagged("post_install", "-at_install")
class TestInvoiceBlocksMileageDemo(InvoicingCommon):
    def test_demo_overage_and_trips_to_invoice(self):
        """The demo shows block overage and confirmed trips that the wizard bills."""
        brightlaw = self.env.ref("it_support_time.partner_brightlaw")
        block = self.env.ref("it_support_time.block_brightlaw")
        self.assertEqual(block.state, "exhausted")
        self.assertGreater(block.hours_overage, 0)
        invoices = self._invoice(
            date_from=False,
            date_to=date.today(),
            include_time=False,
            include_expenses=False,
        )
        po_invoice = invoices.filtered(lambda move: move.ref == "BPL-7781")
        self.assertEqual(po_invoice.partner_id, brightlaw)
        overage_line = po_invoice.invoice_line_ids.filtered(
            lambda line: line.support_source == "overage"
        )
        self.assertRecordValues(
            overage_line, [{"quantity": block.hours_overage, "price_unit": 130.0}]
        )
        # Brightlaw's trip of its block is on the PO's invoice
        self.assertEqual(
            self.env.ref("it_support_time.trip_demo_06").support_invoice_id, po_invoice
        )
        self.assertEqual(po_invoice._support_invoice_block_rows()[0]["po"], "BPL-7781")
        confirmed = self.env["support.trip"].search(
            [("state", "=", "invoiced"), ("support_invoice_id", "in", invoices.ids)]
        )
        self.assertGreaterEqual(len(confirmed), 5)


@tagged("post_install", "-at_install")
class TestInvoiceBlocksMileagePdf(InvoicePdfMixin, BlockMileageInvoicingCommon, HttpCase):
    def test_po_invoice_pdf_with_block_statement_time_and_mileage(self):
        self._scenario()
        # a second trip of the block, in km with the vehicle's own rate
        self._trip(
            date="2025-03-14",
            vehicle_id=self.van_own_rate.id,
            distance=30,
            purpose="Night call-out",
        ).action_confirm()
        _general, po_invoice = self._invoice(partners=self.customer)
        po_invoice.action_post()
        text = self._pdf_text(po_invoice)
        self.assertRegex(text, r"(?i)purchase order\s+PO-1001")
        self.assertIn("Prepaid Hours Statement", text)
        self.assertRegex(
            text,
            re.compile(re.escape(self.block.name) + r"\s+PO-1001\s+2\.00\s+2\.00\s+2\.00\s+0\.00"),
        )
        self.assertIn("Time Detail", text)
        for row in (
            r"03/12/2025\s+Sam Support\s+Test Phone\s+Mail\s+0\.50",
            r"03/14/2025\s+Sam Support\s+Test After-hours\s+Server down at night\s+1\.50",
            r"Total\s+2\.00",
        ):
            self.assertRegex(text, re.compile(row))
        self.assertIn("Mileage Detail", text)
        for row in (
            r"03/12/2025\s+Test Motors Test Van CAR-MI-2\s+Mail server visit\s+"
            r"25\.0\s+mi\s+\$\s*0\.70\s+\$\s*17\.50",
            r"03/14/2025\s+Test Motors Test Van OWN-RATE-3\s+Night call-out\s+"
            r"30\.0\s+km\s+\$\s*0\.55\s+\$\s*16\.50",
        ):
            self.assertRegex(text, re.compile(row))
