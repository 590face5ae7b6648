"""The add-on's translation template, ``i18n/it_support_time.pot``, as Odoo exports it.

- ``bash scripts/export_pot.sh``: a fresh database with the add-on and its demo data (a
  copy of the template), then ``odoo-bin --i18n-export=i18n/it_support_time.pot
  --modules=it_support_time`` on it; the database is dropped afterwards;
- the test command's check (``pot_check``): Odoo exports the template again from the
  test's database, and every message of that export must be in the committed file: a
  translatable string added to the code, views, data or reports without exporting again
  fails it, and is named.
"""

import argparse
import os
import shutil
import tempfile
from pathlib import Path

import polib
from odoo_env import ADDONS_PATH, LOG_DIR, MODULE, ROOT, Run, split_argv

POT = ROOT / "i18n" / f"{MODULE}.pot"
ADDONS_DIR = ROOT / ".build" / "addons"
NOT_COPIED = (".build", ".git", "__pycache__", ".ruff_cache")


def export_pot(run, db, path):
    """Odoo's export of the add-on's terms from ``db`` to ``path`` (a .pot: no language);
    (exit code, output).

    Odoo reads the code's terms by walking its addons paths and following links; the
    add-on's usual one (``.build/addons/it_support_time``, a link to the checkout) is
    inside the checkout, so the walk would go round it until the system stops it (and
    name each file dozens of times). The export reads a copy of the checkout instead."""
    with tempfile.TemporaryDirectory(prefix="ist_i18n_") as addons:
        shutil.copytree(ROOT, Path(addons) / MODULE, ignore=shutil.ignore_patterns(*NOT_COPIED))
        addons_path = [entry for entry in ADDONS_PATH.split(",") if Path(entry) != ADDONS_DIR]
        return run.odoo(
            "--addons-path",
            ",".join([*addons_path, addons]),
            "-d",
            db,
            f"--i18n-export={path}",
            f"--modules={MODULE}",
            "--stop-after-init",
            "--no-http",
            "--log-level",
            "warn",
            log_file=LOG_DIR / "i18n_export.log",
        )


def messages(path):
    """The (context, message) pairs of a .po/.pot file."""
    return {(entry.msgctxt, entry.msgid) for entry in polib.pofile(str(path)) if entry.msgid}


def missing_messages(db_run, db):
    """Export from ``db`` to a scratch file; (messages of the export missing from the
    committed template, or None if the export failed, its detail)."""
    fresh = LOG_DIR / f"{MODULE}.fresh.pot"
    fresh.unlink(missing_ok=True)
    code, _out = export_pot(db_run, db, fresh)
    if code or not fresh.exists():
        return None, f"the export failed (exit {code}); see {LOG_DIR}/i18n_export.log"
    if not POT.exists():
        return sorted(messages(fresh)), f"{POT.relative_to(ROOT)} does not exist"
    committed = messages(POT)
    return sorted(messages(fresh) - committed), f"{len(committed)} messages in the template"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="export from this database (default: a fresh one)")
    parser.add_argument("--output", default=str(POT), help=f"default: {POT.relative_to(ROOT)}")
    db_args, rest = split_argv()
    opts = parser.parse_args(rest)
    run = Run(db_args)
    db = opts.db or f"ist_pot_{os.getpid()}"
    if not opts.db:
        run.fresh_database(db, "i18n_install.log")
    try:
        code, _out = export_pot(run, db, os.path.abspath(opts.output))
    finally:
        if not opts.db:
            run.cleanup(db)
    if code:
        raise SystemExit(f"the export failed; see {LOG_DIR}/i18n_export.log")
    print(f"[i18n] {len(messages(opts.output))} messages written to {opts.output}")


if __name__ == "__main__":
    main()
