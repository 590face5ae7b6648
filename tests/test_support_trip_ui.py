from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestSupportTripUi(HttpCase):
    def test_log_trip_from_task_tour(self):
        van = self.env.ref("it_support_time.vehicle_demo_van")
        self.assertEqual(van.odometer, 48412.0)
        self.start_tour("/odoo", "it_support_time_log_trip", login="marc", timeout=180)
        trip = self.env["support.trip"].search(
            [("employee_id", "=", self.env.ref("it_support_time.employee_tech_marc").id)],
            order="id desc",
            limit=1,
        )
        self.assertRecordValues(
            trip,
            [
                {
                    "vehicle_id": van.id,
                    "distance": 27.0,
                    "odometer_start": 48412.0,
                    "odometer_end": 48439.0,
                    "state": "confirmed",
                    "purpose": "Server and network maintenance",
                }
            ],
        )
        self.assertEqual(trip.task_id.name, "Server and network maintenance")
        self.assertEqual(trip.partner_id, trip.task_id.partner_id.commercial_partner_id)
        self.assertEqual(trip.odometer_id.value, 48439.0)
        self.assertEqual(van.odometer, 48439.0)

    def test_vehicle_mileage_tour(self):
        van = self.env.ref("it_support_time.vehicle_demo_van")
        self.assertEqual(van.with_user(self.env.ref("base.user_admin")).support_trip_count, 5)
        self.start_tour("/odoo", "it_support_time_vehicle_mileage", login="admin", timeout=180)
