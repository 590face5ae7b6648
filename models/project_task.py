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
