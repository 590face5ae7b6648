import contextlib
from datetime import date, datetime
from unittest.mock import patch

from psycopg2 import errors as pg_errors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import UserError, ValidationError
from odoo.tests import freeze_time, new_test_user, tagged
from odoo.tools import SQL, mute_logger

from odoo.addons.it_support_time.models.account_analytic_line import (
    SUPPORT_TIMER_INDEX,
    AccountAnalyticLine,
)

from .common import SupportCommon

T0 = "2025-03-03 10:00:00"


@tagged("post_install", "-at_install")
class TestQuickTimer(SupportCommon):
    """The quick timer as a technician uses it: project.task.action_support_timer_start /
    action_support_timer_stop, the running entry in the database, the cron."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.support_timer_max_hours = 10.0
        cls.support_user.tz = "Europe/Brussels"
        cls.task.support_type_id = cls.type_phone
        cls.customer.support_type_id = cls.type_remote
        Task = cls.env["project.task"]
        cls.task_b = Task.create(
            {
                "name": "Server maintenance",
                "project_id": cls.project.id,
                "partner_id": cls.customer.id,
                "user_ids": [Command.set(cls.support_user.ids)],
            }
        )
        cls.task_done = Task.create(
            {"name": "Old ticket", "project_id": cls.project.id, "state": "1_done"}
        )
        cls.task_private = Task.create({"name": "My notes", "user_ids": cls.support_user.ids})
        cls.project_no_time = cls.env["project.project"].create(
            {"name": "No timesheets", "allow_timesheets": False}
        )
        cls.task_no_time = Task.create({"name": "Untimed", "project_id": cls.project_no_time.id})
        cls.Line = cls.env["account.analytic.line"]

    # -- helpers --------------------------------------------------------------------
    def _start(self, task, user=None):
        return task.with_user(user or self.support_user).action_support_timer_start()

    def _stop(self, task=None, user=None, **kwargs):
        Task = self.env["project.task"].with_user(user or self.support_user)
        return (task.with_env(Task.env) if task else Task).action_support_timer_stop(**kwargs)

    def _user_lines(self, user=None):
        user = user or self.support_user
        return self.Line.search([("user_id", "=", user.id)], order="id")

    def _running(self, user=None):
        user = user or self.support_user
        return self.Line.search([("user_id", "=", user.id), ("support_timer_start", "!=", False)])

    # -- start and stop ---------------------------------------------------------------
    def test_start_then_stop_writes_elapsed_and_billed_hours(self):
        with freeze_time(T0):
            line = self._start(self.task)
        self.assertEqual(line.env.user, self.support_user)
        self.assertRecordValues(
            line,
            [
                {
                    "task_id": self.task.id,
                    "project_id": self.project.id,
                    "user_id": self.support_user.id,
                    "employee_id": self.employee_user.id,
                    "support_timer_start": datetime(2025, 3, 3, 10, 0),
                    "unit_amount": 0.0,
                    "billed_hours": 0.0,
                }
            ],
        )
        self.assertTrue(self.task.with_user(self.support_user).support_timer_running)
        self.assertFalse(self.task.with_user(self.support_manager).support_timer_running)
        self.assertFalse(self.task_b.with_user(self.support_user).support_timer_running)

        # 31 minutes with a 15-minute increment rounded up: 0.5167 h worked, 0.75 billed
        with freeze_time("2025-03-03 10:31:00"):
            stopped = self._stop(self.task)
        self.assertEqual(stopped, line)
        self.assertRecordValues(
            line,
            [
                {
                    "support_timer_start": False,
                    "support_timer_review": False,
                    "date": date(2025, 3, 3),
                    "support_type_id": self.type_phone.id,  # the task's default
                    "billable": True,
                    "billed_hours": 0.75,
                }
            ],
        )
        self.assertAlmostEqual(line.unit_amount, 31 / 60, places=6)
        self.assertAlmostEqual(line.amount, -31 / 60 * 30.0, places=2)  # employee cost
        self.assertFalse(self._running())
        self.assertFalse(self.task.with_user(self.support_user).support_timer_running)

    def test_stop_with_description_and_support_type(self):
        with freeze_time(T0):
            self._start(self.task)
        with freeze_time("2025-03-03 10:07:00"):
            line = self._stop(
                description="  Reset the VPN token  ", support_type_id=self.type_meeting.id
            )
        self.assertRecordValues(
            line,
            [
                {
                    "name": "Reset the VPN token",
                    "support_type_id": self.type_meeting.id,
                    "billable": False,
                    "billed_hours": 0.0,
                }
            ],
        )
        self.assertAlmostEqual(line.unit_amount, 7 / 60, places=6)

    def test_support_type_defaults_to_the_customer(self):
        self.assertFalse(self.task_b.support_type_id)
        with freeze_time(T0):
            self._start(self.task_b)
        with freeze_time("2025-03-03 11:00:00"):
            line = self._stop(self.task_b)
        self.assertEqual(line.support_type_id, self.type_remote)
        self.assertEqual(line.billed_hours, 1.0)

    def test_date_is_the_start_day_in_the_user_time_zone(self):
        self.support_user.tz = "Pacific/Auckland"  # UTC+13 in March
        with freeze_time("2025-03-03 20:00:00"):
            self._start(self.task)
        with freeze_time("2025-03-03 20:20:00"):
            line = self._stop()
        self.assertEqual(line.date, date(2025, 3, 4))

        self.support_user.tz = "America/New_York"  # UTC-5: still the evening before
        with freeze_time("2025-03-04 03:50:00"):
            self._start(self.task)
        with freeze_time("2025-03-04 05:10:00"):  # stopped after midnight local time
            line = self._stop()
        self.assertEqual(line.date, date(2025, 3, 3))
        self.assertAlmostEqual(line.unit_amount, 80 / 60, places=6)

    def test_switching_task_stops_the_first_timer(self):
        with freeze_time(T0):
            first = self._start(self.task)
        with freeze_time("2025-03-03 10:20:00"):
            second = self._start(self.task_b)
        self.assertNotEqual(first, second)
        self.assertRecordValues(
            first + second,
            [
                {"task_id": self.task.id, "support_timer_start": False, "billed_hours": 0.5},
                {
                    "task_id": self.task_b.id,
                    "support_timer_start": datetime(2025, 3, 3, 10, 20),
                    "billed_hours": 0.0,
                },
            ],
        )
        self.assertAlmostEqual(first.unit_amount, 20 / 60, places=6)
        self.assertEqual(self._running(), second)
        self.assertTrue(self.task_b.with_user(self.support_user).support_timer_running)

    def test_starting_the_running_task_again_keeps_its_timer(self):
        with freeze_time(T0):
            line = self._start(self.task)
        with freeze_time("2025-03-03 10:05:00"):
            again = self._start(self.task)
        self.assertEqual(again, line)
        self.assertEqual(line.support_timer_start, datetime(2025, 3, 3, 10, 0))
        self.assertEqual(len(self._user_lines()), 1)

    def test_timer_is_per_user(self):
        with freeze_time(T0):
            mine = self._start(self.task)
            theirs = self._start(self.task, user=self.support_manager)
        self.assertNotEqual(mine, theirs)
        with freeze_time("2025-03-03 10:15:00"):
            self._stop(user=self.support_manager)
        self.assertEqual(self._running(), mine)
        self.assertEqual(theirs.billed_hours, 0.25)

    def test_timer_survives_in_the_database(self):
        """Start on one device, stop on another: nothing but the database holds it."""
        with freeze_time(T0):
            line = self._start(self.task)
        self.env.invalidate_all()
        self.env.registry.clear_cache()
        with freeze_time("2025-03-03 10:45:00"):
            panel = self.env["project.task"].with_user(self.support_user)
            data = panel.get_support_timer_panel()
            self.assertEqual(data["running"]["line_id"], line.id)
            self.assertEqual(data["running"]["start"], "2025-03-03T10:00:00Z")
            stopped = self._stop()
        self.assertEqual(stopped, line)
        self.assertEqual(line.billed_hours, 0.75)

    # -- refusals: a clear error and nothing written -----------------------------------
    def test_stop_without_running_timer_is_refused(self):
        before = self._user_lines()
        with self.assertRefused(UserError, "no timer running"):
            self._stop()
        with self.assertRefused(UserError, "no timer running"):
            self._stop(self.task)
        self.assertEqual(self._user_lines(), before)

    def test_refused_starts_write_nothing_and_keep_the_running_timer(self):
        with freeze_time(T0):
            running = self._start(self.task)
        cases = [
            (self.task_done, "is closed"),
            (self.task_private, "private task"),
            (self.task_no_time, "does not allow timesheets"),
        ]
        cancelled = self.task_b.copy({"name": "Cancelled", "state": "1_canceled"})
        cases.append((cancelled, "is closed"))
        for task, message in cases:
            with self.subTest(task=task.name), freeze_time("2025-03-03 10:30:00"):
                with self.assertRefused(UserError, message):
                    self._start(task)
                self.assertEqual(self._user_lines(), running)
                self.assertRecordValues(
                    running,
                    [{"support_timer_start": datetime(2025, 3, 3, 10), "unit_amount": 0.0}],
                )

    def test_start_without_employee_is_refused(self):
        outsider = new_test_user(
            self.env,
            login="no_employee",
            groups="base.group_user,it_support_time.group_support_user",
        )
        with self.assertRefused(UserError, "not an employee"):
            self._start(self.task, user=outsider)
        self.assertFalse(self._user_lines(outsider))

    def test_stop_on_another_task_or_bad_type_is_refused(self):
        with freeze_time(T0):
            running = self._start(self.task)
        with freeze_time("2025-03-03 10:30:00"):
            with self.assertRefused(UserError, "runs on .*Help desk.*not on .*Server"):
                self._stop(self.task_b)
            missing_type = self.type_remote.copy()
            missing_id = missing_type.id
            missing_type.unlink()
            with self.assertRefused(UserError, "support type no longer exists"):
                self._stop(support_type_id=missing_id)
        self.assertEqual(self._running(), running)
        self.assertEqual(running.unit_amount, 0.0)

    def test_timer_maximum_setting_is_validated(self):
        for value in (0.0, -1.0, 25.0):
            with self.subTest(value=value):
                with self.assertRefused(ValidationError, "between 0 and 24 hours"):
                    self.company.support_timer_max_hours = value
                self.assertEqual(self.company.support_timer_max_hours, 10.0)
        settings = self.env["res.config.settings"].create({})
        self.assertEqual(settings.support_timer_max_hours, 10.0)
        settings.support_timer_max_hours = 8.5
        settings.execute()
        self.assertEqual(self.company.support_timer_max_hours, 8.5)

    # -- one running timer per user: Python and the database --------------------------
    def test_second_running_entry_is_refused_with_a_sentence(self):
        """Outside the start action (RPC create, import, a write on an old entry) a
        second running entry is refused too, with a sentence rather than a SQL error."""
        with freeze_time(T0):
            running = self._start(self.task)
            finished = self._log_time(10, task=self.task_b)
            with (
                mute_logger("odoo.sql_db"),
                self.assertRefused(UserError, "already running for this user"),
            ):
                self.Line.with_user(self.support_user).create(
                    {
                        "task_id": self.task_b.id,
                        "project_id": self.project.id,
                        "support_timer_start": datetime(2025, 3, 3, 10, 0),
                    }
                )
            with self.assertRefused(UserError, "Sam Support already has a timer running"):
                finished.write({"support_timer_start": datetime(2025, 3, 3, 9, 0)})
        self.assertEqual(self._user_lines(), running + finished)
        self.assertEqual(self._running(), running)

    def test_unique_index_refuses_a_second_running_timer_under_another_cursor(self):
        self.env.cr.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = %s", [SUPPORT_TIMER_INDEX]
        )
        [(indexdef,)] = self.env.cr.fetchall()
        self.assertIn("UNIQUE", indexdef)
        self.assertIn("(user_id) WHERE (support_timer_start IS NOT NULL)", indexdef)

        # Another worker, in its own transaction, with no Python check on its way: the
        # database itself refuses a second running entry for the same user.
        with self.registry.cursor() as cr2:
            try:
                cr2.execute(
                    "SELECT id FROM account_analytic_line "
                    "WHERE user_id IS NOT NULL AND support_timer_start IS NULL "
                    "ORDER BY id LIMIT 1"
                )
                [(line_id,)] = cr2.fetchall()
                columns = self._copyable_columns(cr2)

                def copy_line(running):
                    start = SQL("now() at time zone 'utc'") if running else SQL("NULL")
                    cr2.execute(
                        SQL(
                            "INSERT INTO account_analytic_line (%s, support_timer_start) "
                            "SELECT %s, %s FROM account_analytic_line WHERE id = %s",
                            SQL(", ").join(map(SQL.identifier, columns)),
                            SQL(", ").join(map(SQL.identifier, columns)),
                            start,
                            line_id,
                        )
                    )

                copy_line(running=True)  # the user's one running timer
                copy_line(running=False)  # finished entries are not limited
                with (
                    mute_logger("odoo.sql_db"),
                    self.assertRaises(pg_errors.UniqueViolation),
                    cr2.savepoint(flush=False),
                ):
                    copy_line(running=True)
                # through the ORM the Python check speaks first, with a sentence
                env2 = api.Environment(cr2, SUPERUSER_ID, {})
                with (
                    self.assertRaisesRegex(UserError, "already has a timer running"),
                    cr2.savepoint(),
                ):
                    env2["account.analytic.line"].browse(line_id).write(
                        {"support_timer_start": datetime(2025, 3, 3, 10)}
                    )
            finally:
                cr2.rollback()

    def test_concurrent_start_becomes_a_clear_error(self):
        """A second device starting a timer at the same moment: this transaction did not
        see the other timer, the index refuses the insert, the user gets a sentence."""
        with freeze_time(T0):
            running = self._start(self.task)
            # the other transaction's timer is invisible to this one
            with (
                patch.object(
                    AccountAnalyticLine,
                    "_support_timer_running",
                    lambda self, user=None: self.browse(),
                ),
                mute_logger("odoo.sql_db"),
                self.assertRefused(UserError, "maybe started on another device"),
            ):
                self._start(self.task_b)
        self.assertEqual(self._user_lines(), running)
        self.assertEqual(self._running(), running)

    @staticmethod
    def _copyable_columns(cr):
        cr.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = 'account_analytic_line' "
            "AND column_name NOT IN ('id', 'support_timer_start')"
        )
        return [name for (name,) in cr.fetchall()]

    # -- the cron: timers left running ------------------------------------------------
    def test_cron_stops_overdue_timers_at_the_maximum_and_flags_them(self):
        with freeze_time("2025-03-03 07:00:00"):
            forgotten = self._start(self.task)
        with freeze_time("2025-03-03 16:00:00"):
            recent = self._start(self.task, user=self.support_manager)
        cron = self.env.ref("it_support_time.ir_cron_stop_overdue_support_timers")
        self.assertEqual(cron.model_id.model, "account.analytic.line")
        with freeze_time("2025-03-03 16:59:00"):  # 9:59 h: not yet
            cron.method_direct_trigger()
        self.assertTrue(forgotten.support_timer_start)
        with freeze_time("2025-03-03 18:30:00"):  # 11:30 h
            cron.method_direct_trigger()
        self.assertRecordValues(
            forgotten + recent,
            [
                {
                    "support_timer_start": False,
                    "unit_amount": 10.0,
                    "billed_hours": 10.0,
                    "support_timer_review": True,
                    "date": date(2025, 3, 3),
                },
                {
                    "support_timer_start": datetime(2025, 3, 3, 16),
                    "unit_amount": 0.0,
                    "billed_hours": 0.0,
                    "support_timer_review": False,
                    "date": date(2025, 3, 3),
                },
            ],
        )
        # the technician finds it with the "To Review" filter of the timesheet search
        Line = self.Line.with_user(self.support_user)
        search_arch = Line.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn('name="support_timer_review"', search_arch)
        self.assertEqual(Line.search([("support_timer_review", "=", True)]), forgotten)

    def test_manual_stop_after_the_maximum_is_capped_too(self):
        self.company.support_timer_max_hours = 4.0
        with freeze_time(T0):
            line = self._start(self.task)
        with freeze_time("2025-03-03 15:00:00"):
            self._stop()
        self.assertRecordValues(
            line, [{"unit_amount": 4.0, "billed_hours": 4.0, "support_timer_review": True}]
        )

    # -- query budget -------------------------------------------------------------------
    def _add_earlier_entries(self, task, count):
        """Entries of the support user on ``task`` up to ``count``, in one statement."""
        template = self._log_time(15, task=task)
        columns = self._copyable_columns(self.env.cr)
        existing = self.Line.search_count([("task_id", "=", task.id)])
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                "INSERT INTO account_analytic_line (%s) "
                "SELECT %s FROM account_analytic_line, generate_series(%s, %s) "
                "WHERE id = %s",
                SQL(", ").join(map(SQL.identifier, columns)),
                SQL(", ").join(map(SQL.identifier, columns)),
                existing + 1,
                count,
                template.id,
            )
        )
        self.env.invalidate_all()
        # the task's stored totals, as if the entries had been created one by one
        task.modified(["timesheet_ids"])
        self.env.flush_all()
        self.assertEqual(self.Line.search_count([("task_id", "=", task.id)]), count)

    @contextlib.contextmanager
    def _measure(self, counts, budget):
        """The queries of a start or stop, its writes flushed, within ``budget``; then
        its bus notification, one INSERT at commit (the benchmark's timer measure counts
        up to the flush, as here)."""
        self.env.invalidate_all()
        with self.assertQueryCount(budget + 1):
            before = self.cr.sql_log_count
            yield
            self.env.flush_all()
            done = self.cr.sql_log_count
            self.env.cr.flush()  # the bus notification is written at commit
            self.assertEqual(self.cr.sql_log_count - done, 1, "one bus notification")
            counts.append(done - before)
        self.assertLessEqual(counts[-1], budget)

    def test_start_and_stop_query_budget_does_not_grow_with_history(self):
        small, big = self.task, self.task_b
        self._add_earlier_entries(small, 10)
        self._add_earlier_entries(big, 10_000)
        self.assertAlmostEqual(big.effective_hours, 10_000 * 0.25, places=2)
        # called as the web client calls it: as the user, with the user's context
        user_env = self.env(user=self.support_user, context=self.support_user.context_get())
        starts, stops = [], []
        for run in range(3):
            for task in (small, big):
                # the first run warms the registry caches, as a running server has them
                measure_start = self._measure(starts, 20) if run else contextlib.nullcontext()
                with freeze_time(T0), measure_start:
                    task.with_env(user_env).action_support_timer_start()
                measure_stop = self._measure(stops, 12) if run else contextlib.nullcontext()
                with freeze_time("2025-03-03 10:31:00"), measure_stop:
                    line = user_env["project.task"].action_support_timer_stop()
                self.assertEqual(line.task_id, task)
                self.assertEqual(line.billed_hours, 0.75)
        self.assertEqual(len(set(starts)), 1, f"start queries per run: {starts}")
        self.assertEqual(len(set(stops)), 1, f"stop queries per run: {stops}")
        # the task's total is still right: one SQL sum, not the entries read in Python
        self.assertAlmostEqual(big.effective_hours, 10_000 * 0.25 + 3 * 31 / 60, places=2)

    # -- the panel of the systray item --------------------------------------------------
    def test_panel_lists_pinned_recent_and_assigned_tasks(self):
        user_env = self.env["project.task"].with_user(self.support_user)
        other_customer = self.env["res.partner"].create({"name": "Zephyr Dental"})
        other_project = self.env["project.project"].create(
            {
                "name": "Support - Zephyr",
                "partner_id": other_customer.id,
                "is_support_project": True,
            }
        )
        zephyr = self.env["project.task"].create(
            {"name": "Printer", "project_id": other_project.id, "partner_id": other_customer.id}
        )
        self.assertFalse(zephyr.support_timer_pinned_user_ids)
        self.assertTrue(zephyr.with_user(self.support_user).action_support_timer_pin())
        self.assertTrue(zephyr.with_user(self.support_user).support_timer_pinned)
        self.assertFalse(zephyr.with_user(self.support_manager).support_timer_pinned)
        self._log_time(30, task=self.task)
        with freeze_time(T0):
            self._start(self.task)
            data = user_env.get_support_timer_panel()
        rows = {row["id"]: row for row in data["tasks"]}
        # pinned first, then recently timed, then assigned; closed tasks never
        self.assertEqual(
            [row["id"] for row in data["tasks"]], [zephyr.id, self.task.id, self.task_b.id]
        )
        self.assertEqual(rows[zephyr.id]["customer"], "Zephyr Dental")
        self.assertTrue(rows[zephyr.id]["pinned"])
        self.assertTrue(rows[self.task.id]["running"])
        self.assertFalse(rows[self.task_b.id]["running"])
        self.assertIsNone(rows[self.task.id]["block_hours"])
        # once the customer has an active prepaid block, its remaining hours are shown
        block = self.env["support.block"].create(
            {
                "partner_id": self.customer.id,
                "po_number": "PO-TIMER",
                "hours_purchased": 12,
                "price_unit": 90,
                "date_start": "2020-01-01",
            }
        )
        block.action_activate()
        self.env.invalidate_all()  # a new request: the task's block is read again
        with freeze_time(T0):
            data = user_env.get_support_timer_panel()
        rows = {row["id"]: row for row in data["tasks"]}
        self.assertAlmostEqual(rows[self.task_b.id]["block_hours"], 12.0)
        self.assertEqual(
            data["running"],
            {
                "line_id": self._running().id,
                "task_id": self.task.id,
                "task_name": "Help desk",
                "customer": "Test Customer Ltd",
                "start": "2025-03-03T10:00:00Z",
            },
        )
        self.assertIn({"id": self.type_phone.id, "name": "Test Phone"}, data["support_types"])
        # the search finds any open task, by name or customer
        found = user_env.get_support_timer_panel(search="zephyr")["tasks"]
        self.assertEqual([row["id"] for row in found], [zephyr.id])
        found = user_env.get_support_timer_panel(search="Old ticket")["tasks"]
        self.assertEqual(found, [])  # closed
        # unpin
        self.assertFalse(zephyr.with_user(self.support_user).action_support_timer_pin())
        self.assertFalse(zephyr.support_timer_pinned_user_ids)
        pinned = user_env.search([("support_timer_pinned", "=", True)])
        self.assertFalse(pinned)

    # -- what the technician sees on tasks ------------------------------------------------
    def test_task_views_offer_start_and_stop(self):
        Task = self.env["project.task"].with_user(self.support_user)
        views = Task.get_views([(False, "form"), (False, "kanban"), (False, "list")])["views"]
        for view_type in ("form", "kanban", "list"):
            with self.subTest(view=view_type):
                arch = views[view_type]["arch"]
                self.assertIn('name="action_support_timer_start"', arch)
                self.assertIn('name="action_support_timer_stop"', arch)
        self.assertIn('name="action_support_timer_pin"', views["form"]["arch"])
        # a user outside the support groups does not get them
        outsider = new_test_user(
            self.env, login="projects_only", groups="project.group_project_user"
        )
        views = self.env["project.task"].with_user(outsider).get_views([(False, "form")])["views"]
        self.assertNotIn("action_support_timer_start", views["form"]["arch"])

    def test_demo_pins_tasks_for_marc(self):
        marc = self.env.ref("it_support_time.user_tech_marc")
        pinned = (
            self.env["project.task"].with_user(marc).search([("support_timer_pinned", "=", True)])
        )
        self.assertEqual(
            pinned,
            self.env.ref("it_support_time.task_acme_helpdesk")
            | self.env.ref("it_support_time.task_brightlaw_helpdesk"),
        )
        panel = self.env["project.task"].with_user(marc).get_support_timer_panel()
        self.assertEqual([row["pinned"] for row in panel["tasks"][:2]], [True, True])
        self.assertFalse(panel["running"])
