from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager


class SupportBlockPortal(CustomerPortal):
    """The customer's prepaid blocks: list, balance with entries, statement PDF."""

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "support_block_count" in counters:
            Block = request.env["support.block"]
            values["support_block_count"] = (
                Block.search_count(self._support_block_domain()) if Block.has_access("read") else 0
            )
        return values

    def _support_block_domain(self):
        partner = request.env.user.partner_id
        return [
            ("partner_id", "child_of", [partner.commercial_partner_id.id]),
            ("state", "not in", ("draft", "cancelled")),
        ]

    def _support_block_sortings(self):
        return {
            "date": {"label": request.env._("Newest"), "order": "date_start desc, id desc"},
            "name": {"label": request.env._("Reference"), "order": "name desc"},
            "state": {"label": request.env._("Status"), "order": "state, date_start desc"},
        }

    @http.route(
        ["/my/support-blocks", "/my/support-blocks/page/<int:page>"],
        type="http",
        auth="user",
        website=True,
    )
    def portal_my_support_blocks(self, page=1, sortby="date", **kwargs):
        Block = request.env["support.block"]
        domain = self._support_block_domain()
        sortings = self._support_block_sortings()
        sortby = sortby if sortby in sortings else "date"
        pager = portal_pager(
            url="/my/support-blocks",
            url_args={"sortby": sortby},
            total=Block.search_count(domain),
            page=page,
            step=self._items_per_page,
        )
        blocks = Block.search(
            domain,
            order=sortings[sortby]["order"],
            limit=self._items_per_page,
            offset=pager["offset"],
        )
        request.session["my_support_blocks_history"] = blocks.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "blocks": blocks,
                "page_name": "support_block",
                "pager": pager,
                "default_url": "/my/support-blocks",
                "searchbar_sortings": sortings,
                "sortby": sortby,
            }
        )
        return request.render("it_support_time.portal_my_support_blocks", values)

    @http.route(
        ["/my/support-blocks/<int:block_id>"],
        type="http",
        auth="public",
        website=True,
    )
    def portal_my_support_block(
        self, block_id, access_token=None, report_type=None, download=False, **kwargs
    ):
        try:
            block_sudo = self._document_check_access("support.block", block_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=block_sudo,
                report_type=report_type,
                report_ref="it_support_time.action_report_support_block_statement",
                download=download,
            )
        values = self._get_page_view_values(
            block_sudo,
            access_token,
            {
                "block": block_sudo,
                "lines": block_sudo._support_statement_lines(),
                "page_name": "support_block",
            },
            "my_support_blocks_history",
            False,
        )
        return request.render("it_support_time.portal_my_support_block", values)
