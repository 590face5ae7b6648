from odoo import SUPERUSER_ID, api


def migrate(cr, version):
    """The monthly invoicing cron runs the invoicing engine (``support.invoicing``), no
    longer the wizard. Its record is not updated by an upgrade (``noupdate``: an
    administrator switches it on), so it is pointed at the engine here."""
    env = api.Environment(cr, SUPERUSER_ID, {})
    cron = env.ref("it_support_time.ir_cron_support_invoice_monthly", raise_if_not_found=False)
    if cron:
        cron.model_id = env["ir.model"]._get_id("support.invoicing")
