import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

from .support_block_alert import DEFAULT_THRESHOLDS, check_thresholds
from .support_block_forecast import DEFAULT_BURN_WEEKS, DEFAULT_FORECAST_DAYS

ROUND_METHODS = [
    ("up", "Round up"),
    ("nearest", "Round to nearest"),
    ("down", "Round down"),
]
# the company's rounding policy (also a customer's, when it overrides it)
SUPPORT_ROUNDING_FIELDS = (
    "support_round_minimum",
    "support_round_increment",
    "support_round_method",
)


def round_support_minutes(minutes, minimum, increment, method):
    """Billed minutes for ``minutes`` worked under a rounding policy.

    The minimum applies first (a 7-minute call with a 15-minute minimum bills 15),
    then the duration is rounded to a multiple of ``increment`` by ``method``.
    Zero or negative durations bill nothing.
    """
    # ignore float noise of hours <-> minutes conversions (0.5166… h * 60)
    minutes = float_round(minutes, precision_digits=6)
    if minutes <= 0:
        return 0.0
    minutes = max(minutes, minimum or 0.0)
    steps = minutes / increment
    if method == "up":
        steps = math.ceil(float_round(steps, precision_digits=6))
    elif method == "down":
        steps = math.floor(float_round(steps, precision_digits=6))
    else:
        steps = float_round(steps, precision_digits=0, rounding_method="HALF-UP")
    return steps * increment


class ResCompany(models.Model):
    _inherit = "res.company"

    support_round_minimum = fields.Integer(
        string="Minimum Billed Time",
        default=15,
        help="Every billable support session bills at least this many minutes.",
    )
    support_round_increment = fields.Integer(
        string="Billing Increment",
        default=15,
        help="Billable time is rounded to a multiple of this many minutes.",
    )
    support_round_method = fields.Selection(
        ROUND_METHODS,
        string="Rounding Method",
        default="up",
        required=True,
    )
    support_block_alert_thresholds = fields.Char(
        string="Block Alert Thresholds",
        default=DEFAULT_THRESHOLDS,
        help="Default usage percentages, separated by commas, at which a prepaid block "
        "alerts its account manager.",
    )
    support_block_alert_email = fields.Boolean(
        string="Email Block Alerts to Customers",
        help="At each alert threshold, also email the customer's contact the balance of "
        "the block.",
    )
    support_default_type_id = fields.Many2one(
        "support.type",
        string="Default Support Type",
        domain="[('billable', '=', True), ('company_id', 'in', [id, False])]",
        default=lambda self: self.env.ref(
            "it_support_time.support_type_remote", raise_if_not_found=False
        ),
        help="Support type of the time logged on a support project when neither the "
        "technician, the task nor the customer gives one, so that no time is left unbilled "
        "by accident. Empty: such time has no type and is not billable.",
    )
    support_block_burn_weeks = fields.Integer(
        string="Burn Rate Weeks",
        default=DEFAULT_BURN_WEEKS,
        help="The burn rate of a prepaid block is the block hours drawn per week over "
        "this many last weeks (since the block's start when it is younger).",
    )
    support_block_forecast_days = fields.Integer(
        string="Forecast Alert Days",
        default=DEFAULT_FORECAST_DAYS,
        help="A block whose forecast (the day it runs out or expires) comes within this "
        "many days alerts its account manager once, and is listed by the Runs Out Soon "
        "and Expires Soon filters.",
    )
    support_milestone_plan_id = fields.Many2one(
        "support.milestone.plan",
        string="Default Milestone Plan",
        check_company=True,
        default=lambda self: self.env.ref(
            "it_support_time.support_milestone_plan_half", raise_if_not_found=False
        ),
        help="How new blocks are invoiced, unless sold with a product that has its own "
        "plan. Empty: blocks have no milestones (invoiced by their sales order or by hand).",
    )
    support_milestone_auto_post = fields.Boolean(
        string="Post Milestone Invoices",
        help="Post milestone invoices as soon as they are created, instead of leaving them "
        "in draft for the accountant.",
    )
    support_milestone_product_id = fields.Many2one(
        "product.product",
        string="Milestone Invoice Product",
        check_company=True,
        domain="[('type', '=', 'service')]",
        default=lambda self: self.env.ref(
            "it_support_time.product_support_milestone", raise_if_not_found=False
        ),
        help="Product of the invoice lines of blocks not sold on a sales order: its "
        "income account and taxes apply.",
    )

    support_mileage_rate_km = fields.Float(
        string="Mileage Rate per km",
        digits="Support Mileage Rate",
        help="Amount billed per kilometre on support trips with vehicles counting in km, "
        "unless the vehicle has its own rate.",
    )
    support_mileage_rate_mi = fields.Float(
        string="Mileage Rate per mi",
        digits="Support Mileage Rate",
        help="Amount billed per mile on support trips with vehicles counting in miles, "
        "unless the vehicle has its own rate.",
    )

    support_timer_max_hours = fields.Float(
        string="Timer Maximum",
        default=10.0,
        help="A quick timer left running longer than this many hours is stopped at this "
        "maximum and its entry flagged for review.",
    )

    # -- meetings as support time (calendar) --------------------------------------------
    support_meeting_type_id = fields.Many2one(
        "support.type",
        string="Support Type of Meetings",
        check_company=True,
        domain="[('kind', '=', 'meeting')]",
        default=lambda self: self.env.ref(
            "it_support_time.support_type_meeting", raise_if_not_found=False
        ),
        help="Support type of the time logged from calendar meetings (Log Support Time): "
        "billable or not as the type says.",
    )
    support_meeting_auto_log = fields.Boolean(
        string="Log Meetings Automatically",
        help="A scheduled action logs the meetings that ended and have a support task as "
        "support time of their attendees, as Log Support Time does.",
    )

    support_invoice_show_po = fields.Boolean(
        string="PO on Invoices",
        default=True,
        help="Print the customer's PO (the invoice reference) prominently on customer invoices.",
    )

    support_invoice_show_time = fields.Boolean(
        string="Time Detail on Invoices",
        default=True,
        help="Print the detail of the support time billed (date, technician, type, "
        "description, hours) on customer invoices.",
    )

    support_invoice_show_mileage = fields.Boolean(
        string="Mileage Detail on Invoices",
        default=True,
        help="Print the detail of the trips billed on customer invoices.",
    )

    support_invoice_show_block = fields.Boolean(
        string="Block Statement on Invoices",
        default=True,
        help="Print the statement of the prepaid blocks an invoice concerns (purchased, "
        "used to date, on this invoice, remaining).",
    )

    # -- support analysis: what a trip costs the shop (not what is billed) --------
    support_mileage_cost_km = fields.Float(
        string="Mileage Cost per km",
        digits="Support Mileage Rate",
        groups="it_support_time.group_support_manager",
        help="What a kilometre driven on a support trip costs the company (fuel, wear, "
        "insurance), for the support profitability analysis. Not billed to customers.",
    )

    support_mileage_cost_mi = fields.Float(
        string="Mileage Cost per mi",
        digits="Support Mileage Rate",
        groups="it_support_time.group_support_manager",
        help="What a mile driven on a support trip costs the company, for the support "
        "profitability analysis. Not billed to customers.",
    )

    @api.constrains("support_mileage_rate_km", "support_mileage_rate_mi")
    def _check_support_mileage_rates(self):
        for company in self:
            if company.support_mileage_rate_km < 0 or company.support_mileage_rate_mi < 0:
                raise ValidationError(
                    self.env._(
                        "The mileage rates of %(company)s cannot be negative: use 0 for trips "
                        "that are not charged.",
                        company=company.name,
                    )
                )

    @api.constrains("support_round_increment", "support_round_minimum")
    def _check_support_rounding(self):
        for company in self:
            _check_rounding_values(
                self.env,
                company.support_round_minimum,
                company.support_round_increment,
                company.name,
            )

    @api.constrains("support_default_type_id")
    def _check_support_default_type(self):
        for company in self:
            support_type = company.sudo().support_default_type_id
            if not support_type:
                continue
            if support_type.company_id not in (company, self.env["res.company"]):
                raise ValidationError(
                    self.env._(
                        "The default support type of %(company)s must be one of its own "
                        "types or one shared by all companies, not %(type)s of %(other)s.",
                        company=company.name,
                        type=support_type.name,
                        other=support_type.company_id.name,
                    )
                )
            if not support_type.billable:
                raise ValidationError(
                    self.env._(
                        "%(type)s is not billable: the default support type bills the time "
                        "nobody typed, so pick a billable type (or leave the setting empty).",
                        type=support_type.name,
                    )
                )

    @api.constrains("support_block_alert_thresholds")
    def _check_support_block_alert_thresholds(self):
        for company in self:
            check_thresholds(self.env, company.support_block_alert_thresholds)

    @api.constrains("support_block_burn_weeks", "support_block_forecast_days")
    def _check_support_block_forecast(self):
        for company in self:
            if not 1 <= company.support_block_burn_weeks <= 52:
                raise ValidationError(
                    self.env._(
                        "The burn rate of %(company)s is measured over 1 to 52 weeks (for "
                        "example 4).",
                        company=company.name,
                    )
                )
            if not 1 <= company.support_block_forecast_days <= 366:
                raise ValidationError(
                    self.env._(
                        "The forecast alert of %(company)s looks 1 to 366 days ahead (for "
                        "example 30).",
                        company=company.name,
                    )
                )

    def write(self, vals):
        if set(SUPPORT_ROUNDING_FIELDS).intersection(vals):
            # res.partner._support_cached_rounding_policy
            self.env.registry.clear_cache()
        return super().write(vals)

    def _support_forecast_days(self):
        """Days ahead a block's forecast alerts and the forecast filters look."""
        self.ensure_one()
        return self.support_block_forecast_days or DEFAULT_FORECAST_DAYS

    @api.model
    def _support_install_default_type(self):
        """Give the companies existing at install Remote Support as default support type
        (new companies get it as a field default). Run at install only: a company that
        empties the setting later keeps it empty."""
        remote = self.env.ref("it_support_time.support_type_remote")
        self.search([("support_default_type_id", "=", False)]).support_default_type_id = remote

    @api.model
    def _support_install_milestone_defaults(self):
        """Give the companies existing at install the default milestone plan and
        invoice product (new companies get them as field defaults)."""
        plan = self.env.ref("it_support_time.support_milestone_plan_half")
        product = self.env.ref("it_support_time.product_support_milestone")
        for company in self.search([]):
            values = {}
            if not company.support_milestone_plan_id:
                values["support_milestone_plan_id"] = plan.id
            if not company.support_milestone_product_id:
                values["support_milestone_product_id"] = product.id
            if values:
                company.write(values)

    @api.model
    def _support_install_meeting_type(self):
        """Give the companies existing at install the Meeting support type for the time
        of their calendar meetings (new companies get it as a field default)."""
        meeting = self.env.ref("it_support_time.support_type_meeting", raise_if_not_found=False)
        if meeting:
            self.search([("support_meeting_type_id", "=", False)]).write(
                {"support_meeting_type_id": meeting.id}
            )

    def _support_rounding_policy(self):
        """(minimum, increment, method) of the company's default policy."""
        self.ensure_one()
        return (
            self.support_round_minimum,
            self.support_round_increment,
            self.support_round_method,
        )

    @api.constrains("support_meeting_type_id")
    def _check_support_meeting_type(self):
        for company in self:
            support_type = company.support_meeting_type_id
            if support_type and support_type.kind != "meeting":
                raise ValidationError(
                    self.env._(
                        "The support type of meetings of %(company)s must be of kind Meeting, "
                        "%(type)s is not.",
                        company=company.name,
                        type=support_type.name,
                    )
                )

    @api.constrains("support_timer_max_hours")
    def _check_support_timer_max_hours(self):
        for company in self:
            if not 0 < company.support_timer_max_hours <= 24:
                raise ValidationError(
                    self.env._(
                        "The timer maximum of %(company)s must be between 0 and 24 hours "
                        "(for example 10).",
                        company=company.name,
                    )
                )

    @api.constrains("support_mileage_cost_km", "support_mileage_cost_mi")
    def _check_support_mileage_costs(self):
        for company in self.sudo():
            if company.support_mileage_cost_km < 0 or company.support_mileage_cost_mi < 0:
                raise ValidationError(
                    self.env._(
                        "The mileage costs of %(company)s cannot be negative: use 0 when "
                        "trips cost nothing.",
                        company=company.name,
                    )
                )


def _check_rounding_values(env, minimum, increment, owner):
    if increment is None or increment <= 0:
        raise ValidationError(
            env._(
                "The billing increment of %(owner)s must be a positive number of minutes "
                "(for example 15).",
                owner=owner,
            )
        )
    if minimum is not None and minimum < 0:
        raise ValidationError(
            env._(
                "The minimum billed time of %(owner)s cannot be negative: use 0 for no minimum.",
                owner=owner,
            )
        )
