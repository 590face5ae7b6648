from contextlib import closing
from datetime import date

from odoo import Command
from odoo.exceptions import UserError, ValidationError
from odoo.sql_db import db_connect
from odoo.tests import Form, freeze_time, tagged

from .invoicing_common import InvoicingCommon


@tagged("post_install", "-at_install")
class TestInvoiceWizard(InvoicingCommon):
    def _march_time(self):
        """Billable and non-billable time of both customers, in and around March."""
        return {
            "phone_1": self._log_time(
                31, self.type_phone, date=date(2025, 3, 3), name="Printer offline"
            ),
            "phone_2": self._log_time(
                7, self.type_phone, date=date(2025, 3, 12), name="Password reset"
            ),
            "remote": self._log_time(
                60, self.type_remote, date=date(2025, 3, 20), name="Server updates"
            ),
            "meeting": self._log_time(
                45, self.type_meeting, date=date(2025, 3, 21), name="Quarterly review"
            ),
            "april": self._log_time(
                30, self.type_phone, date=date(2025, 4, 1), name="Next month call"
            ),
            "february": self._log_time(
                30, self.type_phone, date=date(2025, 2, 28), name="Last month call"
            ),
            "beta": self._log_time(
                50, self.type_phone, task=self.task_b, date=date(2025, 3, 15), name="Wi-Fi down"
            ),
        }

    def test_one_draft_invoice_per_customer_from_billed_hours(self):
        entries = self._march_time()
        # the second customer is exempt from the company's sales tax
        sale_tax = self.company.account_sale_tax_id
        self.assertTrue(sale_tax)
        exempt = self.env["account.tax"].create({"name": "Exempt", "amount": 0.0})
        self.customer_b.property_account_position_id = self.env["account.fiscal.position"].create(
            {
                "name": "Tax exempt",
                "tax_ids": [Command.create({"tax_src_id": sale_tax.id, "tax_dest_id": exempt.id})],
            }
        )
        invoices = self._invoice()
        self.assertEqual(invoices.partner_id, self.customer | self.customer_b)
        self.assertRecordValues(
            invoices,
            [
                {"move_type": "out_invoice", "state": "draft", "partner_id": self.customer_b.id},
                {"move_type": "out_invoice", "state": "draft", "partner_id": self.customer.id},
            ],
        )
        invoice = invoices.filtered(lambda move: move.partner_id == self.customer)
        self.assertEqual(invoice.create_uid, self.accountant)
        # billed hours, not worked time: 31 min -> 0.75 h, 7 min -> 0.25 h
        phone = self._line(invoice, "Test Phone")
        remote = self._line(invoice, "Test Remote")
        self.assertRecordValues(
            phone | remote,
            [
                {"quantity": 1.0, "price_unit": 80.0, "price_subtotal": 80.0, "sequence": 10},
                {"quantity": 1.0, "price_unit": 100.0, "price_subtotal": 100.0, "sequence": 20},
            ],
        )
        self.assertIn("2 sessions", phone.name)
        # no product: hours, the default income account and the company's sales tax
        self.assertFalse(phone.product_id)
        self.assertEqual(phone.product_uom_id, self.env.ref("uom.product_uom_hour"))
        self.assertEqual(phone.tax_ids, sale_tax)
        self.assertEqual(phone.account_id, invoice.journal_id.default_account_id)
        self.assertEqual(invoice.amount_untaxed, 180.0)
        self.assertEqual(
            phone.sudo().support_timesheet_ids, entries["phone_1"] | entries["phone_2"]
        )
        self.assertEqual(entries["remote"].support_invoice_line_id, remote)
        self.assertEqual(entries["remote"].support_invoice_id, invoice)
        self.assertEqual(invoice.support_timesheet_count, 3)
        # outside the period or not billable: left alone
        for key in ("meeting", "april", "february"):
            self.assertFalse(entries[key].support_invoice_line_id, key)
        beta = invoices - invoice
        self.assertRecordValues(
            beta.invoice_line_ids,
            [
                {
                    "quantity": 1.0,
                    "price_unit": 80.0,
                    "support_source": "time",
                    "tax_ids": exempt.ids,
                }
            ],
        )

    def test_second_run_bills_nothing(self):
        self._march_time()
        first = self._invoice()
        self.assertEqual(len(first), 2)
        moves_before = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "Nothing to invoice"):
            self._invoice()
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    def test_cancel_releases_and_entries_are_billed_again(self):
        entries = self._march_time()
        invoice = self._invoice(partners=self.customer)
        billed = entries["phone_1"] | entries["phone_2"] | entries["remote"]
        self.assertTrue(all(billed.mapped("support_invoice_line_id")))

        invoice.button_cancel()
        self.assertEqual(invoice.state, "cancel")
        self.assertFalse(billed.support_invoice_line_id)
        self.assertIn(
            "3 support entries billed by this invoice were released",
            invoice.message_ids[:1].body,
        )
        # the cancelled invoice cannot come back: its entries are billable again
        with self.assertRefused(UserError, "cannot be reset to draft"):
            invoice.button_draft()
        self.assertEqual(invoice.state, "cancel")

        again = self._invoice(partners=self.customer)
        self.assertNotEqual(again, invoice)
        self.assertEqual(again.amount_untaxed, 180.0)
        self.assertEqual(billed.support_invoice_line_id.move_id, again)

    def test_draft_names_as_odoo_gives_them_and_numbers_on_posting(self):
        """The run reads once whether its journal numbered an invoice in the period:
        its drafts are named as Odoo names drafts, and numbered when posted."""
        self._march_time()
        # a new first sales journal, with nothing numbered yet: the first draft takes
        # the period's first number, the next one is "/" (Odoo's rule for drafts)
        income = self.env["account.move"].new({"move_type": "out_invoice"})
        income = income._search_default_journal().default_account_id
        journal = self.env["account.journal"].create(
            {
                "name": "Support Sales",
                "code": "SUPT",
                "type": "sale",
                "sequence": -1,
                "default_account_id": income.id,
            }
        )
        invoices = self._invoice()
        self.assertEqual(invoices.journal_id, journal)
        year = invoices[0].date.year
        self.assertEqual(sorted(invoices.mapped("name")), ["/", f"SUPT/{year}/00001"])
        numbered = invoices.filtered(lambda move: move.name != "/")
        numbered.action_post()
        self.assertEqual(numbered.name, f"SUPT/{year}/00001")
        # a later run: the journal has a number in the period, every draft is "/"
        self._log_time(30, self.type_phone, task=self.task_b, date=date(2025, 3, 20))
        later = self._invoice(partners=self.customer_b)
        self.assertEqual(later.name, "/")
        (invoices - numbered).action_post()
        later.action_post()
        self.assertEqual(
            (invoices - numbered | later).mapped("name"),
            [f"SUPT/{year}/00002", f"SUPT/{year}/00003"],
        )

    def test_full_credit_note_releases_partial_does_not(self):
        entries = self._march_time()
        invoice = self._invoice(partners=self.customer)
        invoice.action_post()
        billed = entries["phone_1"] | entries["phone_2"] | entries["remote"]

        # a credit note for part of the invoice keeps the entries billed
        reversal = Form(
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
        ).save()
        partial = invoice.browse(reversal.refund_moves()["res_id"])
        with Form(partial) as form:
            form.invoice_line_ids.remove(1)  # credit the phone line only
        partial.action_post()
        self.assertEqual(invoice.payment_state, "partial")
        self.assertEqual(len(billed.support_invoice_line_id), 2)

        # crediting the rest reverses the invoice in full: the entries are released
        reversal = Form(
            self.env["account.move.reversal"]
            .with_user(self.accountant)
            .with_context(active_model="account.move", active_ids=invoice.ids)
        ).save()
        rest = invoice.browse(reversal.refund_moves()["res_id"])
        with Form(rest) as form:
            form.invoice_line_ids.remove(0)  # then the remote line
        rest.action_post()
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(billed.support_invoice_line_id)
        # neither the credited invoice nor the credit note can be reset to draft
        with self.assertRefused(UserError, "cannot be reset to draft"):
            rest.button_draft()
        self.assertEqual(rest.state, "posted")
        self.assertEqual(self._invoice(partners=self.customer).amount_untaxed, 180.0)

    def test_reverse_and_cancel_releases(self):
        """ "Reverse" with the cancel option (Odoo's full refund) releases at once."""
        entries = self._march_time()
        invoice = self._invoice(partners=self.customer_b)
        invoice.action_post()
        invoice._reverse_moves(cancel=True)
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertFalse(entries["beta"].support_invoice_line_id)

    def test_reset_to_draft_keeps_links_and_deleting_draft_releases(self):
        entries = self._march_time()
        invoice = self._invoice(partners=self.customer_b)
        line = invoice.invoice_line_ids
        invoice.action_post()
        invoice.button_draft()
        self.assertEqual(invoice.state, "draft")
        self.assertEqual(entries["beta"].support_invoice_line_id, line)
        invoice.unlink()
        self.assertFalse(entries["beta"].support_invoice_line_id)
        self.assertEqual(len(self._invoice(partners=self.customer_b)), 1)

    def test_billed_entry_cannot_be_edited_or_deleted(self):
        entries = self._march_time()
        invoice = self._invoice(partners=self.customer)
        entry = entries["remote"].with_user(self.support_user)
        self.assertTrue(entry.readonly_timesheet)
        for values in (
            {"unit_amount": 2.0},
            {"support_type_id": self.type_phone.id},
            {"date": date(2025, 3, 22)},
            {"name": "Something else"},
            {"billable": False},
        ):
            with self.subTest(values=values):
                with self.assertRefused(UserError, f"invoiced on {invoice.display_name}"):
                    entry.write(values)
        with self.assertRefused(UserError, "cannot be deleted"):
            entry.unlink()
        with self.assertRefused(UserError, "cannot be changed by hand"):
            entry.write({"support_invoice_line_id": False})
        self.assertRecordValues(
            entries["remote"],
            [
                {
                    "unit_amount": 1.0,
                    "billed_hours": 1.0,
                    "support_type_id": self.type_remote.id,
                    "name": "Server updates",
                    "billable": True,
                    "support_invoice_line_id": self._line(invoice, "Test Remote").id,
                }
            ],
        )
        # entries not invoiced stay editable
        entries["april"].with_user(self.support_user).unit_amount = 0.75
        self.assertEqual(entries["april"].billed_hours, 0.75)
        # once the invoice is cancelled the entry can be corrected again
        invoice.button_cancel()
        entry.write({"unit_amount": 1.25})
        self.assertEqual(entries["remote"].billed_hours, 1.25)

    def test_group_by_support_type_or_task(self):
        self._log_time(30, self.type_phone, date=date(2025, 3, 3))
        self._log_time(30, self.type_phone, date=date(2025, 3, 4))
        self._log_time(30, self.type_phone, task=self.task_maintenance, date=date(2025, 3, 5))
        self._log_time(60, self.type_remote, task=self.task_maintenance, date=date(2025, 3, 6))

        by_type = self._invoice()
        self.assertEqual(
            [
                (line.quantity, line.price_unit)
                for line in by_type.invoice_line_ids.sorted("sequence")
            ],
            [(1.5, 80.0), (1.0, 100.0)],
        )
        by_type.button_cancel()

        by_task = self._invoice(group_by="task")
        lines = by_task.invoice_line_ids.sorted("sequence")
        self.assertEqual(
            [(line.name.split(" · ")[0], line.quantity) for line in lines],
            [("Help desk", 1.0), ("Maintenance", 0.5), ("Maintenance", 1.0)],
        )
        self.assertIn("Test Remote", lines[2].name)
        self.assertEqual(by_task.amount_untaxed, by_type.amount_untaxed)

    def test_partner_filter_and_customer_list_action(self):
        entries = self._march_time()
        invoice = self._invoice(partners=self.customer_b)
        self.assertEqual(invoice.partner_id, self.customer_b)
        self.assertTrue(entries["beta"].support_invoice_line_id)
        self.assertFalse(entries["remote"].support_invoice_line_id)

        # from the customer list, a contact selects its company
        wizard = Form(
            self.env["support.invoice.wizard"]
            .with_user(self.accountant)
            .with_context(active_model="res.partner", active_ids=self.customer_contact.ids)
        ).save()
        self.assertEqual(wizard.partner_ids, self.customer)
        binding = self.env.ref("it_support_time.support_invoice_wizard_action_partner")
        self.assertEqual(binding.binding_model_id.model, "res.partner")

    def test_date_range(self):
        entries = self._march_time()
        self._invoice(date_from=date(2025, 3, 10), date_to=date(2025, 3, 20))
        billed = {key for key, entry in entries.items() if entry.support_invoice_line_id}
        self.assertEqual(billed, {"phone_2", "remote", "beta"})
        # no start date: every earlier entry not billed yet
        self._invoice(date_from=False, date_to=date(2025, 3, 31))
        billed = {key for key, entry in entries.items() if entry.support_invoice_line_id}
        self.assertEqual(billed, {"phone_1", "phone_2", "remote", "beta", "february"})
        with self.assertRefused(UserError, "Nothing to invoice for Test Customer Ltd"):
            self._invoice(date_from=False, partners=self.customer)

    def test_pricelist_price_or_type_rate(self):
        product = self.env["product.product"].create(
            {"name": "Phone support hour", "type": "service", "list_price": 70.0}
        )
        self.type_phone.product_id = product
        pricelist = self.env["product.pricelist"].create(
            {
                "name": "Contract customers",
                "item_ids": [
                    Command.create(
                        {
                            "applied_on": "0_product_variant",
                            "product_id": product.id,
                            "compute_price": "fixed",
                            "fixed_price": 65.0,
                        }
                    )
                ],
            }
        )
        other_pricelist = self.env["product.pricelist"].create({"name": "No support prices"})
        self.customer.property_product_pricelist = pricelist
        self.customer_b.property_product_pricelist = other_pricelist
        self._march_time()
        invoices = self._invoice()
        customer_invoice = invoices.filtered(lambda move: move.partner_id == self.customer)
        # priced in the customer's pricelist
        self.assertRecordValues(
            self._line(customer_invoice, "Test Phone"),
            [{"product_id": product.id, "price_unit": 65.0, "quantity": 1.0}],
        )
        # a type without product keeps its rate
        self.assertRecordValues(
            self._line(customer_invoice, "Test Remote"),
            [{"product_id": False, "price_unit": 100.0}],
        )
        # the other customer's pricelist has no price for it: the type's rate
        self.assertRecordValues(
            (invoices - customer_invoice).invoice_line_ids,
            [{"product_id": product.id, "price_unit": 80.0, "quantity": 1.0}],
        )

    def test_income_accounts_mapped_by_the_fiscal_position(self):
        """A line books to its product's income account, else to the sales journal's,
        each mapped by the invoice's fiscal position."""
        Account = self.env["account.account"]
        support_income = Account.create(
            {"name": "Support revenue", "code": "706100", "account_type": "income"}
        )
        export_income = Account.create(
            {"name": "Export revenue", "code": "706200", "account_type": "income"}
        )
        product = self.env["product.product"].create(
            {
                "name": "Phone support hour",
                "type": "service",
                "property_account_income_id": support_income.id,
            }
        )
        self.type_phone.product_id = product
        self._march_time()
        self._log_time(30, self.type_remote, task=self.task_b, date=date(2025, 3, 12))
        invoices = self._invoice()
        journal_income = invoices.journal_id.default_account_id
        self.customer_b.property_account_position_id = self.env["account.fiscal.position"].create(
            {
                "name": "Export",
                "account_ids": [
                    Command.create(
                        {"account_src_id": journal_income.id, "account_dest_id": export_income.id}
                    )
                ],
            }
        )
        invoices.unlink()  # the entries are free again: billed with the fiscal position
        invoices = self._invoice()
        invoice = invoices.filtered(lambda move: move.partner_id == self.customer)
        invoice_b = invoices - invoice
        self.assertEqual(self._line(invoice, "Test Phone").account_id, support_income)
        self.assertEqual(self._line(invoice, "Test Remote").account_id, journal_income)
        self.assertEqual(invoice_b.fiscal_position_id.name, "Export")
        self.assertEqual(self._line(invoice_b, "Test Phone").account_id, support_income)
        self.assertEqual(self._line(invoice_b, "Test Remote").account_id, export_income)

    def test_entries_billed_through_a_sale_order_are_left_out(self):
        product = self.env["product.product"].create(
            {
                "name": "Support hours (sale order)",
                "type": "service",
                "invoice_policy": "delivery",
                "service_type": "timesheet",
                "list_price": 150.0,
                "uom_id": self.env.ref("uom.product_uom_hour").id,
                "uom_po_id": self.env.ref("uom.product_uom_hour").id,
            }
        )
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [Command.create({"product_id": product.id, "product_uom_qty": 10})],
            }
        )
        order.action_confirm()
        self.project.allow_billable = True
        self.task_maintenance.sale_line_id = order.order_line
        on_order = self._log_time(
            60, self.type_remote, task=self.task_maintenance, date=date(2025, 3, 10)
        )
        ours = self._log_time(60, self.type_remote, date=date(2025, 3, 11))
        self.assertEqual(on_order.so_line, order.order_line)
        self.assertFalse(ours.so_line)

        invoice = self._invoice(partners=self.customer)
        self.assertEqual(invoice.invoice_line_ids.sudo().support_timesheet_ids, ours)
        self.assertFalse(on_order.support_invoice_line_id)

        # the sale order invoices its own time; ours is released and the order's
        # entry, now invoiced by the order, is still left out
        invoice.button_cancel()
        self.assertEqual(order.order_line.qty_delivered, 1.0)
        order_invoice = order._create_invoices()
        self.assertEqual(on_order.timesheet_invoice_id, order_invoice)
        again = self._invoice(partners=self.customer)
        self.assertEqual(again.invoice_line_ids.sudo().support_timesheet_ids, ours)
        self.assertFalse(on_order.support_invoice_line_id)

    def test_needs_billing_right(self):
        self._march_time()
        wizard = self._wizard(user=self.support_manager)
        moves_before = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "needs the Invoicing / Billing access right"):
            wizard.action_create_invoices()
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)

    @freeze_time("2025-04-03")
    def test_monthly_cron_invoices_previous_month(self):
        entries = self._march_time()
        cron = self.env.ref("it_support_time.ir_cron_support_invoice_monthly")
        self.assertFalse(cron.active)
        cron.method_direct_trigger()
        billed = {key for key, entry in entries.items() if entry.support_invoice_line_id}
        self.assertEqual(billed, {"phone_1", "phone_2", "remote", "beta", "february"})
        invoices = entries["remote"].support_invoice_id | entries["beta"].support_invoice_id
        self.assertEqual(set(invoices.mapped("state")), {"draft"})
        self.assertEqual(invoices.mapped("invoice_origin"), ["Support up to 03/31/2025"] * 2)
        # the wizard proposes the previous month too
        wizard = Form(self.env["support.invoice.wizard"].with_user(self.accountant))
        self.assertEqual((wizard.date_from, wizard.date_to), (self.march_first, self.march_last))

    def test_concurrent_run_skips_rows_it_holds(self):
        """Rows locked by another invoicing transaction are skipped, not billed twice.

        Uses the committed demo entries of City Bakery, locked from a second database
        connection as a concurrent run would hold them."""
        customer = self.env.ref("it_support_time.partner_citybakery")
        wizard = self._wizard(date_from=False, date_to=date.today(), partners=customer)
        run = (
            self.env["support.invoicing"]
            .with_user(self.accountant)
            ._support_invoicing_run(**wizard._support_invoicing_args())
        )
        candidates = (
            self.env["account.analytic.line"]
            .sudo()
            .search(
                self.env["support.invoicing.source"]._support_invoice_time_domain(run),
                order="id",
            )
        )
        self.assertGreaterEqual(len(candidates), 3)
        held = candidates[:2]
        self.env.cr.execute("SET LOCAL lock_timeout = '10s'")
        with closing(db_connect(self.env.cr.dbname).cursor()) as other:
            other.execute(
                "SELECT id FROM account_analytic_line WHERE id IN %s FOR UPDATE",
                [tuple(held.ids)],
            )
            invoice = self.env["account.move"].browse(wizard.action_create_invoices()["res_id"])
            other.rollback()
        billed = invoice.invoice_line_ids.sudo().support_timesheet_ids
        self.assertEqual(billed, candidates - held)
        self.assertFalse(held.support_invoice_line_id)

    def test_query_count_per_invoice(self):
        """Collecting, locking and linking cost a fixed number of queries; each further
        invoice costs what Odoo needs to create it, whatever its number of lines
        (measured: 1 for a four-line invoice, 2 when the journal has followers to
        subscribe; the goal is 10)."""
        types = self.type_phone | self.type_remote
        types |= self.env["support.type"].create(
            [
                {"name": "Test On-site", "kind": "onsite", "hourly_rate": 110.0},
                {"name": "Test After-hours", "kind": "remote", "hourly_rate": 140.0},
            ]
        )
        customers = self.env["res.partner"].create(
            [{"name": f"Query Customer {index}", "is_company": True} for index in range(5)]
        )
        projects = self.env["project.project"].create(
            [
                {
                    "name": customer.name,
                    "partner_id": customer.id,
                    "is_support_project": True,
                    "allow_timesheets": True,
                }
                for customer in customers
            ]
        )
        for customer, project in zip(customers, projects, strict=True):
            task = self.env["project.task"].create(
                {"name": "Help desk", "project_id": project.id, "partner_id": customer.id}
            )
            for day, support_type in enumerate(types, start=3):
                self._log_time(30, support_type, task=task, date=date(2025, 3, day))
                self._log_time(45, support_type, task=task, date=date(2025, 3, day + 10))

        def check(invoices, partners):
            self.assertEqual(len(invoices), len(partners))
            self.assertEqual(len(invoices.invoice_line_ids), 4 * len(partners))

        one, per_invoice = self._queries_per_further_invoice(customers, check)
        self.assertLessEqual(
            per_invoice, 2, f"{one} queries for 1 invoice, {per_invoice} more each"
        )
        wizard = self._wizard(partners=customers)
        with self.assertQueryCount(one + 4 * 2):
            self.assertEqual(len(wizard._create_invoices()), 5)

    def _overage_collector(self, entries, po, rate):
        """A block overage collector as the prepaid blocks feature plugs it in: locked
        entries, one group per customer and PO at the block's overage rate."""

        def collect(sources, run):
            locked = sources._support_lock_unbilled(entries.sudo())
            if not locked:
                return []
            return [
                {
                    "partner": self.customer,
                    "po": po,
                    "source": "overage",
                    "sources": locked,
                    "vals": {
                        "name": f"Overage {po}",
                        "quantity": sum(locked.mapped("billed_hours")),
                        "price_unit": rate,
                    },
                }
            ]

        return collect

    def test_overage_collector_contract_one_invoice_per_po(self):
        """What the wizard does with the groups of a further collector: one invoice per
        customer and PO, the PO as reference, links released like any other line."""
        entries = self._march_time()
        overage = entries["phone_1"] | entries["phone_2"]
        Sources = type(self.env["support.invoicing.source"])
        self.patch(
            Sources,
            "_support_invoice_collect_overage",
            self._overage_collector(overage, "PO-77", 150.0),
        )
        time_domain = Sources._support_invoice_time_domain
        self.patch(
            Sources,
            "_support_invoice_time_domain",
            lambda sources, run: [*time_domain(sources, run), ("id", "not in", overage.ids)],
        )
        invoices = self._invoice(partners=self.customer)
        self.assertRecordValues(invoices, [{"ref": False}, {"ref": "PO-77"}])
        self.assertRecordValues(
            invoices[1].invoice_line_ids,
            [{"support_source": "overage", "quantity": 1.0, "price_unit": 150.0}],
        )
        self.assertEqual(overage.support_invoice_id, invoices[1])
        self.assertEqual(entries["remote"].support_invoice_id, invoices[0])
        with self.assertRefused(UserError, "Nothing to invoice"):
            self._invoice(partners=self.customer)
        invoices[1].button_cancel()
        self.assertFalse(overage.support_invoice_line_id)

    def test_a_record_is_never_collected_twice_in_one_run(self):
        entries = self._march_time()
        Sources = type(self.env["support.invoicing.source"])
        # a faulty collector overlapping the plain time collector
        self.patch(
            Sources,
            "_support_invoice_collect_overage",
            self._overage_collector(entries["remote"], "PO-77", 150.0),
        )
        moves_before = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "would be billed by two invoice lines"):
            self._invoice(partners=self.customer)
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
        self.assertFalse(entries["remote"].support_invoice_line_id)

    def test_wrong_input_is_refused(self):
        self._march_time()
        wizards = self.env["support.invoice.wizard"].search_count([])
        with self.assertRefused(ValidationError, "starts on 03/31/2025, after its end"):
            self._wizard(date_from=date(2025, 3, 31), date_to=date(2025, 3, 1))
        self.assertEqual(self.env["support.invoice.wizard"].search_count([]), wizards)
        moves_before = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "Choose at least one thing to bill"):
            self._invoice(
                include_time=False,
                include_overage=False,
                include_mileage=False,
                include_expenses=False,
            )
        self.assertEqual(self.env["account.move"].search_count([]), moves_before)
