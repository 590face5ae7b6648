from odoo.tools import SQL

from .models.account_analytic_line import SUPPORT_TIMER_INDEX


def uninstall_hook(env):
    """Drop what ``init()`` created outside the ORM's bookkeeping before Odoo removes the
    module's tables and columns: the unique index of running timers (it would go with
    its column, but an index Odoo does not know about is never left to chance)."""
    env.cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(SUPPORT_TIMER_INDEX)))
