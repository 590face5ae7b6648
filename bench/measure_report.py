"""The support analysis report grouped by customer against the raw SQL and Odoo's own
``_read_group``, and the ``EXPLAIN ANALYZE`` of its query (``bench/out/explain_*.txt``)."""

from common import OUT, interleaved_best_of, patched

REPORT_RUNS = 15


class ReportMeasure:
    """Part of ``bench.Bench``: measure 1."""

    # -- 1. the report grouped by customer ------------------------------------------------
    def report_by_customer(self):
        cr = self.cr
        raw_query = (
            "SELECT partner_id, SUM(unit_amount), SUM(billed_hours), SUM(amount), COUNT(*) "
            "FROM account_analytic_line GROUP BY partner_id"
        )

        def raw():
            cr.execute(raw_query)
            return cr.fetchall()

        # the pivot's default measures
        aggregates = [
            "hours:sum",
            "cost:sum",
            "revenue:sum",
            "margin:sum",
            "margin_percent:avg",
            "__count",
        ]
        manager_env = self.user_env(self.manager)
        report = manager_env["support.profitability.report"]
        lines = manager_env["account.analytic.line"]
        line_aggregates = ["unit_amount:sum", "billed_hours:sum", "amount:sum", "__count"]
        # a third of a second each: more rounds than the other measures, so that the
        # ratio of the bests is the queries' own and not the machine's (2 shared cores
        # move single timings by 10-30 %)
        results = interleaved_best_of(
            max(self.runs, REPORT_RUNS),
            cr,
            {
                "raw": raw,
                "report": lambda: report._read_group([], ["partner_id"], aggregates),
                "report_su": lambda: report.sudo()._read_group([], ["partner_id"], aggregates),
                "odoo_su": lambda: lines.sudo()._read_group([], ["partner_id"], line_aggregates),
                "odoo_rules": lambda: lines._read_group([], ["partner_id"], line_aggregates),
            },
            before=self.env.invalidate_all,
        )
        raw_measure, raw_rows = results["raw"]
        report_measure, groups = results["report"]
        su_measure = results["report_su"][0]
        odoo_su = results["odoo_su"][0]
        odoo_rules = results["odoo_rules"][0]
        base = raw_measure.seconds
        ratio = report_measure.seconds / base
        self.row(
            "raw SQL GROUP BY partner_id over account_analytic_line",
            f"{base * 1000:.0f} ms ({len(raw_rows):,} groups)",
            "1.0×",
            "",
            raw_measure,
        )
        self.row(
            "report by customer, ORM _read_group as Support Manager (rules on)",
            f"{report_measure.seconds * 1000:.0f} ms = {ratio:.2f}× raw, "
            f"{report_measure.queries} queries ({len(groups):,} customers)",
            "≤ 1.2×",
            "met" if ratio <= 1.2 else "NOT met",
            report_measure,
        )
        self.row(
            "  same as superuser (no rules)",
            f"{su_measure.seconds * 1000:.0f} ms = {su_measure.seconds / base:.2f}× raw",
            "",
            "",
            su_measure,
        )
        self.row(
            "  reference: Odoo _read_group on account.analytic.line, superuser",
            f"{odoo_su.seconds * 1000:.0f} ms = {odoo_su.seconds / base:.2f}× raw",
            "",
            "",
            odoo_su,
        )
        self.row(
            "  reference: same as Support Manager (timesheet rules)",
            f"{odoo_rules.seconds * 1000:.0f} ms = {odoo_rules.seconds / base:.2f}× raw",
            "",
            "",
            odoo_rules,
        )
        self.explain(report, [], ["partner_id"], aggregates, "report_by_customer")

    def explain(self, model, domain, groupby, aggregates, name):
        """EXPLAIN ANALYZE of the query ``_read_group`` runs, written to bench/out/."""
        cr = self.cr
        captured = []
        execute = type(cr).execute

        def capture(cursor, query, params=None, log_exceptions=True):
            captured.append((query, params))
            return execute(cursor, query, params, log_exceptions)

        with patched(type(cr), "execute", capture):
            model._read_group(domain, groupby, aggregates)
        query, params = next(
            (query, params)
            for query, params in reversed(captured)
            if "support_profitability_report" in str(query)
        )
        if isinstance(query, self.odoo.tools.SQL):
            query, params = query.code, query.params
        cr.execute(f"EXPLAIN (ANALYZE, BUFFERS) {query}", params)
        OUT.mkdir(parents=True, exist_ok=True)
        plan = "\n".join(row[0] for row in cr.fetchall())
        (OUT / f"explain_{name}.txt").write_text(
            f"{cr.mogrify(query, params).decode()}\n\n{plan}\n"
        )
