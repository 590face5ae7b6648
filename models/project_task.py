from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from odoo.addons.project.models.project_task import CLOSED_STATES

from .account_analytic_line import prefetch_fnames, prefetch_plans


class ProjectTask(models.Model):
    _inherit = "project.task"

    support_type_id = fields.Many2one(
        "support.type",
        string="Default Support Type",
        help="Support type proposed for time logged on this task.",
    )
    is_support_task = fields.Boolean(related="project_id.is_support_project")

    support_block_ids = fields.One2many(
        "support.block",
        "task_id",
        string="Prepaid Blocks",
        groups="it_support_time.group_support_user",
    )
    support_block_id = fields.Many2one(
        "support.block",
        string="Prepaid Block",
        compute="_compute_support_block_id",
        compute_sudo=True,
        groups="it_support_time.group_support_user",
        help="The block time logged on this task today draws from: the task's own block, "
        "else the customer's active block.",
    )
    support_block_hours_remaining = fields.Float(
        compute="_compute_support_block_id",
        compute_sudo=True,
        string="Block Hours Left",
        groups="it_support_time.group_support_user",
    )
    support_block_hours_used = fields.Float(
        compute="_compute_support_block_id",
        compute_sudo=True,
        groups="it_support_time.group_support_user",
    )
    support_block_hours_available = fields.Float(
        compute="_compute_support_block_id",
        compute_sudo=True,
        groups="it_support_time.group_support_user",
    )
    support_block_alert_thresholds = fields.Char(
        compute="_compute_support_block_id",
        compute_sudo=True,
        groups="it_support_time.group_support_user",
    )

    # -- mileage ------------------------------------------------------------------
    support_trip_ids = fields.One2many("support.trip", "task_id", string="Trips")

    support_trip_count = fields.Integer(string="Trip Count", compute="_compute_support_trip_count")

    # -- quick timer -------------------------------------------------------------
    support_timer_pinned_user_ids = fields.Many2many(
        "res.users",
        "project_task_support_timer_pin_rel",
        "task_id",
        "user_id",
        string="Pinned in Quick Timer by",
        copy=False,
        help="Users who keep this task at the top of their quick timer.",
    )

    support_timer_pinned = fields.Boolean(
        string="Pinned in My Timer",
        compute="_compute_support_timer_pinned",
        search="_search_support_timer_pinned",
    )

    support_timer_running = fields.Boolean(
        string="My Timer Runs Here",
        compute="_compute_support_timer_running",
        help="The current user's quick timer is running on this task.",
    )

    @api.model
    def name_search(self, name="", args=None, operator="ilike", limit=100):
        """With ``support_first_partner_ids`` in the context (a meeting's attendees), the
        support tasks of those attendees' customers come first."""
        partner_ids = self.env.context.get("support_first_partner_ids")
        if not partner_ids or not isinstance(partner_ids, list):
            return super().name_search(name, args, operator, limit)
        customers = self.env["res.partner"].browse(partner_ids).commercial_partner_id
        first = super().name_search(
            name,
            expression.AND([args or [], [("partner_id", "child_of", customers.ids)]]),
            operator,
            limit,
        )
        if limit and len(first) >= limit:
            return first
        others = super().name_search(
            name,
            expression.AND([args or [], [("id", "not in", [task_id for task_id, _ in first])]]),
            operator,
            limit and limit - len(first),
        )
        return first + others

    @api.depends("support_block_ids.state", "partner_id", "project_id.is_support_project")
    def _compute_support_block_id(self):
        Block = self.env["support.block"]
        keys = {
            task: (
                task.partner_id.commercial_partner_id,
                task.company_id or self.env.company,
                task._origin,
            )
            for task in self
            if task._origin and task.project_id.is_support_project
        }
        # the blocks of all the tasks at once: a board of cards costs what one card does
        blocks = self.env["support.block.ledger"]._support_first_blocks(
            set(keys.values()), fields.Date.context_today(self)
        )
        for task in self:
            block = blocks.get(keys.get(task), Block)
            task.support_block_id = block
            task.support_block_hours_remaining = block.hours_remaining
            task.support_block_hours_used = block.hours_used
            task.support_block_hours_available = block.hours_available
            task.support_block_alert_thresholds = block.alert_thresholds

    def _support_timer_block_hours(self):
        """Balance of the block each task's time would draw from today, for the quick
        timer: {task id: {block_id, name, hours_available, hours_used, hours_remaining,
        usage_percent} or False}."""
        result = {}
        for task in self:
            block = task.sudo().support_block_id
            result[task.id] = block and {
                "block_id": block.id,
                "name": block.name,
                "hours_available": block.hours_available,
                "hours_used": block.hours_used,
                "hours_remaining": block.hours_remaining,
                "usage_percent": block.usage_percent,
            }
        return result

    @api.model
    def _support_create_block_task(self, block, project):
        """The task of ``block`` in ``project``, named after the block and its PO: time
        logged on it draws from the block."""
        return self.create(
            {
                "name": self.env._(
                    "Prepaid block %(block)s - PO %(po)s",
                    block=block.name,
                    po=block.po_number,
                ),
                "project_id": project.id,
                "partner_id": block.partner_id.id,
                "user_ids": False,
                "description": self.env._(
                    "Time logged on this task draws from prepaid block %(block)s "
                    "(%(hours)s hours, PO %(po)s).",
                    block=block.name,
                    hours=f"{block.hours_purchased:.2f}",
                    po=block.po_number,
                ),
            }
        )

    def _compute_support_trip_count(self):
        groups = self.env["support.trip"]._read_group(
            [("task_id", "in", self.ids)], ["task_id"], ["__count"]
        )
        counts = {task.id: count for task, count in groups}
        for task in self:
            task.support_trip_count = counts.get(task.id, 0)

    def _support_trip_context(self):
        self.ensure_one()
        partner = self.partner_id or self.project_id.partner_id
        return {
            "default_task_id": self.id,
            "default_partner_id": partner.commercial_partner_id.id,
            "default_company_id": self.company_id.id or self.env.company.id,
            "default_purpose": self.name,
        }

    def action_support_view_trips(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_trip_action"
        )
        action["domain"] = [("task_id", "=", self.id)]
        action["context"] = self._support_trip_context()
        return action

    def action_support_log_trip(self):
        """Open a new trip for this task: customer, company and purpose prefilled."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log Trip"),
            "res_model": "support.trip",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": self._support_trip_context(),
        }

    @api.depends("support_timer_pinned_user_ids")
    @api.depends_context("uid")
    def _compute_support_timer_pinned(self):
        for task in self:
            task.support_timer_pinned = self.env.user in task.support_timer_pinned_user_ids

    def _search_support_timer_pinned(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on Pinned in My Timer."))
        pinned = (operator == "=") == value
        return [("support_timer_pinned_user_ids", "in" if pinned else "not in", self.env.uid)]

    @api.depends_context("uid")
    def _compute_support_timer_running(self):
        running_task = self.env["account.analytic.line"]._support_timer_running().task_id
        for task in self:
            task.support_timer_running = bool(running_task) and task._origin == running_task

    # -- quick timer: actions ----------------------------------------------------------
    @api.returns("account.analytic.line", lambda line: line.id)
    def action_support_timer_start(self):
        """Start the current user's timer on this task and return its running entry.

        A timer running on another task is stopped first (its entry written) in the same
        transaction; starting again on the task already timed keeps that timer.
        """
        self.ensure_one()
        Line = self.env["account.analytic.line"]
        running = Line._support_timer_running()
        if running.task_id == self:
            return running.sudo(False)
        # what the timesheet code reads of the analytic plans (in the entry's company:
        # the task's; the project's when the task has none, which costs a query more)
        # and of the project, its analytic plan columns included, in a query each
        prefetch_plans(self.env, self.company_id)
        project = self.project_id.sudo()
        project.fetch(prefetch_fnames(project, plan_columns=True))
        # reading the task as the user checks that they may see it; hr_timesheet's rule
        # on entries (own entries on projects the user can follow) then holds for the
        # entry below, which is written without re-checking that rule field by field
        self._check_support_timer_startable()
        Line.check_access("create")
        now = fields.Datetime.now()
        if running:
            running._support_timer_stop(end=now)
            running.flush_recordset(["support_timer_start"])
        values = {
            "task_id": self.id,
            "project_id": self.project_id.id,
            "user_id": self.env.uid,
            "unit_amount": 0.0,
            # the start's day for the user (the web client sends the user's time zone)
            "date": fields.Datetime.context_timestamp(self, now).date(),
            "support_timer_start": now,
        }
        # a timer started at the same moment by another transaction (a second device)
        # is refused by the unique index, with a UserError (see the entry's create)
        line = Line.sudo().create(values)
        self.invalidate_model(["support_timer_running"])
        self.env.user._support_timer_notify(running=True)
        return line.sudo(False)

    @api.returns("account.analytic.line", lambda line: line.id)
    def action_support_timer_stop(self, description=None, support_type_id=None):
        """Stop the current user's running timer and return its written entry.

        Called on a task, the timer must run on that task; called on no record, it stops
        the timer wherever it runs. ``description`` becomes the entry's description and
        ``support_type_id`` its support type (else the task's, else the customer's).
        """
        running = self.env["account.analytic.line"]._support_timer_running(plan_columns=True)
        if not running:
            raise UserError(self.env._("You have no timer running: there is nothing to stop."))
        if self and running.task_id not in self:
            raise UserError(
                self.env._(
                    "Your timer runs on %(running)s, not on %(task)s: stop it from there "
                    "or from the timer in the top bar.",
                    running=running.task_id.display_name,
                    task=self[:1].display_name,
                )
            )
        support_type = self.env["support.type"]
        if support_type_id:
            if isinstance(support_type_id, bool) or not isinstance(support_type_id, int):
                raise UserError(
                    self.env._(
                        "The support type must be given by its id, not %(value)r.",
                        value=support_type_id,
                    )
                )
            # a type the user may read (the multi-company rule applies)
            support_type = support_type.search([("id", "=", support_type_id)])
            if not support_type:
                raise UserError(
                    self.env._("This support type no longer exists: pick another one.")
                )
        line = running._support_timer_stop(
            description=(description or "").strip() or None, support_type=support_type
        )
        self.env.user._support_timer_notify(running=False)
        return line.sudo(False)

    def action_support_timer_pin(self):
        """Pin the tasks to the current user's quick timer, or unpin them if they all
        are. Returns whether they are pinned now."""
        self.check_access("read")
        pin = not all(self.mapped("support_timer_pinned"))
        command = fields.Command.link if pin else fields.Command.unlink
        # a personal preference: the user need not be allowed to edit the task itself
        self.sudo().write({"support_timer_pinned_user_ids": [command(self.env.uid)]})
        return pin

    # -- quick timer: business methods -------------------------------------------------
    def _check_support_timer_startable(self):
        self.ensure_one()
        if not self.project_id:
            raise UserError(
                self.env._(
                    "%(task)s is a private task: move it to a project before timing it.",
                    task=self.display_name,
                )
            )
        if not self.active or self.state in CLOSED_STATES:
            raise UserError(
                self.env._(
                    "%(task)s is closed: reopen it or time another task.",
                    task=self.display_name,
                )
            )
        if not self.allow_timesheets:
            raise UserError(
                self.env._(
                    "Project %(project)s does not allow timesheets: enable them on the "
                    "project to time %(task)s.",
                    project=self.project_id.display_name,
                    task=self.display_name,
                )
            )
        # the employee the timesheet will be written for (as hr_timesheet picks it)
        companies = self.company_id or self.env.companies
        # read as the timesheet code then reads it (its cost included)
        Employee = self.env["hr.employee"].sudo()
        has_employee = Employee.search_fetch(
            [("user_id", "=", self.env.uid), ("company_id", "in", companies.ids)],
            prefetch_fnames(Employee),
            limit=1,
        )
        if not has_employee:
            raise UserError(
                self.env._(
                    "You are not an employee of %(company)s: ask your manager to link your "
                    "user to an employee before timing %(task)s.",
                    company=(self.company_id or self.env.company).display_name,
                    task=self.display_name,
                )
            )

    @api.model
    def _support_timer_open_domain(self):
        """Tasks a timer can run on."""
        return [
            ("state", "not in", list(CLOSED_STATES)),
            ("project_id", "!=", False),
            ("allow_timesheets", "=", True),
        ]

    @api.model
    def get_support_timer_panel(self, search=None, limit=8):
        """What the quick timer shows, in one call: the user's running timer, and the tasks
        to start one on — pinned, then recently timed, then assigned open support tasks, or
        the open tasks matching ``search``."""
        if not isinstance(limit, int | None) or isinstance(limit, bool):
            raise UserError(
                self.env._(
                    "The number of tasks to show must be a number, not %(value)r.", value=limit
                )
            )
        if search and not isinstance(search, str):
            raise UserError(self.env._("Search the tasks by text, not %(value)r.", value=search))
        limit = max(1, min(limit or 8, 50))
        Line = self.env["account.analytic.line"]
        running = Line._support_timer_running()
        open_domain = self._support_timer_open_domain()
        search = (search or "").strip()
        if search:
            tasks = self.search(
                [
                    *open_domain,
                    "|",
                    "|",
                    ("name", "ilike", search),
                    ("partner_id", "ilike", search),
                    ("project_id", "ilike", search),
                ],
                limit=limit,
            )
        else:
            tasks = self.search(
                [*open_domain, ("support_timer_pinned_user_ids", "in", self.env.uid)],
                limit=limit,
            )
            recent = Line._read_group(
                [
                    ("user_id", "=", self.env.uid),
                    ("task_id", "!=", False),
                    ("project_id.is_support_project", "=", True),
                ],
                ["task_id"],
                order="id:max desc",
                limit=limit * 2,
            )
            recent_ids = [task.id for (task,) in recent]
            if recent_ids:
                readable = self.search([*open_domain, ("id", "in", recent_ids)])
                tasks |= readable.sorted(lambda task: recent_ids.index(task.id))
            if len(tasks) < limit:
                tasks |= self.search(
                    [
                        *open_domain,
                        ("project_id.is_support_project", "=", True),
                        ("user_ids", "in", self.env.uid),
                        ("id", "not in", tasks.ids),
                    ],
                    limit=limit - len(tasks),
                )
            tasks = tasks[:limit]
        block_hours = tasks._support_timer_block_hours()
        return {
            "now": _iso_utc(fields.Datetime.now()),
            "running": {
                "line_id": running.id,
                "task_id": running.task_id.id,
                "task_name": running.task_id.name,
                "customer": _customer_name(running.task_id),
                "start": _iso_utc(running.support_timer_start),
            }
            if running
            else False,
            "tasks": [
                {
                    "id": task.id,
                    "name": task.name,
                    "customer": _customer_name(task),
                    "project": task.project_id.name,
                    "pinned": task.support_timer_pinned,
                    "running": task == running.task_id,
                    "block_hours": block_hours[task.id]["hours_remaining"]
                    if block_hours.get(task.id)
                    else None,
                }
                for task in tasks
            ],
            "support_types": self.env["support.type"].search_read([], ["name"]),
        }


def _iso_utc(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _customer_name(task):
    return (task.partner_id or task.project_id.partner_id).commercial_partner_id.name or ""
