from odoo import api, fields, models
from odoo.exceptions import ValidationError


class FleetVehicle(models.Model):
    _inherit = "fleet.vehicle"

    support_mileage_rate = fields.Float(
        string="Mileage Rate",
        digits="Support Mileage Rate",
        help="Amount billed per km or mi driven with this vehicle on support trips. "
        "Empty: the company's rate for the vehicle's odometer unit (Settings › Support).",
    )
    support_trip_count = fields.Integer(string="Trips", compute="_compute_support_trips")
    support_trip_distance_year = fields.Float(
        string="Distance This Year",
        compute="_compute_support_trips",
        digits=(16, 2),
        help="Distance of the vehicle's confirmed and invoiced trips this year.",
    )

    @api.constrains("support_mileage_rate")
    def _check_support_mileage_rate(self):
        for vehicle in self:
            if vehicle.support_mileage_rate < 0:
                raise ValidationError(
                    self.env._(
                        "The mileage rate of %(vehicle)s cannot be negative: leave it empty "
                        "to use the company's rate.",
                        vehicle=vehicle.display_name,
                    )
                )

    @api.depends_context("uid")
    def _compute_support_trips(self):
        year = fields.Date.context_today(self).year
        counts = dict.fromkeys(self.ids, 0)
        distances = dict.fromkeys(self.ids, 0.0)
        groups = self.env["support.trip"]._read_group(
            [("vehicle_id", "in", self.ids)],
            ["vehicle_id", "state", "date:year"],
            ["__count", "distance:sum"],
        )
        for vehicle, state, date_year, count, distance in groups:
            counts[vehicle.id] += count
            if state != "draft" and date_year.year == year:
                distances[vehicle.id] += distance
        for vehicle in self:
            vehicle.support_trip_count = counts.get(vehicle.id, 0)
            vehicle.support_trip_distance_year = distances.get(vehicle.id, 0.0)

    def _support_last_odometers(self):
        """{vehicle id: highest odometer reading} for these vehicles.

        Read as superuser: support users log trips without being Fleet officers, and the
        readings do not leave this method."""
        groups = (
            self.env["fleet.vehicle.odometer"]
            .sudo()
            ._read_group([("vehicle_id", "in", self.ids)], ["vehicle_id"], ["value:max"])
        )
        return {vehicle.id: value for vehicle, value in groups}

    def action_view_support_trips(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "it_support_time.support_trip_action"
        )
        action["domain"] = [("vehicle_id", "=", self.id)]
        action["context"] = {
            "default_vehicle_id": self.id,
            "search_default_group_by_date_year": 1,
        }
        return action

    def action_support_mileage_log(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Mileage Log"),
            "res_model": "support.mileage.log.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_vehicle_id": self.id},
        }
