"""Run every check and test of it_support_time; print "N passed, N failed".

Called by scripts/test.sh once the virtualenv, the Odoo tree and PostgreSQL are
ready. Steps:

1. ruff (check + format check) over the repository, pylint-odoo over the add-on;
2. a template database with the add-on's dependencies (and their demo data),
   built once per dependency set and reused by later runs;
3. a fresh copy of it (``odoo-bin db duplicate``, filestore included) in which the
   add-on is installed with its demo data and its tests and browser tours run
   (Odoo's own runner, HTTP server on 127.0.0.1).
Each check counts as one test; the Odoo tests count one each.
"""

import argparse
import ast
import contextlib
import fcntl
import hashlib
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import psycopg2

ROOT = Path(os.environ["IST_ROOT"])
ODOO_SRC = Path(os.environ["ODOO_SRC"])
ADDONS_PATH = os.environ["ADDONS_PATH"]
DATA_DIR = os.environ["IST_DATA_DIR"]
VENV_BIN = Path(os.environ["IST_VENV"]) / "bin"
PY = str(VENV_BIN / "python")
ODOO_BIN = str(ODOO_SRC / "odoo-bin")
LOG_DIR = ROOT / ".build" / "logs"
MODULE = "it_support_time"

SUMMARY_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIP_RE = re.compile(r"odoo\.tests\.result: skipped ")
# "ERROR ... FAIL: TestX.test_y", "... ERROR: Subtest TestX.test_y (<subtest>)": a test
# with several failing subtests is one failed test
FAILED_TEST_RE = re.compile(r" ERROR \S+ \S+: (?:FAIL|ERROR): (?:Subtest )?(\S+)")
SHOWN_RE = re.compile(r" (ERROR|CRITICAL|WARNING) |^(Traceback|\s+File |\S+Error)|FAIL")


class Run:
    def __init__(self, db_args):
        self.db_args = db_args
        opts = dict(zip(db_args[::2], db_args[1::2], strict=False))
        self.pg = {
            "host": opts.get("--db_host"),
            "port": opts.get("--db_port"),
            "user": opts.get("--db_user"),
            "password": opts.get("--db_password"),
            "dbname": "postgres",
        }
        self.passed = 0
        self.failed = 0
        self.lines = []

    # -- bookkeeping --------------------------------------------------------
    def record(self, name, passed, failed=0, detail=""):
        self.passed += passed
        self.failed += failed
        status = "ok" if not failed else "FAILED"
        self.lines.append(f"  {status:7} {name}: {passed} passed, {failed} failed {detail}")
        print(f"[check] {name}: {status} {detail}", flush=True)

    def check(self, name, cmd, **kwargs):
        print(f"[check] {name}: {' '.join(cmd)}", flush=True)
        proc = subprocess.run(cmd, cwd=kwargs.pop("cwd", ROOT), **kwargs)
        self.record(name, int(proc.returncode == 0), int(proc.returncode != 0))
        return proc.returncode == 0

    # -- database helpers ---------------------------------------------------
    def sql(self, query, params=None, dbname="postgres"):
        conn = psycopg2.connect(**dict(self.pg, dbname=dbname))
        conn.autocommit = True
        try:
            with conn.cursor() as cr:
                cr.execute(query, params)
                return cr.fetchall() if cr.description else None
        finally:
            conn.close()

    def db_exists(self, name):
        return bool(self.sql("SELECT 1 FROM pg_database WHERE datname = %s", [name]))

    def odoo(self, *args, log_file=None, stream=False):
        cmd = [
            PY,
            ODOO_BIN,
            "--addons-path",
            ADDONS_PATH,
            *self.db_args,
            "--data-dir",
            DATA_DIR,
            *args,
        ]
        return self._run_logged(cmd, log_file, stream)

    def odoo_db(self, *args):
        cmd = [
            PY,
            ODOO_BIN,
            "db",
            "--addons-path",
            ADDONS_PATH,
            *self.db_args,
            "--data-dir",
            DATA_DIR,
            *args,
        ]
        return subprocess.run(cmd, capture_output=True, text=True)

    @staticmethod
    def _run_logged(cmd, log_file, stream):
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        lines = []
        with open(log_file, "w") as log:
            proc = subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
            )
            for line in proc.stdout:
                log.write(line)
                lines.append(line)
                if stream and SHOWN_RE.search(line):
                    sys.stdout.write(line)
                    sys.stdout.flush()
            proc.wait()
        return proc.returncode, "".join(lines)

    # -- steps --------------------------------------------------------------
    def lint(self):
        ruff = str(VENV_BIN / "ruff")
        self.check("ruff check", [ruff, "check", "."])
        self.check("ruff format", [ruff, "format", "--check", "."])
        addon = ROOT / ".build" / "addons" / MODULE
        self.check(
            "pylint-odoo",
            [str(VENV_BIN / "pylint"), f"--rcfile={ROOT / '.pylintrc'}", MODULE],
            cwd=addon.parent,
        )
        self.xml_wellformed()

    def xml_wellformed(self):
        from lxml import etree

        bad = []
        for path in sorted(ROOT.glob("[!.]*/**/*.xml")):
            try:
                etree.parse(str(path))
            except etree.XMLSyntaxError as exc:
                bad.append(f"{path.relative_to(ROOT)}: {exc}")
        for line in bad:
            print(f"[check] {line}")
        self.record("xml well-formed", int(not bad), int(bool(bad)))

    def template(self):
        manifest = ast.literal_eval((ROOT / "__manifest__.py").read_text())
        depends = sorted(manifest["depends"])
        release = (ODOO_SRC / "odoo" / "release.py").read_text()
        key = hashlib.sha1("|".join([*depends, str(ODOO_SRC), release]).encode()).hexdigest()[:10]
        name = f"ist_tmpl_{key}"
        with self.template_lock(name):
            if self.db_exists(name) and self._template_complete(name, depends):
                print(f"[setup] reusing template database {name}", flush=True)
                return name
            if self.db_exists(name):
                self.odoo_db("drop", name)
            print(
                f"[setup] building template database {name} with {', '.join(depends)} "
                "(once; about two minutes)",
                flush=True,
            )
            start = time.time()
            code, _out = self.odoo(
                "-d",
                name,
                "-i",
                ",".join(depends),
                "--stop-after-init",
                "--no-http",
                "--log-level",
                "warn",
                log_file=LOG_DIR / "template.log",
            )
            if code or not self._template_complete(name, depends):
                self.odoo_db("drop", name)
                raise SystemExit(
                    f"could not build the template database; see {LOG_DIR}/template.log"
                )
            print(f"[setup] template ready in {time.time() - start:.0f}s", flush=True)
        return name

    @staticmethod
    @contextlib.contextmanager
    def template_lock(name):
        """Held while a template database is checked, built or copied: a copy ends every
        other session on the template, and PostgreSQL refuses to copy a database another
        session is connected to, so two runs at once take turns."""
        with open(Path(DATA_DIR) / f".{name}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield

    def _template_complete(self, name, depends):
        try:
            rows = self.sql(
                "SELECT count(*) FROM ir_module_module "
                "WHERE name = ANY(%s) AND state = 'installed'",
                [depends],
                dbname=name,
            )
        except psycopg2.Error as exc:
            # a half-built or damaged template is rebuilt
            print(f"[setup] template database {name} is not usable ({exc}); rebuilding")
            return False
        return rows and rows[0][0] == len(depends)

    @staticmethod
    def listening_port(pid):
        """The TCP port process ``pid`` listens on, once it does (else None).

        The servers of the test command are started on port 0: the kernel gives each a
        free port as it binds, so no port chosen beforehand can be taken in between or
        handed to two servers."""
        import psutil  # noqa: PLC0415 (Odoo's requirement, in the venv)

        try:
            connections = psutil.Process(pid).connections(kind="tcp")
        except psutil.Error:
            return None
        ports = [c.laddr.port for c in connections if c.status == psutil.CONN_LISTEN]
        return ports[0] if ports else None

    def odoo_tests(self, template, test_tags):
        db = f"ist_test_{os.getpid()}"
        with self.template_lock(template):
            proc = self.odoo_db("duplicate", "-f", template, db)
        if proc.returncode:
            print(proc.stdout, proc.stderr)
            self.record("copy template database", 0, 1)
            return None
        print(
            f"[tests] installing {MODULE} into {db} and running its tests "
            "(HTTP on 127.0.0.1, on a port the kernel picks)",
            flush=True,
        )
        start = time.time()
        code, out = self.odoo(
            "-d",
            db,
            "-i",
            MODULE,
            "--test-enable",
            "--test-tags",
            test_tags,
            "--stop-after-init",
            "--http-interface",
            "127.0.0.1",
            # port 0: the test server binds a free port itself and HttpCase reads it
            # back from the server (base_url), so no other process can take it first
            "--http-port",
            "0",
            "--workers",
            "0",
            "--max-cron-threads",
            "0",
            log_file=LOG_DIR / "tests.log",
            stream=True,
        )
        elapsed = time.time() - start
        state = self.sql("SELECT state FROM ir_module_module WHERE name = %s", [MODULE], dbname=db)
        installed = bool(state) and state[0][0] == "installed"
        installed = installed and "demo data failed to install" not in out
        self.record(
            "install with demo data",
            int(installed),
            int(not installed),
            f"(module state: {state[0][0] if state else 'missing'})",
        )
        matches = SUMMARY_RE.findall(out)
        if not matches:
            self.record(
                "odoo tests", 0, 1, f"(no test summary; exit {code}; see {LOG_DIR}/tests.log)"
            )
        else:
            failures, errors, total = map(int, matches[-1])
            skipped = len(SKIP_RE.findall(out))
            # Odoo counts each failing subtest; a test counts once, failed or passed
            failed_tests = set(FAILED_TEST_RE.findall(out))
            bad = min(max(len(failed_tests), int(bool(failures + errors))), total) + skipped
            self.record(
                "odoo tests",
                total - bad,
                bad,
                f"({total} tests, {failures} failed, {errors} errors, {skipped} skipped, "
                f"{elapsed:.0f}s)",
            )
            if skipped:
                print("[tests] skipped tests count as failures: nothing may be skipped")
            if code and not bad:
                self.record("odoo exit status", 0, 1, f"(exit {code})")
        return db

    def soak(self, db, duration=10):
        """The concurrency soak's short form on the test database (bench/soak.py)."""
        print(f"[soak] {duration:.0f}s concurrency soak on {db} (bench/soak.py)", flush=True)
        proc = subprocess.run(
            [PY, str(ROOT / "bench" / "soak.py"), *self.db_args, "--"]
            + ["--db", db, "--duration", str(duration)],
            capture_output=True,
            text=True,
        )
        (LOG_DIR / "soak.log").write_text(proc.stdout + proc.stderr)
        lines = proc.stdout.splitlines()
        for line in lines:
            if "invariant" in line or "requests in" in line or "unclean" in line:
                print(line)
        summary = next((line for line in lines if "requests in" in line), "no summary")
        self.record(
            f"concurrency soak ({duration:.0f} s)",
            int(proc.returncode == 0),
            int(proc.returncode != 0),
            f"({summary.removeprefix('[soak] ')}; see {LOG_DIR}/soak.log)",
        )

    def cleanup(self, db):
        if db and not os.environ.get("IST_KEEP_DB"):
            self.odoo_db("drop", db)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--test-tags", default=f"/{MODULE}")
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument(
        "--no-lifecycle",
        action="store_true",
        help="skip the soak, upgrade and uninstall checks of a full run",
    )
    argv = sys.argv[1:]
    sep = argv.index("--") if "--" in argv else len(argv)
    db_args, rest = argv[:sep], argv[sep + 1 :]
    opts = parser.parse_args(rest)
    run = Run(db_args)
    if not opts.no_lint:
        run.lint()
    template = run.template()
    db = run.odoo_tests(template, opts.test_tags)
    if db and opts.test_tags == parser.get_default("test_tags") and not opts.no_lifecycle:
        # a full run: the soak, then upgrade and uninstall on the same (now full) database
        import lifecycle

        run.soak(db)
        lifecycle.check_upgrade(run, db)
        lifecycle.check_uninstall(run, db)
    run.cleanup(db)
    print("\nSummary:")
    print("\n".join(run.lines))
    print(f"{run.passed} passed, {run.failed} failed")
    sys.exit(1 if run.failed or not run.passed else 0)


if __name__ == "__main__":
    main()
