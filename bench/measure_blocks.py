"""Balances of the prepaid blocks, and their burn rates and forecasts computed and
written as the daily cron does."""

from common import best_of


class BlockMeasures:
    """Part of ``bench.Bench``: measures 2 and 2b."""

    # -- 2. balances of 1,000 blocks -----------------------------------------------------------
    def block_balances(self):
        blocks = self.user_env(self.manager)["support.block"].search(
            [("name", "like", "BLK/BENCH/")]
        )

        def balances():
            return [
                (block.hours_used, block.hours_remaining, block.usage_percent, block.hours_overage)
                for block in blocks
            ]

        measure, values = best_of(self.runs, self.cr, balances, before=self.env.invalidate_all)
        used = sum(value[0] for value in values)
        self.row(
            f"balances of {len(blocks):,} blocks (used, remaining, usage, overage)",
            f"{measure.seconds * 1000:.0f} ms, {measure.queries} queries ({used:,.0f} h used)",
            "≤ 5 queries",
            "met" if measure.queries <= 5 else "NOT met",
            measure,
        )

    # -- 2b. burn rates and forecasts of the same blocks, computed again for today -------------
    def block_forecasts(self):
        env = self.user_env(self.manager)
        blocks = env["support.block"].search([("name", "like", "BLK/BENCH/")])
        # as on the day of the blocks' last entry, so that their windows hold four weeks
        # of entries (the data set's time ends before today)
        (last_day,) = self.sql_one(
            "SELECT max(date) FROM account_analytic_line WHERE support_block_id IN "
            "(SELECT id FROM support_block WHERE name LIKE 'BLK/BENCH/%')"
        )

        def forecasts():
            # what the daily cron does: compute for the day, store what changed, read
            changed = blocks._support_refresh_forecast(today=last_day)
            blocks.flush_recordset()
            return len(changed), [
                (block.burn_rate, block.forecast_exhaustion_date) for block in blocks
            ]

        def reset():
            # every run computes and writes them all, as on the first day
            self.cr.execute(
                "UPDATE support_block SET burn_rate = NULL, forecast_exhaustion_date = NULL, "
                "forecast_reason = NULL WHERE name LIKE 'BLK/BENCH/%'"
            )
            self.env.invalidate_all()

        measure, (written, values) = best_of(self.runs, self.cr, forecasts, before=reset)
        dated = sum(1 for _rate, day in values if day)
        # 4 reads whatever the number of blocks, then Odoo writes the changed rows in
        # batches of 100 (odoo.models.UPDATE_BATCH_SIZE): one UPDATE per batch
        batches = -(-written // self.odoo.models.UPDATE_BATCH_SIZE)
        self.row(
            f"burn rate and forecast of {len(blocks):,} blocks on {last_day} (computed, written)",
            f"{measure.seconds * 1000:.0f} ms, {measure.queries} queries ({dated:,} with a "
            f"date, {written:,} written in {batches} UPDATE)",
            "≤ 4 + 1 per 100 written",
            "met" if measure.queries <= 4 + batches else "NOT met",
            measure,
        )

        def soon():
            return env["support.block"].search_count([("forecast_runs_out_soon", "=", True)])

        measure, count = best_of(self.runs, self.cr, soon, before=self.env.invalidate_all)
        self.row(
            "filter Runs Out Soon over the stored forecasts",
            f"{measure.seconds * 1000:.1f} ms, {measure.queries} queries ({count:,} blocks)",
            "",
            "",
            measure,
        )
