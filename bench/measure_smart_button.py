"""The customer's smart button: 12-month hours, cost, revenue and margin, for one
customer and for 80 at once."""

from common import best_of


class SmartButtonMeasure:
    """Part of ``bench.Bench``: measure 1b."""

    # -- 1b. the customer's smart button ---------------------------------------------------
    def smart_button(self):
        manager_env = self.user_env(self.manager)
        partner = manager_env["res.partner"].search(
            [("name", "=", "Bench Customer 0007")], limit=1
        )
        fields_ = [
            "support_analysis_hours",
            "support_analysis_cost",
            "support_analysis_revenue",
            "support_analysis_margin",
        ]

        def read_one():
            return partner.read(fields_)

        measure, values = best_of(self.runs, self.cr, read_one, before=self.env.invalidate_all)
        self.row(
            "customer form: 12-month hours, cost, revenue, margin (smart button)",
            f"{measure.seconds * 1000:.1f} ms, {measure.queries} queries "
            f"({values[0]['support_analysis_hours']:.0f} h)",
            "",
            "",
            measure,
        )
        page = manager_env["res.partner"].search([("name", "like", "Bench Customer")], limit=80)
        measure, _values = best_of(
            self.runs, self.cr, lambda: page.read(fields_), before=self.env.invalidate_all
        )
        self.row(
            "  the same for 80 customers at once",
            f"{measure.seconds * 1000:.1f} ms, {measure.queries} queries",
            "one grouped query",
            "",
            measure,
        )
        date_from, date_to = manager_env["support.profitability.report"]._support_last_12_months()
        self.explain(
            manager_env["support.profitability.report"],
            [
                ("partner_id", "in", partner.ids),
                ("date", ">=", date_from),
                ("date", "<=", date_to),
            ],
            ["partner_id"],
            ["hours:sum", "cost:sum", "revenue:sum", "margin:sum", "margin_percent:sum"],
            "smart_button",
        )
