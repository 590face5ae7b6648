from datetime import date, datetime
from unittest.mock import patch

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase, freeze_time, new_test_user, tagged

from odoo.addons.it_support_time.models.calendar_event import CalendarEvent

from .invoicing_common import InvoicingCommon

CRON_LOGGER = "odoo.addons.it_support_time.models.support_cron"


class MeetingCommon(InvoicingCommon):
    """A meeting of the customer with two technicians in two time zones, an internal user
    without employee and the customer's contact; the company logs meetings with a
    billable meeting type."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.support_user.tz = "Europe/Brussels"
        cls.tech_ny = new_test_user(
            cls.env,
            login="tech_ny",
            groups="base.group_user,it_support_time.group_support_user",
            name="Nora York",
            tz="America/New_York",
        )
        cls.employee_ny = cls.env["hr.employee"].create(
            {"name": "Nora York", "user_id": cls.tech_ny.id, "hourly_cost": 30.0}
        )
        cls.no_employee = new_test_user(
            cls.env,
            login="sales_no_employee",
            groups="base.group_user,hr_timesheet.group_hr_timesheet_user",
            name="Sid Sales",
        )
        cls.outsider = new_test_user(
            cls.env,
            login="tech_outsider",
            groups="base.group_user,it_support_time.group_support_user",
            name="Otto Outside",
        )
        cls.env["hr.employee"].create({"name": "Otto Outside", "user_id": cls.outsider.id})
        cls.type_meeting_billable = cls.env["support.type"].create(
            {"name": "Test Billable Meeting", "kind": "meeting", "hourly_rate": 90.0}
        )
        cls.company.support_meeting_type_id = cls.type_meeting_billable
        cls.Event = cls.env["calendar.event"].with_context(dont_notify=True)
        # 23:30 UTC on 10 March 2025 is 00:30 on the 11th in Brussels (UTC+1) and 19:30
        # on the 10th in New York (UTC-4 since 9 March): 75 minutes
        cls.meeting = cls._meeting()

    @classmethod
    def _meeting(cls, **values):
        vals = {
            "name": "Quarterly review",
            "start": datetime(2025, 3, 10, 23, 30),
            "stop": datetime(2025, 3, 11, 0, 45),
            "user_id": cls.support_user.id,
            "partner_ids": [
                Command.set(
                    [
                        cls.support_user.partner_id.id,
                        cls.tech_ny.partner_id.id,
                        cls.no_employee.partner_id.id,
                        cls.customer_contact.id,
                    ]
                )
            ],
            "support_task_id": cls.task.id,
            "description": "<p>Backups and <b>three</b> laptops</p>",
        }
        vals.update(values)
        return cls.Event.create(vals)

    def _entries(self, meeting=None):
        return self.env["account.analytic.line"].search(
            [("support_calendar_event_id", "=", (meeting or self.meeting).id)], order="user_id"
        )

    def _log(self, meeting=None, user=None):
        meeting = (meeting or self.meeting).with_user(user or self.support_user)
        return meeting.action_support_log_time()


@tagged("post_install", "-at_install")
class TestMeetingLogging(MeetingCommon):
    def test_one_entry_per_attendee_with_employee(self):
        action = self._log()
        self.assertEqual(action["params"]["type"], "success")
        self.assertIn("2 support entries written (2.50 h)", action["params"]["message"])
        entries = self._entries()
        expected = {
            "name": "Backups and *three* laptops",
            "unit_amount": 1.25,
            "billed_hours": 1.25,
            "billable": True,
            "support_type_id": self.type_meeting_billable.id,
            "task_id": self.task.id,
            "project_id": self.project.id,
            "support_calendar_event_id": self.meeting.id,
        }
        self.assertRecordValues(
            entries.sorted(lambda line: line.user_id.id),
            [
                dict(expected, user_id=self.support_user.id, date=date(2025, 3, 11)),
                dict(expected, user_id=self.tech_ny.id, date=date(2025, 3, 10)),
            ],
        )
        self.assertEqual(self.meeting.support_line_count, 2)

    def test_rounding_and_non_billable_type(self):
        """A 7-minute meeting is rounded like typed time; a non-billable type bills 0."""
        self.company.write({"support_round_minimum": 15})
        short = self._meeting(start=datetime(2025, 3, 12, 9, 0), stop=datetime(2025, 3, 12, 9, 7))
        self._log(short)
        self.assertEqual(self._entries(short).mapped("billed_hours"), [0.25, 0.25])
        self.company.support_meeting_type_id = self.type_meeting
        other = self._meeting(start=datetime(2025, 3, 13, 9, 0), stop=datetime(2025, 3, 13, 10, 0))
        self._log(other)
        self.assertRecordValues(
            self._entries(other),
            [{"billable": False, "billed_hours": 0.0, "support_type_id": self.type_meeting.id}]
            * 2,
        )

    def test_second_click_writes_nothing(self):
        self._log()
        first = self._entries()
        action = self._log(user=self.tech_ny)
        self.assertEqual(self._entries(), first)
        self.assertEqual(action["params"]["type"], "info")
        self.assertIn("already logged", action["params"]["message"])

    def test_new_attendee_logged_once(self):
        self._log()
        self.meeting.partner_ids = [Command.link(self.outsider.partner_id.id)]
        action = self._log()
        self.assertIn("1 support entries written", action["params"]["message"])
        self.assertIn("2 attendees already had their entry", action["params"]["message"])
        self.assertEqual(self._entries().user_id, self.support_user | self.tech_ny | self.outsider)

    def test_all_day_refused(self):
        allday = self._meeting(
            allday=True, start=datetime(2025, 3, 14, 8, 0), stop=datetime(2025, 3, 14, 18, 0)
        )
        with self.assertRefused(UserError, "lasts all day"):
            self._log(allday)
        self.assertFalse(self._entries(allday))

    def test_no_task_or_not_an_attendee_refused(self):
        no_task = self._meeting(support_task_id=False)
        with self.assertRefused(UserError, "Choose the support task"):
            self._log(no_task)
        with self.assertRefused(UserError, "You did not attend Quarterly review"):
            self._log(user=self.outsider)
        self.assertFalse(self._entries() | self._entries(no_task))

    def test_several_meetings_from_the_list(self):
        other = self._meeting(start=datetime(2025, 3, 12, 9, 0), stop=datetime(2025, 3, 12, 10, 0))
        server_action = self.env.ref("it_support_time.calendar_event_action_support_log_time")
        self.assertEqual(server_action.binding_model_id.model, "calendar.event")
        self.assertIn("list", server_action.binding_view_types)
        events = self.meeting | other
        action = (
            server_action.with_user(self.support_user)
            .with_context(
                active_model="calendar.event", active_ids=events.ids, active_id=events[0].id
            )
            .run()
        )
        self.assertIn("4 support entries written (4.50 h)", action["params"]["message"])
        self.assertEqual(len(self._entries(other)), 2)

    def test_user_who_does_not_log_time_refused(self):
        employee_only = new_test_user(
            self.env, login="plain_employee", groups="base.group_user", name="Pat Plain"
        )
        self.meeting.partner_ids = [Command.link(employee_only.partner_id.id)]
        with self.assertRefused(UserError, "Only users who log time"):
            self._log(user=employee_only)
        self.assertFalse(self._entries())

    def test_meeting_type_must_be_of_kind_meeting(self):
        with self.assertRefused(ValidationError, "must be of kind Meeting, Test Phone is not"):
            self.company.support_meeting_type_id = self.type_phone
            self.company.flush_recordset()
        self.assertEqual(self.company.support_meeting_type_id, self.type_meeting_billable)

    def test_entries_draw_from_block(self):
        block = self.env["support.block"].create(
            {
                "partner_id": self.customer.id,
                "po_number": "PO-MEET",
                "hours_purchased": 10.0,
                "price_unit": 90.0,
                "date_start": "2025-01-01",
            }
        )
        block.action_activate()
        self._log()
        self.assertEqual(self._entries().support_block_id, block)
        self.assertAlmostEqual(block.hours_used, 2.5)

    def test_task_offered_first_for_attendees_customers(self):
        other_customer_task = self.task_b
        names = (
            self.env["project.task"]
            .with_context(support_first_partner_ids=[self.customer_contact.id])
            .name_search("", [("is_support_task", "=", True)], limit=100)
        )
        ids = [task_id for task_id, _name in names]
        self.assertLess(ids.index(self.task.id), ids.index(other_customer_task.id))
        self.assertLess(ids.index(self.task_maintenance.id), ids.index(other_customer_task.id))


@tagged("post_install", "-at_install")
class TestMeetingChanges(MeetingCommon):
    def test_moving_and_shortening_updates_entries(self):
        self._log()
        # moved to 10:00-10:40 UTC on 12 March: the 12th everywhere, 40 minutes
        self.meeting.with_user(self.support_user).write(
            {"start": datetime(2025, 3, 12, 10, 0), "stop": datetime(2025, 3, 12, 10, 40)}
        )
        self.assertRecordValues(
            self._entries().sorted(lambda line: line.user_id.id),
            [
                {
                    "user_id": self.support_user.id,
                    "date": date(2025, 3, 12),
                    "unit_amount": 40 / 60,
                },
                {"user_id": self.tech_ny.id, "date": date(2025, 3, 12), "unit_amount": 40 / 60},
            ],
        )
        self.assertEqual(self._entries().mapped("billed_hours"), [0.75, 0.75])

    @freeze_time("2025-04-02")
    def test_invoiced_entries_left_alone(self):
        self._log()
        invoice = self._invoice(partners=[self.customer])
        invoiced = self._entries()
        self.assertTrue(all(invoiced.mapped("support_invoice_line_id")))
        messages_before = len(self.meeting.message_ids)
        self.meeting.write(
            {"start": datetime(2025, 3, 12, 10, 0), "stop": datetime(2025, 3, 12, 10, 40)}
        )
        self.assertRecordValues(invoiced, [{"unit_amount": 1.25}] * 2)
        message = self.meeting.message_ids[0]
        self.assertEqual(len(self.meeting.message_ids), messages_before + 1)
        self.assertIn("already invoiced", message.body)
        self.assertIn(invoice.display_name, message.body)
        # cancelling keeps them too
        self.meeting.action_archive()
        self.assertTrue(invoiced.exists() == invoiced)

    def test_cancelling_removes_entries(self):
        self._log()
        entries = self._entries()
        self.meeting.action_archive()
        self.assertFalse(entries.exists())
        other = self._meeting(start=datetime(2025, 3, 12, 9, 0), stop=datetime(2025, 3, 12, 10, 0))
        self._log(other)
        entries = self._entries(other)
        self.assertEqual(len(entries), 2)
        other.unlink()
        self.assertFalse(entries.exists())

    @freeze_time("2025-04-02")
    def test_cancelling_keeps_invoiced_entries(self):
        self._log()
        self._invoice(partners=[self.customer])
        invoiced = self._entries()
        other = self._meeting(start=datetime(2025, 4, 1, 9, 0), stop=datetime(2025, 4, 1, 10, 0))
        self._log(other)
        not_invoiced = self._entries(other)
        (self.meeting | other).unlink()
        self.assertEqual(invoiced.exists(), invoiced)
        self.assertFalse(not_invoiced.exists())
        self.assertFalse(invoiced.support_calendar_event_id)


@tagged("post_install", "-at_install")
class TestMeetingCron(MeetingCommon):
    @freeze_time("2025-03-11 12:00:00")
    def test_cron_logs_ended_meetings_when_enabled(self):
        later = self._meeting(
            start=datetime(2025, 3, 11, 15, 0), stop=datetime(2025, 3, 11, 16, 0)
        )
        Event = self.env["calendar.event"]
        Event._cron_support_log_meetings()
        self.assertFalse(self._entries(), "off by default")
        self.company.support_meeting_auto_log = True
        Event._cron_support_log_meetings()
        self.assertEqual(len(self._entries()), 2)
        self.assertFalse(self._entries(later), "not ended yet")
        Event._cron_support_log_meetings()
        self.assertEqual(len(self._entries()), 2, "once per attendee")

    @freeze_time("2025-03-20 12:00:00")
    def test_cron_interrupted_midway(self):
        self.company.support_meeting_auto_log = True
        other = self._meeting(start=datetime(2025, 3, 12, 9, 0), stop=datetime(2025, 3, 12, 10, 0))
        original = CalendarEvent._support_log_time

        def failing(events):
            result = original(events)
            if events == other:
                raise RuntimeError("injected")
            return result

        with (
            patch.object(CalendarEvent, "_support_log_time", failing),
            self.assertLogs(CRON_LOGGER, "ERROR"),
        ):
            self.env["calendar.event"]._cron_support_log_meetings()
        self.assertEqual(len(self._entries()), 2)
        self.assertFalse(self._entries(other), "rolled back whole")
        self.env["calendar.event"]._cron_support_log_meetings()
        self.assertEqual(len(self._entries(other)), 2)


@tagged("post_install", "-at_install")
class TestMeetingDemo(TransactionCase):
    def test_demo_meetings(self):
        meetings = self.env.ref("it_support_time.calendar_event_acme_review") | self.env.ref(
            "it_support_time.calendar_event_citybakery_planning"
        )
        for meeting in meetings:
            self.assertLess(meeting.stop, fields.Datetime.now(), "a past meeting")
            self.assertTrue(meeting.support_task_id.is_support_task)
            self.assertIn(
                meeting.support_task_id.partner_id, meeting.partner_ids.commercial_partner_id
            )
            self.assertTrue(meeting._support_attendee_values(), "attendees with employees")
        values = meetings[0]._support_attendee_values()
        self.assertEqual(
            {user.login for user in values}, {"marc", "julie"}, "Acme's review: two technicians"
        )
        self.assertEqual({vals["unit_amount"] for vals in values.values()}, {1.5})
