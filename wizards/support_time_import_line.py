from odoo import fields, models


class SupportTimeImportLine(models.TransientModel):
    """One row of the file being imported, as the preview shows it: where it will go, or
    the rule that refuses it."""

    _name = "support.time.import.line"
    _description = "Row of a Support Time Import"
    _order = "row, id"

    wizard_id = fields.Many2one(
        "support.time.import.wizard", required=True, ondelete="cascade", index=True
    )
    row = fields.Integer(help="Line of the row in the file (the header is line 1).")
    status = fields.Selection(
        [
            ("new", "To Import"),
            ("imported", "Imported"),
            ("exists", "Already Imported"),
            ("refused", "Refused"),
        ],
        required=True,
    )
    error = fields.Char(string="Refused Because")
    source_user = fields.Char(string="User in File")
    source_customer = fields.Char(string="Customer in File")
    source_project = fields.Char(string="Project in File")
    user_id = fields.Many2one("res.users")
    partner_id = fields.Many2one("res.partner", string="Customer")
    project_id = fields.Many2one("project.project")
    project_name = fields.Char(string="Support Project")
    task_id = fields.Many2one("project.task")
    task_name = fields.Char()
    create_project = fields.Boolean(string="New Project")
    create_task = fields.Boolean(string="New Task")
    date = fields.Date()
    unit_amount = fields.Float(string="Hours")
    billable = fields.Boolean()
    support_type_id = fields.Many2one("support.type")
    description = fields.Char()
    import_ref = fields.Char(string="Source")
