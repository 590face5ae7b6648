"""Odoo and PostgreSQL for the repository's commands: paths, and the database helpers
that the test command (``run_tests.py``, ``lifecycle.py``, ``translations.py``,
``run_pytest.py``), the benchmarks and the soak (``bench/``) share.

The lowest layer of ``scripts/`` and ``bench/``: it imports none of their modules. Its
paths come from the environment that ``scripts/env.sh`` (``setup_all``) exports.

Every command is called as ``python SCRIPT <Odoo's database options> -- <its options>``
(``split_argv``). ``Run`` holds the database options and gives:

- ``sql``, ``db_exists``: straight to PostgreSQL;
- ``odoo``, ``odoo_db``, ``odoo_command``: ``odoo-bin`` with the addons path, database
  options and data dir;
- ``template``: the template database with the add-on's dependencies, built once per
  dependency set; ``template_lock`` is held while it is checked, built or copied;
- ``copy_template``, ``fresh_database``: a copy of it, and one with the add-on installed;
- ``boot``: Odoo in this process on a database (``odoo``, its registry);
- ``listening_port``: the port a server started on ``--http-port 0`` bound;
- ``cleanup``: drop a database unless ``IST_KEEP_DB`` is set.
"""

import ast
import contextlib
import fcntl
import hashlib
import importlib
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
# the lines of a streamed Odoo log that are shown on the console
SHOWN_RE = re.compile(r" (ERROR|CRITICAL|WARNING) |^(Traceback|\s+File |\S+Error)|FAIL")


def split_argv(argv=None):
    """``[Odoo's database options] -- [the command's options]`` → (db_args, options)."""
    argv = sys.argv[1:] if argv is None else argv
    sep = argv.index("--") if "--" in argv else len(argv)
    return argv[:sep], argv[sep + 1 :]


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

    # -- PostgreSQL ---------------------------------------------------------
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

    # -- odoo-bin -------------------------------------------------------------
    def odoo_command(self, *args, command=None):
        """``odoo-bin [command] --addons-path … <database options> --data-dir … args``."""
        return [
            PY,
            ODOO_BIN,
            *([command] if command else []),
            "--addons-path",
            ADDONS_PATH,
            *self.db_args,
            "--data-dir",
            DATA_DIR,
            *args,
        ]

    def odoo(self, *args, log_file=None, stream=False):
        """odoo-bin ``args``, its output written to ``log_file`` (and, with ``stream``, its
        errors and warnings shown); (exit code, output)."""
        return self._run_logged(self.odoo_command(*args), log_file, stream)

    def odoo_db(self, *args):
        return subprocess.run(
            self.odoo_command(*args, command="db"), capture_output=True, text=True
        )

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

    # -- the template and its copies ------------------------------------------
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
            code = self.install(name, ",".join(depends), "template.log")
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

    def install(self, db, modules, log_name):
        """``odoo-bin -i modules`` on ``db`` (no HTTP; its log in ``LOG_DIR / log_name``);
        the exit code."""
        code, _out = self.odoo(
            "-d",
            db,
            "-i",
            modules,
            "--stop-after-init",
            "--no-http",
            "--log-level",
            "warn",
            log_file=LOG_DIR / log_name,
        )
        return code

    def copy_template(self, db):
        """``db`` as a copy of the template (``odoo-bin db duplicate``, filestore included;
        an existing ``db`` is dropped first); the finished process."""
        template = self.template()
        if self.db_exists(db):
            self.odoo_db("drop", db)
        with self.template_lock(template):
            return self.odoo_db("duplicate", "-f", template, db)

    def fresh_database(self, db, log_name):
        """``db``: a copy of the template with the add-on and its demo data installed
        (the install's log in ``LOG_DIR / log_name``); stops the command on failure."""
        proc = self.copy_template(db)
        if proc.returncode:
            raise SystemExit(f"could not copy the template to {db}:\n{proc.stdout}{proc.stderr}")
        print(f"[setup] installing {MODULE} (with its demo data) into {db}", flush=True)
        if self.install(db, MODULE, log_name):
            raise SystemExit(f"install failed; see {LOG_DIR / log_name}")

    def boot(self, db):
        """Odoo in this process on ``db`` (no HTTP, no cron): (``odoo``, its registry)."""
        sys.path.insert(0, str(ODOO_SRC))
        odoo = importlib.import_module("odoo")
        odoo.tools.config.parse_config(
            [
                "--addons-path",
                ADDONS_PATH,
                *self.db_args,
                "--data-dir",
                DATA_DIR,
                "-d",
                db,
                "--log-level",
                "warn",
                "--max-cron-threads",
                "0",
            ]
        )
        return odoo, odoo.modules.registry.Registry(db)

    # -- servers ----------------------------------------------------------------
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

    def cleanup(self, db):
        if db and not os.environ.get("IST_KEEP_DB"):
            self.odoo_db("drop", db)
