from odoo import api, fields, models


class ProjectProject(models.Model):
    _inherit = "project.project"

    is_support_project = fields.Boolean(
        string="Support Project",
        help="Tasks of this project are support tasks: they are offered by the quick "
        "timer and their time is billed by the support rules.",
    )

    @api.model
    def _support_customer_project(self, partner, company):
        """The support project of ``partner`` in ``company``: the first one found, else a
        new one (with timesheets, visible on the portal)."""
        project = self.search(
            [
                ("is_support_project", "=", True),
                ("allow_timesheets", "=", True),
                ("partner_id", "child_of", partner.id),
                ("company_id", "in", [company.id, False]),
            ],
            order="id",
            limit=1,
        )
        return project or self.create(
            {
                "name": self.env._("Support - %(customer)s", customer=partner.name),
                "partner_id": partner.id,
                "company_id": company.id,
                "is_support_project": True,
                "allow_timesheets": True,
                "privacy_visibility": "portal",
            }
        )
