from datetime import datetime, timedelta, timezone

from odoo import Command
from odoo.tests import HttpCase, tagged


class MeetingTourMixin:
    def _assert_meeting_logged(self):
        meeting = self.env.ref("it_support_time.calendar_event_acme_review")
        entries = self.env["account.analytic.line"].search(
            [("support_calendar_event_id", "=", meeting.id)]
        )
        self.assertEqual(
            entries.user_id,
            self.env.ref("it_support_time.user_tech_marc")
            | self.env.ref("it_support_time.user_tech_julie"),
        )
        self.assertEqual(entries.mapped("unit_amount"), [1.5, 1.5])
        self.assertEqual(entries.task_id, self.env.ref("it_support_time.task_acme_helpdesk"))
        self.assertEqual(entries.support_type_id, self.env.company.support_meeting_type_id)


@tagged("post_install", "-at_install")
class TestMeetingUiDesktop(MeetingTourMixin, HttpCase):
    def test_meeting_tour_desktop(self):
        self.start_tour(
            "/odoo/calendar?view_type=list", "it_support_time_meeting", login="marc", timeout=180
        )
        self._assert_meeting_logged()


@tagged("post_install", "-at_install")
class TestMeetingUiPhone(MeetingTourMixin, HttpCase):
    browser_size = "375x667"
    touch_enabled = True

    def test_meeting_tour_phone(self):
        self.start_tour(
            "/odoo/calendar?view_type=list",
            "it_support_time_meeting_mobile",
            login="marc",
            timeout=180,
        )
        self._assert_meeting_logged()


@tagged("post_install", "-at_install")
class TestMeetingPopoverUi(HttpCase):
    def test_meeting_popover_tour(self):
        """Today's meeting shows in the calendar's current week. The browser runs on
        this machine and shows its clock in its time zone: the meeting is at 10:00-11:00
        of the machine's local day (whatever its zone and the hour of the run, even when
        UTC is already on another day or week)."""
        marc = self.env.ref("it_support_time.user_tech_marc")
        local_start = datetime.now().astimezone().replace(hour=10, minute=0, second=0)
        start = local_start.astimezone(timezone.utc).replace(tzinfo=None, microsecond=0)
        meeting = (
            self.env["calendar.event"]
            .with_context(dont_notify=True)
            .create(
                {
                    "name": "Tour popover review",
                    "start": start,
                    "stop": start + timedelta(hours=1),
                    "user_id": marc.id,
                    "partner_ids": [Command.set([marc.partner_id.id])],
                    "support_task_id": self.env.ref("it_support_time.task_acme_helpdesk").id,
                }
            )
        )
        self.start_tour(
            "/odoo/calendar", "it_support_time_meeting_popover", login="marc", timeout=180
        )
        entries = self.env["account.analytic.line"].search(
            [("support_calendar_event_id", "=", meeting.id)]
        )
        self.assertRecordValues(entries, [{"user_id": marc.id, "unit_amount": 1.0}])


class ImportTourMixin:
    def _assert_imported(self):
        entries = self.env["account.analytic.line"].search(
            [("support_import_ref", "=like", "toggl:sha1:%")], order="unit_amount"
        )
        self.assertRecordValues(
            entries,
            [
                {
                    "user_id": self.env.ref("it_support_time.user_tech_marc").id,
                    "name": "Tour: printer driver",
                    "billable": True,
                    "task_id": self.env.ref("it_support_time.task_acme_helpdesk").id,
                },
                {
                    "user_id": self.env.ref("it_support_time.user_tech_julie").id,
                    "name": "Tour: new mailbox",
                    "billable": False,
                    "task_id": self.env.ref("it_support_time.task_acme_helpdesk").id,
                },
            ],
        )


@tagged("post_install", "-at_install")
class TestImportUiDesktop(ImportTourMixin, HttpCase):
    def test_import_tour_desktop(self):
        self.start_tour("/odoo", "it_support_time_import", login="admin", timeout=180)
        self._assert_imported()
