"""Run every check and test of it_support_time; print "N passed, N failed".

Called by scripts/test.sh once the virtualenv, the Odoo tree and PostgreSQL are
ready. Steps:

1. ruff (check + format check) over the repository, pylint-odoo over the add-on, the
   XML files well-formed, no import cycle in scripts/ or bench/ (import_cycles.py);
2. a template database with the add-on's dependencies (and their demo data),
   built once per dependency set and reused by later runs (odoo_env.py);
3. a fresh copy of it (``odoo-bin db duplicate``, filestore included) in which the
   add-on is installed with its demo data and its tests and browser tours run
   (Odoo's own runner, HTTP server on 127.0.0.1);
4. on that database: the translation template has every translatable string
   (translations.py) and, in a full run, pytest-odoo collects exactly the tests Odoo
   ran (run_pytest.py); then the soak, the upgrade and the uninstall (lifecycle.py).
Each check counts as one test; the Odoo tests count one each.
"""

import argparse
import os
import re
import subprocess
import sys
import time

import lifecycle
import run_pytest
import translations
from odoo_env import LOG_DIR, MODULE, PY, ROOT, VENV_BIN, Run, split_argv

SUMMARY_RE = re.compile(r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database")
SKIP_RE = re.compile(r"odoo\.tests\.result: skipped ")
# "ERROR ... FAIL: TestX.test_y", "... ERROR: Subtest TestX.test_y (<subtest>)": a test
# with several failing subtests is one failed test
FAILED_TEST_RE = re.compile(r" ERROR \S+ \S+: (?:FAIL|ERROR): (?:Subtest )?(\S+)")
# "odoo.addons.it_support_time.tests.test_x: Starting TestX.test_y ...": a test Odoo ran
STARTED_RE = re.compile(rf" odoo\.addons\.{MODULE}\.tests\.(\w+): Starting (\w+)\.(\w+) \.\.\.")
# "it_support_time/tests/test_x.py::TestX::test_y": a test pytest collected
COLLECTED_RE = re.compile(r"^(?:\S*/)?(\w+)\.py::(\w+)::(\w+)$")


class TestRun(Run):
    """The test command's run: ``Run``'s database helpers, the steps and their count."""

    def __init__(self, db_args):
        super().__init__(db_args)
        self.passed = 0
        self.failed = 0
        self.lines = []
        self.odoo_ran = set()  # the tests Odoo ran: "test_x.TestX.test_y"

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
        self.check("no import cycle in scripts/ or bench/", [PY, "scripts/import_cycles.py"])

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

    def odoo_tests(self, test_tags):
        db = f"ist_test_{os.getpid()}"
        proc = self.copy_template(db)
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
        self.odoo_ran = {".".join(names) for names in STARTED_RE.findall(out)}
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

    def pot_check(self, db):
        """Odoo's export of the add-on's terms from the test's database: each message is in
        the committed i18n/it_support_time.pot (scripts/translations.py)."""
        name = "translation template has every translatable string"
        missing, detail = translations.missing_messages(self, db)
        if missing is None:
            self.record(name, 0, 1, f"({detail})")
            return
        for context, msgid in missing[:20]:
            print(
                f"[i18n] missing from {translations.POT.name}: {msgid!r}"
                + (f" (context {context!r})" if context else "")
            )
        if missing:
            print("[i18n] export it again: bash scripts/export_pot.sh")
        self.record(
            name, int(not missing), int(bool(missing)), f"({len(missing)} missing; {detail})"
        )

    def pytest_collection(self, db):
        """``pytest --collect-only`` under pytest-odoo (scripts/pytest.sh) finds exactly the
        tests Odoo ran: the pytest command runs the same tests, each once."""
        name = "pytest-odoo collects the tests Odoo ran"
        config = run_pytest.write_config(self, db, LOG_DIR / "pytest-odoo.conf")
        proc = run_pytest.pytest(
            config, db, ["--collect-only", "-q"], capture_output=True, text=True
        )
        (LOG_DIR / "pytest-collect.log").write_text(proc.stdout + proc.stderr)
        collected = {
            ".".join(match.groups())
            for match in map(COLLECTED_RE.match, proc.stdout.splitlines())
            if match
        }
        only_pytest = sorted(collected - self.odoo_ran)
        only_odoo = sorted(self.odoo_ran - collected)
        for test in only_pytest[:10]:
            print(f"[pytest] collected by pytest, not run by Odoo: {test}")
        for test in only_odoo[:10]:
            print(f"[pytest] run by Odoo, not collected by pytest: {test}")
        ok = not proc.returncode and collected and not only_pytest and not only_odoo
        self.record(
            name,
            int(bool(ok)),
            int(not ok),
            f"({len(collected)} collected, {len(self.odoo_ran)} run by Odoo, exit "
            f"{proc.returncode}; see {LOG_DIR}/pytest-collect.log)",
        )

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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--test-tags", default=f"/{MODULE}")
    parser.add_argument("--no-lint", action="store_true")
    parser.add_argument(
        "--no-lifecycle",
        action="store_true",
        help="skip the soak, upgrade and uninstall checks of a full run",
    )
    db_args, rest = split_argv()
    opts = parser.parse_args(rest)
    run = TestRun(db_args)
    if not opts.no_lint:
        run.lint()
    db = run.odoo_tests(opts.test_tags)
    full = opts.test_tags == parser.get_default("test_tags")
    if db and not opts.no_lint:
        run.pot_check(db)
        if full:
            run.pytest_collection(db)
    if db and full and not opts.no_lifecycle:
        # a full run: the soak, then upgrade and uninstall on the same (now full) database
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
