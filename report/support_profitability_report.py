from dateutil.relativedelta import relativedelta

from odoo import api, fields, models, tools
from odoo.models import parse_read_group_spec
from odoo.tools import SQL

LINE_TYPES = [("time", "Support Time"), ("mileage", "Mileage")]
REVENUE_SOURCES = [
    ("invoiced", "On an Invoice"),
    ("block", "Prepaid Block"),
    ("to_invoice", "Not Invoiced Yet"),
    ("not_billable", "Not Billable"),
]
SUPPORT_PARTNER_DATE_INDEX = "account_analytic_line_support_partner_date_index"
# margin_percent is a ratio: every aggregate of it is the group's margin over its revenue
RATIO_AGGREGATES = ("sum", "avg", "min", "max")


class SupportProfitabilityReport(models.Model):
    """What support costs and earns: one row per timesheet entry of a support project
    and one per confirmed or invoiced trip, over one SQL view.

    - ``labour_cost``: the entry's cost as Odoo costs timesheets (``hr_timesheet`` writes
      ``amount`` = − hours × the employee's hourly cost, in the company currency);
    - ``mileage_cost``: the trip's distance × the company's cost per km or mi;
    - ``revenue``: for time drawn from a prepaid block, the block's price per hour × the
      block hours drawn (recognised as used); for invoiced time, overage and trips, what
      the posted invoice line bills for them (net of discounts and taxes, in the company
      currency); nothing for time and trips not invoiced yet or not billable.

    The view reads the entries alone, with no join (their customer and revenue are
    stored on them: ``support_partner_id``, ``support_revenue``), so that grouping it
    costs about what grouping the timesheet table costs (README, "Benchmarks").
    """

    _name = "support.profitability.report"
    _description = "Support Profitability Analysis"
    _auto = False
    _order = "date desc, id desc"
    _rec_name = "date"

    # what the view reads: flushed before the report is searched or grouped
    _depends = {
        "account.analytic.line": [
            "date",
            "support_partner_id",
            "support_type_id",
            "employee_id",
            "project_id",
            "task_id",
            "support_block_id",
            "support_is_overage",
            "support_invoice_line_id",
            "company_id",
            "currency_id",
            "unit_amount",
            "billed_hours",
            "billable",
            "amount",
            "support_revenue",
        ],
        "support.trip": [
            "state",
            "date",
            "partner_id",
            "employee_id",
            "task_id",
            "block_id",
            "company_id",
            "distance",
            "distance_unit",
            "billable",
            "support_invoice_line_id",
            "support_revenue",
            "support_mileage_cost",
        ],
        "project.task": ["project_id"],
        "res.company": ["currency_id"],
    }

    line_type = fields.Selection(LINE_TYPES, string="Kind", readonly=True)
    revenue_source = fields.Selection(
        REVENUE_SOURCES,
        string="Revenue From",
        readonly=True,
        help="On an invoice: billed on a customer invoice, its revenue counts once the "
        "invoice is posted. Prepaid block: time drawn from a block, recognised as used. "
        "Not invoiced yet: billable, on no invoice. Not billable: cost only.",
    )
    timesheet_id = fields.Many2one(
        "account.analytic.line", string="Timesheet Entry", readonly=True
    )
    trip_id = fields.Many2one("support.trip", readonly=True)
    date = fields.Date(readonly=True)
    partner_id = fields.Many2one("res.partner", string="Customer", readonly=True)
    support_type_id = fields.Many2one("support.type", readonly=True)
    employee_id = fields.Many2one("hr.employee", readonly=True)
    project_id = fields.Many2one("project.project", readonly=True)
    task_id = fields.Many2one("project.task", readonly=True)
    block_id = fields.Many2one("support.block", string="Prepaid Block", readonly=True)
    company_id = fields.Many2one("res.company", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    hours = fields.Float(string="Hours Worked", readonly=True)
    billed_hours = fields.Float(readonly=True)
    labour_cost = fields.Monetary(readonly=True)
    mileage_cost = fields.Monetary(readonly=True)
    cost = fields.Monetary(string="Total Cost", readonly=True)
    revenue = fields.Monetary(readonly=True)
    margin = fields.Monetary(readonly=True)
    margin_percent = fields.Float(
        string="Margin (%)",
        aggregator="avg",
        readonly=True,
        help="Margin over revenue. Grouped, it is the group's margin over the group's "
        "revenue (not an average of the rows' percentages); empty without revenue.",
    )

    # ----------------------------------------------------------------------- view
    def init(self):
        # A customer's figures (the smart button) filter the entries on their customer
        # and period: this index reads only that customer's entries of the period
        # (measured in bench/, README "Benchmarks").
        tools.create_index(
            self.env.cr,
            SUPPORT_PARTNER_DATE_INDEX,
            "account_analytic_line",
            ["support_partner_id", "date"],
            where="support_partner_id IS NOT NULL",
        )
        tools.drop_view_if_exists(self.env.cr, self._table)
        # The filter stands outside the UNION ALL: a branch without WHERE nor join is
        # read by PostgreSQL as a plain scan of its table (no subquery node per row).
        self.env.cr.execute(
            SQL(
                """CREATE OR REPLACE VIEW %s AS (
                    SELECT * FROM (%s UNION ALL %s) AS analysis
                    WHERE analysis.partner_id IS NOT NULL
                )""",
                SQL.identifier(self._table),
                self._support_time_query(),
                self._support_mileage_query(),
            )
        )

    @api.model
    def _support_time_query(self):
        """One row per timesheet entry of a support project (ids are even), read from the
        entry alone: its customer (``support_partner_id``, set on support entries only),
        its cost (``amount``, written by hr_timesheet) and its revenue
        (``support_revenue``, a double). Costs stay numeric, as Odoo stores them, and
        are also given signed as Odoo signs them (``cost_signed`` = ``amount``, no field):
        grouped costs and margins are computed from it with one negation per group
        instead of one per row (see ``_read_group_select``)."""
        return SQL(
            """
            SELECT
                2 * line.id AS id,
                'time'::varchar AS line_type,
                (CASE
                    WHEN line.support_block_id IS NOT NULL
                     AND NOT COALESCE(line.support_is_overage, FALSE) THEN 'block'
                    WHEN line.support_invoice_line_id IS NOT NULL THEN 'invoiced'
                    WHEN line.billable AND line.billed_hours > 0 THEN 'to_invoice'
                    ELSE 'not_billable'
                END)::varchar AS revenue_source,
                line.id AS timesheet_id,
                NULL::integer AS trip_id,
                line.date AS date,
                line.support_partner_id AS partner_id,
                line.support_type_id AS support_type_id,
                line.employee_id AS employee_id,
                line.project_id AS project_id,
                line.task_id AS task_id,
                line.support_block_id AS block_id,
                line.company_id AS company_id,
                line.currency_id AS currency_id,
                line.unit_amount AS hours,
                line.billed_hours AS billed_hours,
                -line.amount AS labour_cost,
                0.0::numeric AS mileage_cost,
                -line.amount AS cost,
                line.amount AS cost_signed,
                line.support_revenue AS revenue,
                COALESCE(line.support_revenue, 0.0) + line.amount::float8 AS margin,
                100.0 * (line.support_revenue + line.amount::float8)
                    / NULLIF(line.support_revenue, 0.0) AS margin_percent
            FROM account_analytic_line line
            """
        )

    @api.model
    def _support_mileage_query(self):
        """One row per trip (ids are odd), read from the trip alone, like the time
        branch: its cost (``support_mileage_cost``, stored on the trip) and its amount
        once invoiced on a posted invoice (``support_revenue``). Only confirmed and
        invoiced trips count: the others get no customer, which the view's filter drops
        (a ``WHERE`` in the branch would make PostgreSQL read it through a subquery node,
        and a join would keep it from being split between parallel workers). The project
        and currency are looked up only when a query asks for them."""
        return SQL(
            """
            SELECT
                2 * trip.id + 1 AS id,
                'mileage'::varchar AS line_type,
                (CASE
                    WHEN trip.support_invoice_line_id IS NOT NULL THEN 'invoiced'
                    WHEN trip.billable THEN 'to_invoice'
                    ELSE 'not_billable'
                END)::varchar AS revenue_source,
                NULL::integer AS timesheet_id,
                trip.id AS trip_id,
                trip.date AS date,
                (CASE WHEN trip.state IN ('confirmed', 'invoiced') THEN trip.partner_id END)
                    AS partner_id,
                NULL::integer AS support_type_id,
                trip.employee_id AS employee_id,
                (SELECT task.project_id FROM project_task task WHERE task.id = trip.task_id)
                    AS project_id,
                trip.task_id AS task_id,
                trip.block_id AS block_id,
                trip.company_id AS company_id,
                (SELECT company.currency_id FROM res_company company
                  WHERE company.id = trip.company_id) AS currency_id,
                0.0::float8 AS hours,
                0.0::float8 AS billed_hours,
                0.0::numeric AS labour_cost,
                COALESCE(trip.support_mileage_cost, 0.0) AS mileage_cost,
                COALESCE(trip.support_mileage_cost, 0.0) AS cost,
                -COALESCE(trip.support_mileage_cost, 0.0) AS cost_signed,
                trip.support_revenue AS revenue,
                COALESCE(trip.support_revenue, 0.0)
                    - COALESCE(trip.support_mileage_cost, 0.0)::float8 AS margin,
                100.0 * (trip.support_revenue - COALESCE(trip.support_mileage_cost, 0.0)::float8)
                    / NULLIF(trip.support_revenue, 0.0) AS margin_percent
            FROM support_trip trip
            """
        )

    @api.model
    def _support_last_12_months(self):
        """(first day, last day) of the last 12 months, today included: the period of
        the figures on the customer's form."""
        today = fields.Date.context_today(self)
        return today - relativedelta(years=1, days=-1), today

    # ----------------------------------------------------------------- aggregates
    def _read_group_select(self, aggregate_spec, query):
        """Grouped costs and margins from the sums of the view's columns:

        - ``cost``: − the sum of ``cost_signed`` (Odoo's signed amounts): one negation
          per group rather than per row;
        - ``margin``: the group's revenue minus its cost (no margin computed per row);
        - ``margin_percent``: the group's margin over its revenue, never a sum or an
          average of the rows' percentages (as Odoo's purchase reports weigh their
          ratios); empty without revenue."""
        if aggregate_spec == "__count":
            return super()._read_group_select(aggregate_spec, query)
        fname, __, func = parse_read_group_spec(aggregate_spec)
        if (
            fname in ("cost", "margin")
            and func == "sum"
            or (fname == "margin_percent" and func in RATIO_AGGREGATES)
        ):
            # the columns are read as _field_to_sql would (which checks the access)
            self.check_field_access_rights("read", ["cost", "revenue"])
            signed_cost = SQL("SUM(%s)", SQL.identifier(self._table, "cost_signed"))
            if fname == "cost":
                return SQL("(-%s)", signed_cost)
            revenue = SQL("SUM(%s)", self._field_to_sql(self._table, "revenue", query))
            margin = SQL("(%s + %s)", revenue, signed_cost)
            if fname == "margin":
                return margin
            return SQL("100.0 * %s / NULLIF(%s, 0)", margin, revenue)
        return super()._read_group_select(aggregate_spec, query)
