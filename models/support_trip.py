from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_compare, float_is_zero, float_round, format_date, formatLang

DISTANCE_UNITS = [("kilometers", "km"), ("miles", "mi")]

# What a trip is: once confirmed these only change through a reset to draft, once
# invoiced never.
TRIP_FIELDS = {
    "block_id",
    "name",
    "company_id",
    "date",
    "employee_id",
    "vehicle_id",
    "partner_id",
    "task_id",
    "purpose",
    "odometer_start",
    "odometer_end",
    "distance",
    "distance_unit",
    "rate",
    "amount",
    "billable",
}
# written by the workflow itself (confirm, reset, invoicing) on confirmed trips
WORKFLOW_FIELDS = {"state", "odometer_id", "support_invoice_line_id"}


class SupportTrip(models.Model):
    _name = "support.trip"
    _description = "Support Trip"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    def _default_employee_id(self):
        return self.env.user.employee_id

    def _default_vehicle_id(self):
        # the vehicle the user drives in Fleet, if any
        return self.env["fleet.vehicle"].search(
            [
                ("driver_id", "=", self.env.user.partner_id.id),
                ("company_id", "in", [self.env.company.id, False]),
            ],
            limit=1,
        )

    name = fields.Char(string="Reference", required=True, readonly=True, copy=False, default="/")
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today, index=True, tracking=True)
    employee_id = fields.Many2one(
        "hr.employee",
        string="Driver",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        default=_default_employee_id,
    )
    vehicle_id = fields.Many2one(
        "fleet.vehicle",
        required=True,
        index=True,
        check_company=True,
        tracking=True,
        default=_default_vehicle_id,
    )
    task_id = fields.Many2one(
        "project.task",
        index="btree_not_null",
        check_company=True,
        tracking=True,
        domain="[('project_id.is_support_project', '=', True)]",
    )
    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        compute="_compute_partner_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        check_company=True,
        tracking=True,
        help="The customer (company) visited; taken from the task.",
    )
    block_id = fields.Many2one(
        "support.block",
        string="Prepaid Block",
        compute="_compute_block_id",
        store=True,
        readonly=False,
        index="btree_not_null",
        check_company=True,
        domain="[('partner_id', '=', partner_id)]",
        help="The customer's block the trip belongs to: the task's block, else the block "
        "valid on the trip's date. Its PO goes on the invoice that bills the trip.",
    )
    purpose = fields.Char(required=True, tracking=True, help="Why the trip was made.")
    odometer_start = fields.Float(
        digits=(16, 2),
        tracking=True,
        help="Odometer when leaving. Empty: the vehicle's last odometer when the trip is "
        "confirmed.",
    )
    odometer_end = fields.Float(
        digits=(16, 2),
        tracking=True,
        help="Odometer when back. When set, the distance is end minus start.",
    )
    distance = fields.Float(
        compute="_compute_distance",
        store=True,
        readonly=False,
        digits=(16, 2),
        tracking=True,
        help="Distance driven: computed from the odometer readings, or entered when there "
        "are none.",
    )
    distance_unit = fields.Selection(
        DISTANCE_UNITS,
        string="Unit",
        compute="_compute_distance_unit",
        store=True,
        help="The vehicle's odometer unit.",
    )
    vehicle_odometer = fields.Float(
        string="Vehicle's Last Odometer",
        compute="_compute_vehicle_odometer",
        digits=(16, 2),
    )
    rate = fields.Float(
        compute="_compute_rate",
        store=True,
        readonly=False,
        digits="Support Mileage Rate",
        tracking=True,
        help="Amount per km or mi: the vehicle's own mileage rate if set, else the "
        "company's rate for the vehicle's unit (Settings › Support).",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        currency_field="currency_id",
        help="Distance × rate, in the company's currency.",
    )
    billable = fields.Boolean(default=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("confirmed", "Confirmed"), ("invoiced", "Invoiced")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        index=True,
        tracking=True,
    )
    odometer_id = fields.Many2one(
        "fleet.vehicle.odometer",
        string="Odometer Reading",
        readonly=True,
        copy=False,
        ondelete="set null",
        help="The Fleet odometer reading written when the trip was confirmed.",
    )
    support_invoice_line_id = fields.Many2one(
        "account.move.line",
        string="Invoice Line",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The customer invoice line this trip was billed on.",
    )
    support_invoice_id = fields.Many2one(
        related="support_invoice_line_id.move_id", string="Invoice"
    )

    _sql_constraints = [
        ("rate_not_negative", "CHECK(rate >= 0)", "A mileage rate cannot be negative."),
        (
            "odometer_not_negative",
            "CHECK(odometer_start >= 0 AND odometer_end >= 0)",
            "Odometer readings cannot be negative.",
        ),
    ]

    # -- computes -----------------------------------------------------------------

    @api.depends("task_id")
    def _compute_partner_id(self):
        for trip in self:
            partner = trip.task_id.partner_id or trip.task_id.project_id.partner_id
            if partner:
                trip.partner_id = partner.commercial_partner_id

    @api.depends("task_id", "partner_id", "date")
    def _compute_block_id(self):
        Ledger = self.env["support.block.ledger"]
        for trip in self:
            if not trip.partner_id or not trip.date:
                trip.block_id = False
                continue
            key = (
                trip.partner_id.commercial_partner_id,
                trip.company_id or self.env.company,
                trip.task_id._origin,
            )
            trip.block_id = Ledger._support_first_blocks([key], trip.date)[key]

    @api.depends("odometer_start", "odometer_end")
    def _compute_distance(self):
        # without an end reading the distance is what the driver entered
        for trip in self:
            if trip.odometer_end:
                trip.distance = float_round(trip.odometer_end - trip.odometer_start, 2)

    # The unit and the rate are read when the vehicle is chosen: changing a vehicle or a
    # company rate later does not re-price trips already logged (they may be invoiced).
    @api.depends("vehicle_id")
    def _compute_distance_unit(self):
        for trip in self:
            trip.distance_unit = trip.vehicle_id.odometer_unit or "kilometers"

    @api.depends("vehicle_id", "distance_unit", "company_id")
    def _compute_rate(self):
        for trip in self:
            trip.rate = trip._support_default_rate()

    @api.depends("distance", "rate", "currency_id")
    def _compute_amount(self):
        for trip in self:
            amount = trip.distance * trip.rate
            trip.amount = trip.currency_id.round(amount) if trip.currency_id else amount

    @api.depends("vehicle_id")
    def _compute_vehicle_odometer(self):
        last = self.vehicle_id._support_last_odometers()
        for trip in self:
            trip.vehicle_odometer = last.get(trip.vehicle_id.id, 0.0)

    # -- constraints --------------------------------------------------------------

    @api.constrains("odometer_start", "odometer_end", "distance")
    def _check_odometer_readings(self):
        for trip in self:
            if trip.odometer_end and float_compare(trip.odometer_end, trip.odometer_start, 2) < 0:
                raise ValidationError(
                    self.env._(
                        "Trip %(trip)s ends at %(end)s, before its start at %(start)s: an "
                        "odometer never goes backwards. Check the two readings.",
                        trip=trip.name,
                        end=trip.odometer_end,
                        start=trip.odometer_start,
                    )
                )
            if trip.distance < 0:
                raise ValidationError(
                    self.env._("The distance of trip %(trip)s cannot be negative.", trip=trip.name)
                )
            if trip.odometer_end and float_compare(
                trip.distance, trip.odometer_end - trip.odometer_start, 2
            ):
                raise ValidationError(
                    self.env._(
                        "The distance of trip %(trip)s (%(distance)s) does not match its "
                        "odometer readings (%(start)s to %(end)s): clear the end reading to "
                        "enter a distance by hand.",
                        trip=trip.name,
                        distance=trip.distance,
                        start=trip.odometer_start,
                        end=trip.odometer_end,
                    )
                )

    # -- CRUD -----------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._support_commercial_partner(vals)
            if vals.get("name", "/") == "/":
                company = self.env["res.company"].browse(vals.get("company_id")) or (
                    self.env.company
                )
                vals["name"] = self.env["ir.sequence"].with_company(company).next_by_code(
                    "support.trip", sequence_date=vals.get("date")
                ) or self.env._("New")
        return super().create(vals_list)

    def write(self, vals):
        self._support_check_lock(vals)
        self._support_commercial_partner(vals)
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_confirmed(self):
        for trip in self:
            if trip.state == "invoiced" or trip.support_invoice_line_id:
                raise UserError(
                    self.env._(
                        "Trip %(trip)s is invoiced on %(invoice)s: it cannot be deleted.",
                        trip=trip.name,
                        invoice=trip._support_invoice_label(),
                    )
                )
            if trip.state != "draft":
                raise UserError(
                    self.env._(
                        "Trip %(trip)s is confirmed and has written an odometer reading: reset "
                        "it to draft before deleting it.",
                        trip=trip.name,
                    )
                )

    def _support_commercial_partner(self, vals):
        """Trips are logged against the customer, not one of its contacts."""
        if vals.get("partner_id"):
            partner = self.env["res.partner"].browse(vals["partner_id"])
            vals["partner_id"] = partner.commercial_partner_id.id

    def _support_check_lock(self, vals):
        """Invoiced trips are frozen; confirmed trips only move through the workflow."""
        changed = TRIP_FIELDS.intersection(vals)
        for trip in self:
            if trip.state == "invoiced" or trip.support_invoice_line_id:
                if changed or not trip._support_is_invoicing_write(vals):
                    raise UserError(
                        self.env._(
                            "Trip %(trip)s is invoiced on %(invoice)s: it can no longer be "
                            "changed.",
                            trip=trip.name,
                            invoice=trip._support_invoice_label(),
                        )
                    )
            elif trip.state == "confirmed" and changed:
                raise UserError(
                    self.env._(
                        "Trip %(trip)s is confirmed: reset it to draft to change it.",
                        trip=trip.name,
                    )
                )

    def _support_is_invoicing_write(self, vals):
        """Whether ``vals`` only moves this invoiced trip along the invoicing: linking it
        to its invoice line / marking it invoiced, or releasing it back to confirmed from
        a line that no longer bills it: a draft or cancelled invoice, or a posted invoice
        fully reversed by a credit note."""
        self.ensure_one()
        if not WORKFLOW_FIELDS.intersection(vals):
            return True  # chatter, followers, activities
        if "odometer_id" in vals:
            return False
        line = self.support_invoice_line_id
        new_state = vals.get("state", self.state)
        new_line_id = vals.get("support_invoice_line_id", line.id)
        if new_state == "invoiced":
            return not line or new_line_id == line.id
        move = line.sudo().move_id
        return (
            new_state == "confirmed"
            and not new_line_id
            and (move.state != "posted" or move.payment_state == "reversed")
        )

    # -- actions ------------------------------------------------------------------

    def action_confirm(self):
        """Confirm draft trips, oldest first: each writes a Fleet odometer reading at the
        end of the trip (the end reading, or the vehicle's last odometer plus the
        distance) and is linked to it. Raises with nothing written when a trip is not a
        draft, its vehicle belongs to another company, its distance is not positive or
        the odometer would go backwards."""
        self.check_access("write")
        # two confirmations on the same vehicle run one after the other: the second
        # waits, is retried, and starts from the first one's reading
        self.vehicle_id._support_lock_odometers()
        last_odometers = {}
        for trip in self.sorted(lambda t: (t.date, t.odometer_start, t.id)):
            trip._support_check_confirmable()
            vehicle = trip.vehicle_id
            if vehicle.id not in last_odometers:
                last_odometers.update(vehicle._support_last_odometers())
            last = last_odometers.get(vehicle.id, 0.0)
            start = trip.odometer_start or last
            if float_compare(start, last, 2) < 0:
                raise ValidationError(
                    self.env._(
                        "The odometer of %(vehicle)s already reads %(last)s %(unit)s: trip "
                        "%(trip)s cannot start at %(start)s %(unit)s, an odometer never goes "
                        "backwards. Check the readings, or confirm trips in the order they "
                        "were driven.",
                        vehicle=vehicle.display_name,
                        last=last,
                        start=start,
                        unit=trip._support_unit_label(),
                        trip=trip.name,
                    )
                )
            end = trip.odometer_end or float_round(start + trip.distance, 2)
            # Support users are no Fleet officers: the reading is created for them, with
            # the values checked above. Its driver is not set: on a reading it is the
            # vehicle's driver (a related field) and setting it would reassign the car.
            reading = (
                self.env["fleet.vehicle.odometer"]
                .sudo()
                .create({"vehicle_id": vehicle.id, "value": end, "date": trip.date})
            )
            last_odometers[vehicle.id] = end
            trip.write(
                {
                    "state": "confirmed",
                    "odometer_id": reading.id,
                    "odometer_start": start,
                    "odometer_end": end,
                }
            )
        return True

    def _support_check_confirmable(self):
        self.ensure_one()
        if self.state != "draft":
            raise UserError(
                self.env._(
                    "Trip %(trip)s is already %(state)s: only draft trips can be confirmed.",
                    trip=self.name,
                    state=dict(self._fields["state"]._description_selection(self.env))[
                        self.state
                    ].lower(),
                )
            )
        vehicle_company = self.vehicle_id.sudo().company_id
        if vehicle_company and vehicle_company != self.company_id:
            raise UserError(
                self.env._(
                    "The vehicle %(vehicle)s belongs to %(vehicle_company)s, not to "
                    "%(company)s: choose a vehicle of %(company)s for trip %(trip)s.",
                    vehicle=self.vehicle_id.sudo().display_name,
                    vehicle_company=vehicle_company.name,
                    company=self.company_id.name,
                    trip=self.name,
                )
            )
        if float_compare(self.distance, 0.0, 2) <= 0:
            raise ValidationError(
                self.env._(
                    "Trip %(trip)s has no distance: enter the distance driven, or the "
                    "odometer at the start and the end, before confirming it.",
                    trip=self.name,
                )
            )
        if self.odometer_end and float_compare(self.odometer_end, self.odometer_start, 2) <= 0:
            raise ValidationError(
                self.env._(
                    "Trip %(trip)s ends at %(end)s, not after its start at %(start)s: an "
                    "odometer never goes backwards.",
                    trip=self.name,
                    end=self.odometer_end,
                    start=self.odometer_start,
                )
            )

    def action_reset_to_draft(self):
        """Put confirmed, not invoiced trips back to draft and remove the odometer reading
        they wrote. Support managers only."""
        if not self.env.user.has_group("it_support_time.group_support_manager"):
            raise UserError(
                self.env._("Only a support manager can reset a confirmed trip to draft.")
            )
        for trip in self:
            if trip.state == "invoiced" or trip.support_invoice_line_id:
                raise UserError(
                    self.env._(
                        "Trip %(trip)s is invoiced on %(invoice)s: it cannot be reset to draft.",
                        trip=trip.name,
                        invoice=trip._support_invoice_label(),
                    )
                )
        confirmed = self.filtered(lambda t: t.state == "confirmed")
        readings = confirmed.odometer_id
        confirmed.write({"state": "draft", "odometer_id": False})
        # the reading was written by the confirmation, on the user's behalf
        readings.sudo().unlink()
        return True

    def action_support_open_invoice(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "account.move",
            "res_id": self.support_invoice_line_id.move_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
        }

    def action_print_mileage_log(self):
        report = self.env.ref("it_support_time.action_report_support_trip_mileage_log")
        return report.report_action(self)

    # -- business methods -----------------------------------------------------------

    @api.model
    @api.returns("self", lambda trip: trip.id)
    def create_from_timer(
        self,
        task_id,
        vehicle_id,
        distance=0.0,
        purpose=None,
        odometer_start=0.0,
        odometer_end=0.0,
        date=None,
        confirm=False,
    ):
        """Log a trip for on-site work on a task, e.g. from the quick timer's stop form.

        Give either ``distance`` or the odometer readings (``odometer_end`` and,
        optionally, ``odometer_start``). The driver is the current user's employee, the
        customer comes from the task, the rate from the vehicle or the company. With
        ``confirm`` the trip is confirmed at once (odometer reading written). Returns the
        trip (its id over RPC)."""
        self._support_check_timer_arguments(
            task_id, vehicle_id, distance, odometer_start, odometer_end
        )
        task = self.env["project.task"].browse(task_id).exists()
        if not task:
            raise UserError(self.env._("The task of this trip no longer exists."))
        if float_is_zero(distance or 0.0, 2) and float_is_zero(odometer_end or 0.0, 2):
            raise UserError(
                self.env._(
                    "Enter the distance driven or the odometer at the end of the trip to log it."
                )
            )
        vals = {
            "task_id": task.id,
            "vehicle_id": vehicle_id,
            "company_id": task.company_id.id or self.env.company.id,
            "purpose": purpose or task.display_name,
        }
        if date:
            vals["date"] = date
        if odometer_end:
            vals.update(odometer_start=odometer_start or 0.0, odometer_end=odometer_end)
        else:
            vals.update(distance=distance, odometer_start=odometer_start or 0.0)
        trip = self.create(vals)
        if confirm:
            trip.action_confirm()
        return trip

    def _support_check_timer_arguments(
        self, task_id, vehicle_id, distance, odometer_start, odometer_end
    ):
        """Refuse malformed RPC arguments of ``create_from_timer`` with a clear error
        before anything is read or written."""
        for name, value in (("task_id", task_id), ("vehicle_id", vehicle_id)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise UserError(
                    self.env._(
                        "Give the %(argument)s of the trip as a record id, not %(value)r.",
                        argument=name,
                        value=value,
                    )
                )
        for name, value in (
            ("distance", distance),
            ("odometer_start", odometer_start),
            ("odometer_end", odometer_end),
        ):
            # False / None: not given (Odoo's empty value)
            if value not in (None, False) and not isinstance(value, int | float):
                raise UserError(
                    self.env._(
                        "The %(argument)s of the trip must be a number, not %(value)r.",
                        argument=name,
                        value=value,
                    )
                )

    def _support_default_rate(self):
        """The vehicle's own rate, else the company's rate for the vehicle's unit."""
        self.ensure_one()
        if self.vehicle_id.support_mileage_rate:
            return self.vehicle_id.support_mileage_rate
        company = self.company_id or self.env.company
        if self.distance_unit == "miles":
            return company.support_mileage_rate_mi
        return company.support_mileage_rate_km

    def _support_unit_label(self):
        self.ensure_one()
        return dict(DISTANCE_UNITS).get(self.distance_unit or "kilometers")

    # -- invoicing hooks (used by the invoicing wizard) -----------------------------

    def _support_invoice_label(self):
        # the name of the invoice, also for support users without accounting rights
        self.ensure_one()
        return self.support_invoice_line_id.sudo().move_id.display_name or "-"

    def _support_invoice_line_name(self, with_distance=True):
        """Label of this trip on a customer invoice line; without the distance when the
        line's quantity is the distance."""
        self.ensure_one()
        if not with_distance:
            return self.env._(
                "Mileage %(trip)s (%(date)s): %(purpose)s",
                trip=self.name,
                date=format_date(self.env, self.date),
                purpose=self.purpose,
            )
        return self.env._(
            "Mileage %(trip)s (%(date)s): %(purpose)s, %(distance)s %(unit)s",
            trip=self.name,
            date=format_date(self.env, self.date),
            purpose=self.purpose,
            distance=formatLang(self.env, self.distance, digits=2),
            unit=self._support_unit_label(),
        )

    def _support_mark_invoiced(self, invoice_line):
        """Link confirmed trips to the invoice line that bills them."""
        not_confirmed = self.filtered(lambda t: t.state != "confirmed")
        if not_confirmed:
            raise UserError(
                self.env._(
                    "Only confirmed trips can be invoiced: %(trips)s.",
                    trips=", ".join(not_confirmed.mapped("name")),
                )
            )
        return self.write({"support_invoice_line_id": invoice_line.id, "state": "invoiced"})

    def _support_release_invoice(self):
        """Put invoiced trips back to confirmed when their invoice line no longer bills
        them (draft invoice or line deleted, invoice cancelled or fully credited).
        Refused for a posted invoice that still bills them."""
        return self.write({"state": "confirmed", "support_invoice_line_id": False})

    # -- support analysis --------------------------------------------------------------
    # a reporting figure in the company currency, stored as a double (summed fast)
    support_revenue = fields.Float(
        string="Revenue",
        compute="_compute_support_revenue",
        store=True,
        groups="it_support_time.group_support_manager",
        help="The trip's amount once the invoice that bills it is posted.",
    )

    @api.depends("amount", "support_invoice_line_id.parent_state")
    def _compute_support_revenue(self):
        for trip in self:
            posted = trip.support_invoice_line_id.parent_state == "posted"
            trip.support_revenue = trip.amount if posted else 0.0

    # stored so that the analysis reads trips alone, as it reads timesheet entries: the
    # distance (2 decimals) × the company's cost per unit, kept exact (numeric column)
    support_mileage_cost = fields.Float(
        string="Mileage Cost",
        compute="_compute_support_mileage_cost",
        store=True,
        digits=(16, 6),
        groups="it_support_time.group_support_manager",
        help="What the trip costs the company: its distance × the company's mileage cost "
        "per km or mi (Settings › Support), in the company's currency. Not billed.",
    )

    @api.depends(
        "distance",
        "distance_unit",
        "company_id.support_mileage_cost_km",
        "company_id.support_mileage_cost_mi",
    )
    def _compute_support_mileage_cost(self):
        for trip in self:
            company = trip.company_id
            per_unit = (
                company.support_mileage_cost_mi
                if trip.distance_unit == "miles"
                else company.support_mileage_cost_km
            )
            trip.support_mileage_cost = (trip.distance or 0.0) * (per_unit or 0.0)
