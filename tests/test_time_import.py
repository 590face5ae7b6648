import base64
import math
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, freeze_time, tagged

from .invoicing_common import InvoicingCommon

# Headers as each vendor's documentation lists them (README, "Import from other trackers").
TOGGL_HEADER = (
    "User,Email,Client,Project,Task,Description,Billable,Start date,Start time,End date,"
    "End time,Duration,Tags,Amount ()"
)
CLOCKIFY_HEADER = (
    "Project,Client,Description,Task,User,Group,Email,Tags,Billable,Start Date,Start Time,"
    "End Date,End Time,Duration (h),Duration (decimal),Billable Rate (USD),"
    "Billable Amount (USD)"
)
HARVEST_HEADER = (
    "Date,Client,Project,Project Code,Task,Notes,Hours,Hours Rounded,Billable?,Invoiced?,"
    "Approved?,First Name,Last Name,Roles,Employee?,Billable Rate,Billable Amount,Cost Rate,"
    "Cost Amount,Currency,External Reference URL"
)

# query budget of a preview and import of one file: a fixed part plus the same per row
FIXED_QUERIES = 70
QUERIES_PER_ROW = 1.05


def csv_file(*lines):
    return base64.b64encode(("\n".join(lines) + "\n").encode())


class ImportCommon(InvoicingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.support_user.write({"email": "sam@example.com"})
        cls.support_manager.write({"email": "mia@example.com"})
        cls.Line = cls.env["account.analytic.line"]

    def _import_wizard(self, data, user=None, **values):
        """The import wizard filled in through its form by ``user`` (the support manager)."""
        with Form(
            self.env["support.time.import.wizard"].with_user(user or self.support_manager)
        ) as form:
            form.data_file = data
            for name, value in values.items():
                setattr(form, name, value)
        return form.record

    def _preview(self, data, **values):
        wizard = self._import_wizard(data, **values)
        wizard.action_preview()
        return wizard

    def _imported(self):
        return self.Line.search([("support_import_ref", "!=", False)], order="date, id")


@tagged("post_install", "-at_install")
class TestImportFormats(ImportCommon):
    def test_toggl_detailed_report(self):
        data = csv_file(
            TOGGL_HEADER,
            "Sam Support,sam@example.com,Test Customer Ltd,Website,Help desk,Printer jam,Yes,"
            "2025-03-04,09:00:00,2025-03-04,09:20:00,00:20:00,,",
            'Mia Manager,MIA@example.com,Test Customer Ltd,Website,Help desk,"Mail, calendar",No,'
            "2025-03-03,14:00:00,2025-03-03,15:30:00,01:30:00,,",
        )
        wizard = self._preview(data)
        self.assertEqual(wizard.file_format, "toggl")
        self.assertFalse(self._imported(), "the preview writes nothing")
        self.assertRecordValues(
            wizard.line_ids,
            [
                {
                    "row": 2,
                    "status": "new",
                    "user_id": self.support_user.id,
                    "partner_id": self.customer.id,
                    "project_id": self.project.id,
                    "task_id": self.task.id,
                    "date": date(2025, 3, 4),
                    "unit_amount": 20 / 60,
                    "billable": True,
                    "error": False,
                },
                {
                    "row": 3,
                    "status": "new",
                    "user_id": self.support_manager.id,  # matched by email, any case
                    "partner_id": self.customer.id,
                    "project_id": self.project.id,
                    "task_id": self.task.id,
                    "date": date(2025, 3, 3),
                    "unit_amount": 1.5,
                    "billable": False,
                    "error": False,
                },
            ],
        )
        self.assertEqual(wizard.valid_count, 2)
        wizard.action_import()
        self.assertEqual(wizard.state, "done")
        self.assertIn("2 entries imported (1.83 h)", wizard.result_message)
        self.assertRecordValues(
            self._imported(),
            [
                {
                    "user_id": self.support_manager.id,
                    "name": "Mail, calendar",
                    "unit_amount": 1.5,
                    "billable": False,
                    "billed_hours": 0.0,
                },
                {
                    "user_id": self.support_user.id,
                    "name": "Printer jam",
                    "unit_amount": 20 / 60,
                    "billable": True,
                    "billed_hours": 0.5,  # rounded up to the 15-minute increment
                },
            ],
        )
        self.assertTrue(
            all(
                ref.startswith("toggl:sha1:")
                for ref in self._imported().mapped("support_import_ref")
            )
        )

    def test_clockify_detailed_report(self):
        data = csv_file(
            CLOCKIFY_HEADER,
            "Support,Test Customer Ltd,Firewall rules,Help desk,Sam Support,,sam@example.com,,Yes,"
            "03/05/2025,01:26:00 PM,03/05/2025,02:41:00 PM,01:15:00,1.25,100,125",
        )
        wizard = self._preview(data)
        self.assertEqual(wizard.file_format, "clockify")
        self.assertRecordValues(
            wizard.line_ids,
            [{"status": "new", "date": date(2025, 3, 5), "unit_amount": 1.25, "billable": True}],
        )
        wizard.action_import()
        self.assertRecordValues(
            self._imported(),
            [
                {
                    "date": date(2025, 3, 5),
                    "unit_amount": 1.25,
                    "billed_hours": 1.25,
                    "task_id": self.task.id,
                }
            ],
        )

    def test_harvest_detailed_time_report(self):
        data = csv_file(
            HARVEST_HEADER,
            "2025-03-06,Test Customer Ltd,Managed IT,MIT,Help desk,VPN for the accountant,0.5,0.5,"
            "Yes,No,No,Sam,Support,Technician,Yes,100,50,30,15,EUR,",
        )
        wizard = self._preview(data, date_order="dmy")
        self.assertEqual(wizard.file_format, "harvest")
        self.assertRecordValues(
            wizard.line_ids,
            [{"status": "new", "user_id": self.support_user.id, "unit_amount": 0.5}],
        )
        wizard.action_import()
        self.assertRecordValues(
            self._imported(),
            [
                {
                    "user_id": self.support_user.id,
                    "name": "VPN for the accountant",
                    "unit_amount": 0.5,
                }
            ],
        )

    def test_generic_csv_with_mapping(self):
        data = csv_file(
            "Ref;Who;Day;Hours;Customer;Job;Notes",
            "A-17;Sam Support;04.03.2025;1,5;Test Customer Ltd;Help desk;Switch replaced",
        )
        wizard = self._preview(
            data,
            map_ref="Ref",
            map_user="Who",
            map_email="",
            map_date="Day",
            map_duration="Hours",
            map_client="Customer",
            map_task="Job",
            map_description="Notes",
        )
        self.assertEqual(wizard.file_format, "generic")
        wizard.action_import()
        self.assertRecordValues(
            self._imported(),
            [
                {
                    "support_import_ref": "generic:id:A-17",
                    "date": date(2025, 3, 4),
                    "unit_amount": 1.5,
                    "task_id": self.task.id,
                }
            ],
        )

    def test_unknown_header_refused(self):
        wizard = self._import_wizard(csv_file("Foo,Bar", "1,2"))
        with self.assertRefused(UserError, "not that of a Toggl Track, Clockify or Harvest"):
            wizard.action_preview()
        self.assertFalse(wizard.line_ids)


@tagged("post_install", "-at_install")
class TestImportRules(ImportCommon):
    def _toggl_row(
        self,
        email="sam@example.com",
        client="Test Customer Ltd",
        task="Help desk",
        day="2025-03-04",
        start="09:00:00",
        duration="00:30:00",
        description="Call",
    ):
        return (
            f"Sam,{email},{client},Website,{task},{description},Yes,{day},{start},{day},10:00:00,"
            f"{duration},,"
        )

    def test_bad_rows_refused_and_nothing_written_for_them(self):
        data = csv_file(
            TOGGL_HEADER,
            self._toggl_row(email="ghost@example.com"),
            self._toggl_row(duration="-00:30:00"),
            self._toggl_row(duration="30:00:00"),
            self._toggl_row(day="not a date"),
            self._toggl_row(client="Nobody Inc"),
            self._toggl_row(task="Unknown task"),
            self._toggl_row(description="Twice"),
            self._toggl_row(description="Twice"),
            self._toggl_row(description="Good one"),
        )
        wizard = self._preview(data)
        self.assertEqual(
            [(line.row, line.status) for line in wizard.line_ids],
            [
                (2, "refused"),
                (3, "refused"),
                (4, "refused"),
                (5, "refused"),
                (6, "refused"),
                (7, "refused"),
                (8, "new"),
                (9, "refused"),
                (10, "new"),
            ],
        )
        errors = wizard.line_ids.mapped("error")
        for row, expected in (
            (0, "unknown user ghost@example.com"),
            (1, "negative duration"),
            (2, "absurd duration"),
            (3, "unreadable date not a date"),
            (4, "unknown customer Nobody Inc"),
            (5, "unknown task Unknown task"),
            (7, "duplicate of row 8"),
        ):
            self.assertIn(expected, errors[row])
        self.assertIn("Users: ghost@example.com", wizard.unknown_names)
        self.assertIn("Customers: Nobody Inc", wizard.unknown_names)
        self.assertIn("Tasks: Test Customer Ltd: Unknown task", wizard.unknown_names)
        wizard.action_import()
        self.assertEqual(self._imported().mapped("name"), ["Twice", "Good one"])

    def test_import_twice_writes_nothing_the_second_time(self):
        data = csv_file(TOGGL_HEADER, self._toggl_row(), self._toggl_row(start="11:00:00"))
        self._preview(data).action_import()
        first = self._imported()
        self.assertEqual(len(first), 2)
        again = self._preview(data)
        self.assertEqual(again.line_ids.mapped("status"), ["exists", "exists"])
        self.assertEqual((again.valid_count, again.existing_count), (0, 2))
        again.action_import()
        self.assertIn("0 entries imported", again.result_message)
        self.assertIn("2 rows were already imported", again.result_message)
        self.assertEqual(self._imported(), first)

    def test_cancel_writes_nothing(self):
        data = csv_file(TOGGL_HEADER, self._toggl_row(client="Fresh Customer", task="Onboarding"))
        fresh = self.env["res.partner"].create({"name": "Fresh Customer", "is_company": True})
        projects_before = self.env["project.project"].search_count([])
        tasks_before = self.env["project.task"].search_count([])
        wizard = self._preview(data, create_missing=True)
        self.assertRecordValues(
            wizard.line_ids,
            [
                {
                    "status": "new",
                    "partner_id": fresh.id,
                    "project_id": False,
                    "project_name": "Support - Fresh Customer",
                    "create_project": True,
                    "task_name": "Onboarding",
                    "create_task": True,
                }
            ],
        )
        # the user closes the dialog: nothing but the preview was written
        self.assertEqual(self.env["project.project"].search_count([]), projects_before)
        self.assertEqual(self.env["project.task"].search_count([]), tasks_before)
        self.assertFalse(self._imported())

    def test_create_missing_project_and_task(self):
        fresh = self.env["res.partner"].create({"name": "Fresh Customer", "is_company": True})
        data = csv_file(
            TOGGL_HEADER,
            self._toggl_row(client="Fresh Customer", task="Onboarding"),
            self._toggl_row(client="Fresh Customer", task="onboarding", start="11:00:00"),
        )
        refused = self._preview(data)
        self.assertIn("has no support project", refused.line_ids[0].error)
        self._preview(data, create_missing=True).action_import()
        project = self.env["project.project"].search([("partner_id", "=", fresh.id)])
        self.assertRecordValues(
            project, [{"name": "Support - Fresh Customer", "is_support_project": True}]
        )
        self.assertEqual(project.task_ids.mapped("name"), ["Onboarding"])
        self.assertEqual(self._imported().task_id, project.task_ids)

    @freeze_time("2025-04-02")
    def test_date_in_invoiced_period_refused(self):
        self._log_time(60, support_type=self.type_phone, date=date(2025, 3, 10))
        invoice = self._invoice(partners=[self.customer])
        invoice.action_post()
        data = csv_file(
            TOGGL_HEADER,
            self._toggl_row(day="2025-03-10"),
            self._toggl_row(day="2025-03-11"),
        )
        wizard = self._preview(data)
        self.assertEqual(wizard.line_ids.mapped("status"), ["refused", "new"])
        self.assertIn(
            "date in an invoiced period: the support time of Test Customer Ltd is invoiced up to "
            "2025-03-10",
            wizard.line_ids[0].error,
        )

    def test_block_drawn_in_date_order(self):
        block = self.env["support.block"].create(
            {
                "partner_id": self.customer.id,
                "po_number": "PO-IMP",
                "hours_purchased": 1.0,
                "price_unit": 90.0,
                "date_start": "2025-01-01",
                "overage_policy": "next_block",
            }
        )
        block.action_activate()
        data = csv_file(
            TOGGL_HEADER,
            self._toggl_row(day="2025-03-05", duration="01:00:00", description="Later"),
            self._toggl_row(day="2025-03-04", duration="01:00:00", description="Earlier"),
        )
        self._preview(data).action_import()
        earlier = self._imported().filtered(lambda line: line.name == "Earlier")
        later = self._imported().filtered(lambda line: line.name == "Later")
        self.assertEqual(earlier.support_block_id, block)
        self.assertFalse(later.support_block_id, "the block was used up by the earlier row")

    def test_only_managers_import(self):
        with self.assertRaises(AccessError):
            self.env["support.time.import.wizard"].with_user(self.support_user).create({})


@tagged("post_install", "-at_install")
class TestImportQueries(ImportCommon):
    """Preview and import read users, customers, projects and tasks once per file and
    create entries in one create(): the queries per row do not grow with the file."""

    def _rows(self, count):
        return csv_file(
            TOGGL_HEADER,
            *(
                f"Sam,sam@example.com,Test Customer Ltd,Website,Help desk,Row {index},"
                f"{'Yes' if index % 2 else 'No'},"
                f"2025-03-{1 + index % 28:02d},{8 + index % 10:02d}:{index % 60:02d}:00,"
                f"2025-03-{1 + index % 28:02d},18:00:00,00:{15 + index % 40:02d}:00,,"
                for index in range(count)
            ),
        )

    def _import_counted(self, count, budget):
        wizard = self._import_wizard(self._rows(count))
        self.env.flush_all()
        self.env.invalidate_all()
        with self.assertQueryCount(budget):
            wizard.action_preview()
            wizard.action_import()
            self.env.flush_all()
        self.assertEqual(len(self._imported()), count)
        self.assertEqual(wizard.valid_count, 0)
        self.assertIn(f"{count} entries imported", wizard.result_message)

    def _warm_up(self):
        """One import rolled back: the registry's caches (access rules, fields, views)
        are filled as in a running server, whatever tests ran before."""
        wizard = self._import_wizard(self._rows(10))
        with self.env.cr.savepoint(flush=False) as savepoint:
            wizard.action_import()
            self.env.flush_all()
            savepoint.rollback()
        self.env.invalidate_all()

    def test_queries_per_row_constant(self):
        """Measured (caches warm): 68 queries for 10 rows, 1,090 for 1,000 (half of them
        billable: each billable row looks up its customer's prepaid block on its date, 2
        queries, as a typed entry does; a non-billable row costs about 0.04)."""
        self._warm_up()
        self._import_counted(10, FIXED_QUERIES + math.ceil(QUERIES_PER_ROW * 10))
        self.env.cr.execute(
            "DELETE FROM account_analytic_line WHERE support_import_ref IS NOT NULL"
        )
        self.env.invalidate_all()
        self._import_counted(1000, FIXED_QUERIES + math.ceil(QUERIES_PER_ROW * 1000))
