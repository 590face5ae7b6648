from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError
from odoo.tools import SQL


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

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("support_mileage_rate") for vals in vals_list):
            self._support_check_rate_access()
        return super().create(vals_list)

    def write(self, vals):
        if "support_mileage_rate" in vals:
            self._support_check_rate_access()
        return super().write(vals)

    def _support_check_rate_access(self):
        """The mileage rate is billed to customers: Support Managers set it (Fleet
        officers manage the vehicles, not the prices)."""
        if not self.env.su and not self.env.user.has_group(
            "it_support_time.group_support_manager"
        ):
            raise AccessError(
                self.env._(
                    "Only Support Managers can set the mileage rate of a vehicle: it is "
                    "billed to the customers."
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

    def _support_lock_odometers(self):
        """Serialize the transactions writing odometer readings for these vehicles
        (trip confirmations): each rewrites the vehicle rows, so a concurrent one waits
        for it and is retried (serialization failure) with its reading in view. An
        odometer is read, then moved on, by one transaction at a time."""
        if self.ids:
            self.env.cr.execute(
                SQL(
                    "UPDATE fleet_vehicle SET write_date = write_date WHERE id IN %s",
                    tuple(self.ids),
                )
            )

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
