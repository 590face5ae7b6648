from datetime import date

from odoo.tests import Form, new_test_user

from .common import SupportCommon


class InvoicingCommon(SupportCommon):
    """Support time of two customers in March 2025 and an accountant (support manager
    with the Billing right) who invoices it."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env,
            login="support_accountant",
            groups="base.group_user,it_support_time.group_support_manager,"
            "account.group_account_invoice",
            name="Ada Accountant",
        )
        cls.task_maintenance = cls.env["project.task"].create(
            {
                "name": "Maintenance",
                "project_id": cls.project.id,
                "partner_id": cls.customer.id,
                "user_ids": [(6, 0, [cls.support_user.id])],
            }
        )
        cls.customer_b = cls.env["res.partner"].create({"name": "Beta Bakery", "is_company": True})
        cls.project_b = cls.env["project.project"].create(
            {
                "name": "Support - Beta Bakery",
                "partner_id": cls.customer_b.id,
                "is_support_project": True,
                "allow_timesheets": True,
            }
        )
        cls.task_b = cls.env["project.task"].create(
            {
                "name": "Help desk",
                "project_id": cls.project_b.id,
                "partner_id": cls.customer_b.id,
                "user_ids": [(6, 0, [cls.support_user.id])],
            }
        )
        cls.march_first = date(2025, 3, 1)
        cls.march_last = date(2025, 3, 31)

    def _wizard(self, user=None, **values):
        """The invoicing wizard filled in through its form by ``user`` (the accountant)."""
        user = user or self.accountant
        with Form(self.env["support.invoice.wizard"].with_user(user)) as wizard:
            wizard.date_from = values.pop("date_from", self.march_first)
            wizard.date_to = values.pop("date_to", self.march_last)
            for partner in values.pop("partners", []):
                wizard.partner_ids.add(partner)
            for name, value in values.items():
                setattr(wizard, name, value)
        return wizard.record

    def _invoice(self, user=None, **values):
        """Run the wizard; the invoices its action opens."""
        wizard = self._wizard(user=user, **values)
        action = wizard.action_create_invoices()
        Move = self.env["account.move"].with_user(user or self.accountant)
        if action.get("res_id"):
            return Move.browse(action["res_id"])
        return Move.search(action["domain"], order="id")

    def _queries_per_further_invoice(self, customers, check):
        """Queries of a run for ``customers[0]`` alone and for all ``customers`` (caches
        warm, each run rolled back); ``check(invoices, partners)`` asserts what a run
        made. Returns (queries for one invoice, queries for each further invoice)."""

        def run(partners):
            wizard = self._wizard(partners=partners)
            with self.env.cr.savepoint(flush=False) as savepoint:
                self.env.flush_all()
                count = self.env.cr.sql_log_count
                invoices = wizard._create_invoices()
                self.env.flush_all()
                count = self.env.cr.sql_log_count - count
                check(invoices, partners)
                savepoint.rollback()
            self.env.invalidate_all()
            return count

        run(customers[0])  # warm the caches
        one = run(customers[0])
        all_of_them = run(customers)
        return one, (all_of_them - one) / (len(customers) - 1)

    def _line(self, invoice, name_part):
        lines = invoice.invoice_line_ids.filtered(lambda line: name_part in line.name)
        self.assertEqual(len(lines), 1, f"one line named like {name_part!r} on {invoice.name}")
        return lines
