from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    support_type_id = fields.Many2one(
        "support.type",
        string="Default Support Type",
        help="Support type proposed for time logged on this task.",
    )
    is_support_task = fields.Boolean(related="project_id.is_support_project")
