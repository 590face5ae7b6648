from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .support_block_ledger import DRAWING_STATES, HOURS_PRECISION
from .support_cron import process_each

# burn rate over the last 4 weeks; forecast alert and filters 30 days ahead
DEFAULT_BURN_WEEKS = 4
DEFAULT_FORECAST_DAYS = 30
# a forecast further than this is no forecast ("never" at this pace)
FORECAST_HORIZON_DAYS = 3660
FORECAST_REASONS = [
    ("exhaustion", "Hours run out"),
    ("expiry", "Block expires"),
]


class SupportBlockForecast(models.AbstractModel):
    """Burn rate and forecast of a prepaid block (``support.block`` inherits it): when
    its hours run out at the pace they are drawn, in a fixed number of queries for any
    number of blocks, and the daily scheduled action that moves them with today."""

    _name = "support.block.forecast"
    _description = "Prepaid Support Block Forecast"

    # stored for the renewal pipeline (ordered and grouped by month), computed again
    # whenever the entries or terms change and each day by the forecast cron
    burn_rate = fields.Float(
        string="Burn Rate (h/week)",
        compute="_compute_forecast",
        store=True,
        help="Block hours drawn per week over the last weeks of its entries (4 by default, "
        "see Settings), or since the block's start when it is younger.",
    )
    forecast_exhaustion_date = fields.Date(
        string="Runs Out About",
        compute="_compute_forecast",
        store=True,
        index="btree_not_null",
        help="When the block runs out at its burn rate: today plus the remaining hours "
        "divided by the burn rate; its expiry date when that comes first; today when "
        "nothing is left. Empty when nothing is drawn and the block never expires.",
    )
    forecast_reason = fields.Selection(
        FORECAST_REASONS,
        string="Ends By",
        compute="_compute_forecast",
        store=True,
        help="Whether the block ends by running out of hours or by expiring.",
    )
    days_left = fields.Integer(
        compute="_compute_days_left",
        search="_search_days_left",
        help="Days until the forecast date (0 when it is today or past).",
    )
    forecast_runs_out_soon = fields.Boolean(
        string="Runs Out Soon",
        compute="_compute_forecast_soon",
        search="_search_forecast_runs_out_soon",
        help="The hours of this running block run out within the forecast window of the "
        "Settings (30 days by default).",
    )
    expires_soon = fields.Boolean(
        compute="_compute_forecast_soon",
        search="_search_expires_soon",
        help="This running block expires within the forecast window of the Settings.",
    )

    # ------------------------------------------------------------------ computes

    @api.depends(
        "state",
        "date_start",
        "date_end",
        "hours_available",
        "rollover_hours_out",
        "timesheet_ids.date",
        "timesheet_ids.support_block_hours",
        "timesheet_ids.support_is_overage",
        "company_id.support_block_burn_weeks",
    )
    def _compute_forecast(self):
        forecasts = self._support_forecast_values(fields.Date.context_today(self))
        for block in self:
            burn_rate, date, reason = forecasts.get(block._origin.id, (0.0, False, False))
            block.burn_rate = burn_rate
            block.forecast_exhaustion_date = date
            block.forecast_reason = reason

    @api.depends("forecast_exhaustion_date")
    def _compute_days_left(self):
        today = fields.Date.context_today(self)
        for block in self:
            date = block.forecast_exhaustion_date
            block.days_left = max((date - today).days, 0) if date else 0

    def _search_days_left(self, operator, value):
        if operator not in ("<", "<=", ">", ">=", "=") or not isinstance(value, int):
            raise UserError(self.env._("Search the days left with a whole number of days."))
        limit = fields.Date.context_today(self) + timedelta(days=value)
        if operator == "=":
            return [("forecast_exhaustion_date", "=", limit)]
        return [
            ("forecast_exhaustion_date", "!=", False),
            ("forecast_exhaustion_date", operator, limit),
        ]

    @api.depends_context("company")
    @api.depends("state", "forecast_exhaustion_date", "forecast_reason", "date_end")
    def _compute_forecast_soon(self):
        today = fields.Date.context_today(self)
        limit = today + timedelta(days=self.env.company._support_forecast_days())
        for block in self:
            running = block.state in DRAWING_STATES
            block.forecast_runs_out_soon = (
                running
                and block.forecast_reason == "exhaustion"
                and block.forecast_exhaustion_date <= limit
            )
            block.expires_soon = bool(
                running and block.date_end and today <= block.date_end <= limit
            )

    def _search_forecast_runs_out_soon(self, operator, value):
        limit = fields.Date.context_today(self) + timedelta(
            days=self.env.company._support_forecast_days()
        )
        domain = [
            ("state", "in", DRAWING_STATES),
            ("forecast_reason", "=", "exhaustion"),
            ("forecast_exhaustion_date", "<=", limit),
        ]
        return self._support_bool_search(domain, operator, value)

    def _search_expires_soon(self, operator, value):
        today = fields.Date.context_today(self)
        limit = today + timedelta(days=self.env.company._support_forecast_days())
        domain = [
            ("state", "in", DRAWING_STATES),
            ("date_end", ">=", today),
            ("date_end", "<=", limit),
        ]
        return self._support_bool_search(domain, operator, value)

    def _support_bool_search(self, domain, operator, value):
        """``domain`` for ``field = True``; the other blocks for ``field = False``
        (a negated domain would leave out the rows whose values are NULL)."""
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise NotImplementedError(f"Unsupported search: {operator} {value!r}")
        if (operator == "=") == value:
            return domain
        return [("id", "not in", self._search(domain))]

    # ---------------------------------------------------------- business methods

    def _support_forecast_values(self, today):
        """{block id: (burn rate, forecast date, forecast reason)} of ``self`` on
        ``today``, in two grouped queries whatever the number of blocks (the balances
        and the block hours drawn per day of the burn windows).

        The burn window is the last N weeks (the company's setting) ending today, or
        ending on the expiry date of a block that expired; it starts at the block's
        start when the block is younger. The burn rate is the block hours drawn (not
        overage) by the entries dated in it, per week. Running blocks get a forecast:
        today when nothing is left, else today + remaining / burn rate (whole days),
        or the expiry date when that comes first; none when nothing is drawn and the
        block never expires."""
        blocks = self.filtered(lambda b: b._origin.id and b.state not in ("draft", "cancelled"))
        if not blocks:
            return {}
        windows = {}
        for block in blocks:
            end = min(today, block.date_end) if block.date_end else today
            weeks = block.company_id.support_block_burn_weeks or DEFAULT_BURN_WEEKS
            start = max(block.date_start, end - timedelta(days=7 * weeks - 1))
            if start <= end:
                windows[block._origin.id] = (start, end)
        drawn = defaultdict(float)
        if windows:
            groups = (
                self.env["account.analytic.line"]
                .sudo()
                ._read_group(
                    [
                        ("support_block_id", "in", list(windows)),
                        ("support_is_overage", "=", False),
                        ("date", ">=", min(start for start, __ in windows.values())),
                        ("date", "<=", max(end for __, end in windows.values())),
                    ],
                    ["support_block_id", "date:day"],
                    ["support_block_hours:sum"],
                )
            )
            for block, day, hours in groups:
                start, end = windows[block.id]
                if start <= day <= end:
                    drawn[block.id] += hours
        result = {}
        for block in blocks:
            block_id = block._origin.id
            burn_rate = 0.0
            if block_id in windows:
                start, end = windows[block_id]
                burn_rate = drawn[block_id] * 7.0 / ((end - start).days + 1)
            result[block_id] = (burn_rate,) + block._support_forecast(today, burn_rate)
        return result

    def _support_forecast(self, today, burn_rate):
        """(forecast date, reason) of this block at ``burn_rate`` on ``today``."""
        self.ensure_one()
        if self.state not in DRAWING_STATES:
            return False, False
        remaining = self.hours_remaining
        exhaustion = False
        if float_compare(remaining, 0.0, precision_digits=HOURS_PRECISION) <= 0:
            exhaustion = today
        elif float_compare(burn_rate, 0.0, precision_digits=HOURS_PRECISION) > 0:
            days = remaining * 7.0 / burn_rate
            if days <= FORECAST_HORIZON_DAYS:
                exhaustion = today + timedelta(days=int(days))
        if self.date_end and (not exhaustion or self.date_end < exhaustion):
            return self.date_end, "expiry"
        return exhaustion, exhaustion and "exhaustion"

    def _support_refresh_forecast(self, today=None):
        """Compute the forecast of ``self`` again for today (the burn window and today
        move every day) and store the ones that changed, like the ORM's recompute, in a
        constant number of reads (Odoo writes the changed rows in one ``UPDATE`` per 100);
        returns the blocks whose forecast changed. Writing
        only what changed keeps the daily run off the rows of blocks being drawn from."""
        values = self._support_forecast_values(today or fields.Date.context_today(self))
        changed_ids = []
        for block in self:
            burn_rate, date, reason = values.get(block.id, (0.0, False, False))
            if (
                float_compare(block.burn_rate, burn_rate, precision_digits=6)
                or block.forecast_exhaustion_date != date
                or block.forecast_reason != reason
            ):
                changed_ids.append(block.id)
        changed = self.browse(changed_ids)
        if not changed:
            return changed
        forecast_fields = [
            self._fields[fname]
            for fname in ("burn_rate", "forecast_exhaustion_date", "forecast_reason")
        ]
        with self.env.protecting(forecast_fields, changed):
            for block in changed:
                block.burn_rate, block.forecast_exhaustion_date, block.forecast_reason = (
                    values.get(block.id, (0.0, False, False))
                )
        changed.invalidate_recordset(["days_left", "forecast_runs_out_soon", "expires_soon"])
        return changed

    @api.model
    def _cron_forecast_blocks(self):
        """Compute the forecast of the running blocks for today, then send the forecast
        alerts that are due.

        The forecasts are stored in one batch; each alert is sent in its own savepoint:
        a block that fails is left as it was (its alert not recorded) and logged, the
        others are alerted, and the next run retries it."""
        today = fields.Date.context_today(self)
        blocks = self.search([("state", "in", DRAWING_STATES)])
        blocks._support_refresh_forecast(today)
        due = blocks.filtered(
            lambda b: (
                b.state == "active"
                and not b.forecast_alert_fired
                and not b.renewed_block_id
                and b.forecast_exhaustion_date
            )
        )
        return process_each(
            due, lambda block: block._support_forecast_alert(today), "Support: block forecast"
        )
