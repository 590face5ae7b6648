from odoo.tests import new_test_user

from .common import SupportCommon


class MileageCommon(SupportCommon):
    """Company rates, vehicles in km and mi (one with its own rate) with an odometer
    history, and a vehicle of another company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"support_mileage_rate_km": 0.40, "support_mileage_rate_mi": 0.70})
        brand = cls.env["fleet.vehicle.model.brand"].create({"name": "Test Motors"})
        model = cls.env["fleet.vehicle.model"].create(
            {"name": "Test Van", "brand_id": brand.id, "vehicle_type": "car"}
        )
        Vehicle = cls.env["fleet.vehicle"]
        cls.van_km = Vehicle.create(
            {
                "model_id": model.id,
                "license_plate": "VAN-KM-1",
                "odometer_unit": "kilometers",
                "company_id": cls.company.id,
            }
        )
        cls.car_mi = Vehicle.create(
            {
                "model_id": model.id,
                "license_plate": "CAR-MI-2",
                "odometer_unit": "miles",
                "company_id": cls.company.id,
            }
        )
        cls.van_own_rate = Vehicle.create(
            {
                "model_id": model.id,
                "license_plate": "OWN-RATE-3",
                "odometer_unit": "kilometers",
                "support_mileage_rate": 0.55,
                "company_id": cls.company.id,
            }
        )
        cls.env["fleet.vehicle.odometer"].create(
            [
                {"vehicle_id": cls.van_km.id, "value": 10000.0, "date": "2025-01-02"},
                {"vehicle_id": cls.car_mi.id, "value": 5000.0, "date": "2025-01-02"},
            ]
        )
        cls.other_company = cls.env["res.company"].create({"name": "Other Support Co"})
        cls.other_vehicle = Vehicle.create(
            {
                "model_id": model.id,
                "license_plate": "OTHER-4",
                "company_id": cls.other_company.id,
            }
        )
        cls.other_user = new_test_user(
            cls.env,
            login="other_tech",
            groups="base.group_user,it_support_time.group_support_user",
            name="Olga Other",
        )
        cls.employee_other = cls.env["hr.employee"].create(
            {"name": "Olga Other", "user_id": cls.other_user.id}
        )

    def _trip(self, user=None, **vals):
        """A draft trip logged by ``user`` (default: the support user) on the task."""
        user = user or self.support_user
        values = {
            "date": "2025-03-10",
            "vehicle_id": self.van_km.id,
            "task_id": self.task.id,
            "purpose": "On-site visit",
        }
        values.update(vals)
        trip = self.env["support.trip"].with_user(user).create(values)
        return trip.with_env(self.env)

    def _readings(self, vehicle):
        return self.env["fleet.vehicle.odometer"].search([("vehicle_id", "=", vehicle.id)])
