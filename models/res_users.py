from odoo import models
from odoo.tools import ormcache

# the bus notification the quick timer's clients (systray, task buttons, phone) listen to
SUPPORT_TIMER_BUS_TYPE = "it_support_time/quick_timer"


class ResUsers(models.Model):
    _inherit = "res.users"

    def write(self, vals):
        if "partner_id" in vals:
            self.env.registry.clear_cache()  # _support_partner_id
        return super().write(vals)

    @ormcache("self.id")
    def _support_partner_id(self):
        """Id of the user's partner, read once per server process: the channel every
        quick timer notification goes to (``write`` clears it when it changes)."""
        return self.sudo().partner_id.id

    def _support_timer_notify(self, running):
        """Tell the user's open clients (browser tabs, the phone) that the quick timer
        started or stopped, on the user's own channel (``res.users._bus_channel()``: the
        user's partner)."""
        for user in self:
            partner = self.env["res.partner"].browse(user._support_partner_id())
            partner._bus_send(SUPPORT_TIMER_BUS_TYPE, {"running": running})
