from odoo import api, models
from odoo.exceptions import UserError


class ReportSupportTripMileageLog(models.AbstractModel):
    _name = "report.it_support_time.report_support_trip_mileage_log"
    _description = "Mileage Log Report"

    @api.model
    def _get_report_values(self, docids, data=None):
        """One log per vehicle and year, trips in the order they were driven. Draft trips
        are left out: a mileage log lists trips that happened and were confirmed."""
        trips = self.env["support.trip"].browse(docids).filtered(lambda t: t.state != "draft")
        if not trips:
            raise UserError(
                self.env._("The mileage log only lists confirmed trips: confirm the trips first.")
            )
        logs = {}
        for trip in trips.sorted(lambda t: (t.date, t.odometer_start, t.name)):
            key = (trip.vehicle_id, trip.date.year)
            logs.setdefault(key, self.env["support.trip"])
            logs[key] |= trip
        values = []
        for (vehicle, year), log_trips in sorted(
            logs.items(), key=lambda item: (item[0][0].display_name, item[0][1])
        ):
            values.append(
                {
                    "vehicle": vehicle,
                    "year": year,
                    "trips": log_trips,
                    "unit": log_trips[0]._support_unit_label(),
                    "currency": log_trips[0].currency_id,
                    "total_distance": sum(log_trips.mapped("distance")),
                    "total_amount": sum(log_trips.mapped("amount")),
                    "billable_amount": sum(log_trips.filtered("billable").mapped("amount")),
                }
            )
        return {
            "doc_ids": trips.ids,
            "doc_model": "support.trip",
            "docs": trips,
            "logs": values,
        }
