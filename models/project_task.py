from odoo import api, fields, models


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

    @api.depends("support_block_ids.state", "partner_id", "project_id.is_support_project")
    def _compute_support_block_id(self):
        Block = self.env["support.block"]
        today = fields.Date.context_today(self)
        for task in self:
            block = Block
            if task._origin and task.project_id.is_support_project:
                chain, index = Block._support_blocks_for(
                    task.partner_id, task.company_id or self.env.company, today, task=task._origin
                )
                block = chain[index] if chain else Block
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

    # -- mileage ------------------------------------------------------------------
    support_trip_ids = fields.One2many("support.trip", "task_id", string="Trips")
    support_trip_count = fields.Integer(string="Trip Count", compute="_compute_support_trip_count")

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
