from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, TransactionCase, freeze_time, tagged
from odoo.tools import mute_logger

from .mileage_common import MileageCommon


@tagged("post_install", "-at_install")
class TestTripValues(MileageCommon):
    """Distance, unit, rate and amount of a trip."""

    def test_distance_from_odometer_readings(self):
        trip = self._trip(odometer_start=10000, odometer_end=10042.5)
        self.assertRecordValues(
            trip,
            [
                {
                    "distance": 42.5,
                    "distance_unit": "kilometers",
                    "rate": 0.40,
                    "amount": 17.0,
                    "employee_id": self.employee_user.id,
                    "partner_id": self.customer.id,
                    "state": "draft",
                    "billable": True,
                }
            ],
        )
        self.assertRegex(trip.name, r"^TRIP/2025/\d{4}$")

    def test_distance_entered_without_readings(self):
        trip = self._trip(distance=18)
        self.assertRecordValues(
            trip, [{"distance": 18.0, "odometer_start": 0.0, "odometer_end": 0.0, "amount": 7.2}]
        )
        # the readings, once given, decide the distance
        trip.write({"odometer_start": 10000, "odometer_end": 10025})
        self.assertEqual(trip.distance, 25.0)
        self.assertEqual(trip.amount, 10.0)

    def test_rate_vehicle_over_company_km_and_mi(self):
        km = self._trip(vehicle_id=self.van_km.id, distance=10)
        mi = self._trip(vehicle_id=self.car_mi.id, distance=10)
        own = self._trip(vehicle_id=self.van_own_rate.id, distance=10)
        self.assertRecordValues(
            km + mi + own,
            [
                {"distance_unit": "kilometers", "rate": 0.40, "amount": 4.0},
                {"distance_unit": "miles", "rate": 0.70, "amount": 7.0},
                {"distance_unit": "kilometers", "rate": 0.55, "amount": 5.5},
            ],
        )
        self.assertEqual(mi._support_unit_label(), "mi")

    def test_rate_follows_the_vehicle_in_the_form(self):
        with Form(self.env["support.trip"].with_user(self.support_user)) as form:
            form.vehicle_id = self.car_mi
            form.purpose = "Visit"
            form.distance = 20
            self.assertEqual(form.rate, 0.70)
            self.assertEqual(form.amount, 14.0)
            self.assertEqual(form.vehicle_odometer, 5000.0)
            form.vehicle_id = self.van_own_rate
            self.assertEqual(form.rate, 0.55)
            self.assertEqual(form.distance_unit, "kilometers")
            form.rate = 0.30  # a rate agreed with this customer
            self.assertEqual(form.amount, 6.0)
        trip = form.record
        self.assertRecordValues(trip, [{"rate": 0.30, "amount": 6.0}])

    def test_company_rate_change_does_not_reprice_logged_trips(self):
        trip = self._trip(distance=10)
        self.assertEqual(trip.rate, 0.40)
        self.company.support_mileage_rate_km = 0.50
        self.assertEqual(trip.rate, 0.40)
        self.assertEqual(self._trip(distance=10).rate, 0.50)

    def test_negative_rates_refused(self):
        with self.assertRefused(ValidationError, "cannot be negative"):
            self.company.support_mileage_rate_mi = -0.1
        self.assertEqual(self.company.support_mileage_rate_mi, 0.70)
        with self.assertRefused(ValidationError, "cannot be negative"):
            self.van_km.support_mileage_rate = -1
        self.assertEqual(self.van_km.support_mileage_rate, 0.0)

    def test_customer_is_the_commercial_entity(self):
        task = self.env["project.task"].create(
            {
                "name": "Contact's request",
                "project_id": self.project.id,
                "partner_id": self.customer_contact.id,
            }
        )
        trip = self._trip(task_id=task.id, distance=5)
        self.assertEqual(trip.partner_id, self.customer)
        trip.partner_id = self.customer_contact
        self.assertEqual(trip.partner_id, self.customer)


@tagged("post_install", "-at_install")
class TestTripConfirm(MileageCommon):
    """Confirming writes a Fleet odometer reading; bad trips are refused, nothing written."""

    def _assert_nothing_written(self, trip, readings_before):
        self.assertEqual(trip.state, "draft")
        self.assertFalse(trip.odometer_id)
        self.assertEqual(self._readings(trip.vehicle_id), readings_before)

    def test_confirm_writes_odometer_reading(self):
        trip = self._trip(odometer_start=10010, odometer_end=10052, date="2025-03-11")
        trip.with_user(self.support_user).action_confirm()
        self.assertEqual(trip.state, "confirmed")
        self.assertRecordValues(
            trip.odometer_id,
            [
                {
                    "vehicle_id": self.van_km.id,
                    "value": 10052.0,
                    "date": fields.Date.to_date("2025-03-11"),
                }
            ],
        )
        self.assertEqual(self.van_km.odometer, 10052.0)
        self.assertEqual(len(self._readings(self.van_km)), 2)

    def test_confirm_without_readings_continues_the_odometer(self):
        trip = self._trip(vehicle_id=self.car_mi.id, distance=23.4)
        trip.with_user(self.support_user).action_confirm()
        self.assertRecordValues(
            trip,
            [
                {
                    "state": "confirmed",
                    "odometer_start": 5000.0,
                    "odometer_end": 5023.4,
                    "distance": 23.4,
                    "amount": 16.38,
                }
            ],
        )
        self.assertEqual(trip.odometer_id.value, 5023.4)

    def test_confirm_several_trips_in_the_order_driven(self):
        later = self._trip(distance=30, date="2025-03-12")
        earlier = self._trip(distance=12, date="2025-03-11")
        (later | earlier).with_user(self.support_user).action_confirm()
        self.assertRecordValues(
            earlier + later,
            [
                {"odometer_start": 10000.0, "odometer_end": 10012.0},
                {"odometer_start": 10012.0, "odometer_end": 10042.0},
            ],
        )
        self.assertEqual(self.van_km.odometer, 10042.0)

    def test_refuse_end_before_start(self):
        readings = self._readings(self.van_km)
        with self.assertRefused(ValidationError, "before its start"):
            self._trip(odometer_start=10100, odometer_end=10090)
        self.assertFalse(self.env["support.trip"].search([("vehicle_id", "=", self.van_km.id)]))
        trip = self._trip(odometer_start=10100, odometer_end=10120)
        with self.assertRefused(ValidationError, "before its start"):
            trip.with_user(self.support_user).write({"odometer_end": 10050})
        self.assertEqual(trip.odometer_end, 10120.0)
        self.assertEqual(trip.distance, 20.0)
        self._assert_nothing_written(trip, readings)

    def test_refuse_start_below_last_odometer(self):
        readings = self._readings(self.van_km)
        trip = self._trip(odometer_start=9990, odometer_end=10020)
        with self.assertRefused(
            ValidationError, r"already reads 10000.0 km.*never goes backwards"
        ):
            trip.with_user(self.support_user).action_confirm()
        self._assert_nothing_written(trip, readings)

    def test_refuse_batch_when_one_trip_goes_backwards(self):
        readings = self._readings(self.van_km)
        first = self._trip(odometer_start=10000, odometer_end=10050, date="2025-03-11")
        second = self._trip(odometer_start=10040, odometer_end=10060, date="2025-03-12")
        with self.assertRefused(ValidationError, "already reads 10050.0 km"):
            (first | second).with_user(self.support_user).action_confirm()
        self._assert_nothing_written(first, readings)
        self._assert_nothing_written(second, readings)

    def test_refuse_zero_distance(self):
        readings = self._readings(self.van_km)
        trip = self._trip()
        with self.assertRefused(ValidationError, "has no distance"):
            trip.with_user(self.support_user).action_confirm()
        self._assert_nothing_written(trip, readings)
        trip.write({"odometer_start": 10000, "odometer_end": 10000})
        with self.assertRefused(ValidationError, "has no distance"):
            trip.with_user(self.support_user).action_confirm()
        self._assert_nothing_written(trip, readings)

    def test_refuse_negative_distance(self):
        readings = self._readings(self.van_km)
        with self.assertRefused(ValidationError, "cannot be negative"):
            self._trip(distance=-5)
        trip = self._trip(distance=5)
        with self.assertRefused(ValidationError, "cannot be negative"):
            trip.with_user(self.support_user).write({"distance": -5})
        self.assertEqual(trip.distance, 5.0)
        self._assert_nothing_written(trip, readings)

    def test_refuse_distance_contradicting_readings(self):
        with self.assertRefused(ValidationError, "does not match its odometer readings"):
            self._trip(odometer_start=10000, odometer_end=10010, distance=50)

    def test_refuse_vehicle_of_another_company(self):
        with self.assertRefused(UserError, "Incompatible companies"):
            self._trip(
                user=self.env.user,
                employee_id=self.employee_user.id,
                vehicle_id=self.other_vehicle.id,
                distance=10,
            )
        self.assertFalse(self._readings(self.other_vehicle))
        # the vehicle moved to another company after the trip was logged
        trip = self._trip(vehicle_id=self.car_mi.id, distance=10)
        self.car_mi.company_id = self.other_company
        readings = self._readings(self.car_mi)
        with self.assertRefused(UserError, "belongs to Other Support Co"):
            trip.with_user(self.support_user).action_confirm()
        self._assert_nothing_written(trip, readings)

    def test_refuse_confirming_twice(self):
        trip = self._trip(distance=10)
        trip.with_user(self.support_user).action_confirm()
        readings = self._readings(self.van_km)
        with self.assertRefused(UserError, "already confirmed"):
            trip.with_user(self.support_manager).action_confirm()
        self.assertEqual(self._readings(self.van_km), readings)
        self.assertEqual(trip.odometer_id.value, 10010.0)

    def test_reset_to_draft_removes_the_reading(self):
        trip = self._trip(distance=10)
        trip.with_user(self.support_user).action_confirm()
        reading = trip.odometer_id
        with self.assertRefused(UserError, "Only a support manager"):
            trip.with_user(self.support_user).action_reset_to_draft()
        self.assertTrue(reading.exists())
        trip.with_user(self.support_manager).action_reset_to_draft()
        self.assertRecordValues(trip, [{"state": "draft", "odometer_id": False}])
        self.assertFalse(reading.exists())
        self.assertEqual(self.van_km.odometer, 10000.0)
        # corrected and confirmed again
        trip.with_user(self.support_user).write({"odometer_end": 10015})
        trip.with_user(self.support_user).action_confirm()
        self.assertEqual(trip.odometer_id.value, 10015.0)

    def test_confirmed_trip_is_locked_until_reset(self):
        trip = self._trip(distance=10)
        trip.action_confirm()
        with self.assertRefused(UserError, "is confirmed: reset it to draft"):
            trip.with_user(self.support_manager).write({"distance": 12})
        self.assertEqual(trip.distance, 10.0)
        with self.assertRefused(UserError, "reset it to draft before deleting"):
            trip.with_user(self.support_manager).unlink()
        self.assertTrue(trip.exists())


@tagged("post_install", "-at_install")
class TestTripInvoicedLock(MileageCommon):
    """An invoiced trip cannot be edited or deleted."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.trip = cls.env["support.trip"].create(
            {
                "date": "2025-03-10",
                "employee_id": cls.employee_user.id,
                "vehicle_id": cls.van_km.id,
                "task_id": cls.task.id,
                "purpose": "Network cabling",
                "distance": 42,
            }
        )
        cls.trip.action_confirm()
        cls.invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.customer.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": cls.trip._support_invoice_line_name(),
                            "quantity": cls.trip.distance,
                            "price_unit": cls.trip.rate,
                        }
                    )
                ],
            }
        )
        cls.line = cls.invoice.invoice_line_ids
        # what the invoicing wizard does
        cls.trip._support_mark_invoiced(cls.line)

    def test_invoiced_trip_values(self):
        self.assertRecordValues(
            self.trip,
            [
                {
                    "state": "invoiced",
                    "support_invoice_line_id": self.line.id,
                    "support_invoice_id": self.invoice.id,
                }
            ],
        )
        self.assertIn(self.trip.name, self.line.name)
        self.assertIn("42.00 km", self.line.name)

    def test_invoiced_trip_cannot_be_edited(self):
        manager_trip = self.trip.with_user(self.support_manager)
        for vals in (
            {"purpose": "Changed"},
            {"distance": 50},
            {"rate": 1.0},
            {"billable": False},
            {"state": "draft"},
            {"state": "confirmed"},
            {"support_invoice_line_id": False},
        ):
            with self.assertRefused(UserError, r"is invoiced on .*no longer be changed"):
                manager_trip.write(vals)
        with self.assertRefused(UserError, "is invoiced"):
            manager_trip.action_reset_to_draft()
        with self.assertRefused(UserError, "already invoiced"):
            manager_trip.action_confirm()
        self.assertRecordValues(
            self.trip,
            [
                {
                    "purpose": "Network cabling",
                    "distance": 42.0,
                    "state": "invoiced",
                    "support_invoice_line_id": self.line.id,
                }
            ],
        )
        # chatter stays open
        manager_trip.message_post(body="Checked with the customer")

    def test_linked_trip_is_locked_whatever_its_state(self):
        trip = self._trip(distance=5)
        trip.action_confirm()
        trip.support_invoice_line_id = self.line
        with self.assertRefused(UserError, "is invoiced"):
            trip.with_user(self.support_manager).write({"purpose": "Changed"})

    def test_invoiced_trip_cannot_be_deleted(self):
        with self.assertRefused(UserError, r"is invoiced on .*cannot be deleted"):
            self.trip.with_user(self.support_manager).unlink()
        self.assertTrue(self.trip.exists())

    def test_release_from_draft_invoice_only(self):
        self.invoice.action_post()
        with self.assertRefused(UserError, "no longer be changed"):
            self.trip.with_user(self.support_manager)._support_release_invoice()
        self.assertEqual(self.trip.state, "invoiced")
        self.invoice.button_draft()
        self.trip.with_user(self.support_manager)._support_release_invoice()
        self.assertRecordValues(
            self.trip, [{"state": "confirmed", "support_invoice_line_id": False}]
        )

    def test_deleting_the_draft_invoice_releases_the_trip(self):
        # the line releases its trips before it goes: no trip stays invoiced without an
        # invoice
        self.invoice.unlink()
        self.assertFalse(self.line.exists())
        self.assertRecordValues(
            self.trip, [{"state": "confirmed", "support_invoice_line_id": False}]
        )

    def test_billing_line_cannot_vanish_while_linked(self):
        # the database refuses to delete a line that still bills a trip (the trip would
        # stay invoiced without an invoice); deleting goes through the release above
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env.cr.execute("DELETE FROM account_move_line WHERE id = %s", [self.line.id])
        self.assertTrue(self.line.exists())

    def test_only_confirmed_trips_are_invoiced(self):
        draft = self._trip(distance=5)
        with self.assertRefused(UserError, "Only confirmed trips can be invoiced"):
            draft._support_mark_invoiced(self.line)
        self.assertFalse(draft.support_invoice_line_id)


@tagged("post_install", "-at_install")
class TestTripAccess(MileageCommon):
    """Support users log their own trips; managers manage all."""

    def test_support_user_logs_and_confirms_own_trip(self):
        Trip = self.env["support.trip"].with_user(self.support_user)
        trip = Trip.create({"vehicle_id": self.van_km.id, "purpose": "Visit", "distance": 7})
        self.assertEqual(trip.employee_id, self.employee_user)
        self.assertEqual(trip.company_id, self.company)
        # no Fleet rights, yet the odometer is written
        self.assertFalse(self.support_user.has_group("fleet.fleet_group_user"))
        trip.action_confirm()
        self.assertEqual(trip.odometer_id.sudo().value, 10007.0)
        with self.assertRaises(AccessError):
            self.env["fleet.vehicle.odometer"].with_user(self.support_user).search([])

    def test_support_user_cannot_touch_others_trips(self):
        others = self._trip(user=self.other_user, distance=3)
        self.assertEqual(others.employee_id, self.employee_other)
        as_user = others.with_user(self.support_user)
        self.assertEqual(as_user.purpose, "On-site visit")  # reading is fine
        with self.assertRaises(AccessError):
            as_user.write({"purpose": "Mine now"})
        with self.assertRaises(AccessError):
            as_user.unlink()
        with self.assertRaises(AccessError):
            as_user.action_confirm()
        self.assertEqual(others.state, "draft")
        with self.assertRaises(AccessError):
            self._trip(employee_id=self.employee_other.id, distance=3)

    def test_support_user_cannot_edit_own_confirmed_trip(self):
        trip = self._trip(distance=3)
        trip.with_user(self.support_user).action_confirm()
        with self.assertRaises(UserError):  # the lock, else the record rule (AccessError)
            trip.with_user(self.support_user).write({"purpose": "Changed"})
        self.assertEqual(trip.purpose, "On-site visit")

    def test_support_user_deletes_own_draft(self):
        trip = self._trip(distance=3)
        trip.with_user(self.support_user).unlink()
        self.assertFalse(trip.exists())

    def test_manager_edits_any_draft(self):
        trip = self._trip(user=self.other_user, distance=3)
        trip.with_user(self.support_manager).write({"purpose": "Fixed by manager"})
        self.assertEqual(trip.purpose, "Fixed by manager")

    def test_trips_of_other_companies_are_hidden(self):
        driver = self.env["hr.employee"].create(
            {"name": "Abroad Driver", "company_id": self.other_company.id}
        )
        other_trip = self.env["support.trip"].create(
            {
                "company_id": self.other_company.id,
                "employee_id": driver.id,
                "vehicle_id": self.other_vehicle.id,
                "purpose": "Elsewhere",
                "distance": 9,
            }
        )
        own_trip = self._trip(distance=1)
        visible = self.env["support.trip"].with_user(self.support_manager).search([])
        self.assertNotIn(other_trip, visible)
        self.assertIn(own_trip, visible)

    def test_support_user_reads_vehicles(self):
        vehicles = self.env["fleet.vehicle"].with_user(self.support_user).search([])
        self.assertIn(self.van_km, vehicles)
        self.assertNotIn(self.other_vehicle, vehicles)
        self.assertEqual(self.van_km.with_user(self.support_user).odometer_unit, "kilometers")


@tagged("post_install", "-at_install")
class TestTripFromTaskAndTimer(MileageCommon):
    """Logging a trip from the task and from the quick timer's stop form."""

    def test_log_trip_from_task(self):
        task = self.task.with_user(self.support_user)
        action = task.action_support_log_trip()
        self.assertEqual(action["res_model"], "support.trip")
        Trip = self.env["support.trip"].with_user(self.support_user)
        with Form(Trip.with_context(**action["context"])) as form:
            self.assertEqual(form.task_id, self.task)
            self.assertEqual(form.partner_id, self.customer)
            self.assertEqual(form.purpose, "Help desk")
            form.vehicle_id = self.car_mi
            form.odometer_start = 5000
            form.odometer_end = 5012
            self.assertEqual(form.distance, 12.0)
        trip = form.record
        self.assertRecordValues(trip, [{"task_id": self.task.id, "distance": 12.0, "amount": 8.4}])
        self.assertEqual(task.support_trip_count, 1)
        self.assertEqual(task.support_trip_ids, trip)
        view = task.action_support_view_trips()
        self.assertEqual(self.env["support.trip"].search(view["domain"]), trip)

    def test_create_from_timer_with_distance(self):
        Trip = self.env["support.trip"].with_user(self.support_user)
        trip = Trip.create_from_timer(self.task.id, self.van_own_rate.id, distance=14)
        self.assertRecordValues(
            trip,
            [
                {
                    "task_id": self.task.id,
                    "partner_id": self.customer.id,
                    "employee_id": self.employee_user.id,
                    "vehicle_id": self.van_own_rate.id,
                    "purpose": "Help desk",
                    "distance": 14.0,
                    "rate": 0.55,
                    "amount": 7.7,
                    "state": "draft",
                }
            ],
        )

    def test_create_from_timer_with_readings_and_confirm(self):
        Trip = self.env["support.trip"].with_user(self.support_user)
        trip = Trip.create_from_timer(
            self.task.id,
            self.van_km.id,
            purpose="Replace router",
            odometer_start=10000,
            odometer_end=10033,
            confirm=True,
        )
        self.assertRecordValues(
            trip, [{"purpose": "Replace router", "distance": 33.0, "state": "confirmed"}]
        )
        self.assertEqual(self.van_km.odometer, 10033.0)

    def test_create_from_timer_without_distance_refused(self):
        Trip = self.env["support.trip"].with_user(self.support_user)
        with self.assertRefused(UserError, "Enter the distance driven"):
            Trip.create_from_timer(self.task.id, self.van_km.id)
        self.assertFalse(self.env["support.trip"].search([("task_id", "=", self.task.id)]))


@tagged("post_install", "-at_install")
class TestVehicleMileage(MileageCommon):
    """The vehicle's trips button and the yearly mileage log wizard."""

    @freeze_time("2025-06-30")
    def test_vehicle_trips_button(self):
        self._trip(distance=10, date="2024-12-30").action_confirm()
        self._trip(distance=20, date="2025-02-01").action_confirm()
        self._trip(distance=30, date="2025-05-01").action_confirm()
        self._trip(distance=99, date="2025-06-01")  # draft: not driven for the log yet
        self._trip(vehicle_id=self.car_mi.id, distance=5, date="2025-03-01").action_confirm()
        vehicles = (self.van_km | self.car_mi).with_user(self.support_user)
        self.assertRecordValues(
            vehicles,
            [
                {"support_trip_count": 4, "support_trip_distance_year": 50.0},
                {"support_trip_count": 1, "support_trip_distance_year": 5.0},
            ],
        )
        action = self.van_km.action_view_support_trips()
        self.assertEqual(len(self.env["support.trip"].search(action["domain"])), 4)

    def test_mileage_log_wizard(self):
        first = self._trip(distance=10, date="2025-02-01")
        second = self._trip(distance=20, date="2025-05-01")
        (first | second).action_confirm()
        self._trip(distance=5, date="2025-06-01")  # draft
        self._trip(distance=7, date="2024-06-01").action_confirm()  # other year
        action = self.van_km.with_user(self.support_user).action_support_mileage_log()
        Wizard = self.env[action["res_model"]].with_user(self.support_user)
        with Form(Wizard.with_context(**action["context"])) as form:
            form.year = 2025
            self.assertEqual(form.trip_count, 2)
            self.assertEqual(form.distance, 30.0)
        wizard = form.record
        report = wizard.action_print()
        self.assertEqual(report["report_name"], "it_support_time.report_support_trip_mileage_log")
        self.assertEqual(report["context"]["active_ids"], (first | second).ids)
        listing = wizard.action_open_list()
        self.assertEqual(self.env["support.trip"].search(listing["domain"]), first | second)
        wizard.year = 2023
        with self.assertRefused(UserError, "has no confirmed trips in 2023"):
            wizard.action_print()

    def test_report_values_group_by_vehicle_and_year(self):
        trips = (
            self._trip(distance=10, date="2025-02-01")
            | self._trip(distance=20.5, date="2025-05-01", billable=False)
            | self._trip(vehicle_id=self.car_mi.id, distance=3, date="2025-02-02")
        )
        trips.action_confirm()
        draft = self._trip(distance=5, date="2025-06-01")
        Report = self.env["report.it_support_time.report_support_trip_mileage_log"]
        values = Report.with_user(self.support_user)._get_report_values((trips | draft).ids)
        logs = values["logs"]
        van_trips = trips.filtered(lambda t: t.vehicle_id == self.van_km)
        self.assertEqual(
            [(log["vehicle"], log["year"], log["trips"], log["unit"]) for log in logs],
            [
                (self.car_mi, 2025, trips[2], "mi"),
                (self.van_km, 2025, van_trips.sorted("date"), "km"),
            ],
        )
        expected = [(3.0, 2.1, 2.1), (30.5, 12.2, 4.0)]
        for log, (distance, amount, billable) in zip(logs, expected, strict=True):
            self.assertAlmostEqual(log["total_distance"], distance)
            self.assertAlmostEqual(log["total_amount"], amount)
            self.assertAlmostEqual(log["billable_amount"], billable)
        with self.assertRefused(UserError, "only lists confirmed trips"):
            Report._get_report_values(draft.ids)


@tagged("post_install", "-at_install")
class TestMileageDemo(TransactionCase):
    def test_demo_vehicles_and_trips(self):
        van = self.env.ref("it_support_time.vehicle_demo_van")
        car = self.env.ref("it_support_time.vehicle_demo_car")
        self.assertEqual((van.odometer_unit, car.odometer_unit), ("kilometers", "miles"))
        self.assertTrue(van.support_mileage_rate)
        self.assertFalse(car.support_mileage_rate)
        trips = self.env["support.trip"].search([("vehicle_id", "in", (van | car).ids)])
        self.assertGreaterEqual(len(trips), 10)
        self.assertEqual(
            trips.employee_id,
            self.env.ref("it_support_time.employee_tech_marc")
            | self.env.ref("it_support_time.employee_tech_julie"),
        )
        self.assertGreaterEqual(len(trips.partner_id), 5)
        confirmed = trips.filtered(lambda t: t.state == "confirmed")
        self.assertTrue(confirmed and trips - confirmed)
        self.assertTrue(all(confirmed.mapped("odometer_id")))
        self.assertEqual(
            van.odometer,
            max(confirmed.filtered(lambda t: t.vehicle_id == van).mapped("odometer_end")),
        )
        for trip in trips:
            self.assertAlmostEqual(trip.amount, round(trip.distance * trip.rate, 2))
        self.assertEqual(
            set(trips.mapped("rate")),
            {van.support_mileage_rate, van.company_id.support_mileage_rate_mi},
        )


@tagged("post_install", "-at_install")
class TestSupportTripBlock(MileageCommon):
    def test_trip_belongs_to_the_block_of_its_task_or_date(self):
        Block = self.env["support.block"]
        block = Block.create(
            {
                "partner_id": self.customer.id,
                "po_number": "PO-TRIP-1",
                "hours_purchased": 10,
                "price_unit": 90,
                "date_start": "2026-01-01",
                "date_end": "2026-06-30",
            }
        )
        block.action_activate()
        on_block_task = self._trip(task_id=block.task_id.id, date="2026-03-01")
        self.assertEqual(on_block_task.block_id, block)
        # another support task of the customer: the block valid on the trip's date
        in_range = self._trip(date="2026-03-02")
        self.assertEqual(in_range.block_id, block)
        after_expiry = self._trip(date="2026-07-15")
        self.assertFalse(after_expiry.block_id)
