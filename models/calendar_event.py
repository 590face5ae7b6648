import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, html2plaintext

from .support_cron import process_each

# a change of one of these moves or shortens a meeting: its logged entries follow
SUPPORT_MEETING_TIME_FIELDS = {"start", "stop", "duration", "allday", "start_date", "stop_date"}


class CalendarEvent(models.Model):
    """A meeting with a customer becomes support time of its attendees in one tap."""

    _inherit = "calendar.event"

    support_task_id = fields.Many2one(
        "project.task",
        index="btree_not_null",
        domain="[('is_support_task', '=', True)]",
        help="The support task the time of this meeting is logged on (Log Support Time): "
        "one entry per internal attendee with an employee in the task's company.",
    )
    support_line_ids = fields.One2many(
        "account.analytic.line",
        "support_calendar_event_id",
        string="Support Time",
        groups="hr_timesheet.group_hr_timesheet_user",
    )
    support_line_count = fields.Integer(
        string="Support Entries",
        compute="_compute_support_line_count",
        groups="hr_timesheet.group_hr_timesheet_user",
    )

    def _compute_support_line_count(self):
        # every attendee's entries, also those the user may not open (a technician sees
        # their own): how many were logged is no secret among the meeting's attendees
        groups = (
            self.env["account.analytic.line"]
            .sudo()
            ._read_group(
                [("support_calendar_event_id", "in", self.ids)],
                ["support_calendar_event_id"],
                ["__count"],
            )
        )
        counts = {event.id: count for event, count in groups}
        for event in self:
            event.support_line_count = counts.get(event.id, 0)

    # -- CRUD: a moved, shortened or cancelled meeting takes its entries along ----------
    def write(self, vals):
        result = super().write(vals)
        if vals.get("active") is False:
            self._support_remove_logged()
        elif SUPPORT_MEETING_TIME_FIELDS.intersection(vals) or "description" in vals:
            self._support_update_logged()
        return result

    def unlink(self):
        self._support_remove_logged()
        return super().unlink()

    # -- actions -------------------------------------------------------------------------
    def action_support_log_time(self):
        """Log these meetings as support time of their attendees and say what was done."""
        lines, already = self._support_log_time()
        if lines:
            message = self.env._(
                "%(count)s support entries written (%(hours)s h).",
                count=len(lines),
                hours=f"{sum(lines.mapped('unit_amount')):.2f}",
            )
            if already:
                message += " " + self.env._(
                    "%(count)s attendees already had their entry.", count=already
                )
            kind = "success"
        else:
            message = self.env._(
                "Nothing new to log: the time of %(count)s attendees is already logged.",
                count=already,
            )
            kind = "info"
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Log Support Time"),
                "message": message,
                "type": kind,
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_support_view_time(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.account_analytic_line_action_support"
        )
        action["domain"] = [("support_calendar_event_id", "=", self.id)]
        action["context"] = {}
        return action

    # -- engine --------------------------------------------------------------------------
    def _support_log_time(self):
        """Write one entry per internal attendee (with an employee in the task's company)
        of each meeting, once per attendee and meeting.

        Each attendee's entry is created as that attendee (``with_user``): the rules of
        time they would log themselves apply (rounding, blocks, the entry rules).
        Returns (the entries written, the number of attendees already logged)."""
        Line = self.env["account.analytic.line"]
        self._support_check_may_log()
        created = Line
        already = 0
        for event in self:
            event._support_check_loggable()
            event._support_lock()
            logged = Line.sudo().search([("support_calendar_event_id", "=", event.id)]).user_id
            for user, values in event._support_attendee_values().items():
                if user in logged:
                    already += 1
                    continue
                created |= Line.with_user(user).with_company(values["company_id"]).create(values)
        return created.with_env(self.env), already

    def _support_check_may_log(self):
        user = self.env.user
        if self.env.su or user.has_group("hr_timesheet.group_hr_timesheet_approver"):
            return
        if not user.has_group("hr_timesheet.group_hr_timesheet_user"):
            raise UserError(self.env._("Only users who log time can log a meeting's time."))
        for event in self:
            if user.partner_id not in event.partner_ids and event.user_id != user:
                raise UserError(
                    self.env._(
                        "You did not attend %(meeting)s: its organiser, an attendee or a "
                        "timesheet approver logs its time.",
                        meeting=event.name,
                    )
                )

    def _support_check_loggable(self):
        self.ensure_one()
        if not self.support_task_id:
            raise UserError(
                self.env._(
                    "Choose the support task of %(meeting)s before logging its time.",
                    meeting=self.name,
                )
            )
        if self.allday:
            raise UserError(
                self.env._(
                    "%(meeting)s lasts all day: its time cannot be logged from the calendar. "
                    "Give it a start and an end time, or log the time on the task.",
                    meeting=self.name,
                )
            )
        company = self.support_task_id.company_id or self.env.company
        if not company.support_meeting_type_id:
            raise UserError(
                self.env._(
                    "Choose the support type of meetings in Settings › Support for %(company)s "
                    "before logging a meeting's time.",
                    company=company.name,
                )
            )

    def _support_lock(self):
        """Serialise two clicks on the same meeting (two tabs, the cron): the second waits
        and then finds the entries of the first."""
        self.env.cr.execute(
            SQL("SELECT id FROM calendar_event WHERE id IN %s FOR UPDATE", tuple(self.ids))
        )

    def _support_hours(self):
        self.ensure_one()
        return max((self.stop - self.start).total_seconds(), 0.0) / 3600

    def _support_description(self):
        self.ensure_one()
        return html2plaintext(self.description or "").strip() or self.name

    def _support_date_for(self, user):
        """The meeting's day in ``user``'s time zone (else the meeting's, else UTC)."""
        self.ensure_one()
        tz = pytz.timezone(user.tz or self.event_tz or "UTC")
        return pytz.utc.localize(self.start).astimezone(tz).date()

    def _support_attendee_values(self):
        """{user: values of the user's entry} for the internal attendees who have an
        employee in the task's company."""
        self.ensure_one()
        task = self.support_task_id
        company = task.company_id or self.env.company
        users = self.sudo().partner_ids.user_ids.filtered(
            lambda user: (
                not user.share
                and user.has_group("hr_timesheet.group_hr_timesheet_user")
                and company in user.company_ids
            )
        )
        employees = (
            self.env["hr.employee"]
            .sudo()
            .search([("user_id", "in", users.ids), ("company_id", "=", company.id)])
        )
        support_type = company.support_meeting_type_id
        hours = self._support_hours()
        name = self._support_description()
        return {
            employee.user_id.sudo(False): {
                "name": name,
                "date": self._support_date_for(employee.user_id),
                "unit_amount": hours,
                "project_id": task.project_id.id,
                "task_id": task.id,
                "employee_id": employee.id,
                "user_id": employee.user_id.id,
                "company_id": company.id,
                "support_type_id": support_type.id,
                "billable": support_type.billable,
                "support_calendar_event_id": self.id,
            }
            for employee in employees
        }

    def _support_update_logged(self):
        """Bring the entries not invoiced yet in line with the moved or shortened meeting;
        invoiced ones stay as they are, with a message on the meeting."""
        Line = self.env["account.analytic.line"].sudo()
        for event in self:
            lines = Line.search([("support_calendar_event_id", "=", event.id)], order="id")
            if not lines:
                continue
            invoiced = lines.filtered("support_invoice_line_id")
            if event.allday:
                event._support_post_left_alone(lines, reason="allday")
                continue
            hours, name = event._support_hours(), event._support_description()
            for user in lines.user_id:
                user_lines = lines.filtered(lambda line, user=user: line.user_id == user)
                if user_lines & invoiced:
                    continue
                first = user_lines[0].with_user(user)
                user_lines[1:].unlink()  # pieces of an entry split between blocks
                first.write(
                    {"unit_amount": hours, "date": event._support_date_for(user), "name": name}
                )
            if invoiced:
                event._support_post_left_alone(invoiced, reason="invoiced")

    def _support_remove_logged(self):
        """Remove the entries of cancelled meetings that are not invoiced yet."""
        lines = (
            self.env["account.analytic.line"]
            .sudo()
            .search([("support_calendar_event_id", "in", self.ids)])
        )
        invoiced = lines.filtered("support_invoice_line_id")
        (lines - invoiced).unlink()
        for event in self.filtered("active"):
            kept = invoiced.filtered(
                lambda line, event=event: line.support_calendar_event_id == event
            )
            if kept:
                event._support_post_left_alone(kept, reason="invoiced")

    def _support_post_left_alone(self, lines, reason):
        self.ensure_one()
        people = ", ".join(lines.user_id.mapped("name"))
        if reason == "allday":
            body = self.env._(
                "The meeting now lasts all day: the support time already logged for "
                "%(people)s was left as it was.",
                people=people,
            )
        else:
            body = self.env._(
                "The support time of %(people)s for this meeting is already invoiced "
                "(%(invoices)s): it was left as it was.",
                people=people,
                invoices=", ".join(lines.support_invoice_line_id.move_id.mapped("display_name")),
            )
        self.sudo().message_post(body=body)

    @api.model
    def _cron_support_log_meetings(self):
        """Log the meetings that ended, have a support task and no support time yet, for
        the companies that log meetings automatically. One meeting at a time: one that
        fails is logged and left for the next run."""
        companies = (
            self.env["res.company"].sudo().search([("support_meeting_auto_log", "=", True)])
        )
        if not companies:
            return self.browse()
        events = self.sudo().search(
            [
                ("support_task_id", "!=", False),
                "|",
                ("support_task_id.company_id", "in", companies.ids),
                ("support_task_id.company_id", "=", False),
                ("allday", "=", False),
                ("stop", "<=", fields.Datetime.now()),
                ("support_line_ids", "=", False),
            ],
            order="stop, id",
        )
        events = events.filtered(
            lambda event: (event.support_task_id.company_id or self.env.company) in companies
        )
        return process_each(
            events,
            lambda event: bool(event._support_log_time()[0]),
            "Support: meetings as support time",
        )
