from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare, format_date

from .support_block_ledger import DRAWING_STATES, HOURS_PRECISION

DEFAULT_THRESHOLDS = "75,90,100"


def parse_thresholds(text):
    """Sorted percentages of a "75,90,100" string; ``ValueError`` when malformed."""
    values = set()
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        value = int(part)
        if value <= 0 or value > 1000:
            raise ValueError(part)
        values.add(value)
    return sorted(values)


def format_thresholds(values):
    return ",".join(str(value) for value in sorted(values))


def check_thresholds(env, text):
    try:
        parse_thresholds(text)
    except ValueError as error:
        raise ValidationError(
            env._(
                "Alert thresholds are whole percentages separated by commas, for example "
                "75,90,100 (%(value)s is not valid).",
                value=text,
            )
        ) from error


class SupportBlockAlert(models.AbstractModel):
    """Balance alerts of a prepaid block (``support.block`` inherits it): each usage
    threshold and the forecast alert fire once, as an activity for the account manager
    and, if enabled, the balance alert email to the customer."""

    _name = "support.block.alert"
    _description = "Prepaid Support Block Alerts"

    alert_thresholds = fields.Char(
        default=lambda self: self.env.company.support_block_alert_thresholds or DEFAULT_THRESHOLDS,
        help="Usage percentages, separated by commas, at which the account manager (and "
        "the customer, if enabled in Settings) is alerted. Each fires once.",
    )
    alert_fired = fields.Char(
        string="Alerts Sent",
        readonly=True,
        copy=False,
        help="Thresholds whose alert was sent.",
    )
    forecast_alert_fired = fields.Boolean(
        string="Forecast Alert Sent",
        readonly=True,
        copy=False,
        help="The account manager was alerted that the block runs out soon (once per block).",
    )

    # --------------------------------------------------------------- constraints

    @api.constrains("alert_thresholds")
    def _check_alert_thresholds(self):
        for block in self:
            check_thresholds(self.env, block.alert_thresholds)

    # ---------------------------------------------------------- business methods

    def _support_check_alerts(self):
        """Fire the alert of each threshold the usage has reached, once per threshold."""
        for block in self:
            if block.state not in DRAWING_STATES:
                continue
            try:
                thresholds = parse_thresholds(block.alert_thresholds)
                fired = set(parse_thresholds(block.alert_fired))
            except ValueError:
                continue
            reached = [
                threshold
                for threshold in thresholds
                if threshold not in fired
                and float_compare(block.usage_percent, threshold, precision_digits=2) >= 0
            ]
            if not reached:
                continue
            # recorded on the block row: a concurrent transaction firing the same
            # threshold conflicts on it and is retried, then sees it fired
            block.alert_fired = format_thresholds(fired | set(reached))
            block._support_send_alert(max(reached))

    def _support_send_alert(self, threshold):
        """An activity for the account manager and, if enabled, an email to the
        customer with the balance."""
        self.ensure_one()
        summary = self.env._(
            "%(block)s is %(percent)s%% used: %(hours)s h left",
            block=self.name,
            percent=threshold,
            hours=f"{self.hours_remaining:.2f}",
        )
        note = self.env._(
            "%(customer)s has used %(used)s of %(available)s hours of block %(block)s "
            "(PO %(po)s). Time to offer the renewal?",
            customer=self.partner_id.name,
            used=f"{self.hours_used:.2f}",
            available=f"{self.hours_available:.2f}",
            block=self.name,
            po=self.po_number,
        )
        self._support_notify_alert(summary, note)

    def _support_notify_alert(self, summary, note):
        """A to-do activity for the account manager (a chatter note without one) and,
        when *Email Block Alerts to Customers* is on, the balance alert email (balance
        and forecast) to the block's contact."""
        self.ensure_one()
        if self.user_id:
            self.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=summary,
                note=note,
                user_id=self.user_id.id,
            )
        else:
            self.message_post(body=Markup("<p>%s</p>") % summary)
        recipient = self.contact_id or self.partner_id
        if self.company_id.support_block_alert_email and recipient.email:
            template = self.env.ref(
                "it_support_time.mail_template_support_block_alert", raise_if_not_found=False
            )
            if template:
                self.message_post_with_source(
                    template,
                    message_type="comment",
                    subtype_xmlid="mail.mt_comment",
                )

    def _support_check_forecast_alerts(self):
        """Alert the account manager of each running block whose forecast comes within
        the company's forecast days, once per block."""
        today = fields.Date.context_today(self)
        for block in self:
            block._support_forecast_alert(today)

    def _support_forecast_alert(self, today):
        """Send this block's forecast alert if it is due and was not sent; returns
        whether it was sent. Only an active block with hours left and no renewal is
        alerted (an exhausted block had its usage alerts)."""
        self.ensure_one()
        date = self.forecast_exhaustion_date
        if (
            self.forecast_alert_fired
            or self.state != "active"
            or self.renewed_block_id
            or not date
            or float_compare(self.hours_remaining, 0.0, precision_digits=HOURS_PRECISION) <= 0
            or (date - today).days > self.company_id._support_forecast_days()
        ):
            return False
        # recorded on the block row, like the thresholds: a concurrent transaction
        # sending it too conflicts on the row and is retried, then sees it sent
        self.forecast_alert_fired = True
        date_text = format_date(self.env, date, date_format="d MMM y")
        if self.forecast_reason == "expiry":
            summary = self.env._(
                "%(block)s expires on %(date)s with %(hours)s h left",
                block=self.name,
                date=date_text,
                hours=f"{self.hours_remaining:.2f}",
            )
        else:
            summary = self.env._(
                "%(block)s runs out about %(date)s: %(hours)s h left",
                block=self.name,
                date=date_text,
                hours=f"{self.hours_remaining:.2f}",
            )
        note = self.env._(
            "%(customer)s draws %(rate)s h a week from block %(block)s (PO %(po)s): "
            "%(hours)s h left, %(days)s days to go. Time to offer the renewal?",
            customer=self.partner_id.name,
            rate=f"{self.burn_rate:.2f}",
            block=self.name,
            po=self.po_number,
            hours=f"{self.hours_remaining:.2f}",
            days=max((date - today).days, 0),
        )
        self._support_notify_alert(summary, note)
        return True
