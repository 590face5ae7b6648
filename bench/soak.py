"""Concurrency soak for it_support_time: real multi-process Odoo, many JSON-RPC users.

Starts the module's Odoo with ``--workers=2`` on 127.0.0.1 only and runs ``--clients``
JSON-RPC clients, each a different Support user, for ``--duration`` seconds. They start
and stop quick timers, log and edit time on tasks of shared prepaid blocks and log trips,
while an accountant invoices the time and the module's scheduled actions (block expiry,
overdue timers, monthly invoicing, and any cron the module adds later, e.g. milestone
invoicing) are triggered every second. Every loop is bounded in requests and in time.

Afterwards it checks, straight in SQL (and the balances also through RPC):

- every acknowledged entry exists once: the row the server answered exists with its
  description, and the worked time of its rows (with the pieces a block split it into)
  is what the server acknowledged, edits included;
- each block's balance equals the sum of its entries (``hours_used`` read through RPC vs
  the SQL sum of ``support_block_hours`` of its non-overage entries), no block without
  a go-below-zero policy was overdrawn, each entry draws billed hours × block factor;
- no user ever had two running timers (sampled during the run and at the end);
- nothing was billed twice: each invoice line of support time bills exactly the billed
  hours of the entries linked to it;
- odometer readings written by trips never overlap on a vehicle;
- no milestone has two live invoices (when ``support.block.milestone`` exists);
- every failed request failed with a clean Odoo error (serialization failures Odoo
  retried and gave up on count as clean, and are reported).

It prints the requests, the errors by kind and the invariants; the exit status is 1 when
an invariant does not hold.

    bash scripts/soak.sh                        # 60 s, 8 clients, own database
    bash scripts/soak.sh --duration 10          # the short form the test command runs
    bench/soak.py --db NAME ...                 # an existing database (admin / admin)
"""

import argparse
import collections
import http.cookiejar
import itertools
import json
import os
import random
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))

from odoo_env import LOG_DIR, MODULE, Run, split_argv  # noqa: E402  (Odoo and the databases)

CLEAN_ERRORS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.MissingError",
    "odoo.exceptions.LockError",
    "odoo.exceptions.ConcurrencyError",
}
# Odoo retried the transaction (5 times) and gave up: nothing was written
RETRY_EXHAUSTED = {
    "psycopg2.errors.SerializationFailure",
    "psycopg2.errors.DeadlockDetected",
    "psycopg2.errors.LockNotAvailable",
}
REQUEST_TIMEOUT = 90
EPSILON = 1e-4


class RpcError(Exception):
    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


LOG_RECORD_RE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} ", re.MULTILINE)


def _tracebacks(server_log):
    """The server log's records with a traceback, and among them those of requests Odoo
    gave up retrying after concurrency errors: Odoo logs these with their traceback
    ("Exception during request handling.") although nothing was written."""
    records = [record for record in LOG_RECORD_RE.split(server_log) if "Traceback" in record]
    gave_up = [
        record
        for record in records
        if record.rstrip().splitlines()[-1].split(":")[0] in RETRY_EXHAUSTED
    ]
    return records, gave_up


def _gist(message):
    """The first words of an error message, without the record names and numbers."""
    words = re.sub(r"[\d.,:]+", "#", message.split("\n")[0]).split()
    return " ".join(words[:9])


class Client:
    """A JSON-RPC client of Odoo's web routes (``/web/session/authenticate``, then
    ``/web/dataset/call_kw`` with the session cookie), as the web client and the mobile
    app call the server. (``/jsonrpc`` checks the password hash on every call, which
    costs more CPU than the calls themselves.)"""

    _ids = itertools.count(1)

    def __init__(self, url, db, login, password):
        self.url, self.db, self.login = url, db, login
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        session = self._post(
            "/web/session/authenticate", {"db": db, "login": login, "password": password}
        )
        self.uid = session.get("uid")
        if not self.uid:
            raise SystemExit(f"cannot log in as {login}")

    def _post(self, route, params):
        payload = {"jsonrpc": "2.0", "method": "call", "id": next(self._ids), "params": params}
        request = urllib.request.Request(
            f"{self.url}{route}",
            data=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json"},
        )
        with self.opener.open(request, timeout=REQUEST_TIMEOUT) as response:
            body = json.loads(response.read())
        if "error" in body:
            data = body["error"].get("data") or {}
            raise RpcError(data.get("name", "unknown"), data.get("message", ""))
        return body["result"]

    def call(self, model, method, *args, **kwargs):
        return self._post(
            f"/web/dataset/call_kw/{model}/{method}",
            {"model": model, "method": method, "args": list(args), "kwargs": kwargs},
        )


class Soak:
    def __init__(self, url, db, run, duration, n_clients, seed, max_requests):
        self.url, self.db, self.run = url, db, run
        self.duration = duration
        self.deadline = time.time() + duration
        self.n_clients = n_clients
        self.seed = seed
        self.max_requests = max_requests
        self.tag = f"soak{os.getpid()}"
        self.stats = collections.Counter()
        self.errors = collections.Counter()
        self.messages = collections.Counter()  # (error, gist of its message)
        self.unclean = []
        self.lock = threading.Lock()
        # token -> {"line": acknowledged row id, "hours": acknowledged worked time}
        self.acknowledged = {}
        self.server_log = None
        self.timer_samples = 0
        self.timer_violations = set()
        self.admin = Client(url, db, "admin", "admin")
        self.models = {
            rec["model"]
            for rec in self.admin.call(
                "ir.model", "search_read", [("model", "=like", "support.%")], fields=["model"]
            )
        }

    # -- set-up ------------------------------------------------------------------------
    def setup(self):
        admin = self.admin
        ref = self._ref
        company = admin.call("res.users", "read", [admin.uid], ["company_id"])[0]["company_id"][0]
        # timers left running longer than 18 s are stopped by the overdue-timer cron,
        # while their technicians may be stopping them too
        admin.call("res.company", "write", [company], {"support_timer_max_hours": 0.005})
        groups = [ref("base.group_user"), ref(f"{MODULE}.group_support_user")]
        self.customers, self.tasks, self.blocks = [], [], []
        # small blocks: even the short run exhausts them, splits entries and bills the
        # overage and the time beyond them
        policies = [("overage_rate", 6.0), ("next_block", 6.0), ("negative", 4.0)]
        for index, (policy, hours) in enumerate(policies):
            customer = admin.call(
                "res.partner",
                "create",
                {"name": f"Soak Customer {index} {self.tag}", "is_company": True},
            )
            project = admin.call(
                "project.project",
                "create",
                {
                    "name": f"Support - Soak {index} {self.tag}",
                    "partner_id": customer,
                    "is_support_project": True,
                    "allow_timesheets": True,
                    "privacy_visibility": "employees",
                },
            )
            task = admin.call(
                "project.task",
                "create",
                {"name": f"Help desk {index}", "project_id": project, "partner_id": customer},
            )
            block = admin.call(
                "support.block",
                "create",
                {
                    "partner_id": customer,
                    "po_number": f"PO-{self.tag}-{index}",
                    "hours_purchased": hours,
                    "price_unit": 90.0,
                    "overage_policy": policy,
                    "overage_rate": 120.0,
                    "date_start": "2020-01-01",
                },
            )
            admin.call("support.block", "action_activate", [block])
            block_task = admin.call("support.block", "read", [block], ["task_id"])[0]["task_id"][0]
            self.customers.append(customer)
            self.tasks += [task, block_task]
            self.blocks.append(block)
        # a block that expires (its end date has passed) while time is logged on its task
        expiring = admin.call(
            "support.block",
            "create",
            {
                "partner_id": self.customers[0],
                "po_number": f"PO-{self.tag}-EXP",
                "hours_purchased": 10.0,
                "price_unit": 90.0,
                "date_start": "2020-01-01",
                "date_end": "2020-12-31",
            },
        )
        admin.call("support.block", "action_activate", [expiring])
        self.blocks.append(expiring)
        self.tasks.append(
            admin.call("support.block", "read", [expiring], ["task_id"])[0]["task_id"][0]
        )
        self.support_types = admin.call(
            "support.type", "search", [("billable", "=", True)], limit=3, order="id"
        )
        self.users = []
        for index in range(self.n_clients):
            login = f"{self.tag}_tech{index}"
            uid = admin.call(
                "res.users",
                "create",
                {
                    "name": f"Soak Tech {index}",
                    "login": login,
                    "password": login,
                    "groups_id": [(6, 0, groups)],
                },
            )
            admin.call("hr.employee", "create", {"name": f"Soak Tech {index}", "user_id": uid})
            self.users.append(login)
        accountant = f"{self.tag}_accountant"
        admin.call(
            "res.users",
            "create",
            {
                "name": "Soak Accountant",
                "login": accountant,
                "password": accountant,
                "groups_id": [
                    (
                        6,
                        0,
                        [
                            ref("base.group_user"),
                            ref(f"{MODULE}.group_support_manager"),
                            ref("account.group_account_invoice"),
                        ],
                    )
                ],
            },
        )
        self.accountant = accountant
        self.vehicles = []
        if "support.trip" in self.models:
            self.vehicles = admin.call(
                "fleet.vehicle", "search", [("company_id", "in", [company, False])], limit=2
            )
        self.crons = admin.call(
            "ir.model.data",
            "search_read",
            [("module", "=", MODULE), ("model", "=", "ir.cron")],
            fields=["res_id", "name"],
        )
        # everyone logs in before the clock starts: a login hashes a password (about half
        # a second of a worker), and on a slow machine nine logins would eat the short run
        # and leave nothing acknowledged to check
        self.clients = [Client(self.url, self.db, login, login) for login in self.users]
        self.accountant_client = Client(self.url, self.db, accountant, accountant)

    def _ref(self, xmlid):
        module, name = xmlid.split(".")
        return self.admin.call("ir.model.data", "check_object_reference", module, name)[1]

    # -- requests ------------------------------------------------------------------------
    def _record(self, kind, func):
        """Run one request; count it, or its error by kind. Returns (ok, result)."""
        try:
            result = func()
        except RpcError as exc:
            with self.lock:
                self.errors[exc.name] += 1
                self.messages[exc.name, _gist(exc.message)] += 1
                if exc.name not in CLEAN_ERRORS | RETRY_EXHAUSTED:
                    self.unclean.append(f"{kind}: {str(exc)[:300]}")
            return False, None
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as exc:
            with self.lock:
                self.errors[f"transport {type(exc).__name__}"] += 1
                self.unclean.append(f"{kind}: {exc}")
            return False, None
        with self.lock:
            self.stats[kind] += 1
        return True, result

    def client_loop(self, client, seed):
        try:
            self._client_loop(client, seed)
        except Exception as exc:  # a client that dies is reported, not silently lost
            with self.lock:
                self.unclean.append(f"client {client.login} stopped: {exc!r}")

    def _client_loop(self, client, seed):
        login = client.login
        rng = random.Random(seed)
        counter = itertools.count()
        operations = [
            self.op_timer_start,
            self.op_timer_stop,
            self.op_log_entry,
            self.op_edit_entry,
            self.op_edit_entry,
            self.op_read_block,
        ]
        if self.vehicles:
            operations.append(self.op_trip)
        for _ in range(self.max_requests):
            if time.time() > self.deadline:
                break
            rng.choice(operations)(client, rng, f"{self.tag} {login} #{next(counter)}")

    def op_timer_start(self, client, rng, token):
        task = rng.choice(self.tasks)
        self._record(
            "timer start",
            lambda: client.call("project.task", "action_support_timer_start", [task]),
        )

    def op_timer_stop(self, client, rng, token):
        ok, line_id = self._record(
            "timer stop",
            lambda: client.call(
                "project.task", "action_support_timer_stop", [], description=token
            ),
        )
        if ok and line_id:
            self._acknowledge(client, token, line_id)

    def op_log_entry(self, client, rng, token):
        values = {
            "name": token,
            "task_id": rng.choice(self.tasks),
            "unit_amount": rng.choice([0.25, 0.5, 1.0, 1.5, 2.5]),
            "support_type_id": rng.choice(self.support_types),
        }

        def log():
            task = client.call("project.task", "read", [values["task_id"]], ["project_id"])[0]
            return client.call(
                "account.analytic.line",
                "create",
                dict(values, project_id=task["project_id"][0]),
            )

        ok, line_id = self._record("entry log", log)
        if ok:
            self._acknowledge(client, token, line_id)

    def _acknowledge(self, client, token, line_id):
        """What the server answered: the row and the worked time of the token's rows."""
        ok, rows = self._record(
            "entry read",
            lambda: client.call(
                "account.analytic.line",
                "search_read",
                [("name", "=", token), ("user_id", "=", client.uid)],
                fields=["unit_amount"],
            ),
        )
        if ok:
            with self.lock:
                self.acknowledged[token] = {
                    "line": line_id,
                    "hours": sum(row["unit_amount"] for row in rows),
                }

    def op_edit_entry(self, client, rng, token):
        ok, rows = self._record(
            "entry lookup",
            lambda: client.call(
                "account.analytic.line",
                "search_read",
                [
                    ("user_id", "=", client.uid),
                    ("name", "=like", f"{self.tag} %"),
                    ("support_timer_start", "=", False),
                ],
                fields=["name", "unit_amount"],
                limit=8,
                order="id desc",
            ),
        )
        if not ok or not rows:
            return
        row = rng.choice(rows)
        hours = rng.choice([0.25, 0.5, 0.75, 1.0, 2.0])
        ok, _result = self._record(
            "entry edit",
            lambda: client.call(
                "account.analytic.line", "write", [row["id"]], {"unit_amount": hours}
            ),
        )
        if ok:
            with self.lock:
                if row["name"] in self.acknowledged:
                    self.acknowledged[row["name"]]["hours"] += hours - row["unit_amount"]

    def op_read_block(self, client, rng, token):
        block = rng.choice(self.blocks)
        self._record(
            "block read",
            lambda: client.call(
                "support.block", "read", [block], ["hours_used", "hours_remaining", "state"]
            ),
        )

    def op_trip(self, client, rng, token):
        vehicle = rng.choice(self.vehicles)
        task = rng.choice(self.tasks)
        self._record(
            "trip log and confirm",
            lambda: client.call(
                "support.trip",
                "create_from_timer",
                task,
                vehicle,
                distance=rng.choice([5.0, 12.5, 30.0]),
                purpose=token,
                confirm=True,
            ),
        )

    def accountant_loop(self, client):
        try:
            self._accountant_loop(client)
        except Exception as exc:
            with self.lock:
                self.unclean.append(f"accountant stopped: {exc!r}")

    def _accountant_loop(self, client):
        for _ in range(self.max_requests):
            if time.time() > self.deadline:
                break
            # everything logged so far: entries are dated in their technician's time zone
            # (the admin's, Europe/Brussels in the demo), which may already be tomorrow
            # for this machine's clock or for UTC (e.g. at 23:30 UTC)
            until = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 86400))

            def invoice(until=until):
                return client.call(
                    "support.invoicing",
                    "create_support_invoices",
                    until,
                    partner_ids=self.customers,
                )

            self._record("invoicing run", invoice)
            if "support.block.milestone" in self.models:
                # "Invoice now" on the due milestones, while the cron invoices them too
                ok, due = self._record(
                    "milestone lookup",
                    lambda: client.call(
                        "support.block.milestone",
                        "search",
                        [("block_id", "in", self.blocks), ("state", "=", "due")],
                    ),
                )
                if ok and due:
                    self._record(
                        "milestone invoice now",
                        lambda due=due: client.call(
                            "support.block.milestone", "action_invoice", due
                        ),
                    )
            time.sleep(2.0)

    def cron_loop(self):
        for _ in range(self.max_requests):
            if time.time() > self.deadline:
                break
            for cron in self.crons:
                self._record(
                    f"cron {cron['name']}",
                    lambda cron=cron: self.admin.call(
                        "ir.cron", "method_direct_trigger", [cron["res_id"]]
                    ),
                )
            time.sleep(1.0)

    def sampler_loop(self):
        while time.time() < self.deadline:
            rows = self.run.sql(
                "SELECT user_id FROM account_analytic_line WHERE support_timer_start IS NOT NULL "
                "GROUP BY user_id HAVING count(*) > 1",
                dbname=self.db,
            )
            with self.lock:
                self.timer_samples += 1
                self.timer_violations.update(row[0] for row in rows or [])
            time.sleep(0.2)

    def go(self):
        self.deadline = time.time() + self.duration
        threads = [
            threading.Thread(target=self.cron_loop, name="crons"),
            threading.Thread(target=self.sampler_loop, name="sampler"),
            threading.Thread(
                target=self.accountant_loop, args=(self.accountant_client,), name="accountant"
            ),
        ]
        for index, client in enumerate(self.clients):
            threads.append(
                threading.Thread(
                    target=self.client_loop, args=(client, self.seed + index), name=client.login
                )
            )
        for thread in threads:
            thread.start()
        # every request ends by the deadline plus one request timeout
        for thread in threads:
            thread.join(timeout=max(1.0, self.deadline - time.time()) + REQUEST_TIMEOUT + 5)
        stuck = [thread.name for thread in threads if thread.is_alive()]
        if stuck:
            self.unclean.append(f"threads still running after their deadline: {stuck}")

    # -- invariants ---------------------------------------------------------------------
    def sql(self, query, params=None):
        return self.run.sql(query, params, dbname=self.db) or []

    def invariants(self):
        checks = [self._check_acknowledged()]
        checks += self._check_blocks()
        checks.append(self._check_timers())
        checks.append(self._check_billed_once())
        checks.append(self._check_odometers())
        checks.append(self._check_milestones())
        serialization = sum(self.errors[name] for name in RETRY_EXHAUSTED)
        server_log = self.server_log.read_text() if self.server_log else ""
        tracebacks, gave_up = _tracebacks(server_log)
        retried = server_log.count("tries left, try again")
        # a request Odoo gave up retrying is a clean refusal (counted above), but Odoo
        # logs it with a traceback: under contention (a slow machine) one may happen
        other = len(tracebacks) - len(gave_up)
        checks.append(
            (
                "every failed request failed cleanly",
                not self.unclean and not other and len(gave_up) <= serialization,
                f"{sum(self.errors.values())} refused, {len(self.unclean)} unclean, "
                f"{serialization} gave up after Odoo's serialization retries "
                f"({retried} retries in all), {other} tracebacks in the server log "
                f"(and {len(gave_up)} of requests Odoo gave up retrying)",
            )
        )
        return checks

    def _check_acknowledged(self):
        tokens = list(self.acknowledged)
        rows = self.sql(
            "SELECT name, array_agg(id), sum(unit_amount)::float FROM account_analytic_line "
            "WHERE name = ANY(%s) GROUP BY name",
            [tokens],
        )
        found = {name: (set(ids), hours) for name, ids, hours in rows}
        bad = []
        for token, ack in self.acknowledged.items():
            ids, hours = found.get(token, (set(), 0.0))
            if ack["line"] not in ids or abs(hours - ack["hours"]) > EPSILON:
                bad.append(f"{token}: rows {sorted(ids)} {hours} h, acknowledged {ack}")
        detail = f"{len(tokens)} acknowledged entries, {len(bad)} missing, lost or duplicated"
        if bad:
            detail += f"; e.g. {bad[:3]}"
        return ("every acknowledged entry exists once", not bad and bool(tokens), detail)

    def _check_blocks(self):
        balances = self.admin.call(
            "support.block", "read", self.blocks, ["hours_used", "hours_available", "state"]
        )
        rows = self.sql(
            "SELECT b.id, b.overage_policy, b.hours_available::float, "
            "b.rollover_hours_out::float, COALESCE(sum(l.support_block_hours) FILTER "
            "(WHERE NOT COALESCE(l.support_is_overage, false)), 0)::float "
            "FROM support_block b LEFT JOIN account_analytic_line l "
            "ON l.support_block_id = b.id WHERE b.id = ANY(%s) GROUP BY b.id",
            [self.blocks],
        )
        sums = {row[0]: row for row in rows}
        off = [
            (b["id"], b["hours_used"], float(sums[b["id"]][4]))
            for b in balances
            if abs(b["hours_used"] - float(sums[b["id"]][4])) > EPSILON
        ]
        overdrawn = [
            (block_id, float(used), float(available))
            for block_id, policy, available, _out, used in rows
            if policy in ("next_block", "overage_rate") and used > available + EPSILON
        ]
        factors = self.sql(
            "SELECT count(*) FROM account_analytic_line l JOIN support_type t "
            "ON t.id = l.support_type_id WHERE l.support_block_id = ANY(%s) "
            "AND abs(l.support_block_hours - l.billed_hours * COALESCE(NULLIF(t.block_factor, 0), "
            "1)) > %s",
            [self.blocks, EPSILON],
        )[0][0]
        drawn = sum(float(row[4]) for row in rows)
        return [
            (
                "each block's balance equals the sum of its entries",
                not off,
                f"{len(balances)} blocks, {drawn:.2f} h drawn, {len(off)} off {off[:3]}",
            ),
            (
                "no block was overdrawn beyond its policy",
                not overdrawn,
                f"{len(overdrawn)} overdrawn {overdrawn[:3]}",
            ),
            (
                "each entry draws its billed hours times its type's block factor",
                factors == 0,
                f"{factors} entries off",
            ),
        ]

    def _check_timers(self):
        running = self.sql(
            "SELECT user_id FROM account_analytic_line WHERE support_timer_start IS NOT NULL "
            "GROUP BY user_id HAVING count(*) > 1"
        )
        violations = self.timer_violations | {row[0] for row in running}
        return (
            "no user ever had two running timers",
            not violations,
            f"{self.timer_samples} samples during the run and one at the end, "
            f"{len(violations)} users with two",
        )

    def _check_billed_once(self):
        """Each line of support time bills the billed hours of its entries, each line of
        block overage the block hours of its overage entries; time drawn from a block
        (prepaid) is on no invoice line."""
        rows = self.sql(
            "SELECT ml.id, ml.support_source, ml.quantity::float, "
            "sum(CASE WHEN ml.support_source = 'overage' THEN l.support_block_hours "
            "ELSE l.billed_hours END)::float, count(l.id), "
            "count(l.id) FILTER (WHERE l.support_block_id IS NOT NULL "
            "AND NOT COALESCE(l.support_is_overage, false)) "
            "FROM account_move_line ml JOIN account_move m ON m.id = ml.move_id "
            "LEFT JOIN account_analytic_line l ON l.support_invoice_line_id = ml.id "
            "WHERE ml.support_source IN ('time', 'overage') AND m.partner_id = ANY(%s) "
            "AND m.state != 'cancel' GROUP BY ml.id, ml.support_source, ml.quantity",
            [self.customers],
        )
        bad = [row for row in rows if row[3] is None or abs(row[2] - row[3]) > 1e-3 or row[5]]
        entries = sum(row[4] for row in rows)
        overage = sum(1 for row in rows if row[1] == "overage")
        return (
            "nothing was billed twice",
            not bad,
            f"{len(rows)} invoice lines ({overage} of block overage) billing {entries} "
            f"entries, {len(bad)} off {bad[:3]}",
        )

    def _check_odometers(self):
        rows = self.sql(
            "SELECT vehicle_id, odometer_start::float, odometer_end::float FROM support_trip "
            "WHERE purpose LIKE %s AND state != 'draft' ORDER BY vehicle_id, odometer_start",
            [f"{self.tag} %"],
        )
        overlaps = 0
        previous = {}
        for vehicle, start, end in rows:
            if vehicle in previous and start < previous[vehicle] - EPSILON:
                overlaps += 1
            previous[vehicle] = max(end, previous.get(vehicle, end))
        return (
            "trip odometer readings never overlap on a vehicle",
            overlaps == 0,
            f"{len(rows)} confirmed trips, {overlaps} overlapping",
        )

    def _check_milestones(self):
        """Generic until milestones are merged: every foreign key from an invoice or an
        invoice line to ``support_block_milestone`` (and the milestone's own link to an
        invoice) counts its live (not cancelled) invoices."""
        if not self.sql("SELECT to_regclass('support_block_milestone')")[0][0]:
            return ("no milestone has two live invoices", True, "no milestones in this database")
        links = self.sql(
            "SELECT c.conrelid::regclass::text, a.attname FROM pg_constraint c "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY(c.conkey) "
            "WHERE c.contype = 'f' AND c.confrelid = 'support_block_milestone'::regclass "
            "AND c.conrelid::regclass::text IN ('account_move', 'account_move_line')"
        )
        parts = []
        for table, column in links:
            move = "m.id" if table == "account_move" else "x.move_id"
            join = "" if table == "account_move" else "JOIN account_move m ON m.id = x.move_id"
            alias = "m" if table == "account_move" else "x"
            parts.append(
                f"SELECT {alias}.{column} AS milestone, {move} AS move FROM {table} {alias} "
                f"{join} WHERE {alias}.{column} IS NOT NULL AND m.state != 'cancel'"
            )
        own = self.sql(
            "SELECT column_name FROM information_schema.columns WHERE table_name = "
            "'support_block_milestone' AND column_name = 'invoice_id'"
        )
        if own:
            parts.append(
                "SELECT ms.id AS milestone, ms.invoice_id AS move FROM support_block_milestone ms "
                "JOIN account_move m ON m.id = ms.invoice_id WHERE m.state != 'cancel'"
            )
        if not parts:
            return ("no milestone has two live invoices", False, "no link to invoices found")
        union = " UNION ".join(parts)
        doubles = self.sql(
            f"SELECT milestone FROM ({union}) t GROUP BY milestone HAVING count(DISTINCT move) > 1"
        )
        invoiced = self.sql(f"SELECT count(DISTINCT milestone) FROM ({union}) t")[0][0]
        checked = ", ".join(f"{table}.{column}" for table, column in links)
        if own:
            checked += ", support_block_milestone.invoice_id"
        return (
            "no milestone has two live invoices",
            not doubles,
            f"{invoiced} milestones invoiced, through {checked}: {len(doubles)} with two",
        )


def start_server(run, db, log_path):
    """Odoo with 2 workers on 127.0.0.1; returns (process, URL). Both of its ports are 0:
    the master binds a free HTTP port itself (read back from the process, see
    ``odoo_env.Run.listening_port``) and the websocket (gevent) process its own, so
    the two can neither collide nor be taken between choosing and binding them."""
    cmd = run.odoo_command(
        "-d",
        db,
        "--db-filter",
        f"^{db}$",
        "--workers",
        "2",
        "--max-cron-threads",
        "0",
        "--http-interface",
        "127.0.0.1",
        "--http-port",
        "0",
        "--gevent-port",
        "0",
        "--limit-time-real",
        "300",
        "--limit-time-cpu",
        "240",
        "--log-level",
        "warn",
        # Odoo logs each transaction it retries after a serialization failure
        "--log-handler",
        "odoo.service.model:INFO",
    )
    log = open(log_path, "w")  # the server writes to it until it stops
    server = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
    url = None
    try:
        for _ in range(240):
            if server.poll() is not None:
                raise SystemExit(f"the Odoo server stopped; see {log_path}")
            if url is None:
                port = run.listening_port(server.pid)
                url = port and f"http://127.0.0.1:{port}"
            if url:
                try:
                    urllib.request.urlopen(f"{url}/web/login", timeout=5)
                    return server, url
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
            time.sleep(0.5)
        raise SystemExit(f"the Odoo server did not answer; see {log_path}")
    except BaseException:
        # whatever stops the wait, no server is left running behind the soak
        stop_server(server)
        raise


def stop_server(server):
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--max-requests", type=int, default=5000, help="per client")
    parser.add_argument(
        "--db", help="an existing database with the module and its demo data (admin / admin)"
    )
    db_args, rest = split_argv()
    opts = parser.parse_args(rest)
    run = Run(db_args)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    db, own_db = opts.db, not opts.db
    if own_db:
        db = f"ist_soak_{os.getpid()}"
        run.fresh_database(db, "soak-install.log")
    server = None
    try:
        server, url = start_server(run, db, LOG_DIR / "soak-server.log")
        soak = Soak(url, db, run, opts.duration, opts.clients, opts.seed, opts.max_requests)
        soak.server_log = LOG_DIR / "soak-server.log"
        soak.setup()
        print(
            f"[soak] {opts.clients} technicians + 1 accountant + crons for {opts.duration:.0f}s "
            f"against {url} (--workers=2, database {db}); crons: "
            f"{', '.join(cron['name'] for cron in soak.crons)}",
            flush=True,
        )
        started = time.time()
        soak.go()
        elapsed = time.time() - started
        checks = soak.invariants()
    finally:
        if server:
            stop_server(server)
        if own_db and not os.environ.get("IST_KEEP_DB"):
            run.odoo_db("drop", db)
    total = sum(soak.stats.values()) + sum(soak.errors.values())
    print(
        f"[soak] {total} requests in {elapsed:.0f}s ({total / max(elapsed, 1):.1f}/s): "
        f"{sum(soak.stats.values())} ok, {sum(soak.errors.values())} refused"
    )
    for kind, count in sorted(soak.stats.items()):
        print(f"[soak]   ok     {kind:34} {count}")
    for kind, count in sorted(soak.errors.items()):
        clean = (
            "clean"
            if kind in CLEAN_ERRORS
            else "retried"
            if kind in RETRY_EXHAUSTED
            else "UNCLEAN"
        )
        print(f"[soak]   error  {kind:34} {count} ({clean})")
    for (kind, gist), count in soak.messages.most_common(12):
        print(f"[soak]          {count:5} x {kind.rsplit('.', 1)[-1]}: {gist}")
    for line in soak.unclean[:10]:
        print(f"[soak]   unclean: {line}")
    ok = True
    for name, passed, detail in checks:
        ok &= passed
        print(f"[soak] invariant {'TRUE ' if passed else 'FALSE'} {name} ({detail})")
    print(f"[soak] {'all invariants hold' if ok else 'INVARIANTS BROKEN'}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
