from odoo import api, fields, models
from odoo.exceptions import UserError

LOGGED_STATES = ("confirmed", "invoiced")


class SupportMileageLogWizard(models.TransientModel):
    _name = "support.mileage.log.wizard"
    _description = "Yearly Mileage Log of a Vehicle"

    vehicle_id = fields.Many2one("fleet.vehicle", required=True)
    year = fields.Integer(required=True, default=lambda self: fields.Date.context_today(self).year)
    trip_count = fields.Integer(string="Trips", compute="_compute_totals")
    distance = fields.Float(compute="_compute_totals", digits=(16, 2))
    distance_unit = fields.Selection(related="vehicle_id.odometer_unit", string="Unit")

    @api.depends("vehicle_id", "year")
    def _compute_totals(self):
        for wizard in self:
            trips = wizard._get_trips()
            wizard.trip_count = len(trips)
            wizard.distance = sum(trips.mapped("distance"))

    def _trip_domain(self):
        self.ensure_one()
        return [
            ("vehicle_id", "=", self.vehicle_id.id),
            ("state", "in", LOGGED_STATES),
            ("date", ">=", f"{self.year:04d}-01-01"),
            ("date", "<=", f"{self.year:04d}-12-31"),
        ]

    def _get_trips(self):
        self.ensure_one()
        if not self.vehicle_id or not 1900 < self.year < 3000:
            return self.env["support.trip"]
        return self.env["support.trip"].search(self._trip_domain(), order="date, name")

    def _get_trips_or_raise(self):
        if not 1900 < self.year < 3000:
            raise UserError(self.env._("Enter a year such as 2026."))
        trips = self._get_trips()
        if not trips:
            raise UserError(
                self.env._(
                    "%(vehicle)s has no confirmed trips in %(year)s: there is no mileage to log.",
                    vehicle=self.vehicle_id.display_name,
                    year=self.year,
                )
            )
        return trips

    def action_print(self):
        """The PDF mileage log of the vehicle for the year."""
        self.ensure_one()
        return self._get_trips_or_raise().action_print_mileage_log()

    def action_open_list(self):
        """The same trips in a list, to export (Excel/CSV) or check."""
        self.ensure_one()
        self._get_trips_or_raise()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_trip_action_mileage_log"
        )
        action["name"] = self.env._(
            "Mileage Log %(vehicle)s %(year)s",
            vehicle=self.vehicle_id.display_name,
            year=self.year,
        )
        action["domain"] = self._trip_domain()
        action["context"] = {"default_vehicle_id": self.vehicle_id.id}
        return action
