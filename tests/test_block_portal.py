from odoo.exceptions import AccessError
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import JsonRpcException

from .common_block import BlockCommon


@tagged("post_install", "-at_install")
class TestBlockPortal(BlockCommon, HttpCase):
    """Customers see their own blocks, balances, entries and statements in the portal,
    and nobody else's, by URL or by RPC."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.contact_b = cls.env["res.partner"].create(
            {"name": "Olga Other", "parent_id": cls.customer_b.id}
        )
        cls.portal_a = new_test_user(
            cls.env,
            login="portal_a",
            groups="base.group_portal",
            partner_id=cls.customer_contact.id,
        )
        cls.portal_b = new_test_user(
            cls.env, login="portal_b", groups="base.group_portal", partner_id=cls.contact_b.id
        )
        cls.block_a = cls._create_block(hours=10, po="PO-A-1")
        cls.block_b = cls._create_block(hours=5, po="PO-B-SECRET", partner_id=cls.customer_b.id)
        cls.draft_a = cls._create_block(hours=5, po="PO-A-DRAFT", activate=False)
        cls.env["account.analytic.line"].with_user(cls.support_user).create(
            {
                "name": "Replaced the firewall",
                "project_id": cls.project.id,
                "task_id": cls.block_a.task_id.id,
                "support_type_id": cls.type_phone.id,
                "unit_amount": 2.5,
            }
        )

    def test_customer_sees_own_blocks_with_balance_and_entries(self):
        self.authenticate("portal_a", "portal_a")
        response = self.url_open("/my/support-blocks")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.block_a.name, response.text)
        self.assertIn("7.50", response.text)
        self.assertNotIn(self.block_b.name, response.text)
        self.assertNotIn("PO-A-DRAFT", response.text)

        response = self.url_open(f"/my/support-blocks/{self.block_a.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn("PO-A-1", response.text)
        self.assertIn("Replaced the firewall", response.text)
        self.assertIn("7.50 h", response.text)
        self.assertIn("2.50", response.text)

        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["support_block_count"]})
        self.assertEqual(counters["support_block_count"], 1)

    def test_statement_download(self):
        self.authenticate("portal_a", "portal_a")
        url = f"/my/support-blocks/{self.block_a.id}?report_type=pdf&download=true"
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        self.assertIn("Statement", response.headers["Content-Disposition"])
        # in test mode Odoo renders the PDF report as HTML: check what it prints
        self.assertIn("Support Block Statement", response.text)
        self.assertIn("PO-A-1", response.text)
        self.assertIn("Replaced the firewall", response.text)

    def test_statement_renders_as_pdf(self):
        pdf, report_type = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf(
                "it_support_time.action_report_support_block_statement", self.block_a.ids
            )
        )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))

    def test_customer_cannot_open_another_customers_block(self):
        self.authenticate("portal_a", "portal_a")
        for url in (
            f"/my/support-blocks/{self.block_b.id}",
            f"/my/support-blocks/{self.block_b.id}?report_type=pdf&download=true",
            f"/my/support-blocks/{self.block_b.id}?report_type=html",
        ):
            response = self.url_open(url)
            self.assertTrue(response.url.endswith("/my"), f"{url} led to {response.url}")
            self.assertNotIn("PO-B-SECRET", response.text)
            self.assertNotIn(self.block_b.name, response.text)

    def test_anonymous_visitor_sees_no_block(self):
        response = self.url_open(f"/my/support-blocks/{self.block_a.id}")
        self.assertIn("/web/login", response.url)
        self.assertNotIn("PO-A-1", response.text)

    def test_customer_cannot_read_another_customers_block_by_rpc(self):
        Block = self.env["support.block"].with_user(self.portal_a)
        self.assertEqual(Block.search([("state", "!=", "draft")]), self.block_a)
        self.assertEqual(Block.search_count([("partner_id", "=", self.customer_b.id)]), 0)
        with self.assertRaises(AccessError):
            self.block_b.with_user(self.portal_a).read(["name", "hours_remaining"])
        with self.assertRaises(AccessError):
            self.block_a.with_user(self.portal_a).write({"hours_purchased": 100})
        self.authenticate("portal_a", "portal_a")
        with self.assertRaises(JsonRpcException) as catcher:
            self.make_jsonrpc_request(
                "/web/dataset/call_kw/support.block/read",
                {
                    "model": "support.block",
                    "method": "read",
                    "args": [[self.block_b.id], ["name"]],
                    "kwargs": {},
                },
            )
        self.assertIn("AccessError", str(catcher.exception))
