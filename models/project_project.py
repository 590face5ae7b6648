from odoo import fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    is_support_project = fields.Boolean(
        string="Support Project",
        help="Tasks of this project are support tasks: they are offered by the quick "
        "timer and their time is billed by the support rules.",
    )
