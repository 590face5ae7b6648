"""Stopping a quick timer on a task with 10 and with 10,000 earlier entries."""

from common import Measure, highest_memory


class TimerMeasure:
    """Part of ``bench.Bench``: measure 3."""

    # -- 3. timer stop with 10 vs 10,000 earlier entries -----------------------------------
    def timer_stop(self):
        user_env = self.user_env(self.technician)
        tasks = user_env["project.task"].search([("name", "in", ("Timer 10", "Timer 10000"))])
        small = tasks.filtered(lambda task: task.name == "Timer 10")
        big = tasks - small
        results = {}
        for run in range(3):
            for task in (small, big):
                self.env.invalidate_all()
                entry = task.with_env(user_env).action_support_timer_start()
                self.env.flush_all()
                # started 31 minutes ago: every stop writes 31 minutes (0.75 h billed), as
                # the tests do with a frozen clock
                self.sql_one(
                    "UPDATE account_analytic_line SET support_timer_start = "
                    f"(now() at time zone 'UTC') - interval '31 minutes' WHERE id = {entry.id} "
                    "RETURNING id"
                )
                self.env.invalidate_all()
                with Measure(self.cr) as measure:
                    user_env["project.task"].action_support_timer_stop()
                    self.env.flush_all()
                if run:  # the first run warms the registry caches
                    results.setdefault(task.name, []).append(measure)
        small_q = [m.queries for m in results["Timer 10"]]
        big_q = [m.queries for m in results["Timer 10000"]]
        equal = set(small_q) == set(big_q) and len(set(small_q)) == 1
        self.row(
            "timer stop, 10 earlier entries on the task",
            f"{small_q[0]} queries, {min(m.seconds for m in results['Timer 10']) * 1000:.0f} ms",
            "",
            "",
            highest_memory(results["Timer 10"]),
        )
        self.row(
            "timer stop, 10,000 earlier entries on the task",
            f"{big_q[0]} queries, {min(m.seconds for m in results['Timer 10000']) * 1000:.0f} ms",
            "equal",
            "met" if equal else f"NOT met ({small_q} vs {big_q})",
            highest_memory(results["Timer 10000"]),
        )
