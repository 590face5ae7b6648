import math

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_round

ROUND_METHODS = [
    ("up", "Round up"),
    ("nearest", "Round to nearest"),
    ("down", "Round down"),
]


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

    @api.constrains("support_round_increment", "support_round_minimum")
    def _check_support_rounding(self):
        for company in self:
            _check_rounding_values(
                self.env,
                company.support_round_minimum,
                company.support_round_increment,
                company.name,
            )

    def _support_rounding_policy(self):
        """(minimum, increment, method) of the company's default policy."""
        self.ensure_one()
        return (
            self.support_round_minimum,
            self.support_round_increment,
            self.support_round_method,
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
