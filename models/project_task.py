from odoo import fields, models


class ProjectTask(models.Model):
    _inherit = "project.task"

    support_type_id = fields.Many2one(
        "support.type",
        string="Default Support Type",
        help="Support type proposed for time logged on this task.",
    )
    is_support_task = fields.Boolean(related="project_id.is_support_project")

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
