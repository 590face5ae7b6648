"""The add-on's Python tests under pytest-odoo (``bash scripts/pytest.sh [pytest args]``).

Called by scripts/pytest.sh once the virtualenv, the Odoo tree and PostgreSQL are ready
(as scripts/test.sh). Makes a fresh database with the add-on and its demo data (a copy
of the template), writes an Odoo configuration file for it and runs::

    pytest --odoo-config=… --odoo-database=… .build/addons/it_support_time/tests [args]

``-k`` picks tests, ``--collect-only -q`` lists them; pytest's summary line ends the run
and its exit status is the command's. The browser tours and the other HTTP tests
(``HttpCase``) run too: the command passes ``--odoo-http`` (pytest-odoo starts Odoo's
HTTP server in the pytest process, on 127.0.0.1); ``--no-http`` leaves it out, and
pytest-odoo then skips them. ``IST_KEEP_DB=1`` keeps the database, ``IST_PYTEST_DB=NAME``
runs on an existing one.
"""

import configparser
import os
import subprocess
import sys

from odoo_env import ADDONS_PATH, DATA_DIR, LOG_DIR, MODULE, ODOO_SRC, PY, ROOT, Run, split_argv

TESTS = ROOT / ".build" / "addons" / MODULE / "tests"


def write_config(run, db, path):
    """An Odoo configuration file for ``db`` with the commands' paths and database
    options (pytest-odoo reads it through ``--odoo-config``)."""
    config = configparser.ConfigParser(interpolation=None)
    options = {
        "addons_path": ADDONS_PATH,
        "data_dir": DATA_DIR,
        "db_name": db,
        "http_interface": "127.0.0.1",
        "max_cron_threads": "0",
        "workers": "0",
    }
    for key in ("host", "port", "user", "password"):
        if run.pg[key]:
            options[f"db_{key}"] = run.pg[key]
    config["options"] = options
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as out:
        config.write(out)
    return path


def pytest(config, db, args, **kwargs):
    """``pytest`` under pytest-odoo on ``db`` (Odoo's source on the path), with ``args``;
    the finished process (``kwargs`` go to ``subprocess.run``)."""
    cmd = [
        PY,
        "-m",
        "pytest",
        "-p",
        "no:cacheprovider",
        f"--rootdir={TESTS.parent}",
        f"--odoo-config={config}",
        f"--odoo-database={db}",
        str(TESTS),
        *args,
    ]
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(filter(None, [str(ODOO_SRC), os.environ.get("PYTHONPATH")])),
    )
    return subprocess.run(cmd, cwd=ROOT, env=env, **kwargs)


def main():
    db_args, pytest_args = split_argv()
    if "--no-http" in pytest_args:
        pytest_args.remove("--no-http")
    elif "--odoo-http" not in pytest_args:
        pytest_args.insert(0, "--odoo-http")
    run = Run(db_args)
    db = os.environ.get("IST_PYTEST_DB")
    own_db = not db
    if own_db:
        db = f"ist_pytest_{os.getpid()}"
        run.fresh_database(db, "pytest_install.log")
    config = write_config(run, db, LOG_DIR / "pytest-odoo.conf")
    try:
        code = pytest(config, db, pytest_args).returncode
    finally:
        if own_db:
            run.cleanup(db)
    sys.exit(code)


if __name__ == "__main__":
    main()
